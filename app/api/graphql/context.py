"""What every resolver of one request sees: the catalog, the caller's scope, the limits,
the metrics and the request's own dataloaders (created per request, never shared)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from strawberry.types import Info as StrawberryInfo

from app.api.graphql.loaders import Loaders, create_loaders
from app.api.metrics import Metrics
from app.catalog.db import Database
from app.services.accounts import Scope
from app.settings import GraphQLLimits

SCOPE_KEY = "imagegate.scope"  # where the endpoint leaves the authenticated scope


@dataclass
class Context:
    request: Request
    db: Database
    scope: Scope
    limits: GraphQLLimits
    metrics: Metrics
    loaders: Loaders


Info = StrawberryInfo[Context, Any]


def build_context(request: Request) -> Context:
    """The context of an authenticated request (the endpoint authenticated it first)."""
    state = request.app.state
    scope: Scope = request.scope[SCOPE_KEY]
    return Context(request=request, db=state.db, scope=scope, limits=state.settings.graphql,
                   metrics=state.metrics, loaders=create_loaders(state.db, scope, state.metrics))
