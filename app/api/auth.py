"""Who is calling: HTTP Basic or an API key (Bearer), and the account they act in."""

from __future__ import annotations

import base64
import hashlib
import threading
import time
from dataclasses import dataclass, field

from starlette.requests import HTTPConnection

from app.catalog.db import Database
from app.services import accounts
from app.services.accounts import AuthenticationError, Principal, Scope

ACCOUNT_HEADER = "x-anchore-account"


@dataclass
class CredentialCache:
    """Verified credentials for a short while: argon2 verification is deliberately slow and
    an admission webhook sends the same credentials hundreds of times a second."""

    ttl: float = 60.0
    _entries: dict[str, tuple[float, Principal]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _verifying: dict[str, threading.Lock] = field(default_factory=dict)

    def verifying(self, key: str) -> threading.Lock:
        """One verification at a time per credential: a burst of requests with the same
        new credentials waits for one argon2 check instead of running one each."""
        with self._lock:
            if len(self._verifying) > 10_000:
                self._verifying.clear()
            return self._verifying.setdefault(key, threading.Lock())

    def get(self, key: str) -> Principal | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry and entry[0] > time.monotonic():
                return entry[1]
            self._entries.pop(key, None)
            return None

    def put(self, key: str, principal: Principal) -> None:
        with self._lock:
            if len(self._entries) > 10_000:
                self._entries.clear()
            self._entries[key] = (time.monotonic() + self.ttl, principal)


def authenticate(db: Database, conn: HTTPConnection, cache: CredentialCache) -> Principal:
    header = conn.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if not value:
        raise AuthenticationError("authentication required: use HTTP Basic or an API key")
    cache_key = hashlib.sha256(header.encode()).hexdigest()
    cached = cache.get(cache_key)
    if cached is not None:
        return cached
    with cache.verifying(cache_key):
        cached = cache.get(cache_key)
        if cached is not None:
            return cached
        principal = _verify(db, scheme, value)
        cache.put(cache_key, principal)
        return principal


def _verify(db: Database, scheme: str, value: str) -> Principal:
    if scheme.lower() == "basic":
        try:
            username, _, password = base64.b64decode(value).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            raise AuthenticationError("malformed Basic authorization header") from None
        if username == "_api_key":  # Anchore's convention for keys sent as Basic
            principal = accounts.authenticate_api_key(db, key=password)
        else:
            principal = accounts.authenticate_password(db, username=username,
                                                       password=password)
    elif scheme.lower() == "bearer":
        principal = accounts.authenticate_api_key(db, key=value.strip())
    else:
        raise AuthenticationError(f"unsupported authorization scheme '{scheme}'")
    return principal


def request_scope(db: Database, conn: HTTPConnection, cache: CredentialCache) -> Scope:
    principal = authenticate(db, conn, cache)
    return accounts.scope_for(db, principal, conn.headers.get(ACCOUNT_HEADER) or None)


def cached_scope(conn: HTTPConnection, cache: CredentialCache) -> Scope | None:
    """The caller's scope when it needs no database: credentials verified recently and no
    other account asked for. None otherwise (then use `request_scope`)."""
    header = conn.headers.get("authorization", "")
    if not header:
        return None
    principal = cache.get(hashlib.sha256(header.encode()).hexdigest())
    if principal is None:
        return None
    account = conn.headers.get(ACCOUNT_HEADER)
    if account and account != principal.account_name:
        return None
    return Scope(principal.account_id, principal.account_name, principal)
