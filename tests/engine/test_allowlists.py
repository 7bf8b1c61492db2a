"""Allowlists (spec §3): gate match, wildcards, regexp:, expiry in every form users write."""

from datetime import timedelta

import pytest

from app.engine import Action
from tests.engine.helpers import NOW, decide, image, policy, rule

HEALTHCHECK_ID = "41cb7cdf04850e33a11f80c42bf660b3"
FACTS = image(dockerfile_mode="Guessed", dockerfile="FROM scratch\n")
RULE = rule("dockerfile", "instruction", "WARN", instruction="HEALTHCHECK", check="not_exists")


def item(trigger_id=HEALTHCHECK_ID, gate="dockerfile", item_id="i-1", **extra):
    return {"id": item_id, "gate": gate, "trigger_id": trigger_id, **extra}


def allowlisted(*items, rules=(RULE,), now=NOW):
    decision = decide(policy(list(rules), allowlist_items=list(items)), FACTS, now=now)
    assert not decision.problems, decision.problems
    return decision


@pytest.mark.parametrize(("items", "expected"), [
    ([item()], True),
    ([item(gate="DOCKERFILE")], True),  # gate names are case-insensitive
    ([item(gate="files")], False),  # another gate's item never applies
    ([item(trigger_id="*")], True),
    ([item(trigger_id="41cb*")], True),
    ([item(trigger_id="*b3")], True),
    ([item(trigger_id="*7cdf04*")], True),
    ([item(trigger_id="41cb")], False),  # no wildcard: exact
    ([item(trigger_id="41CB*")], False),  # case-sensitive
    ([item(trigger_id="regexp:41c.7")], True),  # regexp: is start-anchored only
    ([item(trigger_id="regexp:cb7")], False),
    ([item(trigger_id="regexp:.*cb7")], True),
    ([item(expires_on="2024-06-01T12:00:01Z")], True),
    ([item(expires_on="2024-06-01T12:00:00Z")], False),  # expired at the instant
    ([item(expires_on="2024-05-31T23:59:59.999Z")], False),
    ([item(expires_on="2024-06-02")], True),  # date-only: midnight UTC
    ([item(expires_on="2024-06-01")], False),
    ([item(expires_on="2024-06-01T14:30:00+02:00")], True),
    ([item(expires_on="2024-06-01T13:30:00+02:00")], False),
    ([item(expires_on="2024-06-01T12:00:00:500Z")], True),  # Anchore's colon-fraction form
    ([item(expires_on="2025-01-01 00:00:00")], True),  # naive: UTC
    ([item(expires_on=None)], True),
    ([item(expires_on="")], True),
])
def test_allowlist_item_matching(items, expected):
    [finding] = allowlisted(*items).findings
    assert finding.allowlisted is expected
    assert finding.action is (Action.GO if expected else Action.WARN)
    assert finding.rule_action is Action.WARN


def test_allowlisted_finding_records_the_match_and_turns_go():
    decision = allowlisted(item(item_id="expired", expires_on="2020-01-01T00:00:00Z"),
                           item(item_id="second"))
    [finding] = decision.findings
    assert finding.allowlist_match.to_dict() == {"id": "al-1", "name": "allowlist",
                                                 "matched_rule_id": "second"}
    assert decision.final_action is Action.GO
    assert finding.to_dict()["allowlisted"] is True


def test_first_item_in_document_order_wins():
    decision = allowlisted(item(trigger_id="*", item_id="wild"), item(item_id="exact"))
    assert decision.findings[0].allowlist_match.matched_rule_id == "wild"


def test_allowlisting_every_stop_finding_makes_the_policy_go():
    rules = [rule("always", "always", "STOP", rule_id="a"), RULE]
    decision = allowlisted(item(gate="always", trigger_id="always"), rules=rules)
    assert decision.final_action is Action.WARN
    decision = allowlisted(item(gate="always", trigger_id="always"), item(), rules=rules)
    assert decision.final_action is Action.GO and len(decision.findings) == 2


def test_only_the_matched_mappings_allowlists_apply():
    doc = policy([RULE], allowlist_items=[])
    doc["allowlists"].append({"id": "unused", "name": "u", "version": "2", "items": [item()]})
    [finding] = decide(doc, FACTS).findings
    assert not finding.allowlisted


def test_expiry_is_evaluated_at_the_given_time():
    expiring = item(expires_on="2024-06-01T12:00:00Z")
    assert allowlisted(expiring, now=NOW - timedelta(seconds=1)).findings[0].allowlisted
    assert not allowlisted(expiring, now=NOW).findings[0].allowlisted


def test_large_allowlist_matches_the_same_as_a_scan():
    """The prefix index must agree with trying every item in order."""
    items = [item(trigger_id=f"CVE-2020-{n:04d}+*", item_id=f"i{n}") for n in range(2000)]
    items += [item(trigger_id="*b3", item_id="suffix"), item(item_id="exact")]
    [finding] = allowlisted(*items).findings
    assert finding.allowlist_match.matched_rule_id == "suffix"
