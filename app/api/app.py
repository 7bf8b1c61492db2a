"""The ASGI application: REST, GraphQL and the web page over one catalog."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from app.api import rest
from app.api.auth import CredentialCache
from app.api.errors import handle_http_error, handle_imagegate_error, handle_unexpected_error
from app.api.graphql import GraphQLEndpoint, make_schema
from app.api.metrics import Metrics, metrics_endpoint
from app.api.rest.cache import ResponseCache
from app.api.timeout import TimeoutMiddleware
from app.api.web import web_routes
from app.catalog.db import Database
from app.catalog.schema import require_current
from app.errors import ImagegateError
from app.settings import Settings


class _InvalidatingChecks:
    """GraphQL writes (mutations, evaluations) may change what a check answers: REST's
    cached check responses must not predate them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        finally:
            if scope.get("method") == "POST":
                scope["app"].state.check_cache.invalidate()


_GC_TUNED = False


def _tune_gc() -> None:
    """Once per server process, after start-up: what is loaded by then (libraries, schema,
    routes) lives as long as the process, so collections stop walking it (gc.freeze), and
    they run less often: a response with thousands of findings allocates far more objects
    than the default 700 between collections, and spent a fifth of its time collecting."""
    global _GC_TUNED
    if not _GC_TUNED:
        _GC_TUNED = True
        gc.collect()
        gc.freeze()
        gc.set_threshold(50_000, *gc.get_threshold()[1:])


def create_app(settings: Settings | None = None, *, db: Database | None = None) -> Starlette:
    """The app for `settings` (default: from the environment). Refuses an unmigrated
    database with a message saying what to run."""
    settings = settings or Settings.from_env()
    database = db or Database(settings.database_url)
    require_current(database)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        _tune_gc()
        yield
        if db is None:
            database.dispose()

    graphql = _InvalidatingChecks(GraphQLEndpoint(make_schema(settings.graphql)))
    app = Starlette(routes=[*rest.routes(),
                            Route("/graphql", graphql, methods=["GET", "POST"]),
                            Route("/metrics", metrics_endpoint),
                            *web_routes()],
                    exception_handlers={ImagegateError: handle_imagegate_error,
                                        HTTPException: handle_http_error,
                                        Exception: handle_unexpected_error},
                    middleware=[Middleware(TimeoutMiddleware,
                                           timeout=settings.request_timeout)],
                    lifespan=lifespan)
    app.state.db = database
    app.state.settings = settings
    app.state.credentials = CredentialCache()
    app.state.check_cache = ResponseCache(settings.check_cache_seconds)
    app.state.metrics = Metrics(database)
    return app
