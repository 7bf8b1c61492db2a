"""Compile a policy document once: bind every rule to its trigger with parsed parameters,
index the allowlists, and collect every problem. Evaluate many times afterwards."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.engine.document import (
    Allowlist,
    AllowlistItem,
    ImageSelector,
    MappingRule,
    PolicyDocument,
    Rule,
    RuleSet,
    read_document,
)
from app.engine.gate import Args, Gate, Trigger
from app.engine.gates import END_OF_LIFE, GATES
from app.engine.params import ParamValueError
from app.engine.patterns import Matcher, compile_pattern, literal_prefix
from app.engine.result import Action, Problem
from app.engine.timestamps import parse_timestamp


@dataclass(frozen=True, slots=True)
class CompiledRule:
    rule: Rule
    gate: Gate
    trigger: Trigger
    trigger_name: str  # as the policy spells it (v1 or Enterprise name), lower case
    action: Action
    args: Args


@dataclass(frozen=True, slots=True)
class CompiledRuleSet:
    id: str
    name: str | None
    # Rules grouped by gate in order of the gate's first appearance, document order inside:
    # Anchore's execution order, which is the order findings come out in.
    groups: tuple[tuple[Gate, tuple[CompiledRule, ...]], ...]


@dataclass(frozen=True, slots=True)
class CompiledItem:
    index: int  # document order: the first matching item wins
    item: AllowlistItem
    gate: str
    matches: Matcher
    expires_at: datetime | None


@dataclass
class CompiledAllowlist:
    """Items indexed by gate and by the literal prefix of their trigger id pattern, so that a
    finding is checked against the few items that can match it, not against all of them."""

    id: str
    name: str | None
    exact: dict[tuple[str, str], list[CompiledItem]] = field(default_factory=dict)
    by_prefix: dict[tuple[str, str], list[CompiledItem]] = field(default_factory=dict)
    prefix_lengths: dict[str, list[int]] = field(default_factory=dict)
    scan: dict[str, list[CompiledItem]] = field(default_factory=dict)  # regexes, '*foo'
    expiring: list[CompiledItem] = field(default_factory=list)

    def add(self, item: CompiledItem) -> None:
        if item.expires_at is not None:
            self.expiring.append(item)
        pattern = item.item.trigger_id
        prefix = literal_prefix(pattern)
        if pattern == prefix:
            self.exact.setdefault((item.gate, pattern), []).append(item)
        elif prefix:
            self.by_prefix.setdefault((item.gate, prefix), []).append(item)
            lengths = self.prefix_lengths.setdefault(item.gate, [])
            if len(prefix) not in lengths:
                lengths.append(len(prefix))
        else:
            self.scan.setdefault(item.gate, []).append(item)

    def match(self, gate: str, trigger_id: str, now: datetime) -> AllowlistItem | None:
        candidates = list(self.exact.get((gate, trigger_id), ()))
        for length in self.prefix_lengths.get(gate, ()):
            candidates.extend(self.by_prefix.get((gate, trigger_id[:length]), ()))
        candidates.extend(self.scan.get(gate, ()))
        best: CompiledItem | None = None
        for cand in candidates:
            if best is not None and cand.index > best.index:
                continue
            if cand.expires_at is not None and now >= cand.expires_at:
                continue
            if cand.matches(trigger_id):
                best = cand
        return best.item if best else None


@dataclass(frozen=True, slots=True)
class CompiledSelector:
    rule: ImageSelector
    registry: Matcher
    repository: Matcher
    tag: Matcher | None  # for `image.type == "tag"`


@dataclass(frozen=True, slots=True)
class CompiledMapping:
    index: int
    selector: CompiledSelector
    rule_set_ids: tuple[str, ...]
    allowlist_ids: tuple[str, ...]

    @property
    def scope(self) -> frozenset[str]:
        return frozenset({f"mapping:{self.index}",
                          *(f"rule_set:{i}" for i in self.rule_set_ids),
                          *(f"allowlist:{i}" for i in self.allowlist_ids)})


@dataclass(frozen=True)
class CompiledPolicy:
    document: PolicyDocument | None
    rule_sets: dict[str, CompiledRuleSet]
    allowlists: dict[str, CompiledAllowlist]
    mappings: tuple[CompiledMapping, ...]
    allowlisted_images: tuple[CompiledSelector, ...]
    denylisted_images: tuple[CompiledSelector, ...]
    problems: tuple[Problem, ...]

    @property
    def id(self) -> str:
        return (self.document.id if self.document else None) or ""

    @property
    def gate_names(self) -> frozenset[str]:
        """Every gate some rule of the policy uses."""
        return frozenset(gate.name for rs in self.rule_sets.values() for gate, _ in rs.groups)

    @property
    def valid(self) -> bool:
        """Strict validity, as for storing a policy: end-of-life rules count as errors."""
        return not any(p.severity == "error" for p in self.problems)


class _Compiler:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def problem(self, problem_type: str, location: str, details: str, scope: frozenset[str],
                *, severity: str = "error", end_of_life: bool = False) -> None:
        self.problems.append(Problem(severity, problem_type, f"{location}: {details}",
                                     location, scope, end_of_life))

    # ------------------------------------------------------------------ rules

    def rule(self, rule: Rule, scope: frozenset[str]) -> CompiledRule | None:
        where = f"gate={rule.gate},trigger={rule.trigger},rule_id={rule.id}"
        gate_name = rule.gate.lower()
        if gate_name in END_OF_LIFE:
            successor = END_OF_LIFE[gate_name]
            hint = f"; use the '{successor}' gate" if successor else ""
            self.problem("EndOfLifedError", rule.location,
                         f"gate '{rule.gate}' is end-of-life and no longer evaluated{hint} "
                         f"({where})", scope, end_of_life=True)
            return None
        gate = GATES.get(gate_name)
        if gate is None:
            self.problem("GateNotFoundError", f"{rule.location}.gate",
                         f"unknown gate '{rule.gate}'; known gates: {', '.join(sorted(GATES))}",
                         scope)
            return None
        trigger = gate.find_trigger(rule.trigger)
        if trigger is None:
            self.problem("TriggerNotFoundError", f"{rule.location}.trigger",
                         f"unknown trigger '{rule.trigger}' for gate '{gate.name}'; its "
                         f"triggers: {', '.join(gate.triggers)}", scope)
            return None
        action: Action | None = None
        try:
            action = Action.parse(rule.action)
        except KeyError:
            self.problem("PolicyError", f"{rule.location}.action",
                         f"invalid action {rule.action!r}; must be STOP, WARN or GO", scope)
        args = self.args(rule, gate, trigger, scope, where)
        if action is None or args is None:
            return None
        spelled = rule.trigger.lower()
        name = spelled if spelled in trigger.aliases else trigger.name
        return CompiledRule(rule, gate, trigger, name, action, args)

    def args(self, rule: Rule, gate: Gate, trigger: Trigger, scope: frozenset[str],
             where: str) -> Args | None:
        ok = True
        raw: dict[str, tuple[Any, str]] = {}
        for p in rule.params:  # names are case-insensitive; a repeated name: the last wins
            if not isinstance(p.name, str):
                self.problem("InvalidParameterError", f"{p.location}.name",
                             f"parameter name must be a string, got {p.name!r}", scope)
                ok = False
                continue
            spec = trigger.param(p.name.lower())
            if spec is None:
                known = ", ".join(x.name for x in trigger.params) or "none"
                self.problem("InvalidParameterError", f"{p.location}.name",
                             f"unknown parameter '{p.name}' for {gate.name}/{trigger.name} "
                             f"(its parameters: {known})", scope)
                ok = False
                continue
            raw[spec.name] = (p.value, p.location)
        values: dict[str, Any] = {}
        for spec in trigger.params:
            if spec.name not in raw:
                if spec.required:
                    self.problem("ParameterValueInvalidError", f"{rule.location}.params",
                                 f"required parameter '{spec.name}' is missing ({where})", scope)
                    ok = False
                continue
            value, location = raw[spec.name]
            if not isinstance(value, str):
                self.problem("ParameterValueInvalidError", f"{location}.value",
                             f"value of '{spec.name}' must be a JSON string, got {value!r:.60} "
                             f"({where})", scope)
                ok = False
                continue
            try:
                values[spec.name] = spec.parse(value)
            except ParamValueError as err:
                self.problem("ParameterValueInvalidError", f"{location}.value",
                             f"invalid value {value!r:.80} for '{spec.name}': {err} ({where})",
                             scope)
                ok = False
        if ok and trigger.check:
            for message in trigger.check(values):
                self.problem("ParameterValueInvalidError", f"{rule.location}.params",
                             f"{message} ({where})", scope)
                ok = False
        return Args(values, rule.id) if ok else None

    def rule_set(self, rs: RuleSet) -> CompiledRuleSet:
        scope = frozenset({f"rule_set:{rs.id}"})
        groups: dict[str, tuple[Gate, list[CompiledRule]]] = {}
        for rule in rs.rules:
            compiled = self.rule(rule, scope)
            if compiled:
                groups.setdefault(compiled.gate.name, (compiled.gate, []))[1].append(compiled)
        return CompiledRuleSet(rs.id, rs.name,
                               tuple((g, tuple(rules)) for g, rules in groups.values()))

    # ------------------------------------------------------------- allowlists

    def allowlist(self, al: Allowlist) -> CompiledAllowlist:
        scope = frozenset({f"allowlist:{al.id}"})
        out = CompiledAllowlist(al.id, al.name)
        for index, item in enumerate(al.items):
            expires = None
            if item.expires_on:
                try:
                    expires = parse_timestamp(item.expires_on)
                except ValueError as err:
                    self.problem("InvalidTimestampError", f"{item.location}.expires_on",
                                 str(err), scope)
                    continue
            try:
                matcher = compile_pattern(item.trigger_id)
            except re.error as err:
                self.problem("PolicyError", f"{item.location}.trigger_id",
                             f"invalid regexp in {item.trigger_id!r}: {err}", scope)
                continue
            out.add(CompiledItem(index, item, item.gate.lower(), matcher, expires))
        return out

    # ------------------------------------------------------- selectors, refs

    def selector(self, rule: ImageSelector, scope: frozenset[str]) -> CompiledSelector | None:
        matchers = []
        for name in ("registry", "repository"):
            matchers.append(self.pattern(getattr(rule, name), f"{rule.location}.{name}", scope))
        tag = None
        if rule.image.type == "tag":
            tag = self.pattern(rule.image.value, f"{rule.location}.image.value", scope)
            if tag is None:
                return None
        if matchers[0] is None or matchers[1] is None:
            return None
        return CompiledSelector(rule, matchers[0], matchers[1], tag)

    def pattern(self, pattern: str, location: str, scope: frozenset[str]) -> Matcher | None:
        try:
            return compile_pattern(pattern)
        except re.error as err:
            self.problem("PolicyError", location, f"invalid regexp in {pattern!r}: {err}", scope)
            return None

    def duplicates(self, kind: str, key: str, ids: list[tuple[str, str]]) -> None:
        counts = Counter(i for i, _ in ids)
        for ident, location in ids:
            if counts[ident] > 1:
                self.problem("DuplicateIdentifierFoundError", f"{location}.id",
                             f"{kind} id '{ident}' is used by {counts[ident]} {kind}s",
                             frozenset({f"{key}:{ident}"}))
                counts[ident] = 0  # report each duplicated id once

    def mapping(self, index: int, m: MappingRule, rule_set_ids: set[str],
                allowlist_ids: set[str]) -> CompiledMapping | None:
        scope = frozenset({f"mapping:{index}"})
        for kind, ids, known in (("rule set", m.rule_set_ids, rule_set_ids),
                                 ("allowlist", m.allowlist_ids, allowlist_ids)):
            for ident in ids:
                if ident not in known:
                    self.problem("ReferencedObjectNotFoundError", m.location,
                                 f"mapping refers to {kind} '{ident}', which the document "
                                 f"does not define", scope)
        selector = self.selector(m, scope)
        if selector is None:
            return None
        return CompiledMapping(index, selector, m.rule_set_ids, m.allowlist_ids)


def compile_policy(document: Any) -> CompiledPolicy:
    """Compile a policy document (the parsed JSON of a v1 bundle or v2 policy).

    Never raises for bad input: the result lists every problem, and an invalid policy still
    evaluates (to STOP, with the problems reported)."""
    doc, read_problems = read_document(document)
    compiler = _Compiler()
    compiler.problems.extend(read_problems)
    if doc is None:
        return CompiledPolicy(None, {}, {}, (), (), (), tuple(compiler.problems))
    compiler.duplicates("rule set", "rule_set", [(rs.id, rs.location) for rs in doc.rule_sets])
    compiler.duplicates("allowlist", "allowlist", [(a.id, a.location) for a in doc.allowlists])
    rule_sets = {rs.id: compiler.rule_set(rs) for rs in doc.rule_sets}
    allowlists = {al.id: compiler.allowlist(al) for al in doc.allowlists}
    mappings = [compiler.mapping(m.index, m, set(rule_sets), set(allowlists))
                for m in doc.mappings]
    allowed = [compiler.selector(r, frozenset()) for r in doc.allowlisted_images]
    denied = [compiler.selector(r, frozenset()) for r in doc.denylisted_images]
    return CompiledPolicy(
        doc, rule_sets, allowlists,
        tuple(m for m in mappings if m),
        tuple(s for s in allowed if s),
        tuple(s for s in denied if s),
        tuple(compiler.problems),
    )
