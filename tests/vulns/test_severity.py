"""Anchore severity from OSV records; CVSS scores from vectors (values as NVD publishes them)."""

from __future__ import annotations

import pytest

from app.vulns.osv import Severity, parse_record
from app.vulns.severity import band, cvss_score, record_severity, severity_from_word

from .helpers import osv

# (type, vector, base, exploitability, impact, severity); the v3 rows are NVD's published
# scores for CVE-2021-3156-like 9.8, urllib3's CVE-2023-43804 (8.1), CVE-2023-45803 (4.2).
VECTORS = [
    ("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, 3.9, 5.9, "critical"),
    ("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N", 8.1, 2.8, 5.2, "high"),
    ("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1, 2.8, 2.7, "medium"),
    ("CVSS_V3", "CVSS:3.1/AV:A/AC:H/PR:H/UI:N/S:U/C:H/I:N/A:N", 4.2, 0.5, 3.6, "medium"),
    ("CVSS_V3", "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", 1.8, 0.3, 1.4, "low"),
    ("CVSS_V3", "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0, 3.9, 0.0, "unknown"),
    ("CVSS_V4", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 9.3, None,
     None, "critical"),
    ("CVSS_V2", "AV:N/AC:L/Au:N/C:P/I:P/A:P", 7.5, None, None, "high"),
    ("CVSS_V2", "AV:N/AC:M/Au:N/C:N/I:P/A:N", 4.3, None, None, "medium"),
]


@pytest.mark.parametrize(("stype", "vector", "base", "expl", "impact", "severity"), VECTORS)
def test_cvss_scores(stype: str, vector: str, base: float, expl: float | None,
                     impact: float | None, severity: str) -> None:
    s = cvss_score(Severity(stype, vector))
    assert s is not None
    assert s.base_score == base
    assert s.exploitability_score == expl
    assert s.impact_score == impact
    assert s.severity == severity


@pytest.mark.parametrize("vector", [
    "CVSS:3.1/AV:N", "garbage", "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"])
def test_unreadable_vectors_are_ignored(vector: str) -> None:
    assert cvss_score(Severity("CVSS_V3", vector)) is None


@pytest.mark.parametrize(("score", "version", "want"), [
    (0.0, "3.1", "unknown"), (0.1, "3.1", "low"), (3.9, "3.1", "low"), (4.0, "3.1", "medium"),
    (6.9, "3.1", "medium"), (7.0, "3.1", "high"), (8.9, "3.1", "high"), (9.0, "3.1", "critical"),
    (10.0, "4.0", "critical"), (10.0, "2.0", "high"),
])
def test_bands(score: float, version: str, want: str) -> None:
    assert band(score, version) == want


@pytest.mark.parametrize(("word", "want"), [
    ("LOW", "low"), ("MODERATE", "medium"), ("HIGH", "high"), ("CRITICAL", "critical"),  # GHSA
    ("unimportant", "negligible"), ("low", "low"), ("medium", "medium"),  # Debian urgency
    ("not yet assigned", "unknown"), ("negligible", "negligible"),  # Ubuntu priority
    ("Important", "high"), ("whatever", None), (None, None),
])
def test_words(word: str | None, want: str | None) -> None:
    assert severity_from_word(word) == want


V31_HIGH = "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N"


def test_vector_gives_the_severity_when_no_word() -> None:
    r = parse_record(osv("PYSEC-1", "PyPI", "p", ("introduced", "0"),
                         severity=[{"type": "CVSS_V3", "score": V31_HIGH}]))
    s = record_severity(r, r.affected[0])
    assert (s.severity, s.source) == ("high", "cvss_v3")
    assert s.cvss[0].base_score == 8.1


def test_the_feeds_word_wins_over_the_vector() -> None:
    r = parse_record(osv("GHSA-x", "npm", "p", ("introduced", "0"),
                         severity=[{"type": "CVSS_V3", "score": V31_HIGH}],
                         database_specific={"severity": "MODERATE"}))
    s = record_severity(r, r.affected[0])
    assert (s.severity, s.source) == ("medium", "database_specific")
    assert s.cvss[0].base_score == 8.1  # scores are still reported


def test_debian_urgency_and_ubuntu_priority() -> None:
    data = osv("DSA-1", "Debian:12", "openssl", ("introduced", "0"))
    data["affected"][0]["ecosystem_specific"] = {"urgency": "unimportant"}
    r = parse_record(data)
    assert record_severity(r, r.affected[0]).severity == "negligible"
    r = parse_record(osv("UBUNTU-CVE-1", "Ubuntu:22.04:LTS", "openssl", ("introduced", "0"),
                         severity=[{"type": "Ubuntu", "score": "medium"},
                                   {"type": "CVSS_V3", "score": V31_HIGH}]))
    s = record_severity(r, r.affected[0])
    assert (s.severity, s.source) == ("medium", "ubuntu")


def test_an_unknown_word_falls_through_to_the_vector() -> None:
    r = parse_record(osv("DEBIAN-CVE-1", "Debian:12", "x", ("introduced", "0"),
                         severity=[{"type": "CVSS_V3", "score": V31_HIGH}],
                         database_specific={"urgency": "not yet assigned"}))
    assert record_severity(r, r.affected[0]).severity == "high"


def test_v3_preferred_over_v4_and_v2() -> None:
    r = parse_record(osv("X-1", "npm", "p", ("introduced", "0"), severity=[
        {"type": "CVSS_V2", "score": "AV:N/AC:M/Au:N/C:N/I:P/A:N"},
        {"type": "CVSS_V4",
         "score": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"},
        {"type": "CVSS_V3", "score": V31_HIGH},
    ]))
    s = record_severity(r)
    assert (s.severity, s.source) == ("high", "cvss_v3")
    assert [c.version for c in s.cvss] == ["3.1", "4.0", "2.0"]


def test_package_severity_overrides_the_records() -> None:
    data = osv("X-1", "npm", "p", ("introduced", "0"))
    data["affected"][0]["severity"] = [{"type": "CVSS_V3",
                                        "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]
    r = parse_record(data)
    assert record_severity(r, r.affected[0]).severity == "critical"
    assert record_severity(r).severity == "unknown"


def test_nothing_known_is_unknown() -> None:
    r = parse_record(osv("PYSEC-2", "PyPI", "p", ("introduced", "0")))
    assert record_severity(r, r.affected[0]).severity == "unknown"
    assert record_severity(r, r.affected[0]).source == "none"
