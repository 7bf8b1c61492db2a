"""Stored evaluations and their findings."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from app.catalog.models import Evaluation, Finding


def latest_evaluation(session: Session, *, image_pk: int, tag: str,
                      policy_pk: int) -> Evaluation | None:
    return session.exec(
        select(Evaluation).where(Evaluation.image_pk == image_pk, Evaluation.tag == tag,
                                 Evaluation.policy_pk == policy_pk)
        .order_by(col(Evaluation.pk).desc())).first()


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
                           .order_by(table.c.evaluation_pk, table.c.seq))
    for row in rows:
        out[row.evaluation_pk].append(row)
    return out
