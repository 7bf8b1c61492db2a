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

``compile_affected`` sorts an entry's events once into version keys
(``versions.sort_key``); evaluating a version is then a few key comparisons. The
matcher keeps compiled entries; ``evaluate`` compiles on each call.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, partial
from operator import itemgetter
from typing import Any

from .osv import Affected, Range
from .versions import UnparsableVersion, semver_key, sort_key

__all__ = [
    "CompiledAffected",
    "Verdict",
    "compile_affected",
    "evaluate",
    "fixed_versions",
    "in_range",
    "is_affected",
]

KeyFn = Callable[[str], Any]


@dataclass(frozen=True)
class Verdict:
    affected: bool
    fixed: tuple[str, ...] = ()  # fixed versions above the version, nearest first
    by: str = ""  # "versions", "range" or ""


class _Always:
    """The key of ``introduced: "0"`` (below everything) or ``limit: "*"`` (above)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


ZERO = _Always("introduced 0")
INFINITY = _Always("limit *")


@dataclass(frozen=True)
class _CompiledRange:
    events: tuple[tuple[str, Any], ...]  # (kind, key), sorted; key ZERO for introduced "0"
    limits: tuple[Any, ...]  # keys of limit events (INFINITY for "*"); () = no limit events


@lru_cache(maxsize=1024)
def _key_fn(ecosystem: str, range_type: str) -> KeyFn:
    return semver_key if range_type == "SEMVER" else partial(sort_key, ecosystem)


def _compile_range(rng: Range, key: KeyFn) -> _CompiledRange:
    tagged: list[tuple[tuple[Any, ...], str, Any]] = []
    for e in rng.events:
        if e.kind == "introduced" and e.value == "0":
            tagged.append(((0,), e.kind, ZERO))
        elif e.kind == "limit" and e.value == "*":
            tagged.append(((2,), e.kind, INFINITY))
        else:
            k = key(e.value)
            tagged.append(((1, k), e.kind, k))
    if len(tagged) > 1:
        tagged.sort(key=itemgetter(0))
    events = tuple((kind, k) for _, kind, k in tagged if kind != "limit")
    limits = tuple(k for _, kind, k in tagged if kind == "limit")
    return _CompiledRange(events, limits)


def _range_hit(cr: _CompiledRange, vk: Any) -> bool:
    if cr.limits and not any(lim is INFINITY or vk < lim for lim in cr.limits):
        return False
    vulnerable = False
    for kind, k in cr.events:
        if kind == "introduced":
            if k is ZERO or vk >= k:
                vulnerable = True
        elif (kind == "fixed" and vk >= k) or (kind == "last_affected" and vk > k):
            vulnerable = False
    return vulnerable


def in_range(version: str, rng: Range, ecosystem: str) -> bool:
    """The OSV evaluation of one ECOSYSTEM or SEMVER range; False for GIT."""
    if rng.type == "GIT":
        return False
    key = _key_fn(ecosystem, rng.type)
    return _range_hit(_compile_range(rng, key), key(version))


class CompiledAffected:
    """An affected entry with its ranges sorted into version keys."""

    def __init__(self, affected: Affected) -> None:
        self.affected = affected
        eco = affected.package.ecosystem
        self._eco_key = _key_fn(eco, "ECOSYSTEM")
        self._ranges: list[tuple[KeyFn, _CompiledRange]] = []
        for rng in affected.ranges:
            if rng.type == "GIT":
                continue
            key = _key_fn(eco, rng.type)
            self._ranges.append((key, _compile_range(rng, key)))
        self._versions = frozenset(affected.versions)
        self._version_keys: list[Any] | None = None
        self._fixes: list[tuple[Any, str]] | None = None

    def _listed(self, version: str, vk: Any) -> bool:
        if version in self._versions:
            return True
        if self._version_keys is None:
            keys = []
            for v in self.affected.versions:
                with contextlib.suppress(UnparsableVersion):
                    keys.append(self._eco_key(v))
            self._version_keys = keys
        return any(vk == k for k in self._version_keys)

    def fixed_versions(self) -> list[tuple[Any, str]]:
        """(ecosystem key or None, version) of every fixed event, ascending where orderable."""
        if self._fixes is None:
            seen: dict[str, Any] = {}
            for rng in self.affected.ranges:
                if rng.type == "GIT":
                    continue
                for e in rng.events:
                    if e.kind == "fixed" and e.value not in seen:
                        try:
                            seen[e.value] = self._eco_key(e.value)
                        except UnparsableVersion:
                            seen[e.value] = None
            fixes = [(k, v) for v, k in seen.items()]
            if len(fixes) > 1 and all(k is not None for k, _ in fixes):
                fixes.sort(key=itemgetter(0))
            self._fixes = fixes
        return self._fixes

    def evaluate(self, version: str) -> Verdict:
        """Raises UnparsableVersion if `version` cannot be ordered (and is not listed verbatim)."""
        if version in self._versions:
            return Verdict(True, self._fixes_above(version), "versions")
        by = ""
        if len(self._ranges) == 1:
            key, cr = self._ranges[0]
            if _range_hit(cr, key(version)):
                by = "range"
        else:
            keys: dict[KeyFn, Any] = {}
            for key, cr in self._ranges:
                if key not in keys:
                    keys[key] = key(version)
                if _range_hit(cr, keys[key]):
                    by = "range"
                    break
        if not by and self.affected.versions and self._listed(version, self._eco_key(version)):
            by = "versions"
        if not by:
            return Verdict(False)
        return Verdict(True, self._fixes_above(version), by)

    def _fixes_above(self, version: str) -> tuple[str, ...]:
        try:
            vk = self._eco_key(version)
        except UnparsableVersion:
            return tuple(v for _, v in self.fixed_versions())
        return tuple(v for k, v in self.fixed_versions() if k is None or k > vk)


def compile_affected(affected: Affected) -> CompiledAffected:
    return CompiledAffected(affected)


def evaluate(affected: Affected, version: str) -> Verdict:
    """Whether `version` of the entry's package is affected, and the fixes on offer.

    `fixed` lists the entry's fixed versions above `version`, nearest first: the
    first is the upgrade that leaves the affected interval, later ones fix other
    branches. Raises UnparsableVersion when `version` cannot be ordered in the
    package's ecosystem (unless the explicit versions list names it verbatim).
    """
    return CompiledAffected(affected).evaluate(version)


def is_affected(affected: Affected, version: str) -> bool:
    return evaluate(affected, version).affected


def fixed_versions(affected: Affected) -> tuple[str, ...]:
    """Every ``fixed`` version of the entry's ECOSYSTEM and SEMVER ranges, ascending."""
    return tuple(v for _, v in CompiledAffected(affected).fixed_versions())
