"""Settings, read once from the environment (the names are a stable interface)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.errors import InvalidInputError


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    url: str | None  # the CLI talks to this server instead of the embedded catalog
    username: str | None
    password: str | None
    api_key: str | None
    account: str | None  # sent as x-anchore-account
    admin_password: str | None
    # Registries reached over plain HTTP (e.g. "127.0.0.1:5000"), as docker's
    # --insecure-registry: IMAGEGATE_INSECURE_REGISTRIES, comma-separated.
    insecure_registries: tuple[str, ...] = ()
    # HTTP limits: the largest image archive a client may upload, and how long one request
    # may take before it is answered 504 (analysis of an upload included).
    max_upload_bytes: int = 8 * 1024**3
    request_timeout: float = 600.0
    # How long one server process reuses a rendered check response (0: never). A write in
    # the same process clears them at once; other processes may answer this long after it.
    check_cache_seconds: float = 1.0

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        home = Path(env.get("IMAGEGATE_HOME") or Path.home() / ".imagegate").expanduser()
        return cls(
            home=home,
            database_url=env.get("IMAGEGATE_DATABASE_URL") or f"sqlite:///{home / 'imagegate.db'}",
            url=env.get("IMAGEGATE_URL") or None,
            username=env.get("IMAGEGATE_USERNAME") or None,
            password=env.get("IMAGEGATE_PASSWORD") or None,
            api_key=env.get("IMAGEGATE_API_KEY") or None,
            account=env.get("IMAGEGATE_ACCOUNT") or None,
            admin_password=env.get("IMAGEGATE_ADMIN_PASSWORD") or None,
            max_upload_bytes=_number(env, "IMAGEGATE_MAX_UPLOAD_BYTES", 8 * 1024**3, int),
            request_timeout=_number(env, "IMAGEGATE_REQUEST_TIMEOUT", 600.0, float),
            check_cache_seconds=_number(env, "IMAGEGATE_CHECK_CACHE_SECONDS", 1.0, float,
                                        allow_zero=True),
        )

    @property
    def upload_dir(self) -> Path:
        """Where uploads are streamed while they are analyzed (removed afterwards)."""
        return self.home / "uploads"


def _number(env: dict[str, str], name: str, default: Any, kind: Callable[[str], Any], *,
            allow_zero: bool = False) -> Any:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise InvalidInputError(f"{name}={raw!r} is not a number") from None
    if value < 0 or (value == 0 and not allow_zero):
        raise InvalidInputError(f"{name} must be {'>= 0' if allow_zero else 'positive'}, "
                                f"not {raw}")
    return value
