"""Stored vulnerability records, feed groups, the feed version, and images' matches."""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert
from sqlmodel import Session, col, select

from app.catalog.models import (
    FeedGroup,
    FeedState,
    ImageVulnerability,
    VulnerabilityPackage,
    VulnerabilityRecord,
)

_CHUNK = 500  # names per IN (...) lookup


def compress(text: bytes) -> bytes:
    return zlib.compress(text, 1)  # fast: imports are bound by this loop, not by disk


def stored_modified(session: Session, *, ids: list[str]) -> dict[str, datetime]:
    rows = session.exec(select(VulnerabilityRecord.id, VulnerabilityRecord.modified)
                        .where(col(VulnerabilityRecord.id).in_(ids)))
    return dict(rows.all())


def replace_records(session: Session, *, records: list[dict[str, Any]],
                    packages: list[dict[str, Any]], replacing: list[str]) -> None:
    """Insert records (rows of VulnerabilityRecord columns) and the package names they
    affect; `replacing` names the stored records they replace."""
    if replacing:
        session.execute(delete(VulnerabilityPackage)
                        .where(col(VulnerabilityPackage.record_id).in_(replacing)))
        session.execute(delete(VulnerabilityRecord)
                        .where(col(VulnerabilityRecord.id).in_(replacing)))
    session.execute(insert(VulnerabilityRecord), records)
    if packages:
        session.execute(insert(VulnerabilityPackage), packages)


def record_documents(session: Session, *, names: Iterable[tuple[str, str]]) -> list[bytes]:
    """The compressed documents of every record affecting one of the (base, name) pairs."""
    wanted = set(names)
    by_name: dict[str, set[str]] = {}
    for base, name in wanted:
        by_name.setdefault(name, set()).add(base)
    ids: set[str] = set()
    keys = list(by_name)
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start:start + _CHUNK]
        rows = session.exec(select(VulnerabilityPackage.record_id, VulnerabilityPackage.base,
                                   VulnerabilityPackage.name)
                            .where(col(VulnerabilityPackage.name).in_(chunk)))
        ids.update(rid for rid, base, name in rows if base in by_name[name])
    documents: list[bytes] = []
    id_list = sorted(ids)
    for start in range(0, len(id_list), _CHUNK):
        documents.extend(session.exec(select(VulnerabilityRecord.document).where(
            col(VulnerabilityRecord.id).in_(id_list[start:start + _CHUNK]))))
    return documents


def ecosystem_counts(session: Session) -> Counter[str]:
    counts: Counter[str] = Counter()
    for ecosystems in session.exec(select(VulnerabilityRecord.ecosystems)):
        counts.update(e for e in ecosystems.split(",") if e)
    return counts


def save_feed_groups(session: Session, *, counts: Counter[str], feed: str,
                     now: datetime) -> None:
    """Every group gets the new counts; all groups were synced now."""
    existing = {g.name: g for g in session.exec(select(FeedGroup))}
    for name, count in counts.items():
        group = existing.pop(name, None) or FeedGroup(name=name, feed=feed)
        group.record_count, group.last_sync = count, now
        session.add(group)
    for stale in existing.values():  # groups whose records are all gone
        stale.record_count, stale.last_sync = 0, now
        session.add(stale)
    session.flush()


def feed_groups(session: Session) -> list[FeedGroup]:
    return list(session.exec(select(FeedGroup).order_by(col(FeedGroup.name))))


def feed_version(session: Session) -> int:
    state = session.get(FeedState, 1)
    return state.version if state else 0


def bump_feed_version(session: Session, *, now: datetime) -> int:
    state = session.get(FeedState, 1) or FeedState(id=1, version=0, updated_at=now)
    state.version += 1
    state.updated_at = now
    session.add(state)
    session.flush()
    return state.version


def image_vulnerabilities(session: Session, *, image_pk: int) -> list[ImageVulnerability]:
    return list(session.exec(select(ImageVulnerability)
                             .where(ImageVulnerability.image_pk == image_pk)
                             .order_by(col(ImageVulnerability.id))))


def replace_image_vulnerabilities(session: Session, *, image_pk: int,
                                  rows: list[dict[str, Any]]) -> None:
    session.execute(delete(ImageVulnerability).where(col(ImageVulnerability.image_pk) == image_pk))
    if rows:
        session.execute(insert(ImageVulnerability), [{"image_pk": image_pk, **r} for r in rows])
