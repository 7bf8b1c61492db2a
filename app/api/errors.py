"""Expected errors as HTTP answers: `{message, httpcode, detail}` as Anchore sends them."""

from __future__ import annotations

import logging
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from app.errors import (
    ImagegateError,
    InvalidInputError,
    NotFoundError,
    PolicyInvalidError,
)
from app.services.accounts import AuthenticationError, PermissionDeniedError

log = logging.getLogger("imagegate.api")


class PayloadTooLargeError(InvalidInputError):
    """A request body is larger than the configured limit (HTTP 413)."""


def status_of(err: Exception) -> int:
    if isinstance(err, AuthenticationError):
        return 401
    if isinstance(err, PermissionDeniedError):
        return 403
    if isinstance(err, PayloadTooLargeError):
        return 413
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


async def handle_http_error(_: Request, err: Exception) -> JSONResponse:
    """Starlette's own answers (no such route, wrong method) in Anchore's error shape."""
    assert isinstance(err, HTTPException)
    message = {404: "no such route", 405: "method not allowed"}.get(err.status_code,
                                                                    str(err.detail))
    response = error_response(err.status_code, message)
    if err.headers:
        response.headers.update(err.headers)
    return response


async def handle_unexpected_error(_: Request, err: Exception) -> JSONResponse:
    log.exception("unexpected error", exc_info=err)
    return error_response(500, "internal error: the server could not complete the request",
                          {"error_type": type(err).__name__})
