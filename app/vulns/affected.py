"""Is a version affected by an OSV ``affected[]`` entry? (OSV schema, "Evaluation")

A version is affected when it is one of the entry's explicit ``versions`` or lies
in one of its ECOSYSTEM or SEMVER ``ranges``. A range is walked in version order
(``introduced: "0"`` first): ``introduced`` at or below the version turns it
affected, ``fixed`` at or below turns it unaffected, ``last_affected`` below turns
it unaffected. ``limit`` events bound the range: with any, the version must be
below one of them (``"*"`` is infinity). GIT ranges need a repository's commit
graph and are ignored here; their entries still match by ``versions``.

ECOSYSTEM ranges order versions by the package's ecosystem, SEMVER ranges by
SemVer 2.0 whatever the ecosystem. Events of equal version keep their order in
the record (the sort is stable).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cmp_to_key
from typing import Any

from .osv import Affected, Event, Range
from .versions import UnparsableVersion, compare, compare_semver

__all__ = ["Verdict", "evaluate", "fixed_versions", "in_range", "is_affected"]

Cmp = Callable[[str, str], int]


@dataclass(frozen=True)
class Verdict:
    affected: bool
    fixed: tuple[str, ...] = ()  # fixed versions above the version, nearest first
    by: str = ""  # "versions", "range" or ""


def _comparator(ecosystem: str, range_type: str) -> Cmp:
    if range_type == "SEMVER":
        return compare_semver
    return lambda a, b: compare(ecosystem, a, b)


def _event_key(cmp: Cmp) -> Callable[[Event], Any]:
    def order(x: Event, y: Event) -> int:
        if x.value == y.value:
            return 0
        if x.kind == "introduced" and x.value == "0":
            return -1
        if y.kind == "introduced" and y.value == "0":
            return 1
        if x.kind == "limit" and x.value == "*":
            return 1
        if y.kind == "limit" and y.value == "*":
            return -1
        return cmp(x.value, y.value)

    return cmp_to_key(order)


def in_range(version: str, rng: Range, cmp: Cmp) -> bool:
    """The OSV evaluation of one ECOSYSTEM or SEMVER range; False for GIT."""
    if rng.type == "GIT":
        return False
    limits = [e.value for e in rng.events if e.kind == "limit"]
    if limits and not any(lim == "*" or cmp(version, lim) < 0 for lim in limits):
        return False
    vulnerable = False
    for e in sorted(rng.events, key=_event_key(cmp)):
        if e.kind == "introduced" and (e.value == "0" or cmp(version, e.value) >= 0):
            vulnerable = True
        elif (e.kind == "fixed" and cmp(version, e.value) >= 0) or (
            e.kind == "last_affected" and cmp(version, e.value) > 0
        ):
            vulnerable = False
    return vulnerable


def _in_versions(version: str, versions: tuple[str, ...], cmp: Cmp) -> bool:
    if version in versions:
        return True
    for v in versions:
        try:
            if cmp(version, v) == 0:
                return True
        except UnparsableVersion:
            continue
    return False


def evaluate(affected: Affected, version: str) -> Verdict:
    """Whether `version` of the entry's package is affected, and the fixes on offer.

    `fixed` lists the entry's fixed versions above `version`, nearest first: the
    first is the upgrade that leaves the affected interval, later ones fix other
    branches. Raises UnparsableVersion when `version` cannot be ordered in the
    package's ecosystem (unless the explicit versions list names it verbatim).
    """
    eco = affected.package.ecosystem
    by = ""
    if version in affected.versions:
        by = "versions"
    else:
        for rng in affected.ranges:
            if rng.type != "GIT" and in_range(version, rng, _comparator(eco, rng.type)):
                by = "range"
                break
        if not by and affected.versions and _in_versions(
            version, affected.versions, _comparator(eco, "ECOSYSTEM")
        ):
            by = "versions"
    if not by:
        return Verdict(False)
    return Verdict(True, _fixes_above(affected, version), by)


def _fixes_above(affected: Affected, version: str) -> tuple[str, ...]:
    eco = affected.package.ecosystem
    out = []
    for fix in fixed_versions(affected):
        try:
            if compare(eco, fix, version) > 0:
                out.append(fix)
        except UnparsableVersion:
            out.append(fix)
    return tuple(out)


def is_affected(affected: Affected, version: str) -> bool:
    return evaluate(affected, version).affected


def fixed_versions(affected: Affected) -> tuple[str, ...]:
    """Every ``fixed`` version of the entry's ECOSYSTEM and SEMVER ranges, ascending."""
    eco = affected.package.ecosystem
    fixes = list(dict.fromkeys(
        e.value for rng in affected.ranges if rng.type != "GIT"
        for e in rng.events if e.kind == "fixed"
    ))
    def order(a: str, b: str) -> int:
        return compare(eco, a, b)

    try:
        return tuple(sorted(fixes, key=cmp_to_key(order)))
    except UnparsableVersion:
        return tuple(fixes)
