"""Databases for tests: a real SQLite file and a real PostgreSQL server, both migrated."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

from app.catalog.db import Database, normalize_url
from app.catalog.schema import migrate

POSTGRES_URL = os.environ.get("IMAGEGATE_TEST_POSTGRES_URL",
                              "postgresql://postgres@127.0.0.1:5432/test")


def postgres_database(name: str) -> str:
    """A new, empty PostgreSQL database on the test server; its URL."""
    server = make_url(normalize_url(POSTGRES_URL))
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as err:
        if "IMAGEGATE_TEST_POSTGRES_URL" in os.environ:
            raise
        pytest.skip(f"no PostgreSQL server at {POSTGRES_URL}: {err}")
    finally:
        admin.dispose()
    return server.set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(url: str) -> None:
    """Drop a database `postgres_database` made (connections to it are ended)."""
    parsed = make_url(normalize_url(url))
    admin = create_engine(parsed.set(database=make_url(normalize_url(POSTGRES_URL)).database),
                          isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "imagegate.db"
    db = Database(f"sqlite:///{path}")
    migrate(db)
    db.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    url = postgres_database(f"imagegate_test_{os.getpid()}")
    db = Database(url)
    migrate(db)
    db.dispose()
    yield url
    drop_postgres_database(url)  # the server outlives the run: leave it as it was


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated, empty catalog; every catalog and service test runs on both."""
    if request.param == "sqlite":
        path = tmp_path / "imagegate.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        database = Database(f"sqlite:///{path}")
    else:
        database = Database(request.getfixturevalue("postgres_url"))
        tables = ", ".join(t.name for t in SQLModel.metadata.sorted_tables)
        with database.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    yield database
    database.dispose()
