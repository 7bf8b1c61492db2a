"""Migrations upgrade a database in place, and an old schema is refused with what to run."""

import os
from datetime import UTC, datetime

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlmodel import select

from app.catalog.db import Database
from app.catalog.models import Account, Image
from app.catalog.schema import (
    SchemaOutOfDateError,
    alembic_config,
    current_revision,
    head_revision,
    migrate,
    require_current,
)
from tests.conftest import drop_postgres_database, postgres_database


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db(request, tmp_path):
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'old.db'}")
    else:
        db = Database(postgres_database(f"imagegate_migration_{os.getpid()}"))
    yield db
    db.dispose()
    if not db.is_sqlite:
        drop_postgres_database(db.url)


def test_upgrade_from_the_first_revision_keeps_the_data(empty_db):
    revisions = list(ScriptDirectory.from_config(alembic_config()).walk_revisions())
    first = revisions[-1].revision
    with pytest.raises(SchemaOutOfDateError, match=r"has no imagegate schema.*imagegate admin "
                                                   "migrate"):
        require_current(empty_db)
    migrate(empty_db, first)
    assert current_revision(empty_db) == first
    now = datetime.now(UTC)
    with empty_db.engine.begin() as conn:  # rows as the first revision's tables hold them
        conn.execute(text("INSERT INTO account (id, name, created_at) VALUES (1, 'kept', :t)"),
                     {"t": now})
        conn.execute(text(
            "INSERT INTO image (id, account_id, digest, image_id, layers, layer_count, "
            "first_layer, architecture, os, size, analyzed_at, source, analysis_hash) VALUES "
            "(1, 1, 'sha256:aa', 'bb', '[]', 0, NULL, 'amd64', 'linux', 1, :t, 'test', 'h')"),
            {"t": now})
    migrate(empty_db)
    assert current_revision(empty_db) == head_revision()
    require_current(empty_db)
    with empty_db.read() as session:
        assert [a.name for a in session.exec(select(Account))] == ["kept"]
        [image] = session.exec(select(Image)).all()
        assert (image.digest, image.vulns_source, image.vulns_hash) == ("sha256:aa", "osv", "")
    migrate(empty_db)  # upgrading an up-to-date database is a no-op
