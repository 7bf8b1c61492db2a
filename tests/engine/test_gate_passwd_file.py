"""passwd_file gate: Anchore's own vectors (tests/unit/.../gates/test_passwd_file.py)."""

import pytest

from tests.engine.helpers import decide, fire, image, messages, policy, rule

REDIS = "redis:x:41:29:redis:/var/redis:/bin/zsh"
FOO = "foo:x:45:45:foo:/var/foo:/bin/bash"
ADM = "adm:x:22:22:adm:/var/adm:/usr/bin/false"
PASSWD = (f"root:x:0:0:root:/root:/bin/sh\nbin:x:1:1:bin:/bin:/usr/bin/false\n{ADM}\n{REDIS}\n"
          f"{FOO}\n")
IMAGE = image(retrieved_files={"/etc/passwd": PASSWD})
NOT_STORED = "Cannot locate /etc/passwd in image stored files archive: check analyzer settings."


@pytest.mark.parametrize(("trigger", "params", "expected"), [
    ("blacklist_usernames", {"user_names": "adm"},
     [f"Blacklisted user 'adm' found in image's /etc/passwd: pentry={ADM}"]),
    ("blacklist_usernames", {"user_names": "adm,bin"}, [
        "Blacklisted user 'bin' found in image's /etc/passwd: "
        "pentry=bin:x:1:1:bin:/bin:/usr/bin/false",
        f"Blacklisted user 'adm' found in image's /etc/passwd: pentry={ADM}"]),
    ("blacklist_usernames", {"user_names": "postgres"}, []),
    ("blacklist_userids", {"user_ids": "22"},
     [f"Blacklisted uid '22' found in image's /etc/passwd: pentry={ADM}"]),
    ("blacklist_userids", {"user_ids": "22,41"}, [
        f"Blacklisted uid '22' found in image's /etc/passwd: pentry={ADM}",
        f"Blacklisted uid '41' found in image's /etc/passwd: pentry={REDIS}"]),
    ("blacklist_userids", {"user_ids": "220"}, []),
    ("blacklist_groupids", {"group_ids": "22"},
     [f"Blacklisted gid '22' found in image's /etc/passwd: pentry={ADM}"]),
    ("blacklist_groupids", {"group_ids": "22,29"}, [
        f"Blacklisted gid '22' found in image's /etc/passwd: pentry={ADM}",
        f"Blacklisted gid '29' found in image's /etc/passwd: pentry={REDIS}"]),
    ("blacklist_groupids", {"group_ids": "92"}, []),
    ("blacklist_shells", {"shells": "/bin/bash"},
     [f"Blacklisted shell '/bin/bash' found in image's /etc/passwd: pentry={FOO}"]),
    ("blacklist_shells", {"shells": "/bin/bash,/bin/zsh"}, [
        f"Blacklisted shell '/bin/zsh' found in image's /etc/passwd: pentry={REDIS}",
        f"Blacklisted shell '/bin/bash' found in image's /etc/passwd: pentry={FOO}"]),
    ("blacklist_shells", {"shells": "/bin/ion"}, []),
    ("blacklist_full_entry", {"entry": REDIS},
     [f"Blacklisted pentry '{REDIS}' found in image's /etc/passwd: pentry={REDIS}"]),
    ("blacklist_full_entry", {"entry": FOO},
     [f"Blacklisted pentry '{FOO}' found in image's /etc/passwd: pentry={FOO}"]),
    ("blacklist_full_entry", {"entry": "postgres:x:10:10:postgres:/var/postgres:/bin/false"}, []),
    ("blacklist_full_entry", {"entry": f"  {FOO} "},  # the entry is stripped
     [f"Blacklisted pentry '{FOO}' found in image's /etc/passwd: pentry={FOO}"]),
    ("blacklist_userids", {"user_ids": "022"},  # numbers: 022 is uid 22
     [f"Blacklisted uid '22' found in image's /etc/passwd: pentry={ADM}"]),
    ("blacklist_usernames", {"user_names": " adm , nobody"},
     [f"Blacklisted user 'adm' found in image's /etc/passwd: pentry={ADM}"]),
    ("content_not_available", {}, []),
])
def test_passwd_triggers(trigger, params, expected):
    assert messages(fire("passwd_file", trigger, IMAGE, **params)) == expected


@pytest.mark.parametrize("files", [{}, {"/etc/shadow": "x"}, {"/etc/passwd": ""}])
def test_content_not_available(files):
    facts = image(retrieved_files=files)
    assert messages(fire("passwd_file", "content_not_available", facts)) == [NOT_STORED]
    assert fire("passwd_file", "blacklist_usernames", facts, user_names="root") == []


@pytest.mark.parametrize(("trigger", "param", "value"), [
    ("denylist_usernames", "user_names", "adm"),
    ("denylist_userids", "user_ids", "22"),
    ("denylist_groupids", "group_ids", "22"),
    ("denylist_shells", "shells", "/bin/sh,/bin/false"),
    ("denylist_full_entry", "entry", "adm:x:22:22:adm:/var/adm:/bin/false"),
    ("blacklist_usernames", "usernameblacklist", "adm"),  # Anchore's legacy parameter names
    ("blacklist_userids", "useridblacklist", "22"),
    ("DenyList_UserNames", "USER_NAMES", "adm"),  # names are case-insensitive
])
def test_enterprise_and_legacy_names(trigger, param, value):
    facts = image(retrieved_files={"/etc/passwd": ADM.replace("/usr/bin/false", "/bin/false")})
    [finding] = fire("passwd_file", trigger, facts, **{param: value})
    assert "pentry=adm:x:22:22:adm:/var/adm:/bin/false" in finding.message
    assert finding.trigger == trigger.lower()


def test_enterprise_spelling_keeps_the_trigger_id():
    [v1] = fire("passwd_file", "blacklist_usernames", IMAGE, user_names="adm")
    [v2] = fire("passwd_file", "denylist_usernames", IMAGE, user_names="adm")
    assert v1.trigger_id == v2.trigger_id


def test_repeated_user_keeps_first_place_and_last_entry():
    facts = image(retrieved_files={"/etc/passwd": "a:x:1:1::/:/bin/sh\nb:x:2:2::/:/bin/sh\n"
                                                  "a:x:3:3::/:/bin/sh\n"})
    assert messages(fire("passwd_file", "blacklist_shells", facts, shells="/bin/sh")) == [
        "Blacklisted shell '/bin/sh' found in image's /etc/passwd: pentry=a:x:3:3::/:/bin/sh",
        "Blacklisted shell '/bin/sh' found in image's /etc/passwd: pentry=b:x:2:2::/:/bin/sh",
    ]


def test_malformed_entry_is_an_evaluation_problem():
    facts = image(retrieved_files={"/etc/passwd": "root:x:0:0:root:/root:/bin/sh\nbroken:x\n"})
    decision = decide(policy([rule("passwd_file", "blacklist_shells", shells="/bin/sh")]), facts)
    [problem] = decision.problems
    assert problem.problem_type == "TriggerEvaluationError"
    assert "rule_sets[0].rules[0]" in problem.details and "'broken:x'" in problem.details
    assert decision.final_action.label == "stop"
    # Triggers that need no missing field still read the file.
    assert len(fire("passwd_file", "blacklist_usernames", facts, user_names="broken")) == 1


@pytest.mark.parametrize(("trigger", "params", "location"), [
    ("blacklist_userids", {"user_ids": "root"}, "rule_sets[0].rules[0].params[0].value"),
    ("blacklist_groupids", {"group_ids": "1,-2"}, "rule_sets[0].rules[0].params[0].value"),
    ("blacklist_shells", {}, "rule_sets[0].rules[0].params"),
    ("blacklist_full_entry", {"entries": "x"}, "rule_sets[0].rules[0].params[0].name"),
])
def test_bad_params_are_policy_problems(trigger, params, location):
    decision = decide(policy([rule("passwd_file", trigger, **params)]), IMAGE)
    assert any(location in p.details for p in decision.problems)
    assert {p.problem_type for p in decision.problems} <= {"ParameterValueInvalidError",
                                                           "InvalidParameterError"}


def test_sbom_only_image_is_a_warning():
    decision = decide(policy([rule("passwd_file", "content_not_available")]), image(files=None))
    [problem] = decision.problems
    assert (problem.severity, problem.problem_type) == ("warn", "ImageDataUnavailable")
    assert "rule_sets[0].rules[0]" in problem.details and not decision.findings
