"""A deadline for every HTTP request (IMAGEGATE_REQUEST_TIMEOUT): past it the request is
cancelled and answered 504, if no response had started. Blocking work runs in abandonable
threads, and every write is one transaction, so a cancelled request leaves nothing
half-written."""

from __future__ import annotations

from typing import Any

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.errors import error_response


class TimeoutMiddleware:
    def __init__(self, app: ASGIApp, timeout: float) -> None:
        self.app = app
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        with anyio.move_on_after(self.timeout) as deadline:
            await self.app(scope, receive, tracking_send)
        if deadline.cancelled_caught and not started:
            response: Any = error_response(
                504, f"the request took longer than {self.timeout:g} s "
                "(IMAGEGATE_REQUEST_TIMEOUT); nothing was stored for it")
            await response(scope, receive, send)
