"""What every REST route shares: the endpoint declaration (from which both the Starlette routes
and the OpenAPI document are built), the caller's scope, query parsing and bounded bodies."""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import anyio.to_thread
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response

from app.api.auth import request_scope
from app.api.errors import PayloadTooLargeError
from app.catalog.db import Database
from app.errors import InvalidInputError
from app.services.accounts import Scope
from app.settings import Settings

T = TypeVar("T")
Handler = Callable[[Request], Awaitable[Response]]

DIGEST = re.compile(r"^sha256:[0-9a-fA-F]{64}$")
IMAGE_ID = re.compile(r"^[0-9a-fA-F]{12,64}$")
MAX_JSON_BYTES = 32 * 1024**2  # a policy document or an add request


@dataclass(frozen=True)
class Param:
    """A query or path parameter, as the OpenAPI document describes it."""

    name: str
    where: str = "query"  # query | path
    schema: dict[str, Any] = field(default_factory=lambda: {"type": "string"})
    required: bool = False
    description: str = ""


@dataclass(frozen=True)
class Endpoint:
    """One REST operation: its route and its documentation, declared once."""

    method: str
    path: str
    handler: Handler
    summary: str
    response: dict[str, Any] | None  # the 2xx body's schema; None for an empty body
    status: int = 200
    params: tuple[Param, ...] = ()
    body: dict[str, dict[str, Any]] | None = None  # media type -> schema
    authenticated: bool = True
    errors: tuple[int, ...] = (400, 401, 403, 404)
    tags: tuple[str, ...] = ()


def BOOL(name: str, default: bool | None = None, description: str = "") -> Param:
    """A boolean query parameter; Anchore clients send True/true/False/false."""
    schema: dict[str, Any] = {"type": "string", "enum": ["true", "false", "True", "False"]}
    if default is not None:
        schema["default"] = "true" if default else "false"
    return Param(name, schema=schema, description=description)


DIGEST_PARAM_SCHEMA = {"type": "string", "pattern": DIGEST.pattern}


def digest_param(name: str = "digest") -> Param:
    return Param(name, "path", DIGEST_PARAM_SCHEMA, True,
                 "manifest digest, sha256:<64 hex> (raw or percent-encoded)")


# ------------------------------------------------------------------ request parsing


def db_of(request: Request) -> Database:
    return request.app.state.db


def settings_of(request: Request) -> Settings:
    return request.app.state.settings


async def in_thread(fn: Callable[[], T]) -> T:
    """Run blocking work (the services, the database) off the event loop. A request that
    times out abandons the thread; service transactions are atomic either way."""
    return await anyio.to_thread.run_sync(fn, abandon_on_cancel=True)


async def call(request: Request, work: Callable[[Scope], T]) -> T:
    """Authenticate, resolve the account, and run `work(scope)`: one trip to a thread."""
    db, cache = db_of(request), request.app.state.credentials

    def job() -> T:
        return work(request_scope(db, request, cache))

    return await in_thread(job)


def flag(request: Request, name: str, default: bool) -> bool:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in ("true", "1", "yes"):
        return True
    if value in ("false", "0", "no"):
        return False
    raise InvalidInputError(f"query parameter '{name}' must be true or false, not {raw!r}")


def query(request: Request, name: str) -> str | None:
    value = request.query_params.get(name)
    return value if value else None


def required_query(request: Request, name: str, why: str = "") -> str:
    value = query(request, name)
    if value is None:
        raise InvalidInputError(f"query parameter '{name}' is required{why}")
    return value


def path_digest(request: Request, name: str = "digest") -> str:
    value = request.path_params[name]
    if not DIGEST.match(value):
        raise InvalidInputError(f"'{value}' is not an image digest (sha256:<64 hex>)")
    return value.lower()


def path_image_id(request: Request, name: str = "image_id") -> str:
    value = request.path_params[name]
    if not IMAGE_ID.match(value):
        raise InvalidInputError(f"'{value}' is not an image id (hexadecimal, 12 to 64 digits)")
    return value.lower()


async def read_bounded(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLargeError(f"request body of {declared} bytes exceeds the limit of "
                                   f"{limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLargeError(f"request body exceeds the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def json_body(request: Request, *, optional: bool = False) -> Any:
    raw = await read_bounded(request, MAX_JSON_BYTES)
    if not raw.strip():
        if optional:
            return None
        raise InvalidInputError("a JSON request body is required")
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise InvalidInputError(f"request body is not valid JSON: {err}") from None


async def receive_upload(request: Request, *, suffix: str = ".tar",
                         what: str = "a docker-archive or oci-archive") -> Path:
    """Stream the body to a file under the upload directory, within the size limit. On a
    limit breach or a client that goes away, the partial file is removed."""
    settings = settings_of(request)
    limit = settings.max_upload_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLargeError(f"upload of {declared} bytes exceeds the limit of {limit} "
                                   "bytes (IMAGEGATE_MAX_UPLOAD_BYTES)")
    settings.upload_dir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=settings.upload_dir, prefix="upload-", suffix=suffix)
    path = Path(name)
    try:
        size = 0
        with os.fdopen(fd, "wb") as out:
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise PayloadTooLargeError(
                        f"upload exceeds the limit of {limit} bytes (IMAGEGATE_MAX_UPLOAD_BYTES)")
                out.write(chunk)
        if size == 0:
            raise InvalidInputError(f"the upload is empty: send {what}")
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def ok(body: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(body, status_code=status)


def empty(status: int = 200) -> Response:
    return Response(status_code=status)


__all__ = ["BOOL", "ClientDisconnect", "Endpoint", "Param"]
