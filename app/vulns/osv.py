"""OSV records: parse one JSON record into frozen dataclasses, and read many.

``parse_record(data)`` checks the shape the OSV schema requires and raises
``MalformedRecord`` naming the field at fault (``affected[0].ranges[1].events[2]``).

``iter_records(path, report)`` streams records from a single JSON file (one
record, a list of records, or an OSV API ``{"vulns": [...]}`` answer), a
directory tree of ``*.json`` files, or an osv.dev zip export (``all.zip``). A bad
record never stops the import: it is skipped and counted in the ``ImportReport``
with a warning naming the source, the record and the field. The warnings are:

- ``invalid_json``: the file or zip member is not JSON; nothing in it is read.
- ``malformed``: the record breaks the schema; the record is skipped.
- ``unknown_ecosystem``: an ``affected[]`` entry whose ecosystem we cannot order;
  that entry is dropped, the rest of the record is kept.
- ``unparsable_version``: an ECOSYSTEM or SEMVER range event whose version does
  not parse; that ``affected[]`` entry is dropped (keeping the range without the
  event would change what it covers). An unparsable entry of an explicit
  ``versions`` list drops only that entry.
- ``no_affected``: every ``affected[]`` entry was dropped; the record is skipped.

Withdrawn records are yielded (with ``withdrawn`` set); the matcher ignores them.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from .versions import UnknownEcosystem, UnparsableVersion, check, compare_semver, scheme_for

__all__ = [
    "Affected",
    "Event",
    "ImportReport",
    "ImportWarning",
    "MalformedRecord",
    "Package",
    "Range",
    "Record",
    "Reference",
    "Severity",
    "iter_records",
    "parse_record",
    "read_dir",
    "read_file",
    "read_zip",
    "validate_versions",
]

EVENT_KINDS = ("introduced", "fixed", "last_affected", "limit")
RANGE_TYPES = ("ECOSYSTEM", "SEMVER", "GIT")


class MalformedRecord(ValueError):
    """A record that breaks the OSV schema; `field` is the path to the culprit."""

    def __init__(self, field: str, message: str, record_id: str | None = None) -> None:
        self.field = field
        self.record_id = record_id
        where = f"{record_id}: " if record_id else ""
        super().__init__(f"{where}{field}: {message}")


@dataclass(frozen=True)
class Severity:
    type: str  # CVSS_V2, CVSS_V3, CVSS_V4, Ubuntu, ...
    score: str


@dataclass(frozen=True)
class Event:
    kind: str  # one of EVENT_KINDS
    value: str


@dataclass(frozen=True)
class Range:
    type: str  # ECOSYSTEM, SEMVER or GIT
    events: tuple[Event, ...]
    repo: str | None = None


@dataclass(frozen=True)
class Package:
    ecosystem: str
    name: str
    purl: str | None = None


@dataclass(frozen=True)
class Affected:
    package: Package
    ranges: tuple[Range, ...] = ()
    versions: tuple[str, ...] = ()
    severity: tuple[Severity, ...] = ()
    ecosystem_specific: Mapping[str, Any] = field(default_factory=dict, hash=False)
    database_specific: Mapping[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class Reference:
    type: str
    url: str


@dataclass(frozen=True)
class Record:
    id: str
    modified: datetime
    aliases: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    published: datetime | None = None
    withdrawn: datetime | None = None
    summary: str = ""
    details: str = ""
    severity: tuple[Severity, ...] = ()
    affected: tuple[Affected, ...] = ()
    references: tuple[Reference, ...] = ()
    database_specific: Mapping[str, Any] = field(default_factory=dict, hash=False)
    schema_version: str | None = None


# --- parsing -----------------------------------------------------------------------------


class _Ctx:
    def __init__(self, record_id: str | None) -> None:
        self.record_id = record_id

    def fail(self, where: str, message: str) -> MalformedRecord:
        return MalformedRecord(where, message, self.record_id)

    def obj(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, f"must be an object, not {type(value).__name__}")
        return value

    def array(self, value: Any, where: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(where, f"must be an array, not {type(value).__name__}")
        return value

    def string(self, value: Any, where: str, *, empty: bool = False) -> str:
        if not isinstance(value, str):
            raise self.fail(where, f"must be a string, not {type(value).__name__}")
        if not empty and not value.strip():
            raise self.fail(where, "must not be empty")
        return value

    def strings(self, value: Any, where: str) -> tuple[str, ...]:
        if value is None:
            return ()
        items = self.array(value, where)
        return tuple(self.string(v, f"{where}[{i}]") for i, v in enumerate(items))

    def time(self, value: Any, where: str) -> datetime:
        text = self.string(value, where)
        try:
            # RFC 3339; Python 3.11 accepts "Z" and fractional seconds of any length ≤ 6
            return datetime.fromisoformat(_trim_fraction(text))
        except ValueError:
            raise self.fail(where, f"not an RFC 3339 timestamp: {text!r}") from None

    def optional_obj(self, value: Any, where: str) -> dict[str, Any]:
        return {} if value is None else self.obj(value, where)


def _or_empty(value: Any) -> Any:
    """An absent or null array is an empty one."""
    return [] if value is None else value


def _trim_fraction(text: str) -> str:
    """Cut fractional seconds to 6 digits (some feeds write nanoseconds)."""
    if "." not in text:
        return text
    head, _, tail = text.partition(".")
    digits = len(tail) - len(tail.lstrip("0123456789"))
    return head + "." + tail[: min(digits, 6)] + tail[digits:] if digits else text


def _severities(ctx: _Ctx, value: Any, where: str) -> tuple[Severity, ...]:
    if value is None:
        return ()
    out = []
    for i, s in enumerate(ctx.array(value, where)):
        w = f"{where}[{i}]"
        s = ctx.obj(s, w)
        out.append(Severity(ctx.string(s.get("type"), f"{w}.type"),
                            ctx.string(s.get("score"), f"{w}.score")))
    return tuple(out)


def _range(ctx: _Ctx, value: Any, where: str) -> Range:
    r = ctx.obj(value, where)
    rtype = ctx.string(r.get("type"), f"{where}.type")
    if rtype not in RANGE_TYPES:
        raise ctx.fail(f"{where}.type", f"unknown range type {rtype!r}")
    events = []
    raw_events = ctx.array(r.get("events"), f"{where}.events")
    for i, e in enumerate(raw_events):
        w = f"{where}.events[{i}]"
        e = ctx.obj(e, w)
        kinds = [k for k in EVENT_KINDS if k in e]
        if len(kinds) != 1:
            raise ctx.fail(w, "must have exactly one of introduced, fixed, last_affected, limit")
        events.append(Event(kinds[0], ctx.string(e[kinds[0]], f"{w}.{kinds[0]}")))
    if not any(e.kind == "introduced" for e in events):
        raise ctx.fail(f"{where}.events", "needs at least one introduced event")
    repo = r.get("repo")
    if rtype == "GIT" or repo is not None:  # GIT ranges need their repository
        repo = ctx.string(repo, f"{where}.repo")
    return Range(rtype, tuple(events), repo)


def _affected(ctx: _Ctx, value: Any, where: str) -> Affected:
    a = ctx.obj(value, where)
    p = ctx.obj(a.get("package"), f"{where}.package")
    purl = p.get("purl")
    package = Package(
        ecosystem=ctx.string(p.get("ecosystem"), f"{where}.package.ecosystem"),
        name=ctx.string(p.get("name"), f"{where}.package.name"),
        purl=None if purl is None else ctx.string(purl, f"{where}.package.purl"),
    )
    ranges = tuple(
        _range(ctx, r, f"{where}.ranges[{i}]")
        for i, r in enumerate(ctx.array(_or_empty(a.get("ranges")), f"{where}.ranges"))
    )
    return Affected(
        package=package,
        ranges=ranges,
        versions=ctx.strings(a.get("versions"), f"{where}.versions"),
        severity=_severities(ctx, a.get("severity"), f"{where}.severity"),
        ecosystem_specific=ctx.optional_obj(a.get("ecosystem_specific"),
                                            f"{where}.ecosystem_specific"),
        database_specific=ctx.optional_obj(a.get("database_specific"),
                                           f"{where}.database_specific"),
    )


def parse_record(data: Any) -> Record:
    """One OSV record (a decoded JSON object) -> Record; raises MalformedRecord."""
    if not isinstance(data, dict):
        raise MalformedRecord("(record)", f"must be an object, not {type(data).__name__}")
    rid = data.get("id")
    ctx = _Ctx(rid if isinstance(rid, str) else None)
    rid = ctx.string(rid, "id")
    modified = ctx.time(data.get("modified"), "modified")
    published = None if data.get("published") is None else ctx.time(data["published"], "published")
    withdrawn = None if data.get("withdrawn") is None else ctx.time(data["withdrawn"], "withdrawn")
    affected = tuple(
        _affected(ctx, a, f"affected[{i}]")
        for i, a in enumerate(ctx.array(_or_empty(data.get("affected")), "affected"))
        # an entry without a package only has GIT ranges (OSV allows it): nothing to
        # match by name, so it is left out
        if not (isinstance(a, dict) and a.get("package") is None)
    )
    references = []
    for i, r in enumerate(ctx.array(_or_empty(data.get("references")), "references")):
        r = ctx.obj(r, f"references[{i}]")
        references.append(Reference(ctx.string(r.get("type"), f"references[{i}].type"),
                                    ctx.string(r.get("url"), f"references[{i}].url")))
    summary = data.get("summary", "")
    details = data.get("details", "")
    schema_version = data.get("schema_version")
    return Record(
        id=rid,
        modified=modified,
        aliases=ctx.strings(data.get("aliases"), "aliases"),
        related=ctx.strings(data.get("related"), "related"),
        published=published,
        withdrawn=withdrawn,
        summary=ctx.string(summary, "summary", empty=True),
        details=ctx.string(details, "details", empty=True),
        severity=_severities(ctx, data.get("severity"), "severity"),
        affected=affected,
        references=tuple(references),
        database_specific=ctx.optional_obj(data.get("database_specific"), "database_specific"),
        schema_version=None if schema_version is None
        else ctx.string(schema_version, "schema_version"),
    )


def _time_text(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def to_osv(record: Record) -> dict[str, Any]:
    """A Record as OSV JSON again: `parse_record(to_osv(r)) == r` (how records are stored)."""

    def severities(items: tuple[Severity, ...]) -> list[dict[str, str]]:
        return [{"type": s.type, "score": s.score} for s in items]

    out: dict[str, Any] = {"id": record.id, "modified": _time_text(record.modified)}
    if record.published is not None:
        out["published"] = _time_text(record.published)
    if record.withdrawn is not None:
        out["withdrawn"] = _time_text(record.withdrawn)
    for name in ("aliases", "related"):
        if getattr(record, name):
            out[name] = list(getattr(record, name))
    if record.summary:
        out["summary"] = record.summary
    if record.details:
        out["details"] = record.details
    if record.severity:
        out["severity"] = severities(record.severity)
    out["affected"] = [{
        "package": {k: v for k, v in (("ecosystem", a.package.ecosystem),
                                      ("name", a.package.name), ("purl", a.package.purl))
                    if v is not None},
        "ranges": [{"type": r.type, **({"repo": r.repo} if r.repo else {}),
                    "events": [{e.kind: e.value} for e in r.events]} for r in a.ranges],
        "versions": list(a.versions),
        **({"severity": severities(a.severity)} if a.severity else {}),
        **({"ecosystem_specific": dict(a.ecosystem_specific)} if a.ecosystem_specific else {}),
        **({"database_specific": dict(a.database_specific)} if a.database_specific else {}),
    } for a in record.affected]
    if record.references:
        out["references"] = [{"type": r.type, "url": r.url} for r in record.references]
    if record.database_specific:
        out["database_specific"] = dict(record.database_specific)
    if record.schema_version is not None:
        out["schema_version"] = record.schema_version
    return out


# --- checking versions against their ecosystems ---------------------------------------------


@dataclass(frozen=True)
class ImportWarning:
    kind: str  # invalid_json, malformed, unknown_ecosystem, unparsable_version, no_affected
    source: str  # file path, or "all.zip!member.json"
    message: str
    record_id: str | None = None
    field: str | None = None


@dataclass
class ImportReport:
    """What an import read and what it skipped; `warnings` in the order met."""

    records: int = 0  # records yielded
    skipped_records: int = 0
    dropped_affected: int = 0
    warnings: list[ImportWarning] = field(default_factory=list)

    def warn(self, warning: ImportWarning) -> None:
        self.warnings.append(warning)

    @property
    def counts(self) -> dict[str, int]:
        """Warnings per kind."""
        return dict(Counter(w.kind for w in self.warnings))

    def summary(self) -> str:
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(self.counts.items())) or "none"
        return (f"{self.records} records read, {self.skipped_records} skipped, "
                f"{self.dropped_affected} affected entries dropped; warnings: {kinds}")


def _range_version_ok(ecosystem: str, rtype: str, value: str, kind: str) -> None:
    if kind == "introduced" and value == "0":
        return
    if kind == "limit" and value == "*":
        return
    if rtype == "SEMVER":
        compare_semver(value, value)
    else:
        check(ecosystem, value)


def validate_versions(
    record: Record, source: str = ""
) -> tuple[Record | None, list[ImportWarning]]:
    """Drop what cannot be ordered from a parsed record (see the module doc).

    Returns the record to keep (None when nothing is left) and the warnings.
    """
    warnings: list[ImportWarning] = []
    kept: list[Affected] = []
    changed = False
    for i, a in enumerate(record.affected):
        where = f"affected[{i}]"
        eco = a.package.ecosystem
        try:
            scheme_for(eco)
        except UnknownEcosystem as e:
            warnings.append(ImportWarning("unknown_ecosystem", source, str(e), record.id,
                                          f"{where}.package.ecosystem"))
            continue
        bad = None
        for j, r in enumerate(a.ranges):
            if r.type == "GIT":
                continue
            for k, ev in enumerate(r.events):
                try:
                    _range_version_ok(eco, r.type, ev.value, ev.kind)
                except UnparsableVersion as e:
                    bad = ImportWarning("unparsable_version", source, str(e), record.id,
                                        f"{where}.ranges[{j}].events[{k}].{ev.kind}")
                    break
            if bad:
                break
        if bad:
            warnings.append(bad)
            continue
        versions = []
        for j, v in enumerate(a.versions):
            try:
                check(eco, v)
            except UnparsableVersion as e:
                warnings.append(ImportWarning("unparsable_version", source, str(e), record.id,
                                              f"{where}.versions[{j}]"))
                continue
            versions.append(v)
        if len(versions) == len(a.versions):
            kept.append(a)
        else:
            kept.append(replace(a, versions=tuple(versions)))
            changed = True
    if record.affected and not kept:
        warnings.append(ImportWarning("no_affected", source,
                                      "no affected entry left after the warnings above",
                                      record.id, "affected"))
        return None, warnings
    if not changed and len(kept) == len(record.affected):
        return record, warnings
    return replace(record, affected=tuple(kept)), warnings


# --- readers -------------------------------------------------------------------------------


def _records_in(doc: Any) -> Iterable[Any]:
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict) and "id" not in doc and isinstance(doc.get("vulns"), list):
        return doc["vulns"]
    return [doc]


def _from_text(text: bytes | str, source: str, report: ImportReport) -> Iterator[Record]:
    try:
        doc = json.loads(text)
    except (ValueError, UnicodeDecodeError) as e:
        report.skipped_records += 1
        report.warn(ImportWarning("invalid_json", source, f"not JSON: {e}"))
        return
    for data in _records_in(doc):
        try:
            record = parse_record(data)
        except MalformedRecord as e:
            report.skipped_records += 1
            report.warn(ImportWarning("malformed", source, str(e), e.record_id, e.field))
            continue
        kept, warnings = validate_versions(record, source)
        for w in warnings:
            report.warn(w)
        if kept is None:
            report.skipped_records += 1
            continue
        report.dropped_affected += len(record.affected) - len(kept.affected)
        report.records += 1
        yield kept


def read_file(path: str | os.PathLike[str], report: ImportReport) -> Iterator[Record]:
    p = Path(path)
    yield from _from_text(p.read_bytes(), str(p), report)


def read_dir(path: str | os.PathLike[str], report: ImportReport) -> Iterator[Record]:
    """Every ``*.json`` under `path`, in sorted order, zips inside it included."""
    root = Path(path)
    for p in sorted(root.rglob("*")):
        if not p.is_file():
            continue
        if p.suffix == ".json":
            yield from read_file(p, report)
        elif p.suffix == ".zip":
            yield from read_zip(p, report)


def read_zip(path: str | os.PathLike[str], report: ImportReport) -> Iterator[Record]:
    """An osv.dev export (``<ecosystem>/all.zip``: one JSON record per member)."""
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            if info.is_dir() or not info.filename.endswith(".json"):
                continue
            yield from _from_text(zf.read(info), f"{path}!{info.filename}", report)


def iter_records(path: str | os.PathLike[str], report: ImportReport) -> Iterator[Record]:
    """Records from a file, a directory tree or a zip export; problems go to `report`."""
    p = Path(path)
    if p.is_dir():
        yield from read_dir(p, report)
    elif zipfile.is_zipfile(p):
        yield from read_zip(p, report)
    else:
        yield from read_file(p, report)
