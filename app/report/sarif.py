"""`-o sarif`: SARIF 2.1.0, one rule per gate/trigger the policy applied, one result per
finding of the latest evaluation. STOP is `error`, WARN `warning`, GO `note`; an allowlisted
finding carries an accepted external suppression naming the allowlist."""

from __future__ import annotations

import json
from typing import Any

from app import __version__
from app.report.model import Report, action_rank, applied_rules, verdict

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVELS = {"stop": "error", "warn": "warning", "go": "note"}


def rule_id(gate: str, trigger: str) -> str:
    return f"{gate}/{trigger}"


def _rules(report: Report) -> list[dict[str, Any]]:
    worst: dict[str, str] = {}
    for rule in applied_rules(report, report.latest):
        key = rule_id(rule.gate, rule.trigger)
        if key not in worst or action_rank(rule.action) < action_rank(worst[key]):
            worst[key] = rule.action
    return [{"id": key, "name": key.replace("/", "_"),
             "shortDescription": {"text": f"gate {key.split('/')[0]}, trigger "
                                          f"{key.split('/', 1)[1]}"},
             "defaultConfiguration": {"level": LEVELS.get(action, "warning")},
             "properties": {"gate": key.split("/")[0], "trigger": key.split("/", 1)[1],
                            "action": action}}
            for key, action in worst.items()]


def to_dict(report: Report) -> dict[str, Any]:
    e = report.latest
    rules = _rules(report)
    index = {r["id"]: i for i, r in enumerate(rules)}
    location = {"logicalLocations": [{"name": report.tag, "kind": "module",
                                      "fullyQualifiedName": f"{report.tag}@"
                                                            f"{report.image_digest}"}]}
    results = []
    for f in e.findings or []:
        result: dict[str, Any] = {
            "ruleId": rule_id(f.gate, f.trigger), "ruleIndex": index[rule_id(f.gate, f.trigger)],
            "level": LEVELS.get(f.action, "warning"), "message": {"text": f.message},
            "locations": [location],
            "partialFingerprints": {"anchoreTriggerId/v1": f.trigger_id},
            "properties": {"action": f.action, "rule_action": f.rule_action,
                           "policy_id": f.policy_id, "rule_id": f.rule_id,
                           "trigger_id": f.trigger_id,
                           "inherited_from_base": f.inherited_from_base}}
        if f.recommendation:
            result["properties"]["recommendation"] = f.recommendation
        if f.allowlist_match:
            m = f.allowlist_match
            result["suppressions"] = [{
                "kind": "external", "status": "accepted",
                "justification": f"allowlisted by {m.get('name') or m.get('id')} "
                                 f"(item {m.get('matched_rule_id') or '-'})",
                "properties": dict(m)}]
        results.append(result)
    return {
        "$schema": SCHEMA_URI, "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "imagegate", "version": __version__,
                                "rules": rules}},
            "automationDetails": {"id": f"imagegate/{report.policy_id}/{report.tag}/"},
            "invocations": [{
                "executionSuccessful": not any(p.get("severity") == "error"
                                               for p in e.problems),
                "toolExecutionNotifications": [
                    {"level": "error" if p.get("severity") == "error" else "warning",
                     "message": {"text": f"{p.get('problem_type')}: {p.get('details')}"}}
                    for p in e.problems]}],
            "results": results,
            "properties": {"verdict": verdict(e), "status": e.status,
                           "final_action": e.final_action,
                           "final_action_reason": e.final_action_reason,
                           "image_digest": report.image_digest, "image_id": report.image_id,
                           "tag": report.tag, "policy_id": report.policy_id,
                           "policy_name": report.policy_name, "evaluation_id": e.id,
                           "base_digest": e.base_digest}}]}


def render(report: Report) -> str:
    return json.dumps(to_dict(report), indent=2, ensure_ascii=False) + "\n"
