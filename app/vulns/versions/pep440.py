"""PyPI versions, ordered by PEP 440 (through `packaging`, the reference implementation)."""

from __future__ import annotations

from functools import lru_cache

from packaging.version import InvalidVersion, Version

from ._base import UnparsableVersion

SCHEME = "pep440"


@lru_cache(maxsize=65536)
def parse(version: str) -> Version:
    try:
        return Version(version)
    except InvalidVersion as e:
        raise UnparsableVersion(SCHEME, version, "not a PEP 440 version") from e


def compare(a: str, b: str) -> int:
    va, vb = parse(a), parse(b)
    return -1 if va < vb else (1 if va > vb else 0)
