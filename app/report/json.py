"""`-o json`: the CLI's own stable model (`imagegate.check/v1`). Fields are only ever added;
the REST v2 body is `json-raw` (`app.report.anchore_v2`)."""

from __future__ import annotations

import json
from typing import Any

from app.report.anchore_v2 import iso
from app.report.model import EvaluationView, FindingView, Report, counts

SCHEMA = "imagegate.check/v1"


def finding(f: FindingView) -> dict[str, Any]:
    return {"gate": f.gate, "trigger": f.trigger, "trigger_id": f.trigger_id,
            "message": f.message, "action": f.action, "rule_action": f.rule_action,
            "policy_id": f.policy_id, "rule_id": f.rule_id, "recommendation": f.recommendation,
            "allowlisted": f.allowlisted, "allowlist_match": f.allowlist_match,
            "inherited_from_base": f.inherited_from_base}


def evaluation(e: EvaluationView) -> dict[str, Any]:
    return {"id": e.id, "status": e.status, "final_action": e.final_action,
            "final_action_reason": e.final_action_reason, "policy_action": e.policy_action,
            "evaluated_at": iso(e.evaluated_at), "base_digest": e.base_digest,
            "number_of_findings": e.number_of_findings,
            "counts": counts(e.findings) if e.findings is not None else None,
            "problems": e.problems,
            "matched_mapping_rule": e.matched_mapping_rule,
            "matched_allowlisted_images_rule": e.matched_allowlisted_images_rule,
            "matched_denylisted_images_rule": e.matched_denylisted_images_rule,
            "findings": None if e.findings is None else [finding(f) for f in e.findings]}


def to_dict(report: Report) -> dict[str, Any]:
    latest = report.latest
    return {"schema": SCHEMA, "status": latest.status, "final_action": latest.final_action,
            "image": {"digest": report.image_digest, "image_id": report.image_id},
            "tag": report.tag,
            "policy": {"id": report.policy_id, "name": report.policy_name},
            "evaluations": [evaluation(e) for e in report.evaluations]}


def render(report: Report) -> str:
    return json.dumps(to_dict(report), indent=2, ensure_ascii=False) + "\n"
