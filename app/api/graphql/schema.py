"""The schema: queries, mutations, and the extensions that protect and measure it. Also an
Apollo Federation 2 subgraph (Image by digest, Policy by id, Evaluation by id).

`schema` (the module attribute) is built with default limits, for `strawberry
export-schema app.api.graphql.schema:schema`; each app builds its own with its settings."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Annotated, Any

import strawberry
from strawberry.extensions import SchemaExtension
from strawberry.federation import Schema
from strawberry.scalars import JSON
from strawberry.schema.config import StrawberryConfig

from app.api.graphql.context import Info
from app.api.graphql.limits import protection, window
from app.api.graphql.permissions import IsAuthenticated
from app.api.graphql.types import (
    SCALARS,
    Connection,
    DeletedPolicy,
    EvaluationNode,
    Gate,
    ImageFilter,
    ImageNode,
    ImageOrder,
    InvalidInput,
    NotFound,
    PermissionDenied,
    PolicyInvalid,
    PolicyNode,
    PolicyValidation,
    TagNode,
    connection,
    error_of,
    gate_of,
    load_evaluation,
    problem_of,
)
from app.catalog import images as image_q
from app.errors import ImagegateError, NotFoundError
from app.services import checks, images, policies
from app.services.checks import CheckRequest
from app.settings import GraphQLLimits


def _field(**kwargs: Any) -> Any:
    return strawberry.field(permission_classes=[IsAuthenticated], **kwargs)


@strawberry.type
class Query:
    @_field(description="The latest verdict for the image `digest` under `tag` (default: "
                        "its first tag) against `policyId` (default: the active policy), "
                        "evaluated on demand when no stored one is still valid. `baseDigest` "
                        "(a digest or `auto`) marks findings inherited from the base image.")
    async def evaluation(self, info: Info, digest: str, tag: str | None = None,
                         policy_id: str | None = None,
                         base_digest: str | None = None) -> EvaluationNode | None:
        return await load_evaluation(info, CheckRequest(digest, tag, policy_id, base_digest))

    @_field()
    async def image(self, info: Info, digest: str) -> ImageNode | None:
        found = await info.context.loaders.images_by_digest.load(digest)
        return ImageNode.of(found) if found is not None else None

    @_field(description="Images in `orderBy` order (default: newest analyzed first); every "
                        "filter given must match")
    async def images(self, info: Info, filter: ImageFilter | None = None,
                     first: int | None = None, after: str | None = None,
                     order_by: ImageOrder = ImageOrder.ANALYZED_AT_DESC
                     ) -> Connection[ImageNode]:
        offset, size = window(first, after, info.context.limits)
        context = info.context
        f = filter or ImageFilter()

        def read() -> tuple[list[Any], int]:
            with context.db.read() as session:
                return image_q.find_images(
                    session, account_id=context.scope.account_id, distro=f.distro,
                    repository=f.repository,
                    tag=images.normalize_tag(f.tag) if f.tag else None,
                    digests=f.digests, search=f.search, order=order_by.value,
                    offset=offset, limit=size)

        rows, total = await asyncio.to_thread(read)
        for row in rows:
            context.loaders.images_by_digest.prime(row.digest, row)
            context.loaders.images_by_pk.prime(row.id, row)
        return connection([ImageNode.of(r) for r in rows], offset=offset, total=total)

    @_field()
    async def tag(self, info: Info, full_tag: str) -> TagNode | None:
        context = info.context
        try:
            record, _history = await asyncio.to_thread(
                images.tag_record, context.db, context.scope, full_tag)
        except NotFoundError:
            return None
        return TagNode.of(record)

    @_field()
    async def policies(self, info: Info) -> list[PolicyNode]:
        context = info.context
        rows = await asyncio.to_thread(policies.list_policies, context.db, context.scope)
        return [PolicyNode.of(p) for p in rows]

    @_field(description="A policy by id")
    async def policy(self, info: Info, id: strawberry.ID) -> PolicyNode | None:
        record = await info.context.loaders.policies_by_id.load(str(id))
        return PolicyNode.of(record) if record is not None else None

    @_field(description="The account's active policy")
    async def active_policy(self, info: Info) -> PolicyNode | None:
        context = info.context
        try:
            record = await asyncio.to_thread(policies.get_policy, context.db, context.scope)
        except NotFoundError:
            return None
        return PolicyNode.of(record)

    @_field(description="Every gate, trigger and parameter of the policy language")
    def gates(self) -> list[Gate]:
        return [gate_of(g) for g in policies.gate_catalogue()]


AddPolicyResult = Annotated[PolicyNode | PolicyInvalid | InvalidInput | PermissionDenied,
                      strawberry.union("AddPolicyResult")]
ValidatePolicyResult = Annotated[PolicyValidation | InvalidInput,
                      strawberry.union("ValidatePolicyResult")]
ActivatePolicyResult = Annotated[PolicyNode | NotFound | InvalidInput | PermissionDenied,
                      strawberry.union("ActivatePolicyResult")]
DeletePolicyResult = Annotated[DeletedPolicy | NotFound | InvalidInput | PermissionDenied,
                      strawberry.union("DeletePolicyResult")]
EvaluateResult = Annotated[EvaluationNode | NotFound | InvalidInput | PermissionDenied,
                      strawberry.union("EvaluateResult")]


@strawberry.type
class Mutation:
    @_field(description="Store a policy (or a new revision of one with the same id)")
    async def add_policy(self, info: Info, document: JSON,
                         activate: bool = False) -> AddPolicyResult:
        context = info.context
        try:
            record = await asyncio.to_thread(policies.add_policy, context.db, context.scope,
                                             document, activate=activate)
        except ImagegateError as err:
            return error_of(err)
        return PolicyNode.of(record)

    @_field(description="Check a policy document without storing it (strict: end-of-life "
                        "rules are errors)")
    def validate_policy(self, document: JSON) -> ValidatePolicyResult:
        try:
            result = policies.validate_document(document)
        except ImagegateError as err:
            return error_of(err)
        return PolicyValidation(valid=result.valid,
                                problems=[problem_of(p) for p in result.problems])

    @_field(description="Make a policy (by id or name) the account's active one")
    async def activate_policy(self, info: Info,
                              id: strawberry.ID) -> ActivatePolicyResult:
        context = info.context
        try:
            record = await asyncio.to_thread(policies.activate_policy, context.db,
                                             context.scope, str(id))
        except ImagegateError as err:
            return error_of(err)
        return PolicyNode.of(record)

    @_field(description="Delete a policy (by id or name) and its stored evaluations")
    async def delete_policy(self, info: Info,
                            id: strawberry.ID) -> DeletePolicyResult:
        context = info.context
        try:
            await asyncio.to_thread(policies.delete_policy, context.db, context.scope, str(id))
        except ImagegateError as err:
            return error_of(err)
        return DeletedPolicy(id=id)

    @_field(description="Evaluate afresh and store the result, even when the stored one is "
                        "still valid")
    async def evaluate(self, info: Info, digest: str, tag: str | None = None,
                       policy_id: str | None = None,
                       base_digest: str | None = None) -> EvaluateResult:
        context = info.context
        started = time.perf_counter()
        try:
            if tag is None:
                tag = await asyncio.to_thread(checks.default_tag, context.db, context.scope,
                                              digest)
            result = await asyncio.to_thread(
                checks.reevaluate, context.db, context.scope, digest, tag=tag,
                policy=policy_id, base_digest=base_digest)
        except ImagegateError as err:
            return error_of(err)
        context.metrics.record_checks(hits=0, misses=1,
                                      seconds=[time.perf_counter() - started])
        return EvaluationNode.of(result.evaluations[0].evaluation, result.image.digest)


class Measured(SchemaExtension):
    """Counts each operation by name and outcome, and times it."""

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        execution = self.execution_context
        metrics = getattr(execution.context, "metrics", None)
        if metrics is None:
            return
        name = metrics.operation_label(execution.operation_name)
        result = execution.result
        outcome = "error" if result is None or getattr(result, "errors", None) else "ok"
        metrics.requests.labels(name, outcome).inc()
        metrics.request_seconds.labels(name).observe(time.perf_counter() - started)


def make_schema(limits: GraphQLLimits | None = None) -> Schema:
    return Schema(query=Query, mutation=Mutation, config=StrawberryConfig(scalar_map=SCALARS),
                  extensions=[Measured, *protection(limits or GraphQLLimits())])


schema = make_schema()
