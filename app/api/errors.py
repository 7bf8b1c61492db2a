"""Expected errors as HTTP answers: `{message, httpcode, detail}` as Anchore sends them."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from app.errors import (
    ImagegateError,
    InvalidInputError,
    NotFoundError,
    PolicyInvalidError,
)
from app.services.accounts import AuthenticationError, PermissionDeniedError


def status_of(err: Exception) -> int:
    if isinstance(err, AuthenticationError):
        return 401
    if isinstance(err, PermissionDeniedError):
        return 403
    if isinstance(err, NotFoundError):
        return 404
    if isinstance(err, InvalidInputError):
        return 400
    return 500


def error_response(status: int, message: str, detail: Any = None) -> JSONResponse:
    headers = {"WWW-Authenticate": 'Basic realm="imagegate"'} if status == 401 else None
    return JSONResponse({"message": message, "httpcode": status, "detail": detail or {}},
                        status_code=status, headers=headers)


async def handle_imagegate_error(_: Request, err: Exception) -> JSONResponse:
    assert isinstance(err, ImagegateError)
    detail: Any = None
    if isinstance(err, PolicyInvalidError):
        detail = {"validation_details": [problem.to_dict() for problem in err.problems]}
    return error_response(status_of(err), str(err), detail)
