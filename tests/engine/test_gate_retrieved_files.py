"""retrieved_files gate: Anchore's own vectors (tests/unit/.../gates/test_retrieved_files.py),
the explicit trigger id, and one content_not_available finding where Anchore gave two."""

import pytest

from tests.engine.helpers import decide, fire, image, messages, policy, rule

ENTRY = "adm:x:5:5:adm:/var/adm:/bin/bash"
GEMS = "/usr/local/lib/ruby/gems/2.3.0/"
IMAGE = image(retrieved_files={"/etc/passwd": ENTRY, GEMS: ENTRY})
NOT_STORED = "Cannot locate file in the image analysis"


@pytest.mark.parametrize(("path", "expected"), [
    ("/test/path", [NOT_STORED]),
    ("/etc/passwd", []),
])
def test_content_not_available(path, expected):
    assert messages(fire("retrieved_files", "content_not_available", IMAGE, path=path)) == expected


def test_content_not_available_fires_once_when_nothing_was_retrieved():
    [finding] = fire("retrieved_files", "content_not_available", image(), path="/etc/passwd")
    assert finding.message == NOT_STORED


@pytest.mark.parametrize(("params", "expected"), [
    ({"path": "/etc/passwd", "check": "match", "regex": ".*bash"},
     ["Content regex '.*bash' check 'match' found in retrieved file '/etc/passwd'"]),
    ({"path": "/etc/passwd", "check": "match", "regex": ".*zsh"}, []),
    ({"path": "/etc/passwd", "check": "no_match", "regex": ".*bash"}, []),
    ({"path": GEMS, "check": "no_match", "regex": "expect_fail"},
     [f"Content regex 'expect_fail' check 'no_match' found in retrieved file '{GEMS}'"]),
    # Beyond Anchore's vectors, from its code:
    ({"path": "/etc/missing", "check": "no_match", "regex": "x"}, []),  # no file: no verdict
    ({"path": "/etc/passwd", "check": "match", "regex": "bash"}, []),  # re.match per token
    ({"path": "/etc/passwd", "check": "match", "regex": "adm:x"},
     ["Content regex 'adm:x' check 'match' found in retrieved file '/etc/passwd'"]),
])
def test_content_regex(params, expected):
    assert messages(fire("retrieved_files", "content_regex", IMAGE, **params)) == expected


def test_content_regex_matches_whitespace_separated_tokens():
    facts = image(retrieved_files={"/etc/httpd.conf": "Listen 443\nSSLEngine  on\n"})
    hit = fire("retrieved_files", "content_regex", facts, path="/etc/httpd.conf",
               regex="on$", check="match")
    assert len(hit) == 1
    assert fire("retrieved_files", "content_regex", facts, path="/etc/httpd.conf",
                regex="Engine", check="match") == []


def test_content_regex_trigger_id():
    facts = image(retrieved_files={"/etc/httpd.conf": "SSLEnabled=true"})
    decision = decide(policy([rule("retrieved_files", "content_regex", rule_id="rule-1",
                                   path="/etc/httpd.conf", regex=".*SSLEnabled.*",
                                   check="match")]), facts)
    [finding] = decision.findings
    assert finding.trigger_id == "rule-1+file:///etc/httpd.conf"
    assert finding.message == ("Content regex '.*SSLEnabled.*' check 'match' found in retrieved "
                               "file '/etc/httpd.conf'")


def test_content_regex_trigger_id_without_rule_id():
    rules = [{"gate": "retrieved_files", "trigger": "content_regex", "action": "STOP",
              "params": [{"name": "path", "value": "/etc/passwd"},
                         {"name": "regex", "value": ".*bash"},
                         {"name": "check", "value": "match"}]}]
    document = {"id": "b", "version": "1_0", "name": "v1", "whitelists": [],
                "policies": [{"id": "p", "version": "1_0", "name": "p", "rules": rules}],
                "mappings": [{"id": "m", "name": "m", "registry": "*", "repository": "*",
                              "image": {"type": "tag", "value": "*"}, "policy_ids": ["p"],
                              "whitelist_ids": []}]}
    decision = decide(document, IMAGE)
    assert not decision.problems, decision.problems
    [finding] = decision.findings
    assert finding.trigger_id == "None+file:///etc/passwd"


@pytest.mark.parametrize(("params", "location"), [
    ({"check": "match", "regex": ".*bash"}, "rule_sets[0].rules[0].params"),
    ({"path": "/etc/passwd", "regex": ".*bash"}, "rule_sets[0].rules[0].params"),
    ({"path": "/etc/passwd", "check": "match"}, "rule_sets[0].rules[0].params"),
    ({"path": "/etc/passwd", "check": "!=", "regex": ".*bash"},
     "rule_sets[0].rules[0].params[1].value"),
    ({"path": "/etc/passwd", "check": "match", "regex": "(unclosed"},
     "rule_sets[0].rules[0].params[2].value"),
])
def test_bad_params_are_policy_problems(params, location):
    decision = decide(policy([rule("retrieved_files", "content_regex", **params)]), IMAGE)
    [problem] = decision.problems
    assert problem.problem_type == "ParameterValueInvalidError"
    assert location in problem.details
    assert decision.final_action.label == "stop"


def test_sbom_only_image_is_a_warning():
    decision = decide(policy([rule("retrieved_files", "content_not_available", path="/x")]),
                      image(files=None))
    [problem] = decision.problems
    assert (problem.severity, problem.problem_type) == ("warn", "ImageDataUnavailable")
    assert "rule_sets[0].rules[0]" in problem.details and not decision.findings
