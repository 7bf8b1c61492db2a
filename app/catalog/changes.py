"""Has anyone changed the catalog? A cheap token that differs after any committed write, by
any process, so that a process may keep answers derived from the catalog until it moves.

SQLite: `PRAGMA data_version` on a connection of our own that never writes (it changes when
any other connection commits), read on each call: exact. PostgreSQL: every write
transaction sends a notification on CHANNEL, delivered only if it commits; one thread per
process LISTENs and counts them, so another process's write is seen once the notification
arrives (well under a millisecond on one host). While that listener is not connected, every
call returns a new token: nothing is trusted.
"""

from __future__ import annotations

import itertools
import sqlite3
import threading
from typing import Protocol

CHANNEL = "imagegate_catalog"
NOTIFY = f"SELECT pg_notify('{CHANNEL}', '')"
RECONNECT_SECONDS = 1.0


class ChangeToken(Protocol):
    def token(self) -> int: ...

    def close(self) -> None: ...


class SqliteChanges:
    def __init__(self, path: str) -> None:
        self._connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()

    def token(self) -> int:
        with self._lock:
            version: int = self._connection.execute("PRAGMA data_version").fetchone()[0]
            return version

    def close(self) -> None:
        self._connection.close()


class PostgresChanges:
    def __init__(self, conninfo: str) -> None:
        self._conninfo = conninfo
        self._count = 0
        self._listening = False
        self._unknown = itertools.count(-1, -1)  # tokens that match nothing
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._listen, name="imagegate-changes",
                                        daemon=True)
        self._thread.start()

    def token(self) -> int:
        return self._count if self._listening else next(self._unknown)

    def close(self) -> None:
        self._stop.set()

    def _listen(self) -> None:
        import psycopg  # here: the CLI on SQLite never pays for importing it

        while not self._stop.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True) as connection:
                    connection.execute(f"LISTEN {CHANNEL}")
                    self._count += 1  # whatever happened while nobody listened
                    self._listening = True
                    while not self._stop.is_set():
                        for _ in connection.notifies(timeout=RECONNECT_SECONDS):
                            self._count += 1
            except psycopg.Error:
                pass
            finally:
                self._listening = False
            self._stop.wait(RECONNECT_SECONDS)
