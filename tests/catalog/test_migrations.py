"""Migrations upgrade a database in place, and an old schema is refused with what to run."""

import os

import pytest
from alembic.script import ScriptDirectory
from sqlmodel import select

from app.catalog.db import Database
from app.catalog.models import Account
from app.catalog.schema import (
    SchemaOutOfDateError,
    alembic_config,
    current_revision,
    head_revision,
    migrate,
    require_current,
)
from tests.conftest import postgres_database


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db(request, tmp_path):
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'old.db'}")
    else:
        db = Database(postgres_database(f"imagegate_migration_{os.getpid()}"))
    yield db
    db.dispose()


def test_upgrade_from_the_first_revision_keeps_the_data(empty_db):
    revisions = list(ScriptDirectory.from_config(alembic_config()).walk_revisions())
    first = revisions[-1].revision
    with pytest.raises(SchemaOutOfDateError, match=r"has no imagegate schema.*imagegate admin "
                                                   "migrate"):
        require_current(empty_db)
    migrate(empty_db, first)
    assert current_revision(empty_db) == first
    with empty_db.transaction() as session:
        from datetime import UTC, datetime
        session.add(Account(name="kept", created_at=datetime.now(UTC)))
    migrate(empty_db)
    assert current_revision(empty_db) == head_revision()
    require_current(empty_db)
    with empty_db.read() as session:
        assert [a.name for a in session.exec(select(Account))] == ["kept"]
    migrate(empty_db)  # upgrading an up-to-date database is a no-op
