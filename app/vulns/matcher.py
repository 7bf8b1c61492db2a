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
  binary name; every other distro by the binary name.
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
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cmp_to_key
from urllib.parse import unquote

from .affected import evaluate
from .osv import Affected, Record
from .severity import SEVERITIES, CvssScore, record_severity
from .versions import UnknownEcosystem, UnparsableVersion, compare, ecosystem_base

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
    matched_name: str  # the name the package was looked up under
    matched_version: str
    records: tuple[str, ...]  # ids of the OSV records merged into this match

    @property
    def fixed(self) -> bool:
        return bool(self.fix_versions)


@dataclass
class MatchReport:
    packages: int = 0
    unmatched_types: dict[str, int] = field(default_factory=dict)
    unparsable_versions: list[tuple[Package, str]] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {"unparsable_version": len(self.unparsable_versions),
                "unknown_type": sum(self.unmatched_types.values())}


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

Entry = tuple[Record, Affected]


class Index:
    """Records keyed by (ecosystem base, release, normalised name)."""

    def __init__(self, records: Iterable[Record] = ()) -> None:
        self._entries: dict[tuple[str, str | None, str], list[Entry]] = defaultdict(list)
        self.records = 0
        for r in records:
            self.add(r)

    def add(self, record: Record) -> None:
        if record.withdrawn is not None:
            return
        self.records += 1
        for a in record.affected:
            base, release = ecosystem_key(a.package.ecosystem)
            key = (base, release, normalise_name(base, a.package.name))
            self._entries[key].append((record, a))

    def entries(self, base: str, release: str | None, name: str) -> list[Entry]:
        name = normalise_name(base, name)
        found = list(self._entries.get((base, release, name), ()))
        if release is not None:
            found += self._entries.get((base, None, name), ())
        return found

    # -- matching --

    def _lookups(self, pkg: Package, distro: Distro | None,
                 report: MatchReport) -> list[tuple[str, str | None, str, str]]:
        """(base, release, name, version) to look the package up under."""
        ptype = pkg.type.lower()
        if ptype in OS_TYPES:
            key = distro_ecosystem(distro) if distro else None
            if key is None:
                report.unmatched_types[ptype] = report.unmatched_types.get(ptype, 0) + 1
                return []
            base, release = key
            if base in SOURCE_KEYED and pkg.source and pkg.source != pkg.name:
                return [(base, release, pkg.source, pkg.source_version or pkg.version),
                        (base, release, pkg.name, pkg.version)]
            return [(base, release, pkg.name, pkg.version)]
        eco = LANGUAGE_ECOSYSTEMS.get(ptype)
        if eco is None:
            report.unmatched_types[ptype] = report.unmatched_types.get(ptype, 0) + 1
            return []
        name = _maven_name(pkg) if eco == "Maven" else pkg.name
        return [(eco, None, name, pkg.version)]

    def match(self, packages: Iterable[Package], distro: Distro | None = None,
              report: MatchReport | None = None) -> list[Match]:
        report = report if report is not None else MatchReport()
        out: list[Match] = []
        for pkg in packages:
            report.packages += 1
            hits: list[tuple[Record, Affected, str, str, tuple[str, ...]]] = []
            seen: set[str] = set()
            for base, release, name, version in self._lookups(pkg, distro, report):
                for record, affected in self.entries(base, release, name):
                    if record.id in seen:
                        continue
                    try:
                        verdict = evaluate(affected, version)
                    except (UnparsableVersion, UnknownEcosystem) as e:
                        report.unparsable_versions.append((pkg, str(e)))
                        break
                    if verdict.affected:
                        seen.add(record.id)
                        hits.append((record, affected, name, version, verdict.fixed))
                if hits:
                    break  # the source name matched: do not look again by binary name
            out.extend(_merge(pkg, hits))
        return out


def _group(hits: list[tuple[Record, Affected, str, str, tuple[str, ...]]]) -> list[list[int]]:
    """Indexes of hits whose records share an id or alias, grouped (union-find)."""
    parent = list(range(len(hits)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for i, (record, *_rest) in enumerate(hits):
        for ident in (record.id, *record.aliases):
            if ident in owner:
                parent[find(i)] = find(owner[ident])
            else:
                owner[ident] = i
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(hits)):
        groups[find(i)].append(i)
    return list(groups.values())


def _choose_id(ids: set[str], record_ids: list[str], os_package: bool) -> str:
    cves = sorted(i for i in ids if i.startswith("CVE-"))
    ghsas = sorted(i for i in ids if i.startswith("GHSA-"))
    if os_package and cves:
        return cves[0]
    if not os_package and (ghsas or cves):
        return (ghsas or cves)[0]
    return sorted(record_ids)[0]


def _merge(pkg: Package,
           hits: list[tuple[Record, Affected, str, str, tuple[str, ...]]]) -> list[Match]:
    os_package = pkg.type.lower() in OS_TYPES
    matches = []
    for group in _group(hits):
        members = [hits[i] for i in sorted(group, key=lambda i: hits[i][0].id)]
        ids = {ident for r, *_ in members for ident in (r.id, *r.aliases)}
        record_ids = [r.id for r, *_ in members]
        chosen = _choose_id(ids, record_ids, os_package)
        primary = next((m for m in members if m[0].id == chosen), members[0])
        record, affected, name, version, _ = primary
        sev = record_severity(record, affected)
        severity = sev.severity
        if severity == "unknown":
            for r, a, *_ in members:
                s = record_severity(r, a).severity
                if s != "unknown":
                    severity = s
                    break
        cvss: dict[str, CvssScore] = {}
        for r, a, *_ in members:
            for score in record_severity(r, a).cvss:
                cvss.setdefault(score.vector, score)
        eco = affected.package.ecosystem
        fixes = list(dict.fromkeys(f for *_, fixed in members for f in fixed))

        def order(x: str, y: str, eco: str = eco) -> int:
            return compare(eco, x, y)

        with contextlib.suppress(UnparsableVersion):  # then keep the record's order
            fixes.sort(key=cmp_to_key(order))
        published = [r.published for r, *_ in members if r.published is not None]
        matches.append(Match(
            vulnerability_id=chosen,
            aliases=tuple(sorted(ids - {chosen})),
            severity=severity if severity in SEVERITIES else "unknown",
            cvss=tuple(cvss.values()),
            fix_versions=tuple(fixes),
            link=f"https://osv.dev/vulnerability/{record.id}",
            published=min(published) if published else None,
            package=pkg,
            ecosystem=eco,
            matched_name=name,
            matched_version=version,
            records=tuple(record_ids),
        ))
    return sorted(matches, key=lambda m: m.vulnerability_id)
