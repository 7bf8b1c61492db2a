"""evaluate(policy, facts, tag, now) -> Decision: a pure function of its arguments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.engine.compiler import (
    CompiledMapping,
    CompiledPolicy,
    CompiledRule,
    CompiledSelector,
)
from app.engine.document import ImageSelector, MappingRule
from app.engine.facts import Facts, ImageFacts
from app.engine.gate import Firing, Scope, trigger_id
from app.engine.result import Action, AllowlistMatch, Decision, Finding, Problem, worst
from app.engine.tags import TagRef, parse_tag


def _selects(sel: CompiledSelector, ref: TagRef, image: ImageFacts) -> bool:
    if not (sel.registry(ref.registry) and sel.repository(ref.repository)):
        return False
    kind, value = sel.rule.image.type, sel.rule.image.value
    if kind == "digest":
        return value == image.digest
    if kind == "id":
        return value == image.image_id
    assert sel.tag is not None
    # A digest pull string has no tag: only an all-tags selector covers it.
    return sel.tag(ref.tag) if ref.tag is not None else sel.rule.image.value == "*"


def _first(selectors: Any, ref: TagRef, image: ImageFacts) -> Any:
    return next((s for s in selectors if _selects(s.selector if isinstance(
        s, CompiledMapping) else s, ref, image)), None)


def selector_json(rule: ImageSelector) -> dict[str, Any]:
    out: dict[str, Any] = {"id": rule.id, "name": rule.name, "registry": rule.registry,
                           "repository": rule.repository,
                           "image": {"type": rule.image.type, "value": rule.image.value}}
    if isinstance(rule, MappingRule):
        out["rule_set_ids"] = list(rule.rule_set_ids)
        out["allowlist_ids"] = list(rule.allowlist_ids)
    return out


def evaluate(policy: CompiledPolicy, facts: Facts, *, tag: str, now: datetime) -> Decision:
    """The verdict for `facts.image` under `tag`.

    Anchore's order: the first mapping that selects the tag picks the rule sets and
    allowlists; each rule set's rules run gate by gate; allowlisted findings turn GO; the
    worst action decides; a denylisted image is STOP and an allowlisted one GO regardless.
    """
    image = facts.image
    ref = parse_tag(tag)
    mapping: CompiledMapping | None = _first(policy.mappings, ref, image)
    denied: CompiledSelector | None = _first(policy.denylisted_images, ref, image)
    allowed: CompiledSelector | None = _first(policy.allowlisted_images, ref, image)

    in_scope = mapping.scope if mapping else frozenset()
    problems = [p for p in policy.problems if not p.scope or p.scope & in_scope]
    findings: list[Finding] = []
    if policy.document is None or any(p.severity == "error" and not p.end_of_life
                                      for p in problems):
        policy_action = Action.STOP  # a broken policy never passes an image
    elif mapping is None:
        policy_action = Action.GO
    else:
        run = _Run(policy, facts, now)
        actions = [run.rule_set(rs_id, mapping) for rs_id in mapping.rule_set_ids]
        findings, policy_action = run.findings, worst(actions)
        problems.extend(run.problems)

    if denied:
        final, reason = Action.STOP, "denylisted"
    elif allowed:
        final, reason = Action.GO, "allowlisted"
    else:
        final, reason = policy_action, "policy_evaluation"
    return Decision(
        tag=tag, image_digest=image.digest, image_id=image.image_id, policy_id=policy.id,
        final_action=final, final_action_reason=reason, policy_action=policy_action,
        findings=tuple(findings), problems=tuple(problems),
        matched_mapping_rule=selector_json(mapping.selector.rule) if mapping else None,
        matched_allowlisted_images_rule=selector_json(allowed.rule) if allowed else None,
        matched_denylisted_images_rule=selector_json(denied.rule) if denied else None,
    )


def allowlist_expiry_state(policy: CompiledPolicy, image: ImageFacts, *, tag: str,
                           now: datetime) -> tuple[tuple[str, int, bool], ...]:
    """Whether each expiring item of the allowlists the tag's mapping uses has expired at
    `now`: (allowlist id, item index, expired). A stored evaluation stays valid while this
    is unchanged (items without expiry never change it)."""
    mapping: CompiledMapping | None = _first(policy.mappings, parse_tag(tag), image)
    if mapping is None:
        return ()
    state = []
    for allowlist_id in mapping.allowlist_ids:
        allowlist = policy.allowlists.get(allowlist_id)
        for item in allowlist.expiring if allowlist else ():
            assert item.expires_at is not None
            state.append((allowlist_id, item.index, now >= item.expires_at))
    return tuple(state)


class _Run:
    """The state of one evaluation: prepared gate views, findings and problems so far."""

    def __init__(self, policy: CompiledPolicy, facts: Facts, now: datetime) -> None:
        self.policy = policy
        self.scope = Scope(facts, now)
        self.now = now
        self.prepared: dict[str, Any] = {}
        self.findings: list[Finding] = []
        self.problems: list[Problem] = []

    def rule_set(self, rs_id: str, mapping: CompiledMapping) -> Action:
        allowlists = [self.policy.allowlists[i] for i in mapping.allowlist_ids
                      if i in self.policy.allowlists]
        actions = []
        for gate, rules in self.policy.rule_sets[rs_id].groups:
            for rule in rules:
                if ((gate.needs_filesystem or rule.trigger.needs_filesystem)
                        and not self.scope.image.has_filesystem):
                    self.problems.append(Problem(
                        "warn", "ImageDataUnavailable",
                        f"{rule.rule.location}: rule {rule.rule.id} ({gate.name}/"
                        f"{rule.trigger_name}) was not evaluated: the image was analyzed from "
                        f"an SBOM, which has no file data"))
                    continue
                try:
                    view = self.prepared[gate.name]
                except KeyError:
                    view = self.prepared[gate.name] = gate.prepare(self.scope)
                actions.append(self.rule(rule, rs_id, view, allowlists))
        return worst(actions)

    def rule(self, rule: CompiledRule, rs_id: str, view: Any, allowlists: list[Any]) -> Action:
        gate, name = rule.gate.name, rule.trigger.name
        try:
            firings: list[Firing] = list(rule.trigger.fn(view, rule.args))
        except Exception as err:
            self.problems.append(Problem(
                "error", "TriggerEvaluationError",
                f"{rule.rule.location}: rule {rule.rule.id} ({gate}/{rule.trigger_name}) "
                f"failed: {type(err).__name__}: {err}", rule.rule.location))
            return Action.STOP  # fail closed: an unreadable check never passes an image
        action = Action.GO
        for firing in firings:
            tid = firing.instance_id or trigger_id(gate, name, firing.message)
            match = None
            for allowlist in allowlists:
                item = allowlist.match(gate, tid, self.now)
                if item is not None:
                    match = AllowlistMatch(allowlist.id, allowlist.name, item.id)
                    break
            effective = Action.GO if match else rule.action
            action = min(action, effective)
            self.findings.append(Finding(
                tid, gate, rule.trigger_name, firing.message, effective, rule.action, rs_id,
                rule.rule.id, rule.rule.recommendation, match))
        return action
