"""Accounts, users, API keys; who the caller is and which account they act in."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session

from app.catalog import accounts as q
from app.catalog.db import Database
from app.catalog.models import User
from app.errors import ImagegateError, InvalidInputError, NotFoundError

ADMIN_ACCOUNT = "admin"
ADMIN_USER = "admin"
ROLES = ("admin", "user", "read-only")
_hasher = PasswordHasher()
API_KEY_PREFIX = "ig_"


class AuthenticationError(ImagegateError):
    """Credentials are missing or wrong (HTTP 401)."""


class PermissionDeniedError(ImagegateError):
    """The caller may not do this (HTTP 403)."""


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: int
    username: str
    role: str
    account_id: int
    account_name: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True, slots=True)
class Scope:
    """The account a call acts in, and who is acting."""

    account_id: int
    account_name: str
    principal: Principal

    def require_write(self) -> None:
        if self.principal.role == "read-only":
            raise PermissionDeniedError(
                f"user '{self.principal.username}' is read-only and cannot change anything")


@dataclass(frozen=True)
class InitResult:
    created: bool
    generated_password: str | None  # printed once when imagegate made it up


def _now() -> datetime:
    return datetime.now(UTC)


def _hash_secret(secret: str) -> str:
    # API key secrets are 256 random bits: a fast hash is enough (no guessing to slow down).
    return hashlib.sha256(secret.encode()).hexdigest()


def init_admin(db: Database, *, password: str | None = None) -> InitResult:
    """Create the `admin` account and user if missing, with the default policy active."""
    from app.services.policies import install_default_policy

    with db.transaction() as session:
        if q.get_user(session, username=ADMIN_USER) is not None:
            return InitResult(False, None)
        generated = None
        if not password:
            password = generated = secrets.token_urlsafe(18)
        now = _now()
        account = q.get_account(session, name=ADMIN_ACCOUNT) or q.create_account(
            session, name=ADMIN_ACCOUNT, now=now)
        assert account.id is not None
        q.create_user(session, account_id=account.id, username=ADMIN_USER,
                      password_hash=_hasher.hash(password), role="admin", now=now)
        install_default_policy(session, account_id=account.id, now=now)
        return InitResult(True, generated)


def create_account(db: Database, scope: Scope, *, name: str) -> str:
    if not scope.principal.is_admin:
        raise PermissionDeniedError("only admins create accounts")
    from app.services.policies import install_default_policy

    name = name.strip()
    if not name or len(name) > 128:
        raise InvalidInputError("account name must be 1 to 128 characters")
    with db.transaction() as session:
        if q.get_account(session, name=name):
            raise InvalidInputError(f"account '{name}' already exists")
        account = q.create_account(session, name=name, now=_now())
        assert account.id is not None
        install_default_policy(session, account_id=account.id, now=_now())
        return account.name


def create_user(db: Database, scope: Scope, *, username: str, password: str | None,
                role: str = "user") -> Principal:
    """A user in the scope's account (admins only)."""
    if not scope.principal.is_admin:
        raise PermissionDeniedError("only admins create users")
    if role not in ROLES:
        raise InvalidInputError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    with db.transaction() as session:
        if q.get_user(session, username=username):
            raise InvalidInputError(f"user '{username}' already exists")
        user = q.create_user(session, account_id=scope.account_id, username=username,
                             password_hash=_hasher.hash(password) if password else None,
                             role=role, now=_now())
        assert user.id is not None
        return Principal(user.id, user.username, user.role, scope.account_id,
                         scope.account_name)


def create_api_key(db: Database, principal: Principal, *, name: str) -> str:
    """A new API key for the principal; the returned key is shown once, stored hashed."""
    key_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    with db.transaction() as session:
        q.create_api_key(session, user_id=principal.user_id, name=name, key_id=key_id,
                         secret_hash=_hash_secret(secret), now=_now())
    return f"{API_KEY_PREFIX}{key_id}_{secret}"


def _principal(session: Session, user: User) -> Principal:
    account = q.get_account_by_id(session, account_id=user.account_id)
    assert account is not None and user.id is not None
    return Principal(user.id, user.username, user.role, account.id or 0, account.name)


def authenticate_password(db: Database, *, username: str, password: str) -> Principal:
    with db.read() as session:
        user = q.get_user(session, username=username)
        if user is None or not user.password_hash:
            raise AuthenticationError("invalid username or password")
        try:
            _hasher.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            raise AuthenticationError("invalid username or password") from None
        return _principal(session, user)


def authenticate_api_key(db: Database, *, key: str) -> Principal:
    body = key.removeprefix(API_KEY_PREFIX)
    key_id, _, secret = body.partition("_")
    with db.read() as session:
        record = q.get_api_key(session, key_id=key_id) if secret else None
        if record is None or not hmac.compare_digest(record.secret_hash, _hash_secret(secret)):
            raise AuthenticationError("invalid API key")
        user = q.get_user_by_id(session, user_id=record.user_id)
        assert user is not None
        return _principal(session, user)


def scope_for(db: Database, principal: Principal, account: str | None = None) -> Scope:
    """The account to act in: the principal's own, or (admins only) the one named by the
    x-anchore-account header."""
    if not account or account == principal.account_name:
        return Scope(principal.account_id, principal.account_name, principal)
    if not principal.is_admin:
        raise PermissionDeniedError(
            f"user '{principal.username}' may not act in another account")
    with db.read() as session:
        found = q.get_account(session, name=account)
        if found is None or found.id is None:
            raise NotFoundError(f"account '{account}' does not exist")
        return Scope(found.id, found.name, principal)


@dataclass(frozen=True, slots=True)
class AccountInfo:
    """What `GET /account` and `GET /user` describe: the scope's account and the caller."""

    account_name: str
    account_created_at: datetime
    username: str
    role: str
    user_created_at: datetime


def account_info(db: Database, scope: Scope) -> AccountInfo:
    with db.read() as session:
        account = q.get_account_by_id(session, account_id=scope.account_id)
        user = q.get_user_by_id(session, user_id=scope.principal.user_id)
        if account is None or user is None:
            raise NotFoundError(f"account '{scope.account_name}' does not exist")
        return AccountInfo(account.name, account.created_at, user.username, user.role,
                           user.created_at)


def local_principal(db: Database, *, username: str = ADMIN_USER) -> Principal:
    """The user an embedded (local) command acts as, without credentials: whoever can open
    the catalog's database already holds all of it."""
    with db.read() as session:
        user = q.get_user(session, username=username)
        if user is None:
            hint = ": run `imagegate admin init`" if username == ADMIN_USER else ""
            raise NotFoundError(f"user '{username}' does not exist{hint}")
        return _principal(session, user)
