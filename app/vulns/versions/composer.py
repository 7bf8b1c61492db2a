"""Packagist (Composer) versions, approximated.

Composer normalises a version to four numbers and a stability suffix and orders
stabilities ``dev < alpha < beta < RC < stable < patch``. We do the same for
numbered versions (``v1.2``, ``1.2.3.4``, ``1.0.0-beta2``, ``2.1-RC1``, ``1.0-p1``,
``1.0.0.pl2``). Branch versions (``dev-main``, ``1.x-dev``) cannot be ordered and
are unparsable. This is an approximation of Composer's VersionParser, not a port:
dates as versions and other rare forms are not handled.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ._base import UnparsableVersion

SCHEME = "composer"

_RE = re.compile(
    r"\s*v?(?P<nums>[0-9]+(?:\.[0-9]+){0,3})"
    r"(?:[._-]?(?P<stab>stable|beta|b|rc|alpha|a|patch|pl|p|dev)(?:[._-]?(?P<n>[0-9]+(?:\.[0-9]+)*))?)?"
    r"(?:\+[0-9A-Za-z.-]*)?\s*\Z",
    re.IGNORECASE,
)
_RANK = {"dev": 0, "alpha": 1, "a": 1, "beta": 2, "b": 2, "rc": 3, "stable": 4,
         "patch": 5, "pl": 5, "p": 5}

Key = tuple[tuple[int, ...], int, tuple[int, ...]]


@lru_cache(maxsize=65536)
def parse(version: str) -> Key:
    m = _RE.match(version)
    if not m:
        raise UnparsableVersion(SCHEME, version, "not a numbered Composer version")
    nums = [int(n) for n in m.group("nums").split(".")]
    nums += [0] * (4 - len(nums))
    stab = (m.group("stab") or "stable").lower()
    n = m.group("n")
    return tuple(nums), _RANK[stab], tuple(int(x) for x in n.split(".")) if n else ()


def compare(a: str, b: str) -> int:
    ka, kb = parse(a), parse(b)
    return -1 if ka < kb else (1 if ka > kb else 0)


key = parse
