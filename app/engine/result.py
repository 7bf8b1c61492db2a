"""What an evaluation returns: actions, findings, problems and the decision."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Action(enum.IntEnum):
    """Anchore's GateAction: the worst action is the minimum."""

    STOP = -1
    WARN = 0
    GO = 1

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: str) -> Action:
        """Case-insensitive, as Anchore lower-cases rule actions."""
        return cls[value.strip().upper()]


def worst(actions: Any, default: Action = Action.GO) -> Action:
    return min(actions, default=default)


@dataclass(frozen=True, slots=True)
class Problem:
    """A reason a policy could not be (fully) applied.

    `problem_type` keeps Anchore's exception class names so clients that switch on them
    keep working; `location` is the JSON path in the submitted document, when there is one.
    """

    severity: str  # "error" | "warn"
    problem_type: str
    details: str
    location: str | None = None
    # Which parts of the policy the problem belongs to ("rule_set:ID", "allowlist:ID",
    # "mapping:N"); empty means the whole document. Evaluation only counts problems in
    # the parts the matched mapping uses, as Anchore only builds those.
    scope: frozenset[str] = field(default=frozenset(), compare=False)
    # End-of-life rules do not stop an evaluation; they are skipped and reported.
    end_of_life: bool = field(default=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {"severity": self.severity, "problem_type": self.problem_type,
                "details": self.details}


@dataclass(frozen=True, slots=True)
class AllowlistMatch:
    id: str  # the allowlist's id
    name: str | None
    matched_rule_id: str | None  # the allowlist item's id

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "matched_rule_id": self.matched_rule_id}


@dataclass(frozen=True, slots=True)
class Finding:
    """One firing of one rule's trigger."""

    trigger_id: str
    gate: str
    trigger: str
    message: str
    action: Action  # effective action: GO when allowlisted
    rule_action: Action  # what the rule says
    policy_id: str  # the rule set's id
    rule_id: str | None
    recommendation: str
    allowlist_match: AllowlistMatch | None = None

    @property
    def allowlisted(self) -> bool:
        return self.allowlist_match is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "trigger_id": self.trigger_id,
            "gate": self.gate,
            "trigger": self.trigger,
            "message": self.message,
            "action": self.action.label,
            "policy_id": self.policy_id,
            "recommendation": self.recommendation,
            "rule_id": self.rule_id,
            "allowlisted": self.allowlisted,
            "allowlist_match": self.allowlist_match.to_dict() if self.allowlist_match else None,
        }


@dataclass(frozen=True, slots=True)
class Decision:
    """The verdict for one image under one tag against one policy."""

    tag: str
    image_digest: str
    image_id: str
    policy_id: str
    final_action: Action
    final_action_reason: str  # "policy_evaluation" | "allowlisted" | "denylisted"
    policy_action: Action  # before the image allow/deny lists
    findings: tuple[Finding, ...]
    problems: tuple[Problem, ...]
    matched_mapping_rule: dict[str, Any] | None
    matched_allowlisted_images_rule: dict[str, Any] | None
    matched_denylisted_images_rule: dict[str, Any] | None

    @property
    def status(self) -> str:
        return "fail" if self.final_action is Action.STOP else "pass"
