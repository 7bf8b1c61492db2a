"""The caller: `GET /account` and `GET /user` (anchore-cli's `account whoami`)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from app.api.rest.common import Endpoint, call, db_of, ok
from app.report.anchore_v2 import iso
from app.services import accounts


async def account(request: Request) -> Response:
    info = await call(request, lambda s: accounts.account_info(db_of(request), s))
    when = iso(info.account_created_at)
    return ok({"name": info.account_name, "email": None,
               "type": "admin" if info.account_name == accounts.ADMIN_ACCOUNT else "user",
               "state": "enabled", "created_at": when, "last_updated": when})


async def user(request: Request) -> Response:
    info = await call(request, lambda s: accounts.account_info(db_of(request), s))
    when = iso(info.user_created_at)
    return ok({"username": info.username, "type": "native", "source": None,
               "role": info.role, "created_at": when, "last_updated": when})


R = "#/components/schemas/"


def endpoints() -> list[Endpoint]:
    e, t = Endpoint, ("accounts",)
    return [
        e("GET", "/v1/account", account, "The account the call acts in",
          {"$ref": R + "Account"}, tags=t),
        e("GET", "/v1/user", user, "The calling user", {"$ref": R + "User"}, tags=t),
        e("GET", "/v2/account", account, "The account the call acts in (v2)",
          {"$ref": R + "Account"}, tags=t),
        e("GET", "/v2/user", user, "The calling user (v2)", {"$ref": R + "User"}, tags=t),
    ]
