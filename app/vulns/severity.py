"""Anchore severity for an OSV record, and CVSS scores from its vectors.

Anchore's scale is ``unknown < negligible < low < medium < high < critical``.

The rule, in order (the first that yields a severity wins):

1. The feed's own word for the package or the record, because that is what
   Anchore reports for distro feeds (Debian's urgency, Ubuntu's priority) and for
   GitHub's (the GHSA severity): an ``Ubuntu`` severity entry,
   ``affected[].ecosystem_specific`` / ``affected[].database_specific`` and then the
   record's ``database_specific`` keys ``severity`` or ``urgency``.
2. The CVSS vectors of the affected entry, else of the record: CVSS v3.x first
   (the scale NVD and most feeds use), then v4.0, then v2. The base score is
   computed from the vector with the `cvss` library (a vector that does not parse
   is ignored) and banded: 0 → unknown (CVSS "none"), < 4 → low, < 7 → medium,
   < 9 → high, else critical; v2 has no critical band (≥ 7 → high).
3. Otherwise ``unknown``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from cvss import CVSS2, CVSS3, CVSS4  # type: ignore[import-untyped]
from cvss.exceptions import CVSSError  # type: ignore[import-untyped]

from .osv import Affected, Record, Severity

__all__ = [
    "SEVERITIES",
    "CvssScore",
    "RecordSeverity",
    "band",
    "cvss_score",
    "record_severity",
    "severity_from_word",
]

SEVERITIES = ("unknown", "negligible", "low", "medium", "high", "critical")

_WORDS = {
    # GitHub (GHSA database_specific.severity)
    "low": "low",
    "moderate": "medium",
    "medium": "medium",
    "high": "high",
    "critical": "critical",
    # Debian security tracker urgencies
    "unimportant": "negligible",
    "negligible": "negligible",
    "not yet assigned": "unknown",
    "end-of-life": "unknown",
    "low*": "low",
    "medium*": "medium",
    "high*": "high",
    "low**": "low",
    "medium**": "medium",
    "high**": "high",
    # Ubuntu priorities; Red Hat's words
    "untriaged": "unknown",
    "important": "high",
    "none": "unknown",
    "unknown": "unknown",
    "informational": "negligible",
}


@dataclass(frozen=True)
class CvssScore:
    version: str  # "2.0", "3.0", "3.1", "4.0"
    vector: str
    base_score: float
    exploitability_score: float | None = None  # v3 only
    impact_score: float | None = None  # v3 only
    severity: str = "unknown"


@dataclass(frozen=True)
class RecordSeverity:
    severity: str  # one of SEVERITIES
    source: str  # "ubuntu", "ecosystem_specific", "database_specific", "cvss_v3", ..., "none"
    cvss: tuple[CvssScore, ...] = ()


def severity_from_word(word: Any) -> str | None:
    """A feed's severity word -> Anchore severity; None when it is not a known word."""
    if not isinstance(word, str):
        return None
    return _WORDS.get(word.strip().lower())


def _known(word: Any) -> str | None:
    """Like severity_from_word, but "unknown" (e.g. Debian's "not yet assigned") too is None."""
    found = severity_from_word(word)
    return None if found == "unknown" else found


def band(score: float, version: str = "3.1") -> str:
    if score <= 0:
        return "unknown"
    if score < 4:
        return "low"
    if score < 7:
        return "medium"
    if version.startswith("2"):
        return "high"
    return "high" if score < 9 else "critical"


def _one_decimal(x: Any) -> float:
    return float(Decimal(str(x)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def cvss_score(severity: Severity) -> CvssScore | None:
    """The scores of one OSV severity entry; None if it is no CVSS vector we can read."""
    vector = severity.score.strip()
    try:
        if severity.type == "CVSS_V3" or vector.startswith("CVSS:3."):
            c3 = CVSS3(vector)
            version = vector.split("/", 1)[0].split(":", 1)[1]
            base = float(c3.base_score)
            return CvssScore(version, vector, base, _one_decimal(c3.esc), _one_decimal(c3.isc),
                             band(base, version))
        if severity.type == "CVSS_V4" or vector.startswith("CVSS:4."):
            c4 = CVSS4(vector)
            base = float(c4.base_score)
            return CvssScore("4.0", vector, base, severity=band(base, "4.0"))
        if severity.type == "CVSS_V2":
            c2 = CVSS2(vector)
            base = float(c2.base_score)
            return CvssScore("2.0", vector, base, severity=band(base, "2.0"))
    except (CVSSError, ValueError, KeyError, IndexError):
        return None
    return None


def _word_in(mapping: Mapping[str, Any]) -> str | None:
    if not mapping:
        return None
    for key in ("severity", "urgency"):
        value = mapping.get(key)
        if isinstance(value, list):  # some feeds list one word per release
            value = next((v for v in value if _known(v)), None)
        found = _known(value)
        if found:
            return found
    return None


def _scores(entries: Iterable[Severity]) -> list[CvssScore]:
    return [s for s in (cvss_score(e) for e in entries) if s is not None]


_PREFERENCE = {"3.1": 0, "3.0": 1, "4.0": 2, "2.0": 3}


def record_severity(record: Record, affected: Affected | None = None) -> RecordSeverity:
    """The Anchore severity of `record` for one of its affected entries (or the record)."""
    entries = tuple(affected.severity) if affected and affected.severity else record.severity
    scores: tuple[CvssScore, ...] = ()
    if entries:
        scores = tuple(sorted(_scores(entries), key=lambda s: _PREFERENCE.get(s.version, 9)))
    for e in entries:
        if e.type.lower() == "ubuntu":
            word = _known(e.score)
            if word:
                return RecordSeverity(word, "ubuntu", scores)
    if affected is not None:
        for source, mapping in (("ecosystem_specific", affected.ecosystem_specific),
                                ("database_specific", affected.database_specific)):
            word = _word_in(mapping)
            if word:
                return RecordSeverity(word, source, scores)
    word = _word_in(record.database_specific)
    if word:
        return RecordSeverity(word, "database_specific", scores)
    if scores:
        best = scores[0]
        return RecordSeverity(best.severity, "cvss_v" + best.version[0], scores)
    return RecordSeverity("unknown", "none", scores)
