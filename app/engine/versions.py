"""A generic version comparator, for when the caller supplies no ecosystem-aware one.

It follows dpkg's rules, which order most ecosystems' versions sensibly: an optional numeric
epoch (`N:`), then the upstream version and an optional revision (after the last `-`), each
compared as alternating runs of non-digits and digits. Digit runs compare as numbers; in
non-digit runs letters sort before other characters and `~` sorts before everything, even
the end of the string (so `1.0~rc1` < `1.0`).
"""

from __future__ import annotations


def _order(char: str) -> int:
    if char == "~":
        return -1
    if char.isalpha():
        return ord(char)
    return ord(char) + 256


def _compare_part(a: str, b: str) -> int:
    """dpkg's verrevcmp: compare two upstream versions (or two revisions)."""
    i = j = 0
    while i < len(a) or j < len(b):
        # Non-digit run, character by character; the end of a string counts as 0.
        while (i < len(a) and not a[i].isdigit()) or (j < len(b) and not b[j].isdigit()):
            ca = _order(a[i]) if i < len(a) and not a[i].isdigit() else 0
            cb = _order(b[j]) if j < len(b) and not b[j].isdigit() else 0
            if ca != cb:
                return ca - cb
            i += 1
            j += 1
        # Digit run, as a number.
        start = i
        while i < len(a) and a[i].isdigit():
            i += 1
        na = int(a[start:i] or "0")
        start = j
        while j < len(b) and b[j].isdigit():
            j += 1
        nb = int(b[start:j] or "0")
        if na != nb:
            return -1 if na < nb else 1
    return 0


def _split(version: str) -> tuple[int, str, str]:
    epoch, colon, rest = version.partition(":")
    if colon and epoch.isdigit():
        number = int(epoch)
    else:
        number, rest = 0, version
    upstream, dash, revision = rest.rpartition("-")
    if not dash:
        upstream, revision = rest, ""
    return number, upstream, revision


def compare_versions(a: str, b: str) -> int:
    """Negative if a < b, 0 if equal, positive if a > b."""
    if a == b:
        return 0
    ea, ua, ra = _split(a.strip())
    eb, ub, rb = _split(b.strip())
    if ea != eb:
        return -1 if ea < eb else 1
    result = _compare_part(ua, ub) or _compare_part(ra, rb)
    return (result > 0) - (result < 0)
