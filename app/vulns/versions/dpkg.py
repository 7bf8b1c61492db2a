"""Debian package versions: ``[epoch:]upstream[-revision]`` ordered as dpkg orders them.

Each of upstream and revision is compared as alternating runs of non-digits and
digits. Non-digit runs compare character by character where ``~`` sorts before
everything, even the end of the string, then the end of the string, then letters,
then every other character. Digit runs compare as integers.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ._base import UnparsableVersion

SCHEME = "dpkg"

_UPSTREAM_OK = re.compile(r"[0-9][A-Za-z0-9.+~:-]*\Z")
_UPSTREAM_LAX = re.compile(r"[A-Za-z0-9.+~:-]+\Z")
_REVISION_OK = re.compile(r"[A-Za-z0-9.+~]+\Z")
_RUN = re.compile(r"([^0-9]*)([0-9]*)")

Part = tuple[tuple[int, ...], int]
Key = tuple[int, tuple[Part, ...], tuple[Part, ...]]


def _weight(c: str) -> int:
    if c == "~":
        return -1
    if c.isalpha():
        return ord(c)
    return ord(c) + 256


def _parts(s: str) -> tuple[Part, ...]:
    out: list[Part] = []
    pos = 0
    while pos < len(s):
        m = _RUN.match(s, pos)
        assert m is not None  # the pattern matches the empty string
        letters, digits = m.group(1), m.group(2)
        out.append((tuple(_weight(c) for c in letters), int(digits) if digits else 0))
        pos = m.end()
    return tuple(out)


@lru_cache(maxsize=65536)
def parse(version: str) -> Key:
    """Split and check a version; raises UnparsableVersion as dpkg would refuse it.

    dpkg only warns about an upstream part that does not start with a digit, and
    so do we: such versions are still ordered.
    """
    v = version.strip()
    if not v:
        raise UnparsableVersion(SCHEME, version, "empty")
    epoch = 0
    if ":" in v:
        head, rest = v.split(":", 1)
        if not head.isdigit() or not head.isascii():
            raise UnparsableVersion(SCHEME, version, "epoch is not a number")
        epoch = int(head)
        if epoch > 2**31 - 1:
            raise UnparsableVersion(SCHEME, version, "epoch is too big")
        v = rest
    upstream, revision = v, ""
    if "-" in v:
        upstream, revision = v.rsplit("-", 1)
        if revision and not _REVISION_OK.match(revision):
            raise UnparsableVersion(SCHEME, version, "invalid character in revision")
    if not upstream:
        raise UnparsableVersion(SCHEME, version, "empty upstream version")
    if not _UPSTREAM_LAX.match(upstream):
        raise UnparsableVersion(SCHEME, version, "invalid character in upstream version")
    return epoch, _parts(upstream), _parts(revision)


_EMPTY: Part = ((), 0)


def _cmp_letters(a: tuple[int, ...], b: tuple[int, ...]) -> int:
    for i in range(max(len(a), len(b))):
        x = a[i] if i < len(a) else 0
        y = b[i] if i < len(b) else 0
        if x != y:
            return -1 if x < y else 1
    return 0


def _cmp_parts(a: tuple[Part, ...], b: tuple[Part, ...]) -> int:
    for i in range(max(len(a), len(b))):
        pa = a[i] if i < len(a) else _EMPTY
        pb = b[i] if i < len(b) else _EMPTY
        c = _cmp_letters(pa[0], pb[0])
        if c:
            return c
        if pa[1] != pb[1]:
            return -1 if pa[1] < pb[1] else 1
    return 0


def compare(a: str, b: str) -> int:
    ka, kb = parse(a), parse(b)
    if ka == kb:
        return 0
    if ka[0] != kb[0]:
        return -1 if ka[0] < kb[0] else 1
    return _cmp_parts(ka[1], kb[1]) or _cmp_parts(ka[2], kb[2])


_END: Part = ((0,), 0)


def _sort_parts(parts: tuple[Part, ...]) -> tuple[Part, ...]:
    """Parts as a key that plain tuple comparison orders as dpkg does.

    Letter runs get a terminating 0 (the end of a string sorts after ``~`` and
    before everything else); the first part is always present and the key ends
    with the weight of an empty part, so a shorter version meets the longer one's
    next part exactly as dpkg's loop does.
    """
    out = [((*letters, 0), number) for letters, number in parts] or [_END]
    out.append(_END)
    return tuple(out)


@lru_cache(maxsize=65536)
def key(version: str) -> tuple[int, tuple[Part, ...], tuple[Part, ...]]:
    """A sort key: ``key(a) < key(b)`` exactly when ``compare(a, b) < 0``."""
    epoch, upstream, revision = parse(version)
    return epoch, _sort_parts(upstream), _sort_parts(revision)
