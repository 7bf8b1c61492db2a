"""Settings, read once from the environment (the names are a stable interface)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.errors import InvalidInputError


@dataclass(frozen=True)
class GraphQLLimits:
    """What one GraphQL request may ask for; refused beyond, with a message saying which."""

    max_depth: int = 15  # nesting of selections
    max_aliases: int = 100  # aliased fields in one document
    max_tokens: int = 10_000  # lexical tokens in one document
    max_page_size: int = 1_000  # `first` of any connection

    @classmethod
    def from_env(cls, env: dict[str, str]) -> GraphQLLimits:
        defaults = cls()

        def number(name: str, default: int) -> int:
            value = env.get(f"IMAGEGATE_GRAPHQL_{name}")
            if not value:
                return default
            try:
                parsed = int(value)
            except ValueError:
                raise ValueError(f"IMAGEGATE_GRAPHQL_{name} must be a whole number, "
                                 f"not {value!r}") from None
            if parsed < 1:
                raise ValueError(f"IMAGEGATE_GRAPHQL_{name} must be at least 1")
            return parsed

        return cls(max_depth=number("MAX_DEPTH", defaults.max_depth),
                   max_aliases=number("MAX_ALIASES", defaults.max_aliases),
                   max_tokens=number("MAX_TOKENS", defaults.max_tokens),
                   max_page_size=number("MAX_PAGE_SIZE", defaults.max_page_size))


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
    # Credentials for pulls from registries (the CLI's `image add REF` and `image check`,
    # and the server's add by tag): IMAGEGATE_REGISTRY_USERNAME / _PASSWORD.
    registry_username: str | None = None
    registry_password: str | None = None
    # HTTP limits: the largest image archive a client may upload, and how long one request
    # may take before it is answered 504 (analysis of an upload included).
    max_upload_bytes: int = 8 * 1024**3
    request_timeout: float = 600.0
    # How long one server process reuses a rendered check response at most (0: never): any
    # write ends it sooner; this bounds what no write announces (allowlist expiry by time).
    check_cache_seconds: float = 1.0
    graphql: GraphQLLimits = field(default_factory=GraphQLLimits)

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
            insecure_registries=tuple(
                host.strip() for host in env.get("IMAGEGATE_INSECURE_REGISTRIES", "").split(",")
                if host.strip()),
            registry_username=env.get("IMAGEGATE_REGISTRY_USERNAME") or None,
            registry_password=env.get("IMAGEGATE_REGISTRY_PASSWORD") or None,
            max_upload_bytes=_number(env, "IMAGEGATE_MAX_UPLOAD_BYTES", 8 * 1024**3, int),
            request_timeout=_number(env, "IMAGEGATE_REQUEST_TIMEOUT", 600.0, float),
            check_cache_seconds=_number(env, "IMAGEGATE_CHECK_CACHE_SECONDS", 1.0, float,
                                        allow_zero=True),
            graphql=GraphQLLimits.from_env(env),
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
