"""Accounts, users and API keys."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from app.catalog.models import Account, ApiKey, User


def get_account(session: Session, *, name: str) -> Account | None:
    return session.exec(select(Account).where(Account.name == name)).first()


def get_account_by_id(session: Session, *, account_id: int) -> Account | None:
    return session.get(Account, account_id)


def list_accounts(session: Session) -> list[Account]:
    return list(session.exec(select(Account).order_by(Account.name)))


def create_account(session: Session, *, name: str, now: datetime) -> Account:
    account = Account(name=name, created_at=now)
    session.add(account)
    session.flush()
    return account


def get_user(session: Session, *, username: str) -> User | None:
    return session.exec(select(User).where(User.username == username)).first()


def get_user_by_id(session: Session, *, user_id: int) -> User | None:
    return session.get(User, user_id)


def list_users(session: Session, *, account_id: int) -> list[User]:
    return list(session.exec(select(User).where(User.account_id == account_id)
                             .order_by(User.username)))


def create_user(session: Session, *, account_id: int, username: str, password_hash: str | None,
                role: str, now: datetime) -> User:
    user = User(account_id=account_id, username=username, password_hash=password_hash,
                role=role, created_at=now)
    session.add(user)
    session.flush()
    return user


def create_api_key(session: Session, *, user_id: int, name: str, key_id: str,
                   secret_hash: str, now: datetime) -> ApiKey:
    key = ApiKey(user_id=user_id, name=name, key_id=key_id, secret_hash=secret_hash,
                 created_at=now)
    session.add(key)
    session.flush()
    return key


def get_api_key(session: Session, *, key_id: str) -> ApiKey | None:
    return session.exec(select(ApiKey).where(ApiKey.key_id == key_id)).first()


def list_api_keys(session: Session, *, user_id: int) -> list[ApiKey]:
    return list(session.exec(select(ApiKey).where(ApiKey.user_id == user_id)))


def delete_api_key(session: Session, *, key: ApiKey) -> None:
    session.delete(key)
