"""Rendered check responses, reused by one server process while the catalog is unchanged.

A stored evaluation is already reused by the check service while its key holds; this skips
even the queries that prove the key still holds. An entry is kept with the catalog's change
token (`Database.change_token()`) read before it was computed, and is served only while the
token is the same: any committed write, by this process or another, ends it (on PostgreSQL
once its notification arrives, well under a millisecond on one host). Writes through this
process also clear every entry at once. Entries are per account, path and query string.

`check_cache_seconds` (default 1 s) bounds what no write announces: an allowlist item that
expires with time. Once an entry is older than that, the next request still gets it while
one refresh runs in the background (so a busy server never makes a burst of requests wait
for a refresh); such an expiry is therefore seen that late at most."""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field

Key = tuple[int, str, str]
STALE_LIMIT = 30.0  # past ttl + this, an entry whose refresh never finished is not served


@dataclass
class ResponseCache:
    ttl: float
    max_entries: int = 10_000
    _entries: dict[Key, tuple[float, bytes, int]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    generation: int = 0  # bumped by every write; a response computed before one is not kept
    # Checks being computed now (event loop only): concurrent misses wait for one of them.
    pending: dict[Key, asyncio.Event] = field(default_factory=dict)
    refreshing: set[Key] = field(default_factory=set)

    @property
    def enabled(self) -> bool:
        return self.ttl > 0

    def get(self, key: Key, token: int) -> tuple[bytes, bool] | None:
        """(body, fresh) when computed under the catalog's current change token, or None."""
        entry = self._entries.get(key)
        if entry is None or entry[2] != token:
            return None
        age = time.monotonic() - entry[0]
        if age > self.ttl + STALE_LIMIT:
            return None
        return entry[1], age <= self.ttl

    def put(self, key: Key, body: bytes, generation: int, token: int) -> None:
        """Keep `body`, computed under `generation` and the change `token` read before."""
        with self._lock:
            if generation != self.generation:
                return
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[key] = (time.monotonic(), body, token)

    def drop(self, key: Key) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def invalidate(self) -> None:
        with self._lock:
            self.generation += 1
            self._entries.clear()
