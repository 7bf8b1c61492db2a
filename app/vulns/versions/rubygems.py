"""RubyGems versions, ordered as Gem::Version#<=> orders them.

Segments are runs of digits (numbers) or letters (strings). A string segment
makes the version a pre-release, older than any number in the same place.
Trailing zeros of the release part and of the pre-release part are dropped before
comparing, so ``1.0 == 1`` and ``1.0.a == 1.a``.

Hyphens follow current RubyGems: a hyphen before an identifier with a letter is
a dot (``1.0.0-beta.1 == 1.0.0.beta.1``), before a numeric one it is ``.pre.``
(``1.0.0-1`` is the pre-release ``1.0.0.pre.1``), and a ``pre`` segment directly
before another string segment is redundant (``1.0.0.pre.beta.1 == 1.0.0.beta.1``).
Older RubyGems always wrote ``.pre.``; the two differ only on such hyphenated
letter labels.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ._base import UnparsableVersion

SCHEME = "rubygems"

_VALID = re.compile(r"\s*([0-9]+(?:\.[0-9a-zA-Z]+)*(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?)?\s*\Z")
_SEGMENT = re.compile(r"[0-9]+|[a-z]+", re.IGNORECASE)

Segment = int | str


def _drop_trailing_zeros(segs: list[Segment]) -> list[Segment]:
    while segs and segs[-1] == 0:
        segs.pop()
    return segs


def _normalise_hyphens(v: str) -> str:
    if "-" not in v:
        return v
    head, *rest = v.split("-")
    parts = [head]
    for part in rest:
        first = part.split(".", 1)[0]
        parts.append(part if any(c.isalpha() for c in first) else "pre." + part)
    return ".".join(parts)


@lru_cache(maxsize=65536)
def parse(version: str) -> tuple[Segment, ...]:
    if not _VALID.match(version) or "\n" in version.strip():
        raise UnparsableVersion(SCHEME, version, "malformed version number string")
    v = _normalise_hyphens(version.strip() or "0")
    segs: list[Segment] = [int(s) if s.isdigit() else s for s in _SEGMENT.findall(v)]
    segs = [s for i, s in enumerate(segs)
            if not (s == "pre" and i + 1 < len(segs) and isinstance(segs[i + 1], str))]
    first_str = next((i for i, s in enumerate(segs) if isinstance(s, str)), len(segs))
    release = _drop_trailing_zeros(segs[:first_str])
    pre = _drop_trailing_zeros(segs[first_str:])
    return tuple(release + pre)


def compare(a: str, b: str) -> int:
    sa, sb = parse(a), parse(b)
    if sa == sb:
        return 0
    for i in range(max(len(sa), len(sb))):
        x: Segment = sa[i] if i < len(sa) else 0
        y: Segment = sb[i] if i < len(sb) else 0
        if x == y:
            continue
        if isinstance(x, str) and isinstance(y, int):
            return -1
        if isinstance(x, int) and isinstance(y, str):
            return 1
        return -1 if x < y else 1  # type: ignore[operator]
    return 0
