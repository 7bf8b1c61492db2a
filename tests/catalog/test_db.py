"""`Database.read()` sessions read and never write, on both backends."""

import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, text
from sqlmodel import func, select

from app.catalog.db import Database, ReadOnlySessionError
from app.catalog.models import Account


def _accounts(db: Database) -> int:
    with db.read() as session:
        return session.exec(select(func.count()).select_from(Account)).one()


def test_read_session_reads(db: Database) -> None:
    with db.transaction() as session:
        session.add(Account(name="a", created_at=datetime.now(UTC)))
    with db.read() as session:
        assert [a.name for a in session.exec(select(Account))] == ["a"]


@pytest.mark.parametrize("write", [
    pytest.param(lambda s: (s.add(Account(name="x", created_at=datetime.now(UTC))), s.flush()),
                 id="orm-flush"),
    pytest.param(lambda s: s.execute(insert(Account).values(name="x",
                                                            created_at=datetime.now(UTC))),
                 id="core-insert"),
    pytest.param(lambda s: s.execute(text("INSERT INTO account (name, created_at) "
                                          "VALUES ('x', CURRENT_TIMESTAMP)")),
                 id="text"),
])
def test_read_session_refuses_writes(db: Database, write) -> None:
    with pytest.raises(ReadOnlySessionError), db.read() as session:
        write(session)
    assert _accounts(db) == 0


def _settled(db: Database) -> int:
    """The token once it holds still (PostgreSQL's listener connects in the background)."""
    deadline = time.monotonic() + 10
    previous = db.change_token()
    while time.monotonic() < deadline:
        time.sleep(0.05)
        current = db.change_token()
        if current == previous:
            return current
        previous = current
    raise AssertionError("the change token never settled")


def _moved(db: Database, since: int, seconds: float = 2.0) -> bool:
    deadline = time.monotonic() + seconds
    while db.change_token() == since:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_the_change_token_moves_with_each_commit_by_anyone(db: Database) -> None:
    other = Database(db.url)  # another process's pool
    try:
        token = _settled(db)
        assert not _moved(db, token, seconds=0.2)  # reads change nothing
        _accounts(other)
        assert not _moved(db, token, seconds=0.2)
        with pytest.raises(RuntimeError), other.transaction() as session:
            session.add(Account(name="rolled-back", created_at=datetime.now(UTC)))
            session.flush()
            raise RuntimeError("roll back")
        assert not _moved(db, token, seconds=0.2)
        with other.transaction() as session:
            session.add(Account(name="b", created_at=datetime.now(UTC)))
        assert _moved(db, token)
    finally:
        other.dispose()
