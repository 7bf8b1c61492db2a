"""The ASGI application: REST, GraphQL and the web page over one catalog."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app import __version__
from app.api.auth import CredentialCache
from app.api.errors import handle_imagegate_error
from app.api.graphql import GraphQLEndpoint, make_schema
from app.api.metrics import Metrics, metrics_endpoint
from app.api.web import web_routes
from app.catalog.db import Database
from app.catalog.schema import require_current
from app.errors import ImagegateError
from app.settings import Settings


async def health(_: Request) -> Response:
    return JSONResponse({"status": "ok", "version": __version__})


def create_app(settings: Settings | None = None, *, db: Database | None = None) -> Starlette:
    """The app for `settings` (default: from the environment). Refuses an unmigrated
    database with a message saying what to run."""
    settings = settings or Settings.from_env()
    database = db or Database(settings.database_url)
    require_current(database)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        yield
        if db is None:
            database.dispose()

    graphql = GraphQLEndpoint(make_schema(settings.graphql))
    app = Starlette(routes=[Route("/health", health),
                            Route("/graphql", graphql, methods=["GET", "POST"]),
                            Route("/metrics", metrics_endpoint),
                            *web_routes()],
                    exception_handlers={ImagegateError: handle_imagegate_error},
                    lifespan=lifespan)
    app.state.db = database
    app.state.settings = settings
    app.state.credentials = CredentialCache()
    app.state.metrics = Metrics(database)
    return app
