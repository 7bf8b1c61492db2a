"""Mapping resolution (spec §4), with Anchore's test_mapping_rules.py cases and the
spec's verified examples. Digest and id selectors work here (Anchore's evaluation path fails
them: a deliberate fix)."""

import pytest

from app.engine import Facts, compile_policy, evaluate
from tests.engine.helpers import NOW, image


def mapping(registry="*", repository="*", kind="tag", value="*", rule_sets=("rs-1",), name="m"):
    return {"id": name, "name": name, "registry": registry, "repository": repository,
            "image": {"type": kind, "value": value}, "rule_set_ids": list(rule_sets),
            "allowlist_ids": []}


def document(*mappings):
    return {"id": "p", "name": "p", "version": "2",
            "rule_sets": [{"id": f"rs-{i}", "name": f"rs-{i}", "version": "2",
                           "rules": [{"id": f"r-{i}", "gate": "always", "trigger": "always",
                                      "action": "STOP", "params": []}]}
                          for i in (1, 2)],
            "allowlists": [], "mappings": list(mappings)}


def selected(doc, tag, digest="sha256:123abc", image_id="0"):
    facts = Facts(image(digest=digest, image_id=image_id))
    decision = evaluate(compile_policy(doc), facts, tag=tag, now=NOW)
    assert not decision.problems
    return decision


# (mapping, tag, digest, image id, matches) -- Anchore's test_mapping_rules.py
CASES = [
    (mapping(), "docker.io/nginx:latest", "sha256:123abc", "0", True),
    (mapping(), "*/*:*", "sha256:123abc", "0", True),
    (mapping(value="latest"), "*/*:*", "sha256:123abc", "0", False),
    (mapping(registry="gcr.io"), "docker.io/nginx:latest", "sha256:123abc", "0", False),
    (mapping(repository="mysql"), "docker.io/nginx:latest", "sha256:123abc", "0", False),
    (mapping("docker.io", "mysql", value="latest"), "docker.io/mysql:alpine", "sha256:123abc",
     "0", False),
    (mapping(value="*-dev"), "docker.io/nginx:1.8-dev", "sha256:123abc", "0", True),
    (mapping(registry="docker.io"), "docker.io/nginx:latest", "sha256:123abc", "0", True),
    (mapping("docker.io", "nginx"), "docker.io/nginx:latest", "sha256:123abc", "0", True),
    (mapping("docker.io", "library/nginx"), "docker.io/nginx:latest", "sha256:123abc", "0",
     False),
    (mapping("docker.io", "library/nginx", value="latest"), "docker.io/library/nginx:latest",
     "sha256:123abc", "0", True),
    (mapping(kind="digest", value="sha256:123abc"), "docker.io/nginx:latest", "sha256:123abc",
     "0", True),
    (mapping("gcr.io", kind="digest", value="sha256:123abc"), "docker.io/nginx:latest",
     "sha256:123abc", "0", False),
    (mapping(repository="mysql", kind="digest", value="sha256:123abc"),
     "docker.io/nginx:latest", "sha256:123abc", "0", False),
    (mapping(repository="mysql", kind="digest", value="sha256:123abc"), "*/*:*",
     "sha256:123abc", "0", False),
    (mapping(kind="digest", value="sha256:123abc"), "docker.io/nginx:latest", "sha256:123abd",
     "0", False),
    (mapping(repository="mysql", kind="digest", value="sha256:123abc"),
     "docker.io/nginx:latest", "sha256:123abd", "0", False),
    (mapping(kind="digest", value="sha256:123abc"), "*/*:*", "sha256:123abc", "0", True),
    (mapping(kind="digest", value="sha256:123abd"), "*/*:*", "sha256:123abc", "0", False),
    (mapping(kind="id", value="0"), "docker.io/nginx:latest", "sha256:123abc", "0", True),
    (mapping("gcr.io", kind="id", value="0"), "docker.io/nginx:latest", "sha256:123abc", "0",
     False),
    (mapping(repository="mysql", kind="id", value="0"), "docker.io/nginx:latest",
     "sha256:123abc", "0", False),
    (mapping(repository="mysql", kind="id", value="0"), "*/*:*", "sha256:123abc", "0", False),
    (mapping(kind="id", value="1"), "docker.io/nginx:latest", "sha256:123abd", "0", False),
    (mapping(repository="mysql", kind="id", value="0"), "docker.io/nginx:latest",
     "sha256:123abd", "0", False),
    (mapping(kind="id", value="0"), "*/*:*", "sha256:123abc", "0", True),
    (mapping(kind="id", value="1"), "*/*:*", "sha256:123abc", "0", False),
    # regexp: patterns and the dockerhub/ alias
    (mapping(registry=r"regexp:quay\.io|docker\.io"), "docker.io/a:1", "sha256:1", "0", True),
    (mapping(repository="regexp:lib"), "docker.io/library/a:1", "sha256:1", "0", True),
    (mapping(repository="regexp:rary"), "docker.io/library/a:1", "sha256:1", "0", False),
    (mapping("docker.io", "library/nginx"), "dockerhub/library/nginx:1.2", "sha256:1", "0",
     True),
    # a digest pull string has no tag: only an all-tags selector covers it
    (mapping(value="*"), "docker.io/a@sha256:1", "sha256:1", "0", True),
    (mapping(value="latest"), "docker.io/a@sha256:1", "sha256:1", "0", False),
]


@pytest.mark.parametrize(("rule", "tag", "digest", "image_id", "matches"), CASES)
def test_mapping_selects(rule, tag, digest, image_id, matches):
    decision = selected(document(rule), tag, digest, image_id)
    assert (decision.matched_mapping_rule is not None) is matches
    assert decision.final_action.label == ("stop" if matches else "go")
    assert len(decision.findings) == (1 if matches else 0)


SPEC_RULES = [
    mapping(r"regexp:quay\.io|docker\.io", "library/*", value="1.*", rule_sets=("rs-1",),
            name="first"),
    mapping(rule_sets=("rs-2", "rs-1"), name="catch-all"),
]


@pytest.mark.parametrize(("tag", "mapping_name", "rule_sets"), [
    ("docker.io/library/nginx:1.19", "first", ["rs-1"]),
    ("docker.io/library/nginx:latest", "catch-all", ["rs-2", "rs-1"]),
    ("dockerhub/library/nginx:1.2", "first", ["rs-1"]),
    ("localhost:5000/library/a:1.0", "catch-all", ["rs-2", "rs-1"]),
])
def test_first_matching_mapping_wins(tag, mapping_name, rule_sets):
    decision = selected(document(*SPEC_RULES), tag)
    assert decision.matched_mapping_rule["name"] == mapping_name
    assert [f.policy_id for f in decision.findings] == rule_sets
    assert decision.tag == tag  # the tag is echoed as given


def test_no_mapping_is_go_without_findings():
    decision = selected(document(mapping(registry="gcr.io")), "docker.io/a:1")
    assert (decision.final_action.label, decision.final_action_reason) == ("go",
                                                                           "policy_evaluation")
    assert decision.findings == () and decision.matched_mapping_rule is None
