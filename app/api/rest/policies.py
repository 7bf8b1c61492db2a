"""Policies: add, list, get, update/activate and delete, as the engine's v1 bundle records and
Enterprise's v2 policy records."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from app.api.rest.common import BOOL, Endpoint, Param, call, db_of, empty, flag, json_body, ok
from app.catalog.models import Policy
from app.errors import InvalidInputError
from app.report.anchore_v2 import iso
from app.services import policies
from app.services.accounts import Scope


def v1_record(p: Policy, *, detail: bool, user_id: str) -> dict[str, Any]:
    record: dict[str, Any] = {
        "policyId": p.policy_id, "name": p.name, "comment": p.description,
        "active": p.active, "policy_source": "local", "userId": user_id,
        "created_at": iso(p.created_at), "last_updated": iso(p.updated_at)}
    if detail:
        record["policybundle"] = p.document
    return record


def v2_record(p: Policy, *, detail: bool) -> dict[str, Any]:
    record: dict[str, Any] = {
        "policy_id": p.policy_id, "name": p.name, "description": p.description,
        "active": p.active, "policy_source": "local", "created_at": iso(p.created_at),
        "last_updated": iso(p.updated_at),
        "version": p.format_version, "revision": p.revision}  # imagegate's additions
    if detail:
        record["policy"] = p.document
    return record


def _policy_id(request: Request) -> str:
    return str(request.path_params["policy_id"])


def _document(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise InvalidInputError("the request body must be a policy document (a JSON object)")
    return body


async def list_v1(request: Request) -> Response:
    detail = flag(request, "detail", False)
    return ok(await call(request, lambda s: [
        v1_record(p, detail=detail, user_id=s.account_name)
        for p in policies.list_policies(db_of(request), s)]))


async def add_v1(request: Request) -> Response:
    detail = flag(request, "detail", True)
    document = _document(await json_body(request))
    return ok(await call(request, lambda s: v1_record(
        policies.add_policy(db_of(request), s, document), detail=detail,
        user_id=s.account_name)))


async def get_v1(request: Request) -> Response:
    detail, policy_id = flag(request, "detail", True), _policy_id(request)
    return ok(await call(request, lambda s: [v1_record(
        policies.get_policy(db_of(request), s, policy_id), detail=detail,
        user_id=s.account_name)]))


def _update(request: Request, policy_id: str, document: dict[str, Any] | None,
            active: bool | None) -> Any:
    """A new revision (when the document changed) and/or activation, in the engine's rules:
    the document's id must be the path's, and the active policy cannot be made inactive."""
    db = db_of(request)

    def work(scope: Scope) -> Policy:
        record = policies.get_policy(db, scope, policy_id)
        if document is not None and document.get("id", record.policy_id) != record.policy_id:
            raise InvalidInputError(f"the policy document's id '{document.get('id')}' does "
                                    f"not match '{record.policy_id}' in the path")
        if active is False and record.active:
            raise InvalidInputError(f"policy '{record.policy_id}' is the active policy: "
                                    "activate another one instead of deactivating it")
        if document is not None and policies.canonical_revision(
                {**document, "id": record.policy_id}) != record.revision:
            record = policies.add_policy(db, scope, {**document, "id": record.policy_id},
                                         activate=bool(active))
        if active and not record.active:
            record = policies.activate_policy(db, scope, record.policy_id)
        elif document is None and active is None:
            scope.require_write()
        return record

    return work


async def update_v1(request: Request) -> Response:
    policy_id = _policy_id(request)
    body = await json_body(request)
    if not isinstance(body, dict):
        raise InvalidInputError("the request body must be a policy record (a JSON object)")
    if "policyId" in body and body["policyId"] != policy_id:
        raise InvalidInputError(f"policyId '{body['policyId']}' in the body does not match "
                                f"'{policy_id}' in the path")
    bundle = body.get("policybundle")
    if bundle is not None and not isinstance(bundle, dict):
        raise InvalidInputError("policybundle must be a JSON object")
    active = body.get("active")
    if active is not None and not isinstance(active, bool):
        raise InvalidInputError("active must be true or false")
    update = _update(request, policy_id, bundle, active)
    return ok(await call(request, lambda s: [v1_record(update(s), detail=True,
                                                       user_id=s.account_name)]))


async def delete_policy(request: Request) -> Response:
    policy_id = _policy_id(request)
    await call(request, lambda s: policies.delete_policy(db_of(request), s, policy_id))
    return empty()


async def list_v2(request: Request) -> Response:
    detail = flag(request, "detail", False)
    return ok(await call(request, lambda s: [
        v2_record(p, detail=detail) for p in policies.list_policies(db_of(request), s)]))


async def add_v2(request: Request) -> Response:
    document = _document(await json_body(request))
    return ok(await call(request, lambda s: v2_record(
        policies.add_policy(db_of(request), s, document), detail=True)))


async def get_v2(request: Request) -> Response:
    detail, policy_id = flag(request, "detail", True), _policy_id(request)
    return ok(await call(request, lambda s: v2_record(
        policies.get_policy(db_of(request), s, policy_id), detail=detail)))


async def update_v2(request: Request) -> Response:
    policy_id = _policy_id(request)
    active = flag(request, "active", False) if request.query_params.get("active") else None
    body = await json_body(request, optional=True)
    document = None if body is None else _document(body)
    record = await call(request, _update(request, policy_id, document, active))
    return ok(v2_record(record, detail=True))


R = "#/components/schemas/"
PID = Param("policy_id", "path", {"type": "string", "minLength": 1}, True)
DOC = {"application/json": {"$ref": R + "PolicyDocument"}}


def endpoints() -> list[Endpoint]:
    e, t = Endpoint, ("policies",)
    v1 = {"$ref": R + "PolicyRecordV1"}
    v1s = {"type": "array", "items": v1}
    v2 = {"$ref": R + "PolicyRecordV2"}
    return [
        e("GET", "/v1/policies", list_v1, "List the account's policies", v1s,
          params=(BOOL("detail", False),), tags=t),
        e("POST", "/v1/policies", add_v1, "Add a policy (v1 bundle or v2 document)", v1,
          params=(BOOL("detail", True),), body=DOC, tags=t),
        e("GET", "/v1/policies/{policy_id}", get_v1, "Get a policy by id or name", v1s,
          params=(PID, BOOL("detail", True)), tags=t),
        e("PUT", "/v1/policies/{policy_id}", update_v1,
          "Update or activate a policy (body: the record, as GET returned it)", v1s,
          params=(PID,), body={"application/json": {"$ref": R + "PolicyUpdateV1"}}, tags=t),
        e("DELETE", "/v1/policies/{policy_id}", delete_policy,
          "Delete a policy that is not active", None, params=(PID,), tags=t),
        e("GET", "/v2/policies", list_v2, "List the account's policies (v2)",
          {"type": "array", "items": v2}, params=(BOOL("detail", False),), tags=t),
        e("POST", "/v2/policies", add_v2, "Add a policy (v2)", v2, body=DOC, tags=t),
        e("GET", "/v2/policies/{policy_id}", get_v2, "Get a policy (v2)", v2,
          params=(PID, BOOL("detail", True)), tags=t),
        e("PUT", "/v2/policies/{policy_id}", update_v2,
          "Replace a policy's document and/or activate it (v2)", v2,
          params=(PID, BOOL("active")), body=DOC, tags=t),
        e("DELETE", "/v2/policies/{policy_id}", delete_policy, "Delete a policy (v2)", None,
          params=(PID,), tags=t),
    ]
