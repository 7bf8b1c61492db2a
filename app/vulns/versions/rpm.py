"""RPM versions: ``[epoch:]version[-release]``, each part ordered by rpmvercmp.

rpmvercmp splits a string into alphabetic and numeric segments, skipping every
other character as a separator, except ``~`` (sorts before anything, even the
end) and ``^`` (sorts after the end but before any further segment). A numeric
segment is newer than an alphabetic one; numbers compare without leading zeros.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ._base import UnparsableVersion

SCHEME = "rpm"

_TOKEN = re.compile(r"~|\^|[0-9]+|[A-Za-z]+")
TILDE = "~"
CARET = "^"

# a token is "~", "^", (1, digits-without-leading-zeros) or (0, letters)
Token = str | tuple[int, str]


@lru_cache(maxsize=65536)
def tokens(s: str) -> tuple[Token, ...]:
    out: list[Token] = []
    for t in _TOKEN.findall(s):
        if t in (TILDE, CARET):
            out.append(t)
        elif t[0].isdigit():
            out.append((1, t.lstrip("0") or "0"))
        else:
            out.append((0, t))
    return tuple(out)


def vercmp(a: str, b: str) -> int:
    """rpmvercmp(a, b): -1, 0 or 1."""
    if a == b:
        return 0
    ta, tb = tokens(a), tokens(b)
    i = 0
    while True:
        x = ta[i] if i < len(ta) else None
        y = tb[i] if i < len(tb) else None
        i += 1
        if x is None and y is None:
            return 0
        if x == TILDE or y == TILDE:
            if x != TILDE:
                return 1
            if y != TILDE:
                return -1
            continue
        if x == CARET or y == CARET:
            if x is None:
                return -1
            if y is None:
                return 1
            if x != CARET:
                return 1
            if y != CARET:
                return -1
            continue
        if x is None:
            return -1
        if y is None:
            return 1
        assert isinstance(x, tuple) and isinstance(y, tuple)
        if x[0] != y[0]:  # numeric beats alphabetic
            return 1 if x[0] else -1
        if x[0] and len(x[1]) != len(y[1]):  # numbers: the longer one is bigger
            return 1 if len(x[1]) > len(y[1]) else -1
        if x[1] != y[1]:
            return 1 if x[1] > y[1] else -1


@lru_cache(maxsize=65536)
def parse(version: str) -> tuple[int, str, str]:
    """(epoch, version, release) of an EVR string."""
    v = version.strip()
    if not v:
        raise UnparsableVersion(SCHEME, version, "empty")
    epoch = 0
    if ":" in v:
        head, v = v.split(":", 1)
        if not head.isdigit() or not head.isascii():
            raise UnparsableVersion(SCHEME, version, "epoch is not a number")
        epoch = int(head)
    ver, rel = v, ""
    if "-" in v:
        ver, rel = v.rsplit("-", 1)
    if not ver:
        raise UnparsableVersion(SCHEME, version, "empty version")
    return epoch, ver, rel


def compare(a: str, b: str) -> int:
    ea, va, ra = parse(a)
    eb, vb, rb = parse(b)
    if ea != eb:
        return -1 if ea < eb else 1
    return vercmp(va, vb) or vercmp(ra, rb)


_W_TILDE, _W_END, _W_CARET, _W_ALPHA, _W_NUM = range(5)
Weight = tuple[int] | tuple[int, str] | tuple[int, int, str]


def _weights(s: str) -> tuple[Weight, ...]:
    """rpmvercmp as a plain tuple order: ``~`` < end < ``^`` < letters < numbers."""
    out: list[Weight] = []
    for t in tokens(s):
        if t == TILDE:
            out.append((_W_TILDE,))
        elif t == CARET:
            out.append((_W_CARET,))
        else:
            assert isinstance(t, tuple)
            out.append((_W_NUM, len(t[1]), t[1]) if t[0] else (_W_ALPHA, t[1]))
    out.append((_W_END,))
    return tuple(out)


@lru_cache(maxsize=65536)
def key(version: str) -> tuple[int, tuple[Weight, ...], tuple[Weight, ...]]:
    """A sort key: ``key(a) < key(b)`` exactly when ``compare(a, b) < 0``."""
    epoch, ver, rel = parse(version)
    return epoch, _weights(ver), _weights(rel)
