"""Policy checks: `GET /v2/images/{digest}/check` (Enterprise v2 `PolicyEvaluation`) and
`GET /v1/images/{digest}/check` (the engine's list-of-dict shape anchore-cli reads)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from app.api.auth import cached_scope
from app.api.rest.cache import ResponseCache
from app.api.rest.common import (
    BOOL,
    Endpoint,
    Param,
    call,
    db_of,
    digest_param,
    flag,
    in_thread,
    ok,
    path_digest,
    path_image_id,
    query,
    required_query,
)
from app.report import Report, anchore_v1, anchore_v2
from app.services import checks
from app.services.accounts import Scope

WHY_TAG = " (verdicts are per tag)"


def _base_digest(request: Request) -> str | None:
    value = query(request, "base_digest")
    if value is None or value == checks.AUTO:
        return value
    return value.lower()


def _check(request: Request, ref: str, *, v1: bool) -> Callable[[Scope], Any]:
    tag = required_query(request, "tag", WHY_TAG)
    policy = query(request, "policyId" if v1 else "policy_id")
    detail = flag(request, "detail", True)
    history = flag(request, "history", False)
    interactive = flag(request, "interactive", False)
    base = _base_digest(request)

    def work(scope: Scope) -> Any:
        result = checks.check(db_of(request), scope, ref, tag=tag, policy=policy,
                              base_digest=base, history=history, detail=detail,
                              interactive=interactive)
        report = Report.from_check(result)
        if v1:
            return anchore_v1.render(report, detail=detail, user_id=scope.account_name)
        return anchore_v2.render(report)

    return work


async def _answer(request: Request, work: Callable[[Scope], Any]) -> Response:
    """The check's response, from the process's cache while the catalog is unchanged (see
    app/api/rest/cache.py); interactive checks are always evaluated afresh."""
    cache: ResponseCache = request.app.state.check_cache
    if not cache.enabled or flag(request, "interactive", False):
        return ok(await call(request, work))
    scope = cached_scope(request, request.app.state.credentials)
    if scope is None:
        scope = await call(request, lambda s: s)
    key = (scope.account_id, request.scope["path"], request.scope["query_string"].decode("latin-1"))

    db = db_of(request)

    async def compute() -> bytes:
        generation, token = cache.generation, db.change_token()
        body = bytes(ok(await in_thread(lambda: work(scope))).body)
        cache.put(key, body, generation, token)
        return body

    async def refresh() -> None:
        try:
            await compute()
        except Exception:
            cache.drop(key)  # the next request evaluates (and reports the error) itself
        finally:
            cache.refreshing.discard(key)

    while True:
        found = cache.get(key, db.change_token())
        if found is not None:
            body, fresh = found
            if not fresh and key not in cache.refreshing:
                cache.refreshing.add(key)
                task = asyncio.get_running_loop().create_task(refresh())
                _background.add(task)
                task.add_done_callback(_background.discard)
            return Response(body, media_type="application/json")
        pending = cache.pending.get(key)
        if pending is None:
            break
        await pending.wait()  # the same check is being computed: wait for it
    cache.pending[key] = done = asyncio.Event()
    try:
        body = await compute()
    finally:
        del cache.pending[key]
        done.set()
    return Response(body, media_type="application/json")


_background: set[asyncio.Task[None]] = set()  # refreshes in flight (kept referenced)


async def check_v2(request: Request) -> Response:
    return await _answer(request, _check(request, path_digest(request, "image_digest"),
                                         v1=False))


async def check_v2_by_id(request: Request) -> Response:
    return await _answer(request, _check(request, path_image_id(request), v1=False))


async def check_v1(request: Request) -> Response:
    return await _answer(request, _check(request, path_digest(request), v1=True))


async def check_v1_by_id(request: Request) -> Response:
    return await _answer(request, _check(request, path_image_id(request), v1=True))


R = "#/components/schemas/"
TAG = Param("tag", required=True,
            description="the tag the image is evaluated under (verdicts are per tag)")
BASE = Param("base_digest", description="`auto` (the nearest analyzed ancestor) or an "
             "ancestor's digest: marks each finding inherited from it or not")
IMAGE_ID = Param("image_id", "path", {"type": "string", "pattern": "^[0-9a-fA-F]{12,64}$"}, True)


def _v2_params(first: Param) -> tuple[Param, ...]:
    return (first, TAG, Param("policy_id"), BOOL("detail", True), BOOL("history", False),
            BOOL("interactive", False), BASE)


def _v1_params(first: Param) -> tuple[Param, ...]:
    return (first, TAG, Param("policyId"), BOOL("detail", True), BOOL("history", False),
            BOOL("interactive", False), BASE)


def endpoints() -> list[Endpoint]:
    e, t = Endpoint, ("checks",)
    v2 = {"$ref": R + "PolicyEvaluation"}
    v1 = {"$ref": R + "PolicyEvaluationListV1"}
    return [
        e("GET", "/v2/images/{image_digest}/check", check_v2,
          "Evaluate an image under a tag (Enterprise v2 PolicyEvaluation)", v2,
          params=_v2_params(digest_param("image_digest")), tags=t),
        e("GET", "/v2/images/by_id/{image_id}/check", check_v2_by_id,
          "Evaluate an image, named by image id, under a tag (v2)", v2,
          params=_v2_params(IMAGE_ID), tags=t),
        e("GET", "/images/{image_digest}/check", check_v2,
          "Evaluate an image under a tag (unversioned: answers as v2)", v2,
          params=_v2_params(digest_param("image_digest")), tags=t),
        e("GET", "/v1/images/{digest}/check", check_v1,
          "Evaluate an image under a tag (engine v1 list-of-dict shape)", v1,
          params=_v1_params(digest_param()), tags=t),
        e("GET", "/v1/images/by_id/{image_id}/check", check_v1_by_id,
          "Evaluate an image, named by image id, under a tag (v1)", v1,
          params=_v1_params(IMAGE_ID), tags=t),
    ]
