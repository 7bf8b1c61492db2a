"""Policy documents: Anchore's v1 bundle and the Enterprise v2 policy, read into one model.

Reading never raises on bad input: every problem found is collected, each naming its JSON
location in the submitted document, and the parts that could be read are kept so that the
compiler can report problems of its own too. Either format can be written back out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.engine.result import Problem

V1 = "1_0"
V2 = "2"
IMAGE_REF_TYPES = ("tag", "digest", "id")


@dataclass(frozen=True, slots=True)
class RuleParam:
    name: Any
    value: Any
    location: str


@dataclass(frozen=True, slots=True)
class Rule:
    id: str | None
    gate: str
    trigger: str
    action: str
    params: tuple[RuleParam, ...]
    location: str
    recommendation: str = ""
    description: str | None = None


@dataclass(frozen=True, slots=True)
class RuleSet:
    id: str
    name: str | None
    version: str | None
    rules: tuple[Rule, ...]
    location: str
    description: str | None = None


@dataclass(frozen=True, slots=True)
class AllowlistItem:
    id: str | None
    gate: str
    trigger_id: str
    location: str
    expires_on: str | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Allowlist:
    id: str
    name: str | None
    version: str | None
    items: tuple[AllowlistItem, ...]
    location: str
    description: str | None = None


@dataclass(frozen=True, slots=True)
class ImageRef:
    type: str  # tag | digest | id
    value: str


@dataclass(frozen=True, slots=True)
class ImageSelector:
    """What mapping rules and image allow/deny lists share: registry, repository, image."""

    id: str | None
    name: str | None
    registry: str
    repository: str
    image: ImageRef
    location: str
    description: str | None = None


@dataclass(frozen=True, slots=True)
class MappingRule(ImageSelector):
    rule_set_ids: tuple[str, ...] = ()
    allowlist_ids: tuple[str, ...] = ()
    # v1 named a single policy with `policy_id`; kept to write the document back as it came.
    legacy_single_id: bool = False
    index: int = 0  # position in `mappings`


@dataclass(frozen=True, slots=True)
class PolicyDocument:
    id: str | None
    name: str | None
    version: str  # the submitted format: "1_0" or "2"
    description: str | None = None
    rule_sets: tuple[RuleSet, ...] = ()
    allowlists: tuple[Allowlist, ...] = ()
    mappings: tuple[MappingRule, ...] = ()
    allowlisted_images: tuple[ImageSelector, ...] = ()
    denylisted_images: tuple[ImageSelector, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)  # fields kept verbatim (v2 only)


# Field names per format: the model uses the v2 names.
_NAMES = {
    V1: {"rule_sets": "policies", "allowlists": "whitelists", "allowlist_ids": "whitelist_ids",
         "allowlisted_images": "whitelisted_images",
         "denylisted_images": "blacklisted_images", "description": "comment"},
    V2: {},
}


class _Reader:
    def __init__(self, version: str) -> None:
        self.version = version
        self.names = _NAMES[version]
        self.problems: list[Problem] = []

    def key(self, name: str) -> str:
        return self.names.get(name, name)

    def problem(self, location: str, details: str, scope: frozenset[str] = frozenset(),
                problem_type: str = "PolicyError") -> None:
        self.problems.append(
            Problem("error", problem_type, f"{location}: {details}", location, scope))

    def field(self, obj: dict[str, Any], name: str, loc: str, kind: type | tuple[type, ...],
              *, required: bool, scope: frozenset[str] = frozenset()) -> Any:
        value = obj.get(name)
        if value is None:
            if required:
                self.problem(f"{loc}.{name}", "required field is missing", scope)
            return None
        if not isinstance(value, kind) or (kind is str and isinstance(value, bool)):
            self.problem(f"{loc}.{name}",
                         f"must be {_kind_name(kind)}, got {_json_type(value)} {value!r:.60}",
                         scope)
            return None
        return value

    def objects(self, obj: dict[str, Any], name: str, loc: str, *, required: bool,
                scope: frozenset[str] = frozenset()) -> list[tuple[str, dict[str, Any]]]:
        items = self.field(obj, name, loc, list, required=required, scope=scope) or []
        out = []
        for i, item in enumerate(items):
            where = f"{loc}.{name}[{i}]" if loc != "$" else f"{name}[{i}]"
            if isinstance(item, dict):
                out.append((where, item))
            else:
                self.problem(where, f"must be an object, got {_json_type(item)}", scope)
        return out

    def strings(self, obj: dict[str, Any], name: str, loc: str, *, required: bool,
                scope: frozenset[str]) -> tuple[str, ...]:
        items = self.field(obj, name, loc, list, required=required, scope=scope) or []
        good = []
        for i, item in enumerate(items):
            if isinstance(item, str):
                good.append(item)
            else:
                self.problem(f"{loc}.{name}[{i}]", f"must be a string id, got {item!r:.60}",
                             scope)
        return tuple(good)

    def version_of(self, obj: dict[str, Any], loc: str, scope: frozenset[str]) -> str | None:
        value = obj.get("version")
        if value is None:
            self.problem(f"{loc}.version", f"required field is missing (must be "
                         f"{self.version!r})", scope, "UnsupportedVersionError")
        elif str(value) != self.version:
            self.problem(f"{loc}.version", f"unsupported version {value!r}; this document is "
                         f"format {self.version!r}, so it must be {self.version!r}", scope,
                         "UnsupportedVersionError")
        return None if value is None else str(value)

    def rule(self, loc: str, raw: dict[str, Any], scope: frozenset[str]) -> Rule | None:
        gate = self.field(raw, "gate", loc, str, required=True, scope=scope)
        trigger = self.field(raw, "trigger", loc, str, required=True, scope=scope)
        action = self.field(raw, "action", loc, str, required=True, scope=scope)
        rule_id = self.field(raw, "id", loc, str, required=False, scope=scope)
        params = []
        # Anchore fails a rule without `params`; a missing list here means no parameters.
        for where, item in self.objects(raw, "params", loc, required=False, scope=scope):
            if "name" not in item:
                self.problem(f"{where}.name", "required field is missing", scope,
                             "InvalidParameterError")
                continue
            params.append(RuleParam(item.get("name"), item.get("value"), where))
        if gate is None or trigger is None or action is None:
            return None
        recommendation = self.field(raw, "recommendation", loc, str, required=False,
                                    scope=scope)
        return Rule(rule_id, gate, trigger, action, tuple(params), loc, recommendation or "",
                    self.field(raw, "description", loc, str, required=False, scope=scope))

    def rule_set(self, loc: str, raw: dict[str, Any]) -> RuleSet | None:
        rid = self.field(raw, "id", loc, str, required=True)
        scope = frozenset({f"rule_set:{rid}"}) if rid else frozenset()
        version = self.version_of(raw, loc, scope)
        rules = [self.rule(where, item, scope)
                 for where, item in self.objects(raw, "rules", loc, required=True, scope=scope)]
        if rid is None:
            return None
        return RuleSet(rid, self.field(raw, "name", loc, str, required=False, scope=scope),
                       version, tuple(r for r in rules if r), loc,
                       self.field(raw, self.key("description"), loc, str, required=False,
                                  scope=scope))

    def allowlist(self, loc: str, raw: dict[str, Any]) -> Allowlist | None:
        aid = self.field(raw, "id", loc, str, required=True)
        scope = frozenset({f"allowlist:{aid}"}) if aid else frozenset()
        version = self.version_of(raw, loc, scope)
        items = []
        for where, item in self.objects(raw, "items", loc, required=True, scope=scope):
            gate = self.field(item, "gate", where, str, required=True, scope=scope)
            tid = self.field(item, "trigger_id", where, str, required=True, scope=scope)
            expires = self.field(item, "expires_on", where, str, required=False, scope=scope)
            if gate is not None and tid is not None:
                items.append(AllowlistItem(
                    self.field(item, "id", where, str, required=False, scope=scope), gate, tid,
                    where, expires or None,
                    self.field(item, self.key("description"), where, str, required=False,
                               scope=scope)))
        if aid is None:
            return None
        return Allowlist(aid, self.field(raw, "name", loc, str, required=False, scope=scope),
                         version, tuple(items), loc,
                         self.field(raw, self.key("description"), loc, str, required=False,
                                    scope=scope))

    def selector_fields(self, loc: str, raw: dict[str, Any],
                        scope: frozenset[str]) -> dict[str, Any] | None:
        registry = self.field(raw, "registry", loc, str, required=True, scope=scope)
        repository = self.field(raw, "repository", loc, str, required=True, scope=scope)
        image = self.field(raw, "image", loc, dict, required=True, scope=scope)
        ref = None
        if image is not None:
            kind = self.field(image, "type", f"{loc}.image", str, required=True, scope=scope)
            value = self.field(image, "value", f"{loc}.image", str, required=True, scope=scope)
            if kind is not None and kind.lower() not in IMAGE_REF_TYPES:
                self.problem(f"{loc}.image.type",
                             f"unknown image selector type {kind!r}; must be tag, digest or id",
                             scope)
            elif kind is not None and value is not None:
                ref = ImageRef(kind.lower(), value)
        if registry is None or repository is None or ref is None:
            return None
        return {
            "id": self.field(raw, "id", loc, str, required=False, scope=scope),
            "name": self.field(raw, "name", loc, str, required=False, scope=scope),
            "registry": registry, "repository": repository, "image": ref, "location": loc,
            "description": self.field(raw, self.key("description"), loc, str, required=False,
                                      scope=scope),
        }

    def mapping(self, index: int, loc: str, raw: dict[str, Any]) -> MappingRule | None:
        scope = frozenset({f"mapping:{index}"})
        # A mapping that cannot be read might have been the one to match: that breaks the
        # whole document, not just this mapping.
        fields = self.selector_fields(loc, raw, frozenset())
        legacy = False
        if self.version == V1:
            single = self.field(raw, "policy_id", loc, str, required=False, scope=scope)
            many = raw.get("policy_ids")
            if single is not None and many is not None:
                self.problem(loc, "sets both policy_id and policy_ids; use policy_ids", scope)
            if single is None and many is None:
                self.problem(f"{loc}.policy_ids", "required field is missing (a mapping must "
                             "name the policies it applies, with policy_ids)", scope)
            ids: tuple[str, ...]
            if single is not None:
                ids, legacy = (single,), True
            else:
                ids = self.strings(raw, "policy_ids", loc, required=False, scope=scope)
        else:
            ids = self.strings(raw, "rule_set_ids", loc, required=True, scope=scope)
        # Anchore fails a mapping without the allowlist id list; missing means none here.
        allow_ids = self.strings(raw, self.key("allowlist_ids"), loc, required=False,
                                 scope=scope)
        if fields is None:
            return None
        return MappingRule(**fields, rule_set_ids=ids, allowlist_ids=allow_ids,
                           legacy_single_id=legacy, index=index)

    def image_rule(self, loc: str, raw: dict[str, Any]) -> ImageSelector | None:
        fields = self.selector_fields(loc, raw, frozenset())
        return ImageSelector(**fields) if fields else None


def read_document(raw: Any) -> tuple[PolicyDocument | None, list[Problem]]:
    """Read a v1 bundle or v2 policy. Returns the readable document (None when not even
    its format can be told) and every problem found."""
    if not isinstance(raw, dict):
        return None, [Problem("error", "PolicyError",
                              f"$: a policy document must be a JSON object, got "
                              f"{_json_type(raw)}", "$")]
    version = raw.get("version")
    if str(version) not in (V1, V2) or isinstance(version, bool):
        return None, [Problem(
            "error", "UnsupportedVersionError",
            f"version: unsupported policy document version {version!r}; imagegate reads "
            f"'1_0' (Anchore bundles) and '2' (Anchore Enterprise policies)", "version")]
    version = str(version)
    reader = _Reader(version)
    r = reader
    rule_sets = [r.rule_set(loc, item)
                 for loc, item in r.objects(raw, r.key("rule_sets"), "$", required=True)]
    allowlists = [r.allowlist(loc, item)
                  for loc, item in r.objects(raw, r.key("allowlists"), "$", required=False)]
    mappings = [r.mapping(i, loc, item) for i, (loc, item)
                in enumerate(r.objects(raw, "mappings", "$", required=True))]
    allowed = [r.image_rule(loc, item) for loc, item
               in r.objects(raw, r.key("allowlisted_images"), "$", required=False)]
    denied = [r.image_rule(loc, item) for loc, item
              in r.objects(raw, r.key("denylisted_images"), "$", required=False)]
    extra = {k: raw[k] for k in ("last_updated", "source_mappings") if k in raw}
    doc = PolicyDocument(
        id=r.field(raw, "id", "$", str, required=False),
        name=r.field(raw, "name", "$", str, required=False),
        version=version,
        description=r.field(raw, r.key("description"), "$", str, required=False),
        rule_sets=tuple(x for x in rule_sets if x),
        allowlists=tuple(x for x in allowlists if x),
        mappings=tuple(x for x in mappings if x),
        allowlisted_images=tuple(x for x in allowed if x),
        denylisted_images=tuple(x for x in denied if x),
        extra=extra,
    )
    # `$.field` reads better as `field` at the top level.
    problems = [_strip_root(p) for p in reader.problems]
    return doc, problems


def _strip_root(problem: Problem) -> Problem:
    if problem.location and problem.location.startswith("$."):
        loc = problem.location[2:]
        details = problem.details.replace(problem.location, loc, 1)
        return Problem(problem.severity, problem.problem_type, details, loc, problem.scope,
                       problem.end_of_life)
    return problem


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _kind_name(kind: type | tuple[type, ...]) -> str:
    return {str: "a string", list: "an array", dict: "an object"}.get(kind, str(kind))  # type: ignore[call-overload]


# ---------------------------------------------------------------- writing documents back


def _drop_none(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if v is not None}


def _selector_dict(rule: ImageSelector, names: dict[str, str]) -> dict[str, Any]:
    return _drop_none({
        "id": rule.id, "name": rule.name, "registry": rule.registry,
        "repository": rule.repository,
        "image": {"type": rule.image.type, "value": rule.image.value},
        names.get("description", "description"): rule.description,
    })


def write_document(doc: PolicyDocument, version: str) -> dict[str, Any]:
    """The document in the given format ("1_0" or "2")."""
    names = _NAMES[version]

    def key(name: str) -> str:
        return names.get(name, name)

    def rule(r: Rule) -> dict[str, Any]:
        out = _drop_none({"id": r.id, "gate": r.gate, "trigger": r.trigger, "action": r.action,
                          "params": [{"name": p.name, "value": p.value} for p in r.params]})
        if version == V2:
            out["recommendation"] = r.recommendation
            if r.description is not None:
                out["description"] = r.description
        return out

    def mapping(m: MappingRule) -> dict[str, Any]:
        out = _selector_dict(m, names)
        if version == V1 and m.legacy_single_id and len(m.rule_set_ids) == 1:
            out["policy_id"] = m.rule_set_ids[0]
        else:
            out["policy_ids" if version == V1 else "rule_set_ids"] = list(m.rule_set_ids)
        out[key("allowlist_ids")] = list(m.allowlist_ids)
        return out

    out: dict[str, Any] = _drop_none({"id": doc.id, "name": doc.name, "version": version,
                                      key("description"): doc.description})
    out[key("rule_sets")] = [
        _drop_none({"id": rs.id, "name": rs.name, "version": version,
                    key("description"): rs.description, "rules": [rule(r) for r in rs.rules]})
        for rs in doc.rule_sets
    ]
    out[key("allowlists")] = [
        _drop_none({"id": al.id, "name": al.name, "version": version,
                    key("description"): al.description,
                    "items": [_drop_none({"id": it.id, "gate": it.gate,
                                          "trigger_id": it.trigger_id,
                                          "expires_on": it.expires_on,
                                          key("description"): it.description})
                              for it in al.items]})
        for al in doc.allowlists
    ]
    out["mappings"] = [mapping(m) for m in doc.mappings]
    out[key("allowlisted_images")] = [_selector_dict(r, names) for r in doc.allowlisted_images]
    out[key("denylisted_images")] = [_selector_dict(r, names) for r in doc.denylisted_images]
    if version == V2:
        out.update(doc.extra)
    return out
