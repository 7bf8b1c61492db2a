"""The REST shim: Anchore's v1 engine API and Enterprise's v2 shapes, thin over the services.

One module per resource family; each declares its endpoints once, and both the routes and
the OpenAPI document (`/openapi.json`) are built from those declarations."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app.api.rest import accounts, checks, images, openapi, policies, system
from app.api.rest.common import Endpoint, Handler


async def openapi_json(_: Request) -> Response:
    return JSONResponse(document())


DOCS = ("/openapi.json", "/swagger.json", "/v1/swagger.json")


def endpoints() -> list[Endpoint]:
    docs = [Endpoint("GET", path, openapi_json,
                     "This OpenAPI document (anchore-cli reads `info.version` here)",
                     openapi.ref("OpenAPI"), authenticated=False, errors=(), tags=("docs",))
            for path in DOCS]
    health = Endpoint("GET", "/health", system.health, "Liveness", openapi.ref("Health"),
                      authenticated=False, errors=(), tags=("system",))
    return [health, *docs, *system.endpoints(), *accounts.endpoints(), *images.endpoints(),
            *checks.endpoints(), *policies.endpoints()]


@lru_cache(maxsize=1)
def _document() -> dict[str, Any]:
    return openapi.document(endpoints())


def document() -> dict[str, Any]:
    return _document()


def _invalidating(handler: Handler) -> Handler:
    """A write: once it is done (or failed), no cached check response predates it."""

    async def write(request: Request) -> Response:
        try:
            return await handler(request)
        finally:
            request.app.state.check_cache.invalidate()

    return write


def routes() -> list[Route]:
    """The routes, the hot ones first: Starlette tries them in order."""
    hot = ("/health", "/check")
    ordered = sorted(endpoints(), key=lambda e: not e.path.endswith(hot))
    return [Route(e.path, e.handler if e.method == "GET" else _invalidating(e.handler),
                  methods=[e.method], name=f"{e.method} {e.path}")
            for e in ordered]


__all__ = ["document", "endpoints", "routes"]
