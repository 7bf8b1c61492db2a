"""Maven versions, ordered as Maven's ComparableVersion (3.6+, with the MNG-6964 fix).

A version is a list of items: integers, qualifiers and sub-lists. ``.`` separates
items in the same list, ``-`` and every switch between digits and letters open a
sub-list. Trailing "null" items (``0``, the empty qualifier, an empty list) are
dropped. Known qualifiers order ``alpha < beta < milestone < rc = cr < snapshot <
"" = ga = final = release < sp``, unknown ones after them in lexical order; ``a``,
``b``, ``m`` directly followed by a digit mean alpha, beta, milestone.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Union

from ._base import UnparsableVersion

SCHEME = "maven"

_QUALIFIERS = ("alpha", "beta", "milestone", "rc", "snapshot", "", "sp")
_ALIASES = {"ga": "", "final": "", "release": "", "cr": "rc"}
_RELEASE_INDEX = str(_QUALIFIERS.index(""))

INT, STR, LIST = 0, 1, 2

# ("i", int) | ("s", comparable-qualifier) | ("l", tuple of items)
Item = tuple[int, Union[int, str, "tuple[Item, ...]"]]


def _qualifier(value: str, followed_by_digit: bool) -> str:
    if followed_by_digit and len(value) == 1:
        value = {"a": "alpha", "b": "beta", "m": "milestone"}.get(value, value)
    value = _ALIASES.get(value, value)
    if value in _QUALIFIERS:
        return str(_QUALIFIERS.index(value))
    return f"{len(_QUALIFIERS)}-{value}"


def _is_null(item: Item) -> bool:
    kind, value = item
    if kind == INT:
        return value == 0
    if kind == STR:
        return value == _RELEASE_INDEX
    return not value


class _List(list[object]):
    pass


def _freeze(items: list[object]) -> tuple[Item, ...]:
    out: list[Item] = []
    for it in items:
        if isinstance(it, _List):
            out.append((LIST, _freeze(it)))
        else:
            assert isinstance(it, tuple)
            out.append(it)
    # normalize: drop trailing null items, but stop at the first non-null non-list
    i = len(out) - 1
    while i >= 0:
        if _is_null(out[i]):
            del out[i]
        elif out[i][0] != LIST:
            break
        i -= 1
    return tuple(out)


def _item(is_digit: bool, buf: str, followed_by_digit: bool = False) -> Item:
    if is_digit:
        return (INT, int(buf))
    return (STR, _qualifier(buf, followed_by_digit))


@lru_cache(maxsize=65536)
def parse(version: str) -> tuple[Item, ...]:
    v = version.strip().lower()
    if not v:
        raise UnparsableVersion(SCHEME, version, "empty")
    root = _List()
    current = root
    is_digit = False
    start = 0
    for i, c in enumerate(v):
        if c in ".-":
            current.append((INT, 0) if i == start else _item(is_digit, v[start:i]))
            start = i + 1
            if c == "-":
                sub = _List()
                current.append(sub)
                current = sub
        elif c.isdigit() and c.isascii():
            if not is_digit and i > start:
                current.append(_item(False, v[start:i], followed_by_digit=True))
                start = i
                sub = _List()
                current.append(sub)
                current = sub
            is_digit = True
        else:
            if is_digit and i > start:
                current.append(_item(True, v[start:i]))
                start = i
                sub = _List()
                current.append(sub)
                current = sub
            is_digit = False
    if len(v) > start:
        current.append(_item(is_digit, v[start:]))
    return _freeze(root)


def _cmp(a: Item | None, b: Item | None) -> int:
    """a.compareTo(b) where a is present; b may be None (missing)."""
    assert a is not None
    kind, value = a
    if b is None:
        if kind == INT:
            return 0 if value == 0 else 1
        if kind == STR:
            assert isinstance(value, str)
            return -1 if value < _RELEASE_INDEX else (1 if value > _RELEASE_INDEX else 0)
        assert isinstance(value, tuple)
        for it in value:  # MNG-6964: every item counts, not only the first
            r = _cmp(it, None)
            if r:
                return r
        return 0
    bkind, bvalue = b
    if kind == INT:
        if bkind == INT:
            assert isinstance(value, int) and isinstance(bvalue, int)
            return -1 if value < bvalue else (1 if value > bvalue else 0)
        return 1  # 1.1 > 1-sp, 1.1 > 1-1
    if kind == STR:
        if bkind == STR:
            assert isinstance(value, str) and isinstance(bvalue, str)
            return -1 if value < bvalue else (1 if value > bvalue else 0)
        return -1  # 1.any < 1.1, 1.any < 1-1
    if bkind == INT:
        return -1  # 1-1 < 1.0.x
    if bkind == STR:
        return 1  # 1-1 > 1-sp
    assert isinstance(value, tuple) and isinstance(bvalue, tuple)
    return _cmp_lists(value, bvalue)


def _cmp_lists(a: tuple[Item, ...], b: tuple[Item, ...]) -> int:
    for i in range(max(len(a), len(b))):
        x = a[i] if i < len(a) else None
        y = b[i] if i < len(b) else None
        r = -_cmp(y, x) if x is None else _cmp(x, y)
        if r:
            return r
    return 0


def compare(a: str, b: str) -> int:
    return _cmp_lists(parse(a), parse(b))
