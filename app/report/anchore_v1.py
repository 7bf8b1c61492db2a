"""Anchore engine v1 shapes of a check (spec §6.1-§6.3): the findings table, the policy
engine's `PolicyEvaluation`, and the list-of-dict body of `GET /v1/images/{digest}/check`
that anchore-cli prints. Pure functions of the Report model."""

from __future__ import annotations

from typing import Any

from app.report.anchore_v2 import iso
from app.report.model import EvaluationView, FindingView, Report

HEADER = ("Image_Id", "Repo_Tag", "Trigger_Id", "Gate", "Trigger", "Check_Output",
          "Gate_Action", "Whitelisted", "Policy_Id")
INHERITED_HEADER = "Inherited_From_Base"  # Enterprise's 10th column, with a base image

# v2 spells the image-list reasons allowlisted/denylisted; the engine's v1 API does not.
V1_REASONS = {"allowlisted": "whitelisted", "denylisted": "blacklisted"}


def whitelisted(f: FindingView) -> Any:
    """Cell 7: `false`, or the allowlist that matched."""
    if f.allowlist_match is None:
        return False
    return {"whitelist_name": f.allowlist_match.get("name"),
            "whitelist_id": f.allowlist_match.get("id"),
            "matched_rule_id": f.allowlist_match.get("matched_rule_id")}


def row(report: Report, f: FindingView, *, with_base: bool) -> list[Any]:
    cells: list[Any] = [report.image_id, report.tag, f.trigger_id, f.gate, f.trigger,
                        f.message, f.action, whitelisted(f), f.policy_id]
    if with_base:
        cells.append(bool(f.inherited_from_base))
    return cells


def table(report: Report, e: EvaluationView) -> dict[str, Any]:
    """`BundleExecution.as_table_json()`: its `final_action` is the policy-set action, before
    the allow/deny image lists (§5)."""
    with_base = e.base_digest is not None
    header = [*HEADER, INHERITED_HEADER] if with_base else list(HEADER)
    rows = [row(report, f, with_base=with_base) for f in e.findings or ()]
    return {report.image_id: {"result": {"header": header, "row_count": len(rows),
                                         "rows": rows, "final_action": e.policy_action}},
            "policy_name": report.policy_name or "", "policy_data": [],
            "whitelist_data": [], "whitelist_names": []}


def policy_evaluation(report: Report, e: EvaluationView, *, user_id: str) -> dict[str, Any]:
    """The stored evaluation as the catalog keeps it (§6.2, plus `status` and `image_digest`;
    `base_image_digest` when a base image was compared)."""
    epoch = int(e.evaluated_at.timestamp())
    body: dict[str, Any] = {
        "user_id": user_id, "image_id": report.image_id, "image_digest": report.image_digest,
        "tag": report.tag, "bundle": report.policy_document,
        "matched_mapping_rule": e.matched_mapping_rule or False,
        "matched_whitelisted_images_rule": e.matched_allowlisted_images_rule or False,
        "matched_blacklisted_images_rule": e.matched_denylisted_images_rule or False,
        "result": table(report, e), "created_at": epoch, "last_modified": epoch,
        "final_action": e.final_action,
        "final_action_reason": V1_REASONS.get(e.final_action_reason, e.final_action_reason),
        "evaluation_problems": e.problems, "status": e.status,
    }
    if e.base_digest is not None:
        body["base_image_digest"] = e.base_digest
    return body


def evaluation(report: Report, e: EvaluationView, *, detail: bool,
               user_id: str) -> dict[str, Any]:
    return {"status": e.status, "policyId": report.policy_id,
            "last_evaluation": iso(e.evaluated_at),
            "detail": {"result": policy_evaluation(report, e, user_id=user_id),
                       "policy": report.policy_document} if detail else {}}


def render(report: Report, *, detail: bool, user_id: str) -> list[dict[str, Any]]:
    """`[{digest: {tag: [evaluation, ...]}}]`, newest evaluation first."""
    return [{report.image_digest: {report.tag: [
        evaluation(report, e, detail=detail, user_id=user_id) for e in report.evaluations]}}]
