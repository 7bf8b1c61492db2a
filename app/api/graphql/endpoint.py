"""`/graphql` over HTTP: GraphiQL for a browser's GET; every other request is authenticated
(HTTP Basic or an API key, `x-anchore-account` for admins) before anything executes, so an
unauthenticated or out-of-scope caller gets an error and no data."""

from __future__ import annotations

import asyncio
from typing import Any, cast

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from app.api.auth import request_scope
from app.api.errors import status_of
from app.api.graphql.context import SCOPE_KEY, Context, build_context
from app.errors import ImagegateError

_CODES = {401: "UNAUTHENTICATED", 403: "FORBIDDEN", 404: "NOT_FOUND", 400: "BAD_REQUEST"}


def _wants_ide(request: Request) -> bool:
    return request.method == "GET" and "text/html" in request.headers.get("accept", "")


def refusal(err: ImagegateError) -> JSONResponse:
    status = status_of(err)
    headers = {"WWW-Authenticate": 'Basic realm="imagegate"'} if status == 401 else None
    return JSONResponse({"data": None, "errors": [{
        "message": str(err), "extensions": {"code": _CODES.get(status, "ERROR")}}]},
        status_code=status, headers=headers)


class GraphQLEndpoint(GraphQL[Context, None]):
    def __init__(self, schema: Any) -> None:
        super().__init__(schema, graphql_ide="graphiql", allow_queries_via_get=False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":  # no subscriptions: refuse the handshake
            await WebSocket(scope, receive, send).close(code=1008)
            return
        request = Request(scope, receive)
        if not _wants_ide(request):
            state = request.app.state
            try:
                scope[SCOPE_KEY] = await asyncio.to_thread(
                    request_scope, state.db, request, state.credentials)
            except ImagegateError as err:
                await refusal(err)(scope, receive, send)
                return
        await super().__call__(scope, receive, send)

    async def get_context(self, request: Any, response: Any) -> Context:
        if SCOPE_KEY not in request.scope:
            # Only GraphiQL's page is served without a scope (GET never executes queries);
            # IsAuthenticated refuses any field that would see this.
            return cast(Context, None)
        return build_context(request)
