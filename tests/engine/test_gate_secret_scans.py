"""secret_scans gate: Anchore's own vectors (tests/unit/.../gates/test_secrets.py), and the name
filter as an exact list."""

import pytest

from app.engine import ContentMatch, FileEntry
from tests.engine.helpers import decide, fire, image, messages, policy, rule

AWS = ("AWS_ACCESS_KEY=(?i).*aws_access_key_id( *=+ *).*(?<![A-Z0-9])[A-Z0-9]{20}"
       "(?![A-Z0-9]).*")
PRIV = "PRIV_KEY=(?i)-+BEGIN(.*)PRIVATE KEY-+"
API = "API_KEY=(?i).*api(-|_)key( *=+ *).*(?<![A-Z0-9])[A-Z0-9]{20,60}(?![A-Z0-9]).*"
IMAGE = image(
    files=(FileEntry("/fake_private_key"), FileEntry("/fake_api_key")),
    secret_matches=(ContentMatch("/fake_aws_key", AWS, (0,)),
                    ContentMatch("/fake_private_key", PRIV, (0,))),
)
FOUND = "Secret content search analyzer found regexp match in container: "
AWS_HIT = f"{FOUND}file=/fake_aws_key regexp={AWS}"
PRIV_HIT = f"{FOUND}file=/fake_private_key regexp={PRIV}"
NOT_FOUND = "Secret content search analyzer did not find regexp match in container: "


@pytest.mark.parametrize(("params", "expected"), [
    ({"content_regex_name": "AWS_ACCESS_KEY"}, [AWS_HIT]),
    ({"content_regex_name": "test"}, []),
    ({"filename_regex": "/fake*"}, [AWS_HIT, PRIV_HIT]),
    ({"filename_regex": "/fake_test*"}, []),
    ({"filename_regex": "/fake_test*", "match_type": "notfound"},
     [f"{NOT_FOUND}filename_regex=/fake_test* content_regex_name=all"]),
    ({"content_regex_name": "AWS_ACCESS_KEY", "match_type": "found"}, [AWS_HIT]),
    ({"filename_regex": "/fake*", "content_regex_name": "AWS_ACCESS_KEY"}, [AWS_HIT]),
    # Beyond Anchore's vectors, from its code:
    ({}, [AWS_HIT, PRIV_HIT]),
    ({"match_type": "notfound"}, []),
    ({"content_regex_name": "API_KEY", "match_type": "notfound"},
     [f"{NOT_FOUND}filename_regex=* content_regex_name=API_KEY"]),
    ({"content_regex_name": "AWS_ACCESS_KEY", "match_type": "notfound"}, []),
    ({"filename_regex": ".*private"}, [PRIV_HIT]),  # re.match: anchored at the start
    ({"filename_regex": "private"}, []),
    ({"content_regex_name": PRIV.split("=", 1)[1]}, [PRIV_HIT]),  # the pattern alone
    ({"content_regex_name": PRIV}, [PRIV_HIT]),  # the whole regex text
    # Fix: a comma-separated list matched exactly (Anchore tested substrings of the value).
    ({"content_regex_name": "PRIV_KEY, AWS_ACCESS_KEY"}, [AWS_HIT, PRIV_HIT]),
    ({"content_regex_name": "AWS_ACCESS_KEY_ID"}, []),  # Anchore: a substring, so a hit
    ({"content_regex_name": "PRIV"}, []),
    ({"content_regex_name": "PRIV,API_KEY", "match_type": "notfound",
      "filename_regex": "/fake_aws.*"},
     [f"{NOT_FOUND}filename_regex=/fake_aws.* content_regex_name=PRIV,API_KEY"]),
])
def test_content_regex_checks(params, expected):
    assert messages(fire("secret_scans", "content_regex_checks", IMAGE, **params)) == expected


def test_regex_with_commas_is_matched_whole():
    facts = image(secret_matches=(ContentMatch("/app/.env", API),))
    assert messages(fire("secret_scans", "content_regex_checks", facts,
                         content_regex_name=API)) == [f"{FOUND}file=/app/.env regexp={API}"]


def test_hits_grouped_by_file_and_repeats_dropped():
    facts = image(secret_matches=(ContentMatch("/a", AWS, (1,)), ContentMatch("/b", PRIV),
                                  ContentMatch("/a", PRIV), ContentMatch("/a", AWS, (7,))))
    assert messages(fire("secret_scans", "content_regex_checks", facts)) == [
        f"{FOUND}file=/a regexp={AWS}", f"{FOUND}file=/a regexp={PRIV}",
        f"{FOUND}file=/b regexp={PRIV}"]


@pytest.mark.parametrize(("params", "location"), [
    ({"filename_regex": "*.pem"}, "rule_sets[0].rules[0].params[0].value"),
    ({"match_type": "found_any"}, "rule_sets[0].rules[0].params[0].value"),
])
def test_bad_params_are_policy_problems(params, location):
    decision = decide(policy([rule("secret_scans", "content_regex_checks", **params)]), IMAGE)
    [problem] = decision.problems
    assert problem.problem_type == "ParameterValueInvalidError"
    assert location in problem.details


def test_sbom_only_image_is_a_warning():
    decision = decide(policy([rule("secret_scans", "content_regex_checks",
                                   match_type="notfound")]), image(files=None))
    [problem] = decision.problems
    assert (problem.severity, problem.problem_type) == ("warn", "ImageDataUnavailable")
    assert "rule_sets[0].rules[0]" in problem.details and not decision.findings
