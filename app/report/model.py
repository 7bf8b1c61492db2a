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


# ------------------------------------------------------------------ views every format shares

ACTIONS = ("stop", "warn", "go")  # worst first
_RANK = {action: rank for rank, action in enumerate(ACTIONS)}


def action_rank(action: str) -> int:
    return _RANK.get(action, len(ACTIONS))


def counts(findings: list[FindingView] | None) -> dict[str, int]:
    """Findings by effective action, every action present (zero when none)."""
    out = dict.fromkeys(ACTIONS, 0)
    for f in findings or []:
        out[f.action] = out.get(f.action, 0) + 1
    return out


@dataclass(frozen=True, slots=True)
class FindingGroup:
    gate: str
    trigger: str
    findings: list[FindingView]

    @property
    def action(self) -> str:
        """The worst effective action in the group."""
        return min((f.action for f in self.findings), key=action_rank, default="go")


def group_findings(findings: list[FindingView] | None) -> list[FindingGroup]:
    """Findings grouped by (gate, trigger): worst groups first, then by gate and trigger;
    inside a group worst findings first, otherwise in evaluation order."""
    groups: dict[tuple[str, str], list[FindingView]] = {}
    for f in findings or []:
        groups.setdefault((f.gate, f.trigger), []).append(f)
    built = [FindingGroup(gate, trigger, sorted(items, key=lambda f: action_rank(f.action)))
             for (gate, trigger), items in groups.items()]
    return sorted(built, key=lambda g: (action_rank(g.action), g.gate, g.trigger))


@dataclass(frozen=True, slots=True)
class RuleView:
    """One rule of a rule set the matched mapping applied."""

    policy_id: str  # the rule set
    rule_id: str | None
    gate: str
    trigger: str
    action: str  # the rule's action, lower case


def applied_rules(report: Report, evaluation: EvaluationView) -> list[RuleView]:
    """The rules of the rule sets the evaluation's mapping selected, in document order, and
    any rule a finding names that the document does not list (findings keep the last word)."""
    document = report.policy_document or {}
    mapping = evaluation.matched_mapping_rule or {}
    ids = list(mapping.get("rule_set_ids") or mapping.get("policy_ids") or [])
    if not ids and mapping.get("policy_id"):
        ids = [mapping["policy_id"]]
    sets = {s.get("id"): s for s in (document.get("rule_sets") or document.get("policies") or [])
            if isinstance(s, dict)}
    rules: list[RuleView] = []
    seen: set[tuple[str, str | None, str, str]] = set()
    for set_id in ids:
        for rule in (sets.get(set_id) or {}).get("rules") or []:
            if not isinstance(rule, dict):
                continue
            view = RuleView(str(set_id), rule.get("id"), str(rule.get("gate", "")),
                            str(rule.get("trigger", "")), str(rule.get("action", "")).lower())
            seen.add((view.policy_id, view.rule_id, view.gate, view.trigger))
            rules.append(view)
    for f in evaluation.findings or []:
        key = (f.policy_id, f.rule_id, f.gate, f.trigger)
        if key not in seen:
            seen.add(key)
            rules.append(RuleView(f.policy_id, f.rule_id, f.gate, f.trigger, f.rule_action))
    return rules


def findings_of_rule(evaluation: EvaluationView, rule: RuleView) -> list[FindingView]:
    return [f for f in evaluation.findings or []
            if (f.policy_id, f.rule_id, f.gate, f.trigger)
            == (rule.policy_id, rule.rule_id, rule.gate, rule.trigger)]


def verdict(evaluation: EvaluationView) -> str:
    """PASS or FAIL, as a CI log reads it."""
    return "PASS" if evaluation.status == "pass" else "FAIL"


def safe_name(text: str) -> str:
    """A file-name-safe form of an image reference."""
    out = "".join(c if c.isalnum() or c in "-_." else "_" for c in text)
    return out.strip("._") or "image"
