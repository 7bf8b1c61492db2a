"""Vulnerability feeds: import OSV records (a file, a directory tree or an osv.dev zip),
idempotently, then re-match every stored image; list the feed groups."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import col, select

from app.catalog import vulnerabilities as q
from app.catalog.db import Database
from app.catalog.models import FeedGroup, Image
from app.errors import InvalidInputError
from app.services.accounts import PermissionDeniedError, Scope
from app.services.images import stored_analysis
from app.services.vulnerabilities import match_image
from app.vulns.matcher import record_keys
from app.vulns.osv import ImportReport, Record, iter_records, to_osv

FEED = "osv"
BATCH = 2000
Progress = Callable[[int], None]  # records read so far


@dataclass
class FeedImport:
    read: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    report: ImportReport = field(default_factory=ImportReport)
    images_rematched: int = 0
    images_changed: int = 0
    seconds: float = 0.0

    @property
    def skipped(self) -> int:
        return self.report.skipped_records

    def summary(self) -> str:
        return (f"{self.read} records read: {self.new} new, {self.updated} updated, "
                f"{self.unchanged} unchanged, {self.skipped} skipped "
                f"({self.report.dropped_affected} affected entries dropped); "
                f"{self.images_rematched} images re-matched, {self.images_changed} changed; "
                f"{self.seconds:.1f} s")


def _rows(record: Record) -> tuple[dict, list[dict]]:
    ecosystems = sorted({a.package.ecosystem for a in record.affected})
    document = q.compress(json.dumps(to_osv(record), separators=(",", ":")).encode())
    row = {"id": record.id, "modified": record.modified, "ecosystems": ",".join(ecosystems),
           "document": document}
    packages = [{"record_id": record.id, "base": base, "name": name}
                for base, _, name in record_keys(record)]
    return row, packages


def require_admin(scope: Scope) -> None:
    if not scope.principal.is_admin:
        raise PermissionDeniedError("only admins import vulnerability feeds")


def import_feed(db: Database, scope: Scope, path: str | Path, *,
                progress: Progress | None = None, now: datetime | None = None) -> FeedImport:
    """Import every readable record; skip (and count, with a warning) malformed ones, unknown
    ecosystems and unparsable versions. A record is replaced only by a newer `modified`."""
    require_admin(scope)
    if not Path(path).exists():
        raise InvalidInputError(f"{path}: no such file or directory")
    started, now = time.perf_counter(), now or datetime.now(UTC)
    result = FeedImport()
    batch: dict[str, Record] = {}

    def flush() -> None:
        if not batch:
            return
        with db.transaction() as session:
            stored = q.stored_modified(session, ids=list(batch))
            fresh = []
            for rid, record in batch.items():
                before = stored.get(rid)
                if before is None:
                    result.new += 1
                elif _aware(before) < record.modified:
                    result.updated += 1
                else:
                    result.unchanged += 1
                    continue
                fresh.append(record)
            if fresh:
                rows = [_rows(r) for r in fresh]
                q.replace_records(session, records=[r for r, _ in rows],
                                  packages=[p for _, ps in rows for p in ps],
                                  replacing=[r.id for r in fresh if r.id in stored])
        batch.clear()

    for record in iter_records(path, result.report):
        result.read += 1
        previous = batch.get(record.id)
        if previous is None or previous.modified < record.modified:
            batch[record.id] = record
        if len(batch) >= BATCH:
            flush()
            if progress:
                progress(result.read)
    flush()
    with db.transaction() as session:
        q.save_feed_groups(session, counts=q.ecosystem_counts(session), feed=FEED, now=now)
        q.bump_feed_version(session, now=now)
    result.images_rematched, result.images_changed = rematch_all(db, now=now)
    result.seconds = time.perf_counter() - started
    return result


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def rematch_all(db: Database, *, now: datetime | None = None) -> tuple[int, int]:
    """Re-match every image of every account against the stored records, one transaction per
    image (no re-analysis). Returns (images matched, images whose matches changed)."""
    now = now or datetime.now(UTC)
    with db.read() as session:
        pks = list(session.exec(select(Image.id).where(Image.vulns_source == FEED)
                                .order_by(col(Image.id))))
    changed = 0
    for pk in pks:
        with db.transaction() as session:
            image = session.get(Image, pk)
            if image is None:
                continue  # deleted meanwhile
            analysis = stored_analysis(session, image, files=False)  # packages are enough
            changed += match_image(session, image, analysis, now)
    return len(pks), changed


def list_feeds(db: Database) -> list[FeedGroup]:
    with db.read() as session:
        return q.feed_groups(session)
