"""Settings, read once from the environment (the names are a stable interface)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


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
        )
