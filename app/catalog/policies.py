"""Stored policy documents."""

from __future__ import annotations

from sqlmodel import Session, col, select, update

from app.catalog.models import Policy


def get_policy(session: Session, *, account_id: int, policy_id: str) -> Policy | None:
    return session.exec(select(Policy).where(Policy.account_id == account_id,
                                             Policy.policy_id == policy_id)).first()


def get_policies_by_pk(session: Session, *, pks: list[int]) -> list[Policy]:
    return list(session.exec(select(Policy).where(col(Policy.id).in_(pks))))


def find_policies_by_name(session: Session, *, account_id: int, name: str) -> list[Policy]:
    return list(session.exec(select(Policy).where(Policy.account_id == account_id,
                                                  Policy.name == name)))


def get_active_policy(session: Session, *, account_id: int) -> Policy | None:
    return session.exec(select(Policy).where(Policy.account_id == account_id,
                                             col(Policy.active).is_(True))).first()


def list_policies(session: Session, *, account_id: int) -> list[Policy]:
    return list(session.exec(select(Policy).where(Policy.account_id == account_id)
                             .order_by(col(Policy.created_at), col(Policy.id))))


def save_policy(session: Session, *, policy: Policy) -> Policy:
    session.add(policy)
    session.flush()
    return policy


def set_active(session: Session, *, account_id: int, policy_pk: int) -> None:
    """Make one policy the account's active one (and no other)."""
    session.exec(update(Policy).where(col(Policy.account_id) == account_id)
                 .values(active=col(Policy.id) == policy_pk))


def delete_policy(session: Session, *, policy: Policy) -> None:
    session.delete(policy)
