"""Who may resolve what, as small permission classes."""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission


class IsAuthenticated(BasePermission):
    """Every root field needs an authenticated caller. The endpoint refuses anonymous
    requests before execution; this guards any other way in (a test client, a future
    transport)."""

    message = "authentication required: use HTTP Basic or an API key"

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return getattr(info.context, "scope", None) is not None
