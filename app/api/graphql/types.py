"""The GraphQL types: images, tags, policies, evaluations, findings, the gate catalogue,
connections and the typed errors of mutations. Reads go through the request's dataloaders.

Image (by digest), Policy (by id) and Evaluation (by id) are Apollo Federation entities;
their `resolve_reference` reads through the same account-scoped loaders, so `_entities`
never returns another account's objects.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from enum import Enum
from typing import Any, Generic, NewType, TypeVar

import strawberry
from strawberry.scalars import JSON
from strawberry.types.scalar import ScalarDefinition

from app.api.graphql.context import Info
from app.api.graphql.limits import cursor, window
from app.api.graphql.loaders import Failed
from app.catalog.models import Evaluation, Image, Policy, Tag
from app.errors import ImagegateError, InvalidInputError, NotFoundError, PolicyInvalidError
from app.services import policies as policy_service
from app.services.accounts import PermissionDeniedError
from app.services.checks import CheckRequest, CheckResult
from app.services.images import normalize_tag

BigInt = NewType("BigInt", int)
SCALARS: dict[object, ScalarDefinition] = {BigInt: strawberry.scalar(
    name="BigInt", serialize=int, parse_value=int,
    description="An integer that may exceed 32 bits (sizes in bytes)")}


def as_json(value: Any) -> Any:
    """A value for a JSON field (any JSON-serializable value)."""
    return value

T = TypeVar("T")


# ------------------------------------------------------------------ connections

@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    nodes: list[T] = strawberry.field(description="The page's nodes, without cursors "
                                                  "(pageInfo has the last one)")
    page_info: PageInfo
    total_count: int
    _offset: strawberry.Private[int]

    @strawberry.field(description="The page's nodes with their cursors")
    def edges(self) -> list[Edge[T]]:
        return [Edge(cursor=cursor(self._offset + n), node=node)
                for n, node in enumerate(self.nodes)]


def connection(page: list[Any], *, offset: int, total: int) -> Connection[Any]:
    """One page starting at `offset` of `total` items."""
    return Connection(
        nodes=page, total_count=total, _offset=offset,
        page_info=PageInfo(has_next_page=offset + len(page) < total,
                           has_previous_page=offset > 0,
                           start_cursor=cursor(offset) if page else None,
                           end_cursor=cursor(offset + len(page) - 1) if page else None))


def paginate(items: list[Any], first: int | None, after: str | None,
             info: Info) -> Connection[Any]:
    offset, size = window(first, after, info.context.limits)
    return connection(items[offset:offset + size], offset=offset, total=len(items))


# ------------------------------------------------------------------ errors (union members)

@strawberry.interface(description="An expected error: what was wrong, safe to show a user")
class Error:
    message: str


@strawberry.type(description="Problems found in a policy document")
class Problem:
    severity: str
    problem_type: str
    details: str
    location: str | None


@strawberry.type(description="The object does not exist, or is not visible to the caller")
class NotFound(Error):
    pass


@strawberry.type(description="The request is malformed or contradicts the catalog")
class InvalidInput(Error):
    pass


@strawberry.type(description="The policy document has problems; nothing was stored")
class PolicyInvalid(Error):
    problems: list[Problem]


@strawberry.type(description="The caller may not do this")
class PermissionDenied(Error):
    pass


def problem_of(raw: Any) -> Problem:
    data = raw if isinstance(raw, dict) else raw.to_dict() | {"location": raw.location}
    return Problem(severity=str(data.get("severity", "")),
                   problem_type=str(data.get("problem_type", "")),
                   details=str(data.get("details", "")), location=data.get("location"))


def error_of(err: ImagegateError) -> Any:
    if isinstance(err, PolicyInvalidError):
        return PolicyInvalid(message=str(err), problems=[problem_of(p) for p in err.problems])
    if isinstance(err, NotFoundError):
        return NotFound(message=str(err))
    if isinstance(err, PermissionDeniedError):
        return PermissionDenied(message=str(err))
    if isinstance(err, InvalidInputError):
        return InvalidInput(message=str(err))
    raise err


# ------------------------------------------------------------------ findings

@strawberry.type(description="The allowlist item that turned a finding's action to go")
class AllowlistMatch:
    id: str | None
    name: str | None
    matched_rule_id: str | None


@strawberry.type(name="Finding",
                 description="One firing of a trigger (spec §6.4 PolicyEvaluationFinding)")
class FindingNode:
    trigger_id: str
    gate: str
    trigger: str
    message: str
    action: str = strawberry.field(description="The effective action: stop, warn or go")
    rule_action: str = strawberry.field(description="The rule's action before allowlisting")
    policy_id: str = strawberry.field(description="The rule set whose rule fired")
    rule_id: str | None
    recommendation: str
    allowlisted: bool
    allowlist_match: AllowlistMatch | None
    inherited_from_base: bool | None = strawberry.field(
        description="Also found in the base image (null when no base was compared)")

    @classmethod
    def of(cls, f: Any) -> FindingNode:
        """From a Finding row (or anything with its columns as attributes)."""
        match = (AllowlistMatch(id=f.allowlist_id, name=f.allowlist_name,
                                matched_rule_id=f.allowlist_rule_id)
                 if f.allowlist_id else None)
        return cls(trigger_id=f.trigger_id, gate=f.gate, trigger=f.trigger, message=f.message,
                   action=f.action, rule_action=f.rule_action, policy_id=f.policy_id,
                   rule_id=f.rule_id, recommendation=f.recommendation or "",
                   allowlisted=match is not None, allowlist_match=match,
                   inherited_from_base=f.inherited_from_base)


@strawberry.type
class TriggerFindings:
    trigger: str
    count: int
    findings: list[FindingNode]


@strawberry.type
class GateFindings:
    gate: str
    count: int
    triggers: list[TriggerFindings]


def group_by_gate(findings: Iterable[FindingNode]) -> list[GateFindings]:
    """gate → trigger → findings, each in order of first appearance."""
    gates: dict[str, dict[str, list[FindingNode]]] = {}
    for f in findings:
        gates.setdefault(f.gate, {}).setdefault(f.trigger, []).append(f)
    return [GateFindings(gate=gate, count=sum(len(v) for v in triggers.values()),
                         triggers=[TriggerFindings(trigger=t, count=len(v), findings=v)
                                   for t, v in triggers.items()])
            for gate, triggers in gates.items()]


# ------------------------------------------------------------------ evaluations

@strawberry.federation.type(keys=["id"], name="Evaluation",
                            description="A stored verdict for one image under one tag "
                                        "against one policy")
class EvaluationNode:
    id: strawberry.ID
    tag: str
    policy_id: str
    policy_revision: str
    status: str = strawberry.field(description="pass or fail (fail iff the final action is "
                                               "stop)")
    final_action: str
    final_action_reason: str = strawberry.field(
        description="policy_evaluation, allowlisted or denylisted")
    policy_action: str = strawberry.field(description="The action before image allow/deny "
                                                      "lists")
    evaluated_at: datetime
    base_digest: str | None
    number_of_findings: int
    problems: list[Problem]
    matched_mapping_rule: JSON | None
    matched_allowlisted_images_rule: JSON | None
    matched_denylisted_images_rule: JSON | None
    _row: strawberry.Private[Evaluation]
    _digest: strawberry.Private[str | None]

    @classmethod
    def of(cls, e: Evaluation, digest: str | None = None) -> EvaluationNode:
        return cls(id=strawberry.ID(e.id), tag=e.tag, policy_id=e.policy_id,
                   policy_revision=e.policy_revision, status=e.status,
                   final_action=e.final_action, final_action_reason=e.final_action_reason,
                   policy_action=e.policy_action, evaluated_at=e.evaluated_at,
                   base_digest=e.base_digest, number_of_findings=e.number_of_findings,
                   problems=[problem_of(p) for p in e.problems or []],
                   matched_mapping_rule=as_json(e.matched_mapping_rule),
                   matched_allowlisted_images_rule=as_json(e.matched_allowlisted_images_rule),
                   matched_denylisted_images_rule=as_json(e.matched_denylisted_images_rule),
                   _row=e, _digest=digest)

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> EvaluationNode | None:
        row = await info.context.loaders.evaluations_by_id.load(str(id))
        return cls.of(row) if row is not None else None

    @strawberry.field
    async def image_digest(self, info: Info) -> str:
        if self._digest is None:
            image = await info.context.loaders.images_by_pk.load(self._row.image_pk)
            self._digest = image.digest if image is not None else ""
        return self._digest

    @strawberry.field
    async def image(self, info: Info) -> ImageNode | None:
        image = await info.context.loaders.images_by_pk.load(self._row.image_pk)
        return ImageNode.of(image) if image is not None else None

    @strawberry.field
    async def policy(self, info: Info) -> PolicyNode | None:
        record = await info.context.loaders.policies_by_pk.load(self._row.policy_pk)
        return PolicyNode.of(record) if record is not None else None

    async def _findings(self, info: Info) -> list[FindingNode]:
        assert self._row.pk is not None
        rows = await info.context.loaders.findings.load(self._row.pk)
        return [FindingNode.of(f) for f in rows]

    @strawberry.field(description="Findings in evaluation order; every filter given must "
                                  "match")
    async def findings(self, info: Info, gate: str | None = None, trigger: str | None = None,
                       action: str | None = None, allowlisted: bool | None = None,
                       inherited_from_base: bool | None = None, first: int | None = None,
                       after: str | None = None) -> Connection[FindingNode]:
        window(first, after, info.context.limits)  # refuse a bad page before loading
        chosen = [f for f in await self._findings(info)
                  if (gate is None or f.gate == gate)
                  and (trigger is None or f.trigger == trigger)
                  and (action is None or f.action == action.lower())
                  and (allowlisted is None or f.allowlisted == allowlisted)
                  and (inherited_from_base is None
                       or f.inherited_from_base == inherited_from_base)]
        return paginate(chosen, first, after, info)

    @strawberry.field(description="Findings grouped gate → trigger, with counts")
    async def findings_by_gate(self, info: Info) -> list[GateFindings]:
        return group_by_gate(await self._findings(info))


# ------------------------------------------------------------------ policies

@strawberry.type
class RuleParam:
    name: str
    value: JSON


@strawberry.type
class Rule:
    id: str | None
    gate: str
    trigger: str
    action: str
    params: list[RuleParam]
    recommendation: str
    description: str | None


@strawberry.type
class RuleSet:
    id: str | None
    name: str | None
    version: str | None
    description: str | None
    rules: list[Rule]


@strawberry.type
class AllowlistItem:
    id: str | None
    gate: str | None
    trigger_id: str | None
    expires_on: str | None
    expired: bool = strawberry.field(description="expires_on is in the past")
    description: str | None


@strawberry.type
class Allowlist:
    id: str | None
    name: str | None
    version: str | None
    description: str | None
    items: list[AllowlistItem]


@strawberry.type
class ImageRef:
    type: str
    value: str


@strawberry.type
class ImageSelector:
    id: str | None
    name: str | None
    registry: str | None
    repository: str | None
    image: ImageRef | None
    description: str | None


@strawberry.type
class Mapping(ImageSelector):
    rule_set_ids: list[str]
    allowlist_ids: list[str]


def _expired(expires_on: Any) -> bool:
    if not isinstance(expires_on, str):
        return False
    try:
        when = datetime.fromisoformat(expires_on.replace("Z", "+00:00"))
    except ValueError:
        return False
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when < datetime.now(UTC)


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def _image_ref(raw: Any) -> ImageRef | None:
    if not isinstance(raw, dict):
        return None
    return ImageRef(type=str(raw.get("type", "")), value=str(raw.get("value", "")))


def _selector(raw: dict[str, Any]) -> dict[str, Any]:
    return {"id": _str(raw.get("id")), "name": _str(raw.get("name")),
            "registry": _str(raw.get("registry")), "repository": _str(raw.get("repository")),
            "image": _image_ref(raw.get("image")), "description": _str(raw.get("description"))}


def _objects(doc: dict[str, Any], key: str) -> list[dict[str, Any]]:
    return [x for x in doc.get(key) or [] if isinstance(x, dict)]


@strawberry.federation.type(keys=["id"], name="Policy",
                            description="A stored policy (a v1 bundle or a v2 policy; its "
                                        "parts are shown in the v2 shape)")
class PolicyNode:
    id: strawberry.ID
    name: str | None
    version: str = strawberry.field(description="The document format as submitted: 1_0 or 2")
    active: bool
    revision: str = strawberry.field(description="sha256 of the canonical document")
    description: str | None
    created_at: datetime
    updated_at: datetime
    document: JSON = strawberry.field(description="The document as submitted")
    _row: strawberry.Private[Policy]

    @classmethod
    def of(cls, p: Policy) -> PolicyNode:
        return cls(id=strawberry.ID(p.policy_id), name=p.name, version=p.format_version,
                   active=p.active, revision=p.revision, description=p.description,
                   created_at=p.created_at, updated_at=p.updated_at,
                   document=as_json(p.document),
                   _row=p)

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> PolicyNode | None:
        record = await info.context.loaders.policies_by_id.load(str(id))
        return cls.of(record) if record is not None else None

    def _v2(self) -> dict[str, Any]:
        return policy_service.document_v2(self._row)

    @strawberry.field
    def rule_sets(self) -> list[RuleSet]:
        return [RuleSet(
            id=_str(rs.get("id")), name=_str(rs.get("name")), version=_str(rs.get("version")),
            description=_str(rs.get("description")),
            rules=[Rule(id=_str(r.get("id")), gate=str(r.get("gate", "")),
                        trigger=str(r.get("trigger", "")), action=str(r.get("action", "")),
                        params=[RuleParam(name=str(p.get("name")), value=as_json(p.get("value")))
                                for p in _objects(r, "params")],
                        recommendation=str(r.get("recommendation") or ""),
                        description=_str(r.get("description")))
                   for r in _objects(rs, "rules")])
            for rs in _objects(self._v2(), "rule_sets")]

    @strawberry.field
    def allowlists(self) -> list[Allowlist]:
        return [Allowlist(
            id=_str(al.get("id")), name=_str(al.get("name")), version=_str(al.get("version")),
            description=_str(al.get("description")),
            items=[AllowlistItem(id=_str(i.get("id")), gate=_str(i.get("gate")),
                                 trigger_id=_str(i.get("trigger_id")),
                                 expires_on=_str(i.get("expires_on")),
                                 expired=_expired(i.get("expires_on")),
                                 description=_str(i.get("description")))
                   for i in _objects(al, "items")])
            for al in _objects(self._v2(), "allowlists")]

    @strawberry.field
    def mappings(self) -> list[Mapping]:
        return [Mapping(**_selector(m),
                        rule_set_ids=[str(x) for x in m.get("rule_set_ids") or []],
                        allowlist_ids=[str(x) for x in m.get("allowlist_ids") or []])
                for m in _objects(self._v2(), "mappings")]

    @strawberry.field
    def allowlisted_images(self) -> list[ImageSelector]:
        return [ImageSelector(**_selector(r))
                for r in _objects(self._v2(), "allowlisted_images")]

    @strawberry.field
    def denylisted_images(self) -> list[ImageSelector]:
        return [ImageSelector(**_selector(r))
                for r in _objects(self._v2(), "denylisted_images")]

    @strawberry.field(description="Stored evaluations against this policy, newest first")
    async def evaluations(self, info: Info, first: int | None = None,
                          after: str | None = None) -> Connection[EvaluationNode]:
        assert self._row.id is not None
        rows = await info.context.loaders.policy_history.load(self._row.id)
        return paginate([EvaluationNode.of(e) for e in rows], first, after, info)


@strawberry.type
class PolicyValidation:
    valid: bool
    problems: list[Problem]


@strawberry.type
class DeletedPolicy:
    id: strawberry.ID


# ------------------------------------------------------------------ the gate catalogue

@strawberry.type
class GateParameter:
    name: str
    description: str | None
    example: JSON | None
    required: bool
    state: str | None
    superseded_by: str | None
    validator: JSON | None


@strawberry.type
class GateTrigger:
    name: str
    aliases: list[str]
    description: str | None
    state: str | None
    superseded_by: str | None
    parameters: list[GateParameter]


@strawberry.type(description="A gate of the policy language with its triggers and "
                             "parameters")
class Gate:
    name: str
    description: str | None
    state: str | None
    superseded_by: str | None
    triggers: list[GateTrigger]


def gate_of(raw: dict[str, Any]) -> Gate:
    return Gate(
        name=raw["name"], description=raw.get("description"), state=raw.get("state"),
        superseded_by=raw.get("superseded_by"),
        triggers=[GateTrigger(
            name=t["name"], aliases=list(t.get("aliases") or []),
            description=t.get("description"), state=t.get("state"),
            superseded_by=t.get("superseded_by"),
            parameters=[GateParameter(
                name=p["name"], description=p.get("description"), example=p.get("example"),
                required=bool(p.get("required")), state=p.get("state"),
                superseded_by=p.get("superseded_by"), validator=p.get("validator"))
                for p in t.get("parameters") or []])
            for t in raw.get("triggers") or []])


# ------------------------------------------------------------------ packages, vulnerabilities

@strawberry.type(name="Package", description="A package found by analysis")
class PackageNode:
    name: str
    version: str
    type: str
    release: str | None
    source: str | None
    architecture: str | None
    licenses: list[str]
    purl: str | None
    location: str | None
    layer: str | None


@strawberry.input
class PackageFilter:
    name: str | None = None
    name_contains: str | None = None
    type: str | None = None
    license: str | None = None


def _package(raw: dict[str, Any]) -> PackageNode:
    return PackageNode(name=str(raw.get("name", "")), version=str(raw.get("version", "")),
                       type=str(raw.get("type", "")), release=_str(raw.get("release")),
                       source=_str(raw.get("source")),
                       architecture=_str(raw.get("architecture")),
                       licenses=[str(x) for x in raw.get("licenses") or []],
                       purl=_str(raw.get("purl")), location=_str(raw.get("location")),
                       layer=_str(raw.get("layer")))


def _package_matches(p: PackageNode, f: PackageFilter | None) -> bool:
    if f is None:
        return True
    return ((f.name is None or p.name == f.name)
            and (f.name_contains is None or f.name_contains.lower() in p.name.lower())
            and (f.type is None or p.type == f.type)
            and (f.license is None or f.license in p.licenses))


@strawberry.type
class CvssScore:
    version: str
    vector: str | None
    base_score: float | None
    exploitability_score: float | None
    impact_score: float | None


def _cvss(items: Any) -> list[CvssScore]:
    def score(value: Any) -> float | None:
        return None if value is None or float(value) < 0 else float(value)

    return [CvssScore(version=str(c.get("version", "")), vector=_str(c.get("vector")) or None,
                      base_score=score(c.get("base_score")),
                      exploitability_score=score(c.get("exploitability_score")),
                      impact_score=score(c.get("impact_score")))
            for c in items or [] if isinstance(c, dict)]


@strawberry.type(name="Vulnerability",
                 description="A vulnerability matched against one of the image's packages "
                             "(from the imported feeds, or an attached Grype report)")
class VulnerabilityNode:
    vulnerability_id: str
    aliases: list[str]
    severity: str
    package_name: str
    package_version: str
    package_type: str
    package_location: str
    fix_versions: list[str]
    fix_available: bool
    will_not_fix: bool
    url: str | None
    feed_group: str | None
    cvss: list[CvssScore]
    nvd_cvss: list[CvssScore]
    published: datetime | None
    detected_at: datetime
    source: str

    @classmethod
    def of(cls, v: Any) -> VulnerabilityNode:
        return cls(vulnerability_id=v.vulnerability_id, aliases=list(v.aliases or []),
                   severity=v.severity, package_name=v.package_name,
                   package_version=v.package_version, package_type=v.package_type,
                   package_location=v.package_location or "",
                   fix_versions=list(v.fix_versions or []),
                   fix_available=bool(v.fix_versions), will_not_fix=bool(v.will_not_fix),
                   url=v.link or None, feed_group=v.feed_group or None, cvss=_cvss(v.cvss),
                   nvd_cvss=_cvss(v.nvd_cvss), published=v.published,
                   detected_at=v.detected_at, source=v.source)


@strawberry.input
class VulnerabilityFilter:
    severities: list[str] | None = strawberry.field(
        default=None, description="Any of these severities (case-insensitive)")
    fix_available: bool | None = None
    package_name: str | None = None
    package_type: str | None = None
    vulnerability_id: str | None = strawberry.field(
        default=None, description="The id, or one of its aliases")


def _vulnerability_matches(v: VulnerabilityNode, f: VulnerabilityFilter | None) -> bool:
    if f is None:
        return True
    severities = {s.lower() for s in f.severities} if f.severities is not None else None
    return ((severities is None or v.severity.lower() in severities)
            and (f.fix_available is None or v.fix_available == f.fix_available)
            and (f.package_name is None or v.package_name == f.package_name)
            and (f.package_type is None or v.package_type == f.package_type)
            and (f.vulnerability_id is None or f.vulnerability_id == v.vulnerability_id
                 or f.vulnerability_id in v.aliases))


# ------------------------------------------------------------------ images and tags

@strawberry.input
class ImageFilter:
    distro: str | None = None
    repository: str | None = None
    tag: str | None = strawberry.field(default=None, description="A full tag the image "
                                                                 "carries now")
    digests: list[str] | None = None
    search: str | None = strawberry.field(
        default=None, description="Text found, ignoring case, in the digest, the image id, "
                                  "the distro or one of the current full tags")


@strawberry.enum(description="The order of an image list (ties: newest analyzed first)")
class ImageOrder(Enum):
    ANALYZED_AT_DESC = "analyzed_at_desc"
    ANALYZED_AT_ASC = "analyzed_at_asc"
    TAG_ASC = strawberry.enum_value("tag_asc", description="By the image's first full tag")
    TAG_DESC = "tag_desc"
    DISTRO_ASC = strawberry.enum_value("distro_asc", description="By distro, then its version")
    DISTRO_DESC = "distro_desc"


@strawberry.type
class TagHistoryEntry:
    digest: str
    image: ImageNode | None


@strawberry.type(name="Tag", description="A tag and the images it pointed at")
class TagNode:
    full_tag: str
    registry: str
    repository: str
    tag: str
    updated_at: datetime
    _row: strawberry.Private[Tag]

    @classmethod
    def of(cls, t: Tag) -> TagNode:
        return cls(full_tag=t.full_tag, registry=t.registry_name, repository=t.repository,
                   tag=t.tag, updated_at=t.updated_at, _row=t)

    @strawberry.field(description="The image the tag points at now")
    async def image(self, info: Info) -> ImageNode | None:
        image = await info.context.loaders.images_by_pk.load(self._row.image_pk)
        return ImageNode.of(image) if image is not None else None

    @strawberry.field(description="Every image the tag pointed at, oldest first")
    async def history(self, info: Info) -> list[TagHistoryEntry]:
        assert self._row.id is not None
        pks = await info.context.loaders.tag_history.load(self._row.id)
        found = await info.context.loaders.images_by_pk.load_many(pks)
        return [TagHistoryEntry(digest=i.digest, image=ImageNode.of(i))
                for i in found if i is not None]

    @strawberry.field(description="The latest verdict of the image the tag points at now, "
                                  "under this tag, against `policyId` (default: the active "
                                  "policy), evaluated on demand when there is no valid stored "
                                  "one")
    async def evaluation(self, info: Info, policy_id: str | None = None,
                         base_digest: str | None = None) -> EvaluationNode | None:
        image = await info.context.loaders.images_by_pk.load(self._row.image_pk)
        if image is None:
            return None
        return await load_evaluation(info, CheckRequest(image.digest, self.full_tag,
                                                        policy_id, base_digest))


@strawberry.federation.type(keys=["digest"], name="Image", description="An analyzed image")
class ImageNode:
    digest: str
    image_id: str
    distro: str | None
    distro_version: str | None
    architecture: str
    os: str
    size: BigInt
    layer_count: int
    layers: list[str]
    created: datetime | None
    analyzed_at: datetime
    _row: strawberry.Private[Image]

    @classmethod
    def of(cls, i: Image) -> ImageNode:
        return cls(digest=i.digest, image_id=i.image_id, distro=i.distro,
                   distro_version=i.distro_version, architecture=i.architecture, os=i.os,
                   size=BigInt(i.size), layer_count=i.layer_count, layers=list(i.layers or []),
                   created=i.created, analyzed_at=i.analyzed_at, _row=i)

    @classmethod
    async def resolve_reference(cls, info: Info, digest: str) -> ImageNode | None:
        image = await info.context.loaders.images_by_digest.load(digest)
        return cls.of(image) if image is not None else None

    @strawberry.field(description="The tags that point at this image now")
    async def tags(self, info: Info) -> list[TagNode]:
        assert self._row.id is not None
        return [TagNode.of(t) for t in await info.context.loaders.tags_by_image.load(
            self._row.id)]

    @strawberry.field(description="Packages found by analysis; every filter given must match")
    async def packages(self, info: Info, filter: PackageFilter | None = None,
                       first: int | None = None, after: str | None = None
                       ) -> Connection[PackageNode]:
        window(first, after, info.context.limits)
        assert self._row.id is not None
        found = await info.context.loaders.packages.load(self._row.id)
        chosen = [n for n in map(_package, found) if _package_matches(n, filter)]
        return paginate(chosen, first, after, info)

    @strawberry.field(description="Vulnerabilities matched against the image's packages; "
                                  "every filter given must match")
    async def vulnerabilities(self, info: Info, filter: VulnerabilityFilter | None = None,
                              first: int | None = None, after: str | None = None
                              ) -> Connection[VulnerabilityNode]:
        window(first, after, info.context.limits)
        assert self._row.id is not None
        rows = await info.context.loaders.vulnerabilities.load(self._row.id)
        chosen = [v for v in map(VulnerabilityNode.of, rows) if _vulnerability_matches(v, filter)]
        return paginate(chosen, first, after, info)

    @strawberry.field(description="Analyzed images whose layers are a proper prefix of "
                                  "this image's, nearest last")
    async def ancestors(self, info: Info) -> list[ImageNode]:
        digests = await info.context.loaders.ancestors.load(tuple(self._row.layers or []))
        found = await info.context.loaders.images_by_digest.load_many(digests)
        return [ImageNode.of(i) for i in found if i is not None]

    @strawberry.field(description="The nearest ancestor (Anchore's base image)")
    async def base(self, info: Info) -> ImageNode | None:
        chain = await self.ancestors(info)
        return chain[-1] if chain else None

    @strawberry.field(description="The latest verdict under `tag` (default: the image's first "
                                  "tag) against `policyId` (default: the active policy), "
                                  "evaluated on demand when there is no valid stored one")
    async def evaluation(self, info: Info, tag: str | None = None,
                         policy_id: str | None = None,
                         base_digest: str | None = None) -> EvaluationNode | None:
        return await load_evaluation(info, CheckRequest(self.digest, tag, policy_id,
                                                        base_digest))

    @strawberry.field(description="Stored evaluations of this image, newest first, "
                                  "optionally of one tag and one policy")
    async def evaluations(self, info: Info, tag: str | None = None,
                          policy_id: str | None = None, first: int | None = None,
                          after: str | None = None) -> Connection[EvaluationNode]:
        assert self._row.id is not None
        window(first, after, info.context.limits)
        rows = await info.context.loaders.image_history.load(self._row.id)
        if tag is not None:
            full = normalize_tag(tag)
            rows = [e for e in rows if e.tag == full]
        if policy_id is not None:
            rows = [e for e in rows if e.policy_id == policy_id]
        return paginate([EvaluationNode.of(e, self.digest) for e in rows], first, after, info)


async def load_evaluation(info: Info, request: CheckRequest) -> EvaluationNode | None:
    """The evaluation loader's answer: None when the image (or policy) is not found; other
    expected errors become GraphQL errors with their message."""
    result = await info.context.loaders.evaluations.load(request)
    if isinstance(result, Failed):
        if isinstance(result.error, NotFoundError):
            return None
        raise result.error
    assert isinstance(result, CheckResult)
    return EvaluationNode.of(result.evaluations[0].evaluation, result.image.digest)
