"""SemVer 2.0.0 precedence (semver.org section 11), with the leniency real registries need.

Accepted beyond strict SemVer, because npm, crates.io, Go and NuGet data carry them:
a leading ``v`` or ``=`` (Go module versions always have ``v``), fewer than three
numeric components when there is no pre-release or build part (missing ones are
zero, so ``v1.2`` equals ``v1.2.0`` as Go says), more than three (NuGet's
``1.0.0.0`` equals ``1.0.0``), and leading zeros. Build
metadata after ``+`` is ignored for precedence. NuGet compares pre-release labels
case-insensitively (``fold_case``).
"""

from __future__ import annotations

import re
from functools import lru_cache

from ._base import UnparsableVersion

SCHEME = "semver"

_RE = re.compile(
    r"\s*[v=]?\s*(?P<nums>[0-9]+(?:\.[0-9]+)*)"
    r"(?:-(?P<pre>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
    r"(?:\+(?P<build>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?\s*\Z"
)

# pre-release identifiers: (0, number) sorts before (1, text), as SemVer says
Ident = tuple[int, int | str]
Key = tuple[tuple[int, ...], tuple[Ident, ...] | None]


@lru_cache(maxsize=65536)
def parse(version: str, fold_case: bool = False) -> Key:
    m = _RE.match(version)
    if not m:
        raise UnparsableVersion(SCHEME, version, "not a semantic version")
    nums = [int(n) for n in m.group("nums").split(".")]
    if len(nums) < 3 and (m.group("pre") is not None or m.group("build") is not None):
        raise UnparsableVersion(SCHEME, version, "a pre-release or build needs major.minor.patch")
    while len(nums) > 3 and nums[-1] == 0:
        nums.pop()
    nums += [0] * (3 - len(nums))
    pre = m.group("pre")
    idents: tuple[Ident, ...] | None = None
    if pre is not None:
        idents = tuple(
            (0, int(p)) if p.isdigit() else (1, p.lower() if fold_case else p)
            for p in pre.split(".")
        )
    return tuple(nums), idents


def compare_keys(ka: Key, kb: Key) -> int:
    if ka[0] != kb[0]:
        return -1 if ka[0] < kb[0] else 1
    pa, pb = ka[1], kb[1]
    if pa == pb:
        return 0
    if pa is None:  # a release is newer than any of its pre-releases
        return 1
    if pb is None:
        return -1
    # identifier by identifier; a shorter list that is a prefix sorts first
    return -1 if pa < pb else 1


def compare(a: str, b: str, fold_case: bool = False) -> int:
    return compare_keys(parse(a, fold_case), parse(b, fold_case))


@lru_cache(maxsize=65536)
def key(version: str, fold_case: bool = False) -> tuple[object, ...]:
    """A sort key: a release (1) sorts after its pre-releases (0, identifiers)."""
    nums, pre = parse(version, fold_case)
    return (nums, 1, ()) if pre is None else (nums, 0, pre)
