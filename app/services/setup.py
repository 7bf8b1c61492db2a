"""Opening the catalog: migrations, and the first admin."""

from __future__ import annotations

from app.catalog.db import Database
from app.catalog.schema import current_revision, migrate, require_current
from app.services.accounts import InitResult, init_admin
from app.settings import Settings


def open_database(settings: Settings) -> Database:
    return Database(settings.database_url)


def migrate_database(db: Database) -> tuple[str | None, str]:
    """Upgrade to the newest schema; (revision before, revision after)."""
    before = current_revision(db)
    migrate(db)
    return before, current_revision(db) or ""


def initialize(db: Database, *, admin_password: str | None) -> InitResult:
    """Migrate, then create the admin account and user if missing."""
    migrate(db)
    return init_admin(db, password=admin_password)


def open_embedded(settings: Settings) -> Database:
    """The catalog for a CLI command: a brand-new database is created and migrated; one with
    an older schema is refused with what to run (upgrades are deliberate)."""
    db = open_database(settings)
    if current_revision(db) is None:
        initialize(db, admin_password=settings.admin_password)
    require_current(db)
    return db


def ensure_admin(db: Database, settings: Settings) -> InitResult:
    require_current(db)
    return init_admin(db, password=settings.admin_password)
