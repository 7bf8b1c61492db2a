"""Anchore's string patterns: `*` wildcards (anchored) and `regexp:` raw regexes."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

Matcher = Callable[[str], bool]
REGEXP_PREFIX = "regexp:"


def _always(_: str) -> bool:
    return True


@lru_cache(maxsize=4096)
def compile_pattern(pattern: str) -> Matcher:
    """A predicate for `pattern`; raises re.error for a bad `regexp:` pattern.

    `*` stands for any run of characters and everything else is literal, anchored at both
    ends; `regexp:` takes the rest as a Python regex matched at the start (re.match), as
    Anchore does.
    """
    if pattern.startswith(REGEXP_PREFIX):
        match = re.compile(pattern[len(REGEXP_PREFIX):]).match
        return lambda value: match(value) is not None
    if pattern == "*":
        return _always
    if "*" not in pattern:
        return pattern.__eq__
    full = re.compile(".*".join(re.escape(part) for part in pattern.split("*")), re.DOTALL)
    return lambda value: full.fullmatch(value) is not None


def literal_prefix(pattern: str) -> str:
    """The text every match of `pattern` starts with ('' for regexes)."""
    if pattern.startswith(REGEXP_PREFIX):
        return ""
    return pattern.split("*", 1)[0]
