"""Settings, read once from the environment (the names are a stable interface)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


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
            graphql=GraphQLLimits.from_env(env),
        )
