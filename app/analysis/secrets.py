"""Secret (and content) regex scanning of small files, line by line, as Anchore's
`secret_search` / `content_search` analyzers do: a regex text is split at its first "=" into
NAME and pattern (no "=": a bare pattern), the pattern is applied with `re.match` to each
line's bytes, and matches report 0-based line numbers (Anchore counts from 0). Symlinks to
scanned files are reported under their own path too, as Anchore dereferences them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.analysis.errors import AnalysisError
from app.analysis.filesystem import Filesystem
from app.analysis.model import SecretMatch

# The secret_search defaults of anchore-engine's conf/analyzer_config.yaml.
DEFAULT_SECRET_REGEXES: tuple[str, ...] = (
    r"AWS_ACCESS_KEY=(?i).*aws_access_key_id( *=+ *).*(?<![A-Z0-9])[A-Z0-9]{20}(?![A-Z0-9]).*",
    r"AWS_SECRET_KEY=(?i).*aws_secret_access_key( *=+ *).*(?<![A-Za-z0-9/+=])"
    r"[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=]).*",
    r"PRIV_KEY=(?i)-+BEGIN(.*)PRIVATE KEY-+",
    r'DOCKER_AUTH=(?i).*"auth": *".+"',
    r"API_KEY=(?i).*api(-|_)key( *=+ *).*(?<![A-Z0-9])[A-Z0-9]{20,60}(?![A-Z0-9]).*",
)

# A lower-case literal every match of a default regex contains (they are all (?i)), so a
# file without it is skipped without running the regex line by line.
_REQUIRED = dict(zip(DEFAULT_SECRET_REGEXES, (b"aws_access_key_id", b"aws_secret_access_key",
                                              b"private key", b'"auth"', b"key"), strict=True))


@dataclass(frozen=True)
class CompiledRegex:
    text: str  # "NAME=pattern" or "pattern", as reported
    name: str | None
    regex: re.Pattern[bytes]
    required: bytes | None = None  # a lower-case literal every match contains


def compile_regexes(texts: Sequence[str], what: str) -> tuple[CompiledRegex, ...]:
    out = []
    for text in texts:
        name, sep, pattern = text.partition("=")
        if not sep:
            name, pattern = "", text
        try:
            out.append(CompiledRegex(text=text, name=name or None,
                                     regex=re.compile(pattern.encode("utf-8")),
                                     required=_REQUIRED.get(text)))
        except re.error as exc:
            raise AnalysisError(f"{what} {text!r}", f"not a valid regex: {exc}") from exc
    return tuple(out)


class LineScanner:
    """Scans a file's text; results are (secret hits, content hits), each a tuple of
    (regex text, line numbers), or None when nothing matched."""

    def __init__(self, secrets: Sequence[CompiledRegex], content: Sequence[CompiledRegex]):
        self.secrets = tuple(secrets)
        self.content = tuple(content)

    def __call__(self, path: str, data: bytes) -> tuple[tuple, tuple] | None:
        if not (self.secrets or self.content):
            return None
        lowered = data.lower()
        lines: list[bytes] | None = None
        found = []
        for group in (self.secrets, self.content):
            wanted = [r for r in group if r.required is None or r.required in lowered]
            if wanted and lines is None:
                lines = data.split(b"\n")
                if lines and not lines[-1]:
                    lines.pop()
            found.append(_scan(lines or [], wanted))
        return (found[0], found[1]) if any(found) else None


def _scan(lines: list[bytes], regexes: Sequence[CompiledRegex]) -> tuple:
    hits = []
    for r in regexes:
        numbers = tuple(i for i, line in enumerate(lines) if r.regex.match(line))
        if numbers:
            hits.append((r.text, numbers))
    return tuple(hits)


def with_symlinks(scanned: dict[str, Any], fs: Filesystem) -> dict[str, Any]:
    """The scan results plus, for each symlink resolving to a scanned file, the same results
    under the symlink's path."""
    out = dict(scanned)
    for path, rec in fs.files.items():
        if rec.type == "symlink" and (target := fs.resolve(path)) in scanned:
            out[path] = scanned[target]
    return out


def matches(scanned: dict[str, tuple[tuple, tuple]], which: int) -> tuple[SecretMatch, ...]:
    """SecretMatch records from the scanner's results (0: secrets, 1: content), by path."""
    out = []
    for path in sorted(scanned):
        for text, numbers in scanned[path][which]:
            out.append(SecretMatch(path=path, regex=text, lines=numbers))
    return tuple(out)
