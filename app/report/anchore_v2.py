"""Anchore Enterprise v2 `PolicyEvaluation`, as `GET /v2/images/{digest}/check` serves it
(spec §6.4). The CLI's `json-raw` output is this body too."""

from __future__ import annotations

from typing import Any

from app.engine.timestamps import iso  # the other report modules, api and cli
from app.report.model import EvaluationView, FindingView, Report


def finding(f: FindingView) -> dict[str, Any]:
    return {"trigger_id": f.trigger_id, "gate": f.gate, "trigger": f.trigger,
            "message": f.message, "action": f.action, "policy_id": f.policy_id,
            "recommendation": f.recommendation, "rule_id": f.rule_id or "",
            "allowlisted": f.allowlisted, "allowlist_match": f.allowlist_match,
            "inherited_from_base": f.inherited_from_base,
            # imagegate's additions (clients that do not know them ignore them): what the
            # rule itself says (`action` is the effective one, GO when allowlisted).
            "rule_action": f.rule_action}


def evaluation(report: Report, e: EvaluationView) -> dict[str, Any]:
    details = None
    if e.findings is not None:
        details = {"policy": report.policy_document,
                   "findings": [finding(f) for f in e.findings],
                   "policy_action": e.policy_action}
    return {
        "comparison_image_digest": e.base_digest,
        "details": details,
        "evaluation_problems": e.problems,
        "evaluation_time": iso(e.evaluated_at),
        "final_action": e.final_action,
        "final_action_reason": e.final_action_reason,
        "image_allowlisted": e.matched_allowlisted_images_rule is not None,
        "image_denylisted": e.matched_denylisted_images_rule is not None,
        "image_mapped_to_rule": e.matched_mapping_rule is not None,
        "matched_allowlisted_images_rule": e.matched_allowlisted_images_rule,
        "matched_denylisted_images_rule": e.matched_denylisted_images_rule,
        "matched_mapping_rule": e.matched_mapping_rule,
        "number_of_findings": e.number_of_findings,
        "status": e.status,
        "evaluation_id": e.id,  # imagegate's addition: the stored evaluation's id
    }


def render(report: Report) -> dict[str, Any]:
    return {"policy_id": report.policy_id, "image_digest": report.image_digest,
            "evaluated_tag": report.tag,
            "evaluations": [evaluation(report, e) for e in report.evaluations]}
