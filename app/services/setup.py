"""Opening the catalog: migrations, and the first admin."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from app.catalog.db import Database
from app.services.accounts import InitResult, init_admin
from app.settings import Settings

# Alembic is imported only when a schema has to be read or changed through it: a CLI command on
# a current catalog never loads it (it costs a fifth of a second).


def open_database(settings: Settings) -> Database:
    return Database(settings.database_url)


def migrate_database(db: Database) -> tuple[str | None, str]:
    """Upgrade to the newest schema; (revision before, revision after)."""
    from app.catalog.schema import current_revision, migrate

    before = current_revision(db)
    migrate(db)
    return before, current_revision(db) or ""


def initialize(db: Database, *, admin_password: str | None) -> InitResult:
    """Migrate, then create the admin account and user if missing."""
    from app.catalog.schema import migrate

    migrate(db)
    return init_admin(db, password=admin_password)


def open_embedded(settings: Settings) -> Database:
    """The catalog for a CLI command: a brand-new database is created and migrated; one with
    an older schema is refused with what to run (upgrades are deliberate)."""
    db = open_database(settings)
    if is_current_fast(db):
        return db
    from app.catalog.schema import current_revision, require_current

    if current_revision(db) is None:
        initialize(db, admin_password=settings.admin_password)
    require_current(db)
    return db


def ensure_admin(db: Database, settings: Settings) -> InitResult:
    from app.catalog.schema import require_current

    require_current(db)
    return init_admin(db, password=settings.admin_password)


_ASSIGNMENT = re.compile(r"^(revision|down_revision)\s*(?::[^=\n]*)?=\s*(.+?)\s*$", re.M)


def head_from_files() -> str | None:
    """The head revision as the migration files declare it, read as text (without loading
    Alembic); None unless there is exactly one head."""
    import app.catalog

    versions = Path(app.catalog.__file__).parent / "migrations" / "versions"
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in versions.glob("*.py"):
        found = dict(_ASSIGNMENT.findall(path.read_text(encoding="utf-8")))
        try:
            revision = ast.literal_eval(found["revision"])
            down = ast.literal_eval(found.get("down_revision", "None"))
        except (KeyError, ValueError, SyntaxError):
            return None
        revisions.add(str(revision))
        parents.update([down] if isinstance(down, str) else list(down or ()))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def is_current_fast(db: Database) -> bool:
    """True when the database is stamped with the head revision; False when that is not
    certain (the caller then asks Alembic)."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    head = head_from_files()
    if head is None:
        return False
    try:
        with db.engine.connect() as connection:
            rows = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    except SQLAlchemyError:
        return False
    return [row[0] for row in rows] == [head]
