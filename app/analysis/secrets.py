"""Secret (and content) regex scanning of small files, line by line, as Anchore's
`secret_search` / `content_search` analyzers do: a regex is "NAME=pattern" or a bare
pattern, applied with `re.match` to each line; matches report 1-based line numbers."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from app.analysis.errors import AnalysisError
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

_NAMED = re.compile(r"^([A-Za-z0-9_]+)=(.*)$", re.S)


@dataclass(frozen=True)
class CompiledRegex:
    text: str  # "NAME=pattern" or "pattern", as reported
    name: str | None
    regex: re.Pattern[str]


def compile_regexes(texts: Sequence[str], what: str) -> tuple[CompiledRegex, ...]:
    out = []
    for text in texts:
        m = _NAMED.match(text)
        name, pattern = (m.group(1), m.group(2)) if m else (None, text)
        try:
            out.append(CompiledRegex(text=text, name=name, regex=re.compile(pattern)))
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
        lines = data.decode("utf-8", "replace").splitlines()
        found = tuple(_scan(lines, group) for group in (self.secrets, self.content))
        return found if any(found) else None  # type: ignore[return-value]


def _scan(lines: list[str], regexes: Sequence[CompiledRegex]) -> tuple:
    hits = []
    for r in regexes:
        numbers = tuple(i for i, line in enumerate(lines, 1) if r.regex.match(line))
        if numbers:
            hits.append((r.text, numbers))
    return tuple(hits)


def matches(scanned: dict[str, tuple[tuple, tuple]], which: int) -> tuple[SecretMatch, ...]:
    """SecretMatch records from the scanner's results (0: secrets, 1: content), by path."""
    out = []
    for path in sorted(scanned):
        for text, numbers in scanned[path][which]:
            out.append(SecretMatch(path=path, regex=text, lines=numbers))
    return tuple(out)
