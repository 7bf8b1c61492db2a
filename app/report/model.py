"""The display model: one check result, built once, rendered by every format."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # a type-only dependency: report renders, it never calls services
    from app.services.checks import CheckResult


@dataclass(frozen=True, slots=True)
class FindingView:
    trigger_id: str
    gate: str
    trigger: str
    message: str
    action: str  # stop | warn | go (effective)
    rule_action: str
    policy_id: str  # the rule set
    rule_id: str | None
    recommendation: str
    allowlist_match: dict[str, Any] | None  # {id, name, matched_rule_id}
    inherited_from_base: bool | None

    @property
    def allowlisted(self) -> bool:
        return self.allowlist_match is not None


@dataclass(frozen=True, slots=True)
class EvaluationView:
    id: str
    status: str  # pass | fail
    final_action: str
    final_action_reason: str  # policy_evaluation | allowlisted | denylisted
    policy_action: str
    evaluated_at: datetime
    base_digest: str | None
    number_of_findings: int
    problems: list[dict[str, Any]]
    matched_mapping_rule: dict[str, Any] | None
    matched_allowlisted_images_rule: dict[str, Any] | None
    matched_denylisted_images_rule: dict[str, Any] | None
    findings: list[FindingView] | None  # None when details were not asked for


@dataclass(frozen=True, slots=True)
class Report:
    image_digest: str
    image_id: str
    tag: str
    policy_id: str
    policy_name: str | None
    policy_document: dict[str, Any]
    evaluations: list[EvaluationView]  # newest first

    @property
    def latest(self) -> EvaluationView:
        return self.evaluations[0]

    @classmethod
    def from_check(cls, result: CheckResult) -> Report:
        return cls(
            image_digest=result.image.digest, image_id=result.image.image_id, tag=result.tag,
            policy_id=result.policy.policy_id, policy_name=result.policy.name,
            policy_document=result.policy.document,
            evaluations=[EvaluationView(
                id=e.evaluation.id, status=e.evaluation.status,
                final_action=e.evaluation.final_action,
                final_action_reason=e.evaluation.final_action_reason,
                policy_action=e.evaluation.policy_action,
                evaluated_at=e.evaluation.evaluated_at, base_digest=e.evaluation.base_digest,
                number_of_findings=e.evaluation.number_of_findings,
                problems=list(e.evaluation.problems or []),
                matched_mapping_rule=e.evaluation.matched_mapping_rule,
                matched_allowlisted_images_rule=e.evaluation.matched_allowlisted_images_rule,
                matched_denylisted_images_rule=e.evaluation.matched_denylisted_images_rule,
                findings=None if e.findings is None else [FindingView(
                    trigger_id=f.trigger_id, gate=f.gate, trigger=f.trigger,
                    message=f.message, action=f.action, rule_action=f.rule_action,
                    policy_id=f.policy_id, rule_id=f.rule_id,
                    recommendation=f.recommendation or "",
                    allowlist_match={"id": f.allowlist_id, "name": f.allowlist_name,
                                     "matched_rule_id": f.allowlist_rule_id}
                    if f.allowlist_id else None,
                    inherited_from_base=f.inherited_from_base) for f in e.findings])
                for e in result.evaluations])
