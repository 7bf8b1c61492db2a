"""Reading and validating both document formats; every problem at once, with its location."""

import json
from pathlib import Path

import pytest

from app.engine import V1, V2, compile_policy, write_document

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "policies"
V1_DEFAULT = json.loads((FIXTURES / "anchore-default-bundle-v1.json").read_text())
V2_DEFAULT = json.loads((FIXTURES / "anchore-default-policy-v2.json").read_text())

MINIMAL_V1 = {"id": "b", "version": "1_0",
              "policies": [{"id": "p", "version": "1_0", "rules": []}], "whitelists": [],
              "mappings": [{"registry": "*", "repository": "*",
                            "image": {"type": "tag", "value": "*"}, "policy_ids": ["p"],
                            "whitelist_ids": []}]}


def problems(doc):
    return [(p.problem_type, p.location) for p in compile_policy(doc).problems]


def with_rules(*rules):
    return {"id": "x", "version": "2",
            "rule_sets": [{"id": "rs", "name": "rs", "version": "2", "rules": list(rules)}],
            "mappings": [{"id": "m", "name": "m", "registry": "*", "repository": "*",
                          "image": {"type": "tag", "value": "*"}, "rule_set_ids": ["rs"],
                          "allowlist_ids": []}]}


def test_minimal_v1_skeleton_is_valid():
    assert compile_policy(MINIMAL_V1).problems == ()


def test_v1_and_v2_default_policies_read_to_the_same_model():
    v1, v2 = compile_policy(V1_DEFAULT).document, compile_policy(V2_DEFAULT).document
    assert [r.gate for r in v1.rule_sets[0].rules] == [r.gate for r in v2.rule_sets[0].rules]
    assert v1.mappings[0].rule_set_ids == v2.mappings[0].rule_set_ids
    assert v1.mappings[0].allowlist_ids == v2.mappings[0].allowlist_ids


@pytest.mark.parametrize("doc", [V1_DEFAULT, V2_DEFAULT, MINIMAL_V1])
@pytest.mark.parametrize("version", [V1, V2])
def test_documents_write_back_in_either_format_and_read_again(doc, version):
    original = compile_policy(doc)
    model = original.document
    written = write_document(model, version)
    assert written["version"] == version
    again = compile_policy(written)
    assert [p.problem_type for p in again.problems] == [
        p.problem_type for p in original.problems]
    assert write_document(again.document, version) == written


def test_v1_writes_v1_names():
    written = write_document(compile_policy(V2_DEFAULT).document, V1)
    assert set(written) >= {"policies", "whitelists", "whitelisted_images",
                            "blacklisted_images", "mappings"}
    assert "whitelist_ids" in written["mappings"][0]


@pytest.mark.parametrize(("doc", "expected"), [
    ([], [("PolicyError", "$")]),
    ({"version": "1_1"}, [("UnsupportedVersionError", "version")]),
    ({"version": None}, [("UnsupportedVersionError", "version")]),
    ({**MINIMAL_V1, "policies": [{"id": "p", "version": "2", "rules": []}]},
     [("UnsupportedVersionError", "policies[0].version")]),
    ({**MINIMAL_V1, "policies": "nope"}, [("PolicyError", "policies"),
                                           ("ReferencedObjectNotFoundError", "mappings[0]")]),
    ({**MINIMAL_V1, "mappings": [{**MINIMAL_V1["mappings"][0], "policy_id": "p"}]},
     [("PolicyError", "mappings[0]")]),
    ({**MINIMAL_V1, "mappings": [{**MINIMAL_V1["mappings"][0], "policy_ids": ["nope"]}]},
     [("ReferencedObjectNotFoundError", "mappings[0]")]),
    ({**MINIMAL_V1, "policies": MINIMAL_V1["policies"] * 2},
     [("DuplicateIdentifierFoundError", "policies[0].id")]),
    ({**MINIMAL_V1, "mappings": [{**MINIMAL_V1["mappings"][0], "image": {"type": "sha"}}]},
     [("PolicyError", "mappings[0].image.value"), ("PolicyError", "mappings[0].image.type")]),
    (with_rules({"id": "r", "gate": "nosuch", "trigger": "x", "action": "STOP", "params": []}),
     [("GateNotFoundError", "rule_sets[0].rules[0].gate")]),
    (with_rules({"id": "r", "gate": "always", "trigger": "x", "action": "STOP", "params": []}),
     [("TriggerNotFoundError", "rule_sets[0].rules[0].trigger")]),
    (with_rules({"id": "r", "gate": "always", "trigger": "always", "action": "HALT",
                 "params": []}),
     [("PolicyError", "rule_sets[0].rules[0].action")]),
    (with_rules({"id": "r", "gate": "always", "trigger": "always", "action": "STOP",
                 "params": [{"name": "x", "value": "1"}]}),
     [("InvalidParameterError", "rule_sets[0].rules[0].params[0].name")]),
    (with_rules({"id": "r", "gate": "dockerfile", "trigger": "exposed_ports", "action": "STOP",
                 "params": [{"name": "ports", "value": 22}, {"name": "type", "value": "grey"}]}),
     [("ParameterValueInvalidError", "rule_sets[0].rules[0].params[0].value"),
      ("ParameterValueInvalidError", "rule_sets[0].rules[0].params[1].value")]),
    (with_rules({"id": "r", "gate": "dockerfile", "trigger": "instruction", "action": "STOP",
                 "params": [{"name": "instruction", "value": "RUN"},
                            {"name": "check", "value": "like"},
                            {"name": "value", "value": "*\\.pem"}]}),
     [("ParameterValueInvalidError", "rule_sets[0].rules[0].params")]),
    # every problem of a document at once
    (with_rules({"id": "a", "gate": "nosuch", "trigger": "x", "action": "STOP"},
                {"id": "b", "gate": "always", "trigger": "always", "action": "maybe"},
                {"gate": "always"}),
     [("PolicyError", "rule_sets[0].rules[2].trigger"),
      ("PolicyError", "rule_sets[0].rules[2].action"),
      ("GateNotFoundError", "rule_sets[0].rules[0].gate"),
      ("PolicyError", "rule_sets[0].rules[1].action")]),
])
def test_problems_name_their_location(doc, expected):
    assert problems(doc) == expected


def test_problem_details_say_what_is_wrong_and_what_is_allowed():
    doc = with_rules({"id": "r", "gate": "dockerfile", "trigger": "exposed_ports",
                      "action": "STOP", "params": [{"name": "ports", "value": "22"},
                                                   {"name": "type", "value": "grey"}]})
    [problem] = compile_policy(doc).problems
    assert problem.details == (
        "rule_sets[0].rules[0].params[1].value: invalid value 'grey' for 'type': must be one "
        "of 'whitelist', 'blacklist', 'allowlist', 'denylist' "
        "(gate=dockerfile,trigger=exposed_ports,rule_id=r)")


def test_unparsable_expiry_is_a_problem():
    doc = {**MINIMAL_V1, "whitelists": [{"id": "w", "version": "1_0", "items": [
        {"id": "i", "gate": "always", "trigger_id": "*", "expires_on": "next tuesday"}]}]}
    doc["mappings"] = [{**doc["mappings"][0], "whitelist_ids": ["w"]}]
    [problem] = compile_policy(doc).problems
    assert problem.location == "whitelists[0].items[0].expires_on"
    assert "'next tuesday' is not a timestamp" in problem.details


def test_parameter_names_are_case_insensitive_and_the_last_repeat_wins():
    doc = with_rules({"id": "r", "gate": "dockerfile", "trigger": "exposed_ports",
                      "action": "STOP", "params": [{"name": "PORTS", "value": "x"},
                                                   {"name": "ports", "value": "22"},
                                                   {"name": "Type", "value": "blacklist"}]})
    # the first 'ports' is invalid but overridden by the second: no problem
    assert compile_policy(doc).problems == ()
