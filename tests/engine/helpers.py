"""Small builders for engine tests: one-rule policies and default facts."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from app.engine import Decision, Facts, Finding, ImageFacts, compile_policy, evaluate

NOW = datetime(2024, 6, 1, 12, 0, 0, tzinfo=UTC)
DIGEST = "sha256:" + "d" * 64
IMAGE_ID = "e" * 64
TAG = "docker.io/example/app:1.0"


def image(**fields: Any) -> ImageFacts:
    return replace(ImageFacts(digest=DIGEST, image_id=IMAGE_ID), **fields)


def policy(rules: list[dict[str, Any]], *, allowlist_items: list[dict[str, Any]] | None = None,
           **extra: Any) -> dict[str, Any]:
    """A v2 policy: one rule set with `rules`, one catch-all mapping, one allowlist."""
    return {
        "id": "policy-1", "name": "test", "version": "2",
        "rule_sets": [{"id": "rs-1", "name": "rules", "version": "2", "rules": rules}],
        "allowlists": [{"id": "al-1", "name": "allowlist", "version": "2",
                        "items": allowlist_items or []}],
        "mappings": [{"id": "m-1", "name": "all", "registry": "*", "repository": "*",
                      "image": {"type": "tag", "value": "*"}, "rule_set_ids": ["rs-1"],
                      "allowlist_ids": ["al-1"]}],
        **extra,
    }


def rule(gate: str, trigger: str, action: str = "STOP", rule_id: str = "r-1",
         **params: str) -> dict[str, Any]:
    return {"id": rule_id, "gate": gate, "trigger": trigger, "action": action,
            "params": [{"name": k, "value": v} for k, v in params.items()]}


def decide(document: dict[str, Any], facts: Facts | ImageFacts, *, tag: str = TAG,
           now: datetime = NOW) -> Decision:
    if isinstance(facts, ImageFacts):
        facts = Facts(facts)
    return evaluate(compile_policy(document), facts, tag=tag, now=now)


def fire(gate: str, trigger: str, facts: Facts | ImageFacts, *, now: datetime = NOW,
         **params: str) -> list[Finding]:
    """The findings of one rule; fails the test if the policy or evaluation has problems."""
    decision = decide(policy([rule(gate, trigger, **params)]), facts, now=now)
    assert not decision.problems, decision.problems
    return list(decision.findings)


def messages(findings: list[Finding]) -> list[str]:
    return [f.message for f in findings]
