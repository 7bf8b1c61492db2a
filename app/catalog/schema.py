"""Schema migrations (Alembic): upgrade in place, and refuse to run on an old schema."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from app.catalog.db import Database
from app.errors import ImagegateError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class SchemaOutOfDateError(ImagegateError):
    pass


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def migrate(db: Database, revision: str = "head") -> None:
    """Upgrade the database to `revision` (default: the newest)."""
    config = alembic_config()
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def require_current(db: Database) -> None:
    current, head = current_revision(db), head_revision()
    if current != head:
        state = "has no imagegate schema" if current is None else f"is at revision {current}"
        raise SchemaOutOfDateError(
            f"the database {db.engine.url.render_as_string()} {state}, but this imagegate "
            f"needs revision {head}: run `imagegate admin migrate` first")
