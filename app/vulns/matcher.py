"""Match packages against OSV records held in an in-memory index.

``Index(records)`` keys every non-withdrawn record's ``affected[]`` entries by
ecosystem (and distro release) and by normalised package name;
``index.match(packages, distro)`` returns one ``Match`` per (package,
vulnerability).

Which name and which ecosystem a package is looked up under:

- OS packages (types ``dpkg``, ``apk``, ``rpm``) use the distro's ecosystem:
  ``debian 12`` → ``Debian:12``, ``ubuntu 22.04`` → ``Ubuntu:22.04`` (OSV's
  ``Ubuntu:22.04:LTS`` too; ``Ubuntu:Pro:...`` ESM records are not matched),
  ``alpine 3.18.4`` → ``Alpine:v3.18``, ``rhel 9.2`` → ``Red Hat:enterprise_linux:9``
  streams, ``almalinux 9.3`` → ``AlmaLinux:9``, ``rocky 9.3`` → ``Rocky Linux:9``.
  Records whose ecosystem has no release suffix match every release. Debian and
  Ubuntu feeds key packages by source package, so those are looked up by the
  package's source name (and source version, when given), falling back to the
  binary name; every other distro by the binary name, falling back to the source
  name (Alpine's and Rocky's OSV data name origin/source packages). The first
  name that matches anything is the only one used, so a package is never matched
  twice under two names.
- Language packages by type: ``python`` → PyPI (PEP 503 names), ``npm``
  (lower-case), ``gem`` → RubyGems, ``java`` → Maven (``group:artifact``, taken from
  the purl when the name lacks the group), ``go`` → Go, ``rust`` → crates.io,
  ``nuget`` → NuGet (lower-case), ``php`` → Packagist (lower-case).

One vulnerability is one match per package: records matched for the same package
whose ids or aliases overlap are merged. The id reported is chosen by a fixed
rule, as Anchore reports distro feeds by CVE and the GitHub feed by GHSA: for OS
packages the CVE id if the merged group has one; for language packages the GHSA
id if it has one, else the CVE id; otherwise the record's own id. When a group
holds several candidates of that kind, the smallest (sorted) is taken. The other
ids become the match's aliases. Severity comes from the record whose id is
reported (else the first record of the group with a known severity), fix versions
and CVSS scores are the union over the group, the published date the earliest.

A package version that cannot be ordered in its ecosystem is not matched and is
counted in the ``MatchReport``.
"""

from __future__ import annotations

import contextlib
import gc
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from urllib.parse import unquote

from .affected import CompiledAffected
from .osv import Affected, Record
from .severity import SEVERITIES, CvssScore, RecordSeverity, record_severity
from .versions import UnknownEcosystem, UnparsableVersion, ecosystem_base, sort_key

__all__ = [
    "Distro",
    "Index",
    "Match",
    "MatchReport",
    "Package",
    "distro_ecosystem",
    "ecosystem_key",
    "normalise_name",
]

OS_TYPES = {"dpkg", "deb", "apk", "rpm"}
LANGUAGE_ECOSYSTEMS = {
    "python": "PyPI",
    "npm": "npm",
    "gem": "RubyGems",
    "java": "Maven",
    "maven": "Maven",
    "go": "Go",
    "rust": "crates.io",
    "nuget": "NuGet",
    "php": "Packagist",
}
DISTROS = {
    "debian": "Debian",
    "ubuntu": "Ubuntu",
    "alpine": "Alpine",
    "rhel": "Red Hat",
    "almalinux": "AlmaLinux",
    "rocky": "Rocky Linux",
}
SOURCE_KEYED = {"Debian", "Ubuntu"}


@dataclass(frozen=True)
class Package:
    """A package found in an image, as the matcher needs it."""

    name: str
    version: str
    type: str  # dpkg, apk, rpm, python, npm, gem, java, go, rust, nuget, php
    source: str | None = None  # source package name (distro packages)
    source_version: str | None = None
    purl: str | None = None
    location: str | None = None


@dataclass(frozen=True)
class Distro:
    id: str  # os-release ID: debian, ubuntu, alpine, rhel, almalinux, rocky
    version_id: str  # os-release VERSION_ID: "12", "22.04", "3.18.4", "9.2"


@dataclass(frozen=True)
class Match:
    vulnerability_id: str
    aliases: tuple[str, ...]
    severity: str
    cvss: tuple[CvssScore, ...]
    fix_versions: tuple[str, ...]
    link: str
    published: datetime | None
    package: Package
    ecosystem: str  # the OSV ecosystem of the entry that matched, e.g. "Debian:12"
    feed_group: str  # "debian:12", "alpine:3.18", "rhel:9" for OS packages; "pypi", "npm", ...
    matched_name: str  # the name the package was looked up under
    matched_version: str
    records: tuple[str, ...]  # ids of the OSV records merged into this match

    @property
    def fixed(self) -> bool:
        return bool(self.fix_versions)


@dataclass
class MatchReport:
    """What a match call could not look up, counted."""

    packages: int = 0
    unmatched_types: dict[str, int] = field(default_factory=dict)  # type -> packages
    no_distro_feed: int = 0  # OS packages of a distro we have no ecosystem for
    unparsable_versions: list[tuple[Package, str]] = field(default_factory=list)
    # records added to the index without `osv.validate_versions`, whose versions do not parse
    record_errors: list[tuple[str, str]] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {"unparsable_version": len(self.unparsable_versions),
                "record_error": len(self.record_errors),
                "unknown_type": sum(self.unmatched_types.values()),
                "no_distro_feed": self.no_distro_feed}


# --- names and ecosystems ----------------------------------------------------------------

_PEP503 = re.compile(r"[-_.]+")


def normalise_name(ecosystem: str, name: str) -> str:
    """A package name as the ecosystem compares names."""
    base = ecosystem_base(ecosystem)
    if base == "PyPI":
        return _PEP503.sub("-", name).lower()
    if base in ("npm", "NuGet", "Packagist", "crates.io"):
        return name.lower()
    return name


_NUM = re.compile(r"[0-9]+")


def ecosystem_key(ecosystem: str) -> tuple[str, str | None]:
    """(base, release) under which an OSV ecosystem is indexed; release None = any."""
    base, _, rest = ecosystem.partition(":")
    base = base.strip()
    rest = rest.strip()
    if not rest or base not in DISTROS.values():
        return base, None
    if base == "Ubuntu":
        parts = [p for p in rest.split(":") if p and p != "LTS"]
        if parts and parts[0] == "Pro":
            return base, "Pro:" + ":".join(parts[1:])
        return base, ":".join(parts) or None
    if base == "Alpine":
        release = rest[1:] if rest.startswith("v") else rest
        return base, ".".join(release.split(".")[:2])
    if base == "Red Hat":
        fields = rest.split(":")
        product = fields[0]
        major = _NUM.match(fields[1]) if len(fields) > 1 else None
        return base, f"{product}:{major.group(0)}" if major else product
    m = _NUM.match(rest)
    return base, m.group(0) if m else rest


def distro_ecosystem(distro: Distro) -> tuple[str, str | None] | None:
    """The index key of a distro's OS packages, or None for a distro we have no feed for."""
    base = DISTROS.get(distro.id.lower())
    if base is None:
        return None
    v = distro.version_id.strip()
    if base == "Ubuntu":
        return base, ".".join(v.split(".")[:2])
    if base == "Alpine":
        return base, ".".join(v.lstrip("v").split(".")[:2])
    m = _NUM.match(v)
    major = m.group(0) if m else v
    if base == "Red Hat":
        return base, f"enterprise_linux:{major}"
    return base, major


def _feed_group(base: str, distro: Distro | None) -> str:
    if base in DISTROS.values() and distro is not None:
        key = distro_ecosystem(distro)
        release = key[1] if key and key[1] else distro.version_id
        return f"{distro.id.lower()}:{release.rsplit(':', 1)[-1]}"
    return base.lower()


def _maven_name(pkg: Package) -> str:
    if ":" in pkg.name:
        return pkg.name
    if pkg.purl and pkg.purl.startswith("pkg:maven/"):
        path = pkg.purl[len("pkg:maven/"):].split("@", 1)[0].split("?", 1)[0]
        parts = [unquote(p) for p in path.split("/") if p]
        if len(parts) >= 2:
            return f"{parts[-2]}:{parts[-1]}"
    return pkg.name


# --- the index ---------------------------------------------------------------------------

class _Entry:
    """One affected entry of a record; ranges and severity are worked out on first use."""

    __slots__ = ("_compiled", "_severity", "affected", "record")

    def __init__(self, record: Record, affected: Affected) -> None:
        self.record = record
        self.affected = affected
        self._compiled: CompiledAffected | None = None
        self._severity: RecordSeverity | None = None

    @property
    def compiled(self) -> CompiledAffected:
        if self._compiled is None:
            self._compiled = CompiledAffected(self.affected)
        return self._compiled

    @property
    def severity(self) -> RecordSeverity:
        if self._severity is None:
            self._severity = record_severity(self.record, self.affected)
        return self._severity


class _Hit:
    __slots__ = ("entry", "feed_group", "fixed", "name", "version")

    def __init__(self, entry: _Entry, name: str, version: str, fixed: tuple[str, ...],
                 feed_group: str) -> None:
        self.entry = entry
        self.name = name
        self.version = version
        self.fixed = fixed
        self.feed_group = feed_group


def lookups(pkg: Package, distro: Distro | None,
            report: MatchReport) -> list[tuple[str, str | None, str, str]]:
    """(base, release, name, version) to look the package up under."""
    ptype = pkg.type.lower()
    if ptype in OS_TYPES:
        key = distro_ecosystem(distro) if distro else None
        if key is None:
            report.no_distro_feed += 1
            return []
        base, release = key
        by_binary = (base, release, pkg.name, pkg.version)
        if not pkg.source or pkg.source == pkg.name:
            return [by_binary]
        by_source = (base, release, pkg.source, pkg.source_version or pkg.version)
        return [by_source, by_binary] if base in SOURCE_KEYED else [by_binary, by_source]
    eco = LANGUAGE_ECOSYSTEMS.get(ptype)
    if eco is None:
        report.unmatched_types[ptype] = report.unmatched_types.get(ptype, 0) + 1
        return []
    name = _maven_name(pkg) if eco == "Maven" else pkg.name
    return [(eco, None, name, pkg.version)]


def record_keys(record: Record) -> set[tuple[str, str | None, str]]:
    """The (base, release, normalised name) keys an Index files the record under."""
    keys = set()
    for a in record.affected:
        base, release = ecosystem_key(a.package.ecosystem)
        keys.add((base, release, normalise_name(base, a.package.name)))
    return keys


def lookup_names(packages: Iterable[Package], distro: Distro | None) -> set[tuple[str, str]]:
    """(base, normalised name) of every key the packages are looked up under: what to load
    from a store of records before matching them."""
    report = MatchReport()
    return {(base, normalise_name(base, name))
            for pkg in packages for base, _, name, _ in lookups(pkg, distro, report)}


class Index:
    """Records keyed by (ecosystem base, release, normalised name)."""

    def __init__(self, records: Iterable[Record] = ()) -> None:
        self._entries: dict[tuple[str, str | None, str], list[_Entry]] = defaultdict(list)
        self.records = 0
        for r in records:
            self.add(r)

    def add(self, record: Record) -> None:
        """Index one record; a withdrawn record is left out."""
        if record.withdrawn is not None:
            return
        self.records += 1
        for a in record.affected:
            base, release = ecosystem_key(a.package.ecosystem)
            key = (base, release, normalise_name(base, a.package.name))
            self._entries[key].append(_Entry(record, a))

    def entries(self, base: str, release: str | None, name: str) -> list[_Entry]:
        name = normalise_name(base, name)
        found = list(self._entries.get((base, release, name), ()))
        if release is not None:
            found += self._entries.get((base, None, name), ())
        return found

    # -- matching --

    def _lookups(self, pkg: Package, distro: Distro | None,
                 report: MatchReport) -> list[tuple[str, str | None, str, str]]:
        return lookups(pkg, distro, report)

    def match(self, packages: Iterable[Package], distro: Distro | None = None,
              report: MatchReport | None = None) -> list[Match]:
        """One Match per (package, vulnerability), in package order then by id.

        The cyclic garbage collector is paused while matching: with a large index
        in memory, its full passes over every record cost more than the matching
        itself, and matching creates no reference cycles to collect.
        """
        with _gc_paused():
            return self._match(packages, distro,
                               report if report is not None else MatchReport())

    def _match(self, packages: Iterable[Package], distro: Distro | None,
               report: MatchReport) -> list[Match]:
        out: list[Match] = []
        for pkg in packages:
            report.packages += 1
            hits: list[_Hit] = []
            seen: set[str] = set()
            for base, release, name, version in self._lookups(pkg, distro, report):
                entries = self.entries(base, release, name)
                if not entries:
                    continue
                try:
                    sort_key(base, version)
                    version_ok = True
                except UnparsableVersion as e:  # explicit versions lists may still name it
                    report.unparsable_versions.append((pkg, str(e)))
                    version_ok = False
                group = _feed_group(base, distro)
                for entry in entries:
                    if entry.record.id in seen:
                        continue
                    try:
                        verdict = entry.compiled.evaluate(version)
                    except (UnparsableVersion, UnknownEcosystem) as e:
                        if version_ok:  # then the record is at fault (not checked on import)
                            report.record_errors.append((entry.record.id, str(e)))
                        continue
                    if verdict.affected:
                        seen.add(entry.record.id)
                        hits.append(_Hit(entry, name, version, verdict.fixed, group))
                if hits:
                    break  # the source name matched: do not look again by binary name
            if hits:
                out.extend(_merge(pkg, hits))
        return out


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _group(hits: list[_Hit]) -> list[list[_Hit]]:
    """Hits whose records share an id or alias, grouped (union-find), each sorted by id."""
    if len(hits) == 1:
        return [hits]
    parent = list(range(len(hits)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for i, hit in enumerate(hits):
        record = hit.entry.record
        for ident in (record.id, *record.aliases):
            if ident in owner:
                parent[find(i)] = find(owner[ident])
            else:
                owner[ident] = i
    groups: dict[int, list[_Hit]] = defaultdict(list)
    for i, hit in enumerate(hits):
        groups[find(i)].append(hit)
    return [sorted(g, key=lambda h: h.entry.record.id) for g in groups.values()]


def _choose_id(ids: set[str], record_ids: list[str], os_package: bool) -> str:
    cves = [i for i in ids if i.startswith("CVE-")]
    if os_package:
        return min(cves) if cves else min(record_ids)
    ghsas = [i for i in ids if i.startswith("GHSA-")]
    if ghsas or cves:
        return min(ghsas or cves)
    return min(record_ids)


def _merge(pkg: Package, hits: list[_Hit]) -> list[Match]:
    os_package = pkg.type.lower() in OS_TYPES
    matches = []
    for members in _group(hits):
        if len(members) == 1:  # the common case, kept cheap
            primary = members[0]
            record = primary.entry.record
            ids = {record.id, *record.aliases}
            chosen = _choose_id(ids, [record.id], os_package)
            sev = primary.entry.severity
            severity, cvss = sev.severity, sev.cvss
            fixes = primary.fixed
            published = record.published
            record_ids: tuple[str, ...] = (record.id,)
        else:
            records = [h.entry.record for h in members]
            ids = {ident for r in records for ident in (r.id, *r.aliases)}
            record_ids = tuple(r.id for r in records)
            chosen = _choose_id(ids, list(record_ids), os_package)
            primary = next((h for h in members if h.entry.record.id == chosen), members[0])
            severity = primary.entry.severity.severity
            if severity == "unknown":
                severity = next((h.entry.severity.severity for h in members
                                 if h.entry.severity.severity != "unknown"), "unknown")
            by_vector: dict[str, CvssScore] = {}
            for h in members:
                for score in h.entry.severity.cvss:
                    by_vector.setdefault(score.vector, score)
            cvss = tuple(by_vector.values())
            merged = list(dict.fromkeys(f for h in members for f in h.fixed))
            if len(merged) > 1:
                eco = primary.entry.affected.package.ecosystem
                with contextlib.suppress(UnparsableVersion):  # else keep the records' order
                    merged.sort(key=partial(sort_key, eco))
            fixes = tuple(merged)
            dates = [r.published for r in records if r.published is not None]
            published = min(dates) if dates else None
        matches.append(Match(
            vulnerability_id=chosen,
            aliases=tuple(sorted(ids - {chosen})),
            severity=severity if severity in SEVERITIES else "unknown",
            cvss=cvss,
            fix_versions=fixes,
            link=f"https://osv.dev/vulnerability/{primary.entry.record.id}",
            published=published,
            package=pkg,
            ecosystem=primary.entry.affected.package.ecosystem,
            feed_group=primary.feed_group,
            matched_name=primary.name,
            matched_version=primary.version,
            records=record_ids,
        ))
    return sorted(matches, key=lambda m: m.vulnerability_id)
