"""files gate: Anchore's own vectors (tests/unit/.../gates/test_files.py), trigger ids from real
evaluations, and our fixes."""

import base64

import pytest

from app.engine import ContentMatch, FileEntry
from tests.engine.helpers import decide, fire, image, messages, policy, rule

AWS = ("AWS_ACCESS_KEY=(?i).*aws_access_key_id( *=+ *).*(?<![A-Z0-9])[A-Z0-9]{20}"
       "(?![A-Z0-9]).*")
API = "API_KEY=(?i).*api(-|_)key( *=+ *).*(?<![A-Z0-9])[A-Z0-9]{20,60}(?![A-Z0-9]).*"
ARCH_SHA = "480bddf71ef05659c5405f65f139e49b99122175f0163d281d471f0a368aad7c"
OTHER_SHA = "5a05c656df50a3d9fb6a299716196a28dd33dc55d154fd72d9bab89a5e1815ab"

# Anchore's fixture: modes are full st_mode values, as its analyzer records them.
FILES = (
    FileEntry("/bin", "dir", 16877,
              sha256="a4a080992560315f59b75c62e458181c00fe5c3b962f5b2b64297badbfbc12c7"),
    FileEntry("/bin/arch", "symlink", 41471, link_target="/bin/busybox", sha256=ARCH_SHA),
    FileEntry("/usr/bin/test", "symlink", 3072, link_target="/bin/busybox"),
    FileEntry("/usr/share/apk/keys", "dir", 3072),
    FileEntry("/fake_private_key", "file", 33188,
              sha256="9e6be7f96d6c88338eecb2396e4e7c27d3387fe45e5aa740614e1e292ce65aa7"),
    FileEntry("/fake_api_key", "file", 33188,
              sha256="77db45a31c74cf01bb130ab4bc4869d2d03b576c48977f96ae81d4e4912f334b"),
)
CONTENT = (ContentMatch("/fake_aws_access_key", AWS, (0,)),
           ContentMatch("/fake_api_key", API, (0,)))
IMAGE = image(files=FILES, content_matches=CONTENT)

AWS_HIT = f"File content analyzer found regexp match in container: file=/fake_aws_access_key " \
          f"regexp={AWS}"
API_HIT = f"File content analyzer found regexp match in container: file=/fake_api_key " \
          f"regexp={API}"


@pytest.mark.parametrize(("regex", "expected"), [
    (".*arch", ["Application of regex matched file found in container: file=/bin/arch "
                "regexp=.*arch"]),
    ("/usr/local/bin", []),
    ("/bin", ["Application of regex matched file found in container: file=/bin regexp=/bin",
              "Application of regex matched file found in container: file=/bin/arch "
              "regexp=/bin"]),  # re.match: anchored at the start only
])
def test_name_match(regex, expected):
    assert messages(fire("files", "name_match", IMAGE, regex=regex)) == expected


@pytest.mark.parametrize(("params", "expected"), [
    ({"filename": "/bin/arch", "checksum_algorithm": "sha256", "checksum": OTHER_SHA,
      "checksum_match": "equals"}, []),
    ({"filename": "/bin/arch", "checksum_algorithm": "sha256", "checksum": OTHER_SHA,
      "checksum_match": "not_equals"},
     [f"filename=/bin/arch and checksum={ARCH_SHA} op=not_equals specified_checksum={OTHER_SHA}"]),
    ({"filename": "/bin/arch", "checksum_algorithm": "sha256", "checksum": ARCH_SHA,
      "checksum_match": "equals"},
     [f"filename=/bin/arch and checksum={ARCH_SHA} op=equals specified_checksum={ARCH_SHA}"]),
    ({"filename": "/bin/arch", "mode": "00777", "mode_op": "equals"},
     ["filename=/bin/arch and mode=0o777 op=equals specified_mode=0o777"]),
    ({"filename": "/usr/local/test_file", "mode": "00777", "mode_op": "equals",
      "skip_missing": "false"},
     ["filename=/usr/local/test_file and skip_missing=False"]),
    # Beyond Anchore's vectors, from its code:
    ({"filename": "/usr/local/test_file", "mode": "00777"}, []),  # skip_missing defaults true
    ({"filename": "/bin/arch"}, []),  # nothing to check
    ({"filename": "/bin/arch", "checksum": ARCH_SHA}, [  # checksum_match defaults to equals
        f"filename=/bin/arch and checksum={ARCH_SHA} op=equals specified_checksum={ARCH_SHA}"]),
    ({"filename": "/bin/arch", "mode": "0777", "mode_op": "not_equals"}, []),
    ({"filename": "/bin/arch", "mode": "0755", "mode_op": "not_equals"},
     ["filename=/bin/arch and mode=0o777 op=not_equals specified_mode=0o755"]),
    ({"filename": "/bin/arch", "checksum": ARCH_SHA, "mode": "0777"},  # both hold: one finding
     [f"filename=/bin/arch and checksum={ARCH_SHA} op=equals specified_checksum={ARCH_SHA} "
      "and mode=0o777 op=equals specified_mode=0o777"]),
    ({"filename": "/bin/arch", "checksum": ARCH_SHA, "mode": "0755"}, []),  # one fails: none
    ({"filename": "/bin/arch", "checksum": OTHER_SHA, "mode": "0777"}, []),
    ({"filename": "/bin/arch", "mode": "", "checksum": ""}, []),  # empty means unset
    ({"filename": "/usr/share/apk/keys", "checksum": "DIRECTORY_OR_OTHER"},  # no digest
     ["filename=/usr/share/apk/keys and checksum=DIRECTORY_OR_OTHER op=equals "
      "specified_checksum=DIRECTORY_OR_OTHER"]),
    ({"filename": "/usr/bin/test", "mode": "06000"},
     ["filename=/usr/bin/test and mode=0o6000 op=equals specified_mode=0o6000"]),
])
def test_attribute_match(params, expected):
    assert messages(fire("files", "attribute_match", IMAGE, **params)) == expected


@pytest.mark.parametrize(("mode", "op", "expected"), [
    # Fix: Anchore masks only the file's mode, so a mode written with file-type bits never
    # matched; both sides are permission bits here, printed as Anchore prints them.
    ("0o104111", "equals", ["filename=/usr/bin/sudo and mode=0o4111 op=equals "
                            "specified_mode=0o104111"]),
    ("104111", "not_equals", []),
    ("4111", "equals", ["filename=/usr/bin/sudo and mode=0o4111 op=equals "
                        "specified_mode=0o4111"]),
    ("0o104755", "not_equals", ["filename=/usr/bin/sudo and mode=0o4111 op=not_equals "
                                "specified_mode=0o104755"]),
])
def test_attribute_match_mode_with_file_type_bits(mode, op, expected):
    facts = image(files=(FileEntry("/usr/bin/sudo", mode=0o104111),))
    assert messages(fire("files", "attribute_match", facts, filename="/usr/bin/sudo",
                         mode=mode, mode_op=op)) == expected


def test_suid_or_guid_set():
    assert messages(fire("files", "suid_or_guid_set", IMAGE)) == [
        "SUID or SGID found set on file /usr/bin/test. Mode: 0o6000",
        "SUID or SGID found set on file /usr/share/apk/keys. Mode: 0o6000",
    ]


@pytest.mark.parametrize(("path", "mode", "expected_id"), [
    ("/usr/bin/passwd", 0o104755, "bcd159901fe47efddae5c095b4b0d7fd"),
    ("/usr/bin/chage", 0o104755, "639f6f1177735759703e928c14714a59"),  # Iron Bank export
])
def test_suid_trigger_ids(path, mode, expected_id):
    [finding] = fire("files", "suid_or_guid_set", image(files=(FileEntry(path, mode=mode),)))
    assert finding.message == f"SUID or SGID found set on file {path}. Mode: 0o104755"
    assert finding.trigger_id == expected_id


@pytest.mark.parametrize(("params", "expected"), [
    ({"regex_name": "AWS_ACCESS_KEY"}, [AWS_HIT]),
    ({"regex_name": AWS.split("=", 1)[1]}, [AWS_HIT]),  # the pattern without its name
    ({}, [AWS_HIT, API_HIT]),
    # The regex text and its base64 (both Anchore's line-wrapped keys and unwrapped).
    ({"regex_name": API}, [API_HIT]),
    ({"regex_name": base64.b64encode(API.encode()).decode()}, [API_HIT]),
    ({"regex_name": base64.encodebytes(AWS.encode()).decode()}, [AWS_HIT]),
    ({"regex_name": "API"}, []),  # names are matched whole
    ({"regex_name": ""}, [AWS_HIT, API_HIT]),
])
def test_content_regex_match(params, expected):
    assert messages(fire("files", "content_regex_match", IMAGE, **params)) == expected


def test_content_regex_match_unnamed_regex_and_repeats():
    facts = image(files=(), content_matches=(
        ContentMatch("/a", ".*password.*"), ContentMatch("/b", ".*password.*"),
        ContentMatch("/a", ".*password.*", (3,)), ContentMatch("/a", "PW=.*pw.*")))
    assert messages(fire("files", "content_regex_match", facts)) == [
        "File content analyzer found regexp match in container: file=/a regexp=.*password.*",
        "File content analyzer found regexp match in container: file=/a regexp=PW=.*pw.*",
        "File content analyzer found regexp match in container: file=/b regexp=.*password.*",
    ]
    assert len(fire("files", "content_regex_match", facts, regex_name=".*password.*")) == 2


def test_repeated_path_keeps_last_entry():
    facts = image(files=(FileEntry("/x", mode=0o104755), FileEntry("/y", mode=0o100644),
                         FileEntry("/x", mode=0o100755)))
    assert fire("files", "suid_or_guid_set", facts) == []


@pytest.mark.parametrize(("trigger", "params", "location"), [
    ("name_match", {"regex": r"*\.pem"}, "rule_sets[0].rules[0].params[0].value"),
    ("name_match", {}, "rule_sets[0].rules[0].params"),
    ("attribute_match", {"filename": "/x", "mode": "0o9"}, "rule_sets[0].rules[0].params[1]"),
    ("attribute_match", {"filename": "/x", "mode_op": "like"},
     "rule_sets[0].rules[0].params[1]"),
    ("attribute_match", {"filename": "/x", "checksum_algorithm": "md5"},
     "rule_sets[0].rules[0].params[1]"),
    ("attribute_match", {"filename": "/x", "skip_missing": "maybe"},
     "rule_sets[0].rules[0].params[1]"),
])
def test_bad_params_are_policy_problems(trigger, params, location):
    decision = decide(policy([rule("files", trigger, **params)]), IMAGE)
    [problem] = decision.problems
    assert problem.problem_type == "ParameterValueInvalidError"
    assert location in problem.details
    assert decision.final_action.label == "stop" and not decision.findings


@pytest.mark.parametrize("trigger", ["content_regex_match", "name_match", "attribute_match",
                                     "suid_or_guid_set"])
def test_sbom_only_image_is_a_warning(trigger):
    params = {"name_match": {"regex": ".*"}, "attribute_match": {"filename": "/x"}}
    decision = decide(policy([rule("files", trigger, **params.get(trigger, {}))]),
                      image(files=None, content_matches=CONTENT))
    [problem] = decision.problems
    assert (problem.severity, problem.problem_type) == ("warn", "ImageDataUnavailable")
    assert "rule_sets[0].rules[0]" in problem.details
    assert not decision.findings and decision.final_action.label == "go"
