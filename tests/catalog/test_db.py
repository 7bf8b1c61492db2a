"""`Database.read()` sessions read and never write, on both backends."""

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
