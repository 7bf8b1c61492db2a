"""The database: SQLite (WAL, foreign keys on) by default, PostgreSQL when the URL says so.

The catalog never commits: services open `transaction()` or `read()` and own it.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import ORMExecuteState, sessionmaker
from sqlmodel import Session, create_engine

from app.catalog.changes import NOTIFY, ChangeToken, PostgresChanges, SqliteChanges


def normalize_url(url: str) -> str:
    """`postgresql://` means psycopg 3 here."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


# Set while a write transaction begins, so SQLite takes its write lock up front.
_WRITING: ContextVar[bool] = ContextVar("imagegate_writing", default=False)


class StatementCounter:
    """Counts SQL statements executed (for /metrics and the batching tests)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.count = 0

    def __call__(self, *_: Any) -> None:
        with self._lock:
            self.count += 1


class Database:
    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = normalize_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        self.statements = StatementCounter()
        kwargs: dict[str, Any] = {"echo": echo}
        if self.is_sqlite:
            path = make_url(self.url).database
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            kwargs.update(pool_pre_ping=True, pool_size=10, max_overflow=20)
        self.engine: Engine = create_engine(self.url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "begin", _sqlite_begin)
        event.listen(self.engine, "before_cursor_execute", self.statements)
        self._sessions = sessionmaker(self.engine, class_=Session, expire_on_commit=False)
        # PostgreSQL reads run in autocommit: at READ COMMITTED each statement takes its own
        # snapshot inside a transaction too, so BEGIN and ROLLBACK would only add two round
        # trips. SQLite keeps its transaction: there it is what holds one snapshot.
        readers = self.engine if self.is_sqlite else self.engine.execution_options(
            isolation_level="AUTOCOMMIT")
        self._reads = sessionmaker(readers, class_=Session, expire_on_commit=False)
        event.listen(self._reads, "do_orm_execute", _refuse_write_statement)
        event.listen(self._reads, "before_flush", _refuse_flush)
        self._changes: ChangeToken | None = None
        self._changes_lock = threading.Lock()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A write transaction: committed on success, rolled back on any error."""
        with self._sessions() as session, session.begin():
            token = _WRITING.set(True)
            try:
                session.connection()  # BEGIN now, as a write transaction
            finally:
                _WRITING.reset(token)
            yield session
            if not self.is_sqlite:
                session.execute(text(NOTIFY))  # delivered to listeners when this commits

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading; it refuses to write (in autocommit a write would stick)."""
        with self._reads() as session:
            yield session

    def change_token(self) -> int:
        """A token that differs after any committed write, by any process (see
        catalog/changes.py): what is derived from the catalog holds while it stays."""
        with self._changes_lock:
            if self._changes is None:
                self._changes = self._watch_changes()
        return self._changes.token()

    def _watch_changes(self) -> ChangeToken:
        url = make_url(self.url)
        if not self.is_sqlite:
            return PostgresChanges(url.set(drivername="postgresql")
                                   .render_as_string(hide_password=False))
        if url.database and url.database != ":memory:":
            return SqliteChanges(url.database)
        return _Private()

    def dispose(self) -> None:
        with self._changes_lock:
            if self._changes is not None:
                self._changes.close()
                self._changes = None
        self.engine.dispose()


class _Private:
    """An in-memory SQLite database: no other process can change it."""

    def token(self) -> int:
        return 0

    def close(self) -> None:
        pass


class ReadOnlySessionError(RuntimeError):
    """A write inside `Database.read()`: a bug in the caller, never the user's input."""


def _refuse_write_statement(state: ORMExecuteState) -> None:
    if not state.is_select:
        raise ReadOnlySessionError("a read session runs only select() statements, not: "
                                   f"{state.statement}")


def _refuse_flush(session: Any, *_: Any) -> None:
    if session.new or session.dirty or session.deleted:
        raise ReadOnlySessionError("a flush of changed objects in a read session")


def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _: Any) -> None:
    dbapi_connection.isolation_level = None  # let SQLAlchemy's "begin" event issue BEGIN
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # SQLite upgrades a deferred transaction's read lock to a write lock lazily, which fails
    # under concurrent writers; a write transaction takes the write lock when it begins.
    connection.exec_driver_sql("BEGIN IMMEDIATE" if _WRITING.get() else "BEGIN")
