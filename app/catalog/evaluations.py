"""Stored evaluations and their findings."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, insert
from sqlmodel import Session, col, func, select

from app.catalog.models import Evaluation, FeedState, Finding, Policy


def latest_evaluation(session: Session, *, image_pk: int, tag: str,
                      policy_pk: int) -> Evaluation | None:
    return session.exec(
        select(Evaluation).where(Evaluation.image_pk == image_pk, Evaluation.tag == tag,
                                 Evaluation.policy_pk == policy_pk)
        .order_by(col(Evaluation.pk).desc())).first()


def policy_with_latest(session: Session, *, account_id: int, policy_id: str | None,
                       image_pk: int, tag: str) -> tuple[Policy, Evaluation | None, int] | None:
    """In one query, what a check reads besides its image: the policy (by id; the active
    one when None), the newest evaluation of (image, tag, that policy) and the feed version.
    None when there is no such policy."""
    feed_version = select(FeedState.version).where(FeedState.id == 1).scalar_subquery()
    chosen = (col(Policy.policy_id) == policy_id if policy_id is not None
              else col(Policy.active).is_(True))
    subject = and_(col(Evaluation.image_pk) == image_pk, col(Evaluation.tag) == tag,
                   col(Evaluation.policy_pk) == Policy.id)
    row = session.exec(
        select(Policy, Evaluation, feed_version).outerjoin(Evaluation, subject)
        .where(Policy.account_id == account_id, chosen)
        .order_by(col(Evaluation.pk).desc()).limit(1)).first()
    if row is None:
        return None
    policy, latest, version = row
    return policy, latest, version or 0


def evaluation_history(session: Session, *, image_pk: int, tag: str,
                       policy_pk: int) -> list[Evaluation]:
    """Every stored evaluation of (image, tag, policy), newest first."""
    return list(session.exec(
        select(Evaluation).where(Evaluation.image_pk == image_pk, Evaluation.tag == tag,
                                 Evaluation.policy_pk == policy_pk)
        .order_by(col(Evaluation.pk).desc())))


def get_evaluation(session: Session, *, account_id: int, evaluation_id: str) -> Evaluation | None:
    return session.exec(select(Evaluation).where(Evaluation.id == evaluation_id,
                                                 Evaluation.account_id == account_id)).first()


def save_evaluation(session: Session, *, evaluation: Evaluation,
                    findings: list[dict[str, Any]]) -> Evaluation:
    """Store an evaluation and its findings (rows of Finding columns, in order)."""
    session.add(evaluation)
    session.flush()
    if findings:
        session.execute(insert(Finding), [{"evaluation_pk": evaluation.pk, "seq": seq, **row}
                                          for seq, row in enumerate(findings)])
    return evaluation


def findings_of(session: Session, *, evaluation_pks: list[int]) -> dict[int, list[Any]]:
    """Findings by evaluation pk, in their original order, as read-only rows with the
    Finding columns as attributes (no ORM objects: an evaluation may have thousands)."""
    out: dict[int, list[Any]] = {pk: [] for pk in evaluation_pks}
    table = Finding.__table__  # type: ignore[attr-defined]
    rows = session.execute(select(table).where(table.c.evaluation_pk.in_(evaluation_pks))
                           .order_by(table.c.evaluation_pk, table.c.seq)).all()
    for row in rows:
        out[row.evaluation_pk].append(row)
    return out


# ------------------------------------------------------------------ batched reads (GraphQL)

def latest_evaluations(session: Session, *, keys: list[tuple[int, str, int]]
                       ) -> dict[tuple[int, str, int], Evaluation]:
    """The newest evaluation of each (image pk, tag, policy pk) that has one, in one query."""
    if not keys:
        return {}
    wanted = set(keys)
    newest = (select(func.max(Evaluation.pk))
              .where(col(Evaluation.image_pk).in_({k[0] for k in wanted}),
                     col(Evaluation.tag).in_({k[1] for k in wanted}),
                     col(Evaluation.policy_pk).in_({k[2] for k in wanted}))
              .group_by(col(Evaluation.image_pk), col(Evaluation.tag),
                        col(Evaluation.policy_pk)))
    out = {}
    for row in session.exec(select(Evaluation).where(col(Evaluation.pk).in_(newest))):
        key = (row.image_pk, row.tag, row.policy_pk)
        if key in wanted:
            out[key] = row
    return out


def evaluations_of_images(session: Session, *, account_id: int,
                          image_pks: list[int]) -> list[Evaluation]:
    """Every stored evaluation of these images, newest first."""
    return list(session.exec(select(Evaluation).where(
        Evaluation.account_id == account_id, col(Evaluation.image_pk).in_(image_pks))
        .order_by(col(Evaluation.pk).desc())))


def get_evaluations(session: Session, *, account_id: int,
                    evaluation_ids: list[str]) -> list[Evaluation]:
    return list(session.exec(select(Evaluation).where(
        Evaluation.account_id == account_id, col(Evaluation.id).in_(evaluation_ids))))


def get_evaluations_by_pk(session: Session, *, account_id: int,
                          pks: list[int]) -> list[Evaluation]:
    return list(session.exec(select(Evaluation).where(
        Evaluation.account_id == account_id, col(Evaluation.pk).in_(pks))))


def evaluations_of_policies(session: Session, *, account_id: int,
                            policy_pks: list[int]) -> list[Evaluation]:
    """Every stored evaluation against these policies, newest first."""
    return list(session.exec(select(Evaluation).where(
        Evaluation.account_id == account_id, col(Evaluation.policy_pk).in_(policy_pks))
        .order_by(col(Evaluation.pk).desc())))
