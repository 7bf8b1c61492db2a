"""Alpine package versions, ordered as apk-tools orders them.

A version is ``digit{.digit}...{letter}{_suffix{number}}...{-rN}``. Tokens are read
in that grammar; pre-release suffixes (``_alpha``, ``_beta``, ``_pre``, ``_rc``) sort
before the bare version and post-release ones (``_cvs``, ``_svn``, ``_git``, ``_hg``,
``_p``) after it. A run of leading zeros after a dot compares as a fraction would
(``1.02 < 1.1``). Where the grammar breaks, apk still orders what it has read and
then ranks by the kind of token that follows; we do the same, so a version only
has to start with a digit to be ordered.
"""

from __future__ import annotations

from functools import lru_cache

from ._base import UnparsableVersion

SCHEME = "apk"

INVALID, DIGIT_OR_ZERO, DIGIT, LETTER, SUFFIX, SUFFIX_NO, REVISION_NO, END = range(-1, 7)

_PRE = ("alpha", "beta", "pre", "rc")
_POST = ("cvs", "svn", "git", "hg", "p")

Token = tuple[int, int]  # (value, kind of the token that follows)


def _next_kind(kind: int, s: str, i: int) -> tuple[int, int]:
    """The kind of the token starting at s[i] after a token of `kind`, and where it starts."""
    if i >= len(s):
        return END, i
    c = s[i]
    if kind in (DIGIT, DIGIT_OR_ZERO) and c.islower() and c.isascii():
        n = LETTER
    elif kind == LETTER and c.isdigit():
        n = DIGIT
    elif kind == SUFFIX and c.isdigit():
        n = SUFFIX_NO
    else:
        n = INVALID
        if c == ".":
            n = DIGIT_OR_ZERO
        elif c == "_":
            n = SUFFIX
        elif c == "-" and i + 1 < len(s) and s[i + 1] == "r":
            n = REVISION_NO
            i += 1
        i += 1
    if n < kind and not (
        (n == DIGIT_OR_ZERO and kind == DIGIT)
        or (n == SUFFIX and kind == SUFFIX_NO)
        or (n == DIGIT and kind == LETTER)
    ):
        n = INVALID
    return n, i


@lru_cache(maxsize=65536)
def tokens(version: str) -> tuple[Token, ...]:
    s = version.strip()
    if not s or not s[0].isdigit():
        raise UnparsableVersion(SCHEME, version, "must start with a digit")
    out: list[Token] = []
    kind, i = DIGIT, 0
    while kind not in (END, INVALID):
        value = 0
        next_kind = INVALID
        j = i
        if kind == DIGIT_OR_ZERO and s[j] == "0":
            while j < len(s) and s[j] == "0":
                j += 1
            value = -(j - i)
            next_kind = DIGIT
        elif kind in (DIGIT_OR_ZERO, DIGIT, SUFFIX_NO, REVISION_NO):
            while j < len(s) and s[j].isdigit():
                value = value * 10 + int(s[j])
                j += 1
        elif kind == LETTER:
            value = ord(s[j])
            j += 1
        elif kind == SUFFIX:
            rest = s[j:]
            pre = next((n for n, w in enumerate(_PRE) if rest.startswith(w)), None)
            post = next((n for n, w in enumerate(_POST) if rest.startswith(w)), None)
            if pre is not None:
                value = pre - len(_PRE)
                j += len(_PRE[pre])
            elif post is not None:
                value = post
                j += len(_POST[post])
            else:
                out.append((-1, INVALID))
                break
        if j >= len(s):
            kind = END
        elif next_kind != INVALID:
            kind = next_kind
        else:
            kind, j = _next_kind(kind, s, j)
        out.append((value, kind))
        i = j
    return tuple(out)


def compare(a: str, b: str) -> int:
    ta, tb = tokens(a), tokens(b)
    at = bt = DIGIT
    av = bv = 0
    i = 0
    while at == bt and at not in (END, INVALID) and av == bv:
        av, at = ta[i]
        bv, bt = tb[i]
        i += 1
    if av != bv:
        return -1 if av < bv else 1
    if at == bt:
        return 0
    # equal so far: the longer one is newer unless what follows is a pre-release suffix
    if at == SUFFIX and ta[i][0] < 0:
        return -1
    if bt == SUFFIX and tb[i][0] < 0:
        return 1
    if at > bt:
        return -1
    if bt > at:
        return 1
    return 0
