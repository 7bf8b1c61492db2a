"""OSV range evaluation, table-driven (OSV schema, "Evaluation" and its examples)."""

from __future__ import annotations

import pytest

from app.vulns.affected import evaluate, fixed_versions, is_affected
from app.vulns.osv import parse_record

from .helpers import osv

IN, F, L, LIM = "introduced", "fixed", "last_affected", "limit"

UNSORTED = [(IN, "2.0.0"), (F, "2.0.6"), (IN, "0"), (F, "1.26.17")]

# (ecosystem, range type, events, version, affected?)
CASES = [
    # the spec's examples
    ("npm", "SEMVER", [(IN, "0")], "0.0.1", True),  # every version affected
    ("npm", "SEMVER", [(IN, "0")], "99.0.0", True),
    ("npm", "SEMVER", [(IN, "0"), (F, "1.0.2")], "1.0.1", True),
    ("npm", "SEMVER", [(IN, "0"), (F, "1.0.2")], "1.0.2", False),  # fixed is exclusive
    ("npm", "SEMVER", [(IN, "1.0.0"), (F, "1.0.2"), (IN, "3.0.0"), (F, "3.2.5")], "0.9.0", False),
    ("npm", "SEMVER", [(IN, "1.0.0"), (F, "1.0.2"), (IN, "3.0.0"), (F, "3.2.5")], "1.0.0", True),
    ("npm", "SEMVER", [(IN, "1.0.0"), (F, "1.0.2"), (IN, "3.0.0"), (F, "3.2.5")], "2.0.0", False),
    ("npm", "SEMVER", [(IN, "1.0.0"), (F, "1.0.2"), (IN, "3.0.0"), (F, "3.2.5")], "3.2.4", True),
    ("npm", "SEMVER", [(IN, "1.0.0"), (F, "1.0.2"), (IN, "3.0.0"), (F, "3.2.5")], "3.2.5", False),
    ("PyPI", "ECOSYSTEM", [(IN, "0"), (L, "2.1.214")], "2.1.214", True),  # last_affected inclusive
    ("PyPI", "ECOSYSTEM", [(IN, "0"), (L, "2.1.214")], "2.1.215", False),
    # pre-releases sit below their release
    ("npm", "SEMVER", [(IN, "0"), (F, "1.0.2")], "1.0.2-rc.1", True),
    ("PyPI", "ECOSYSTEM", [(IN, "0"), (F, "2.0")], "2.0rc1", True),
    ("PyPI", "ECOSYSTEM", [(IN, "1.0"), (F, "2.0")], "1.0.dev1", False),
    # events out of order are sorted first (PYSEC-2023-192 lists the 2.x branch first)
    ("PyPI", "ECOSYSTEM", UNSORTED, "2.0.3", True),
    ("PyPI", "ECOSYSTEM", UNSORTED, "1.26.17", False),
    ("PyPI", "ECOSYSTEM", UNSORTED, "2.0.6", False),
    ("PyPI", "ECOSYSTEM", UNSORTED, "1.26.16", True),
    # limit: only below one of the limits; "*" is infinity
    ("npm", "SEMVER", [(IN, "1.0.0"), (LIM, "2.0.0")], "1.5.0", True),
    ("npm", "SEMVER", [(IN, "1.0.0"), (LIM, "2.0.0")], "2.0.0", False),
    ("npm", "SEMVER", [(IN, "1.0.0"), (LIM, "2.0.0"), (LIM, "3.0.0")], "2.5.0", True),
    ("npm", "SEMVER", [(IN, "1.0.0"), (LIM, "*")], "9.0.0", True),
    # distro orderings
    ("Debian:12", "ECOSYSTEM", [(IN, "0"), (F, "3.0.11-1~deb12u2")], "3.0.11-1~deb12u1", True),
    ("Debian:12", "ECOSYSTEM", [(IN, "0"), (F, "3.0.11-1~deb12u2")], "3.0.11-1~deb12u2", False),
    ("Debian:12", "ECOSYSTEM", [(IN, "0"), (F, "1:2.3-1")], "2.9-9", True),  # epoch
    ("Alpine:v3.18", "ECOSYSTEM", [(IN, "0"), (F, "3.1.4-r1")], "3.1.4-r0", True),
    ("Alpine:v3.18", "ECOSYSTEM", [(IN, "0"), (F, "3.1.4-r1")], "3.1.4_rc1-r5", True),
    ("Alpine:v3.18", "ECOSYSTEM", [(IN, "0"), (F, "3.1.4-r1")], "3.1.4_p1-r0", False),
    ("Red Hat", "ECOSYSTEM", [(IN, "0"), (F, "1:3.0.7-16.el9_2")], "1:3.0.7-16.el9", True),
    ("Red Hat", "ECOSYSTEM", [(IN, "0"), (F, "1:3.0.7-16.el9_2")], "1:3.0.7-18.el9", False),
    ("Maven", "ECOSYSTEM", [(IN, "2.0-beta9"), (F, "2.15.0")], "2.14.1", True),
    ("Maven", "ECOSYSTEM", [(IN, "2.0-beta9"), (F, "2.15.0")], "2.0-alpha1", False),
    ("Go", "SEMVER", [(IN, "0"), (F, "1.2.3")], "v1.2.2", True),
    ("Go", "SEMVER", [(IN, "0"), (F, "0.0.0-20220314234659-1baeb1ce4c0b")],
     "v0.0.0-20210220032951-036812b2e83c", True),  # pseudo-versions order by time
    ("RubyGems", "ECOSYSTEM", [(IN, "0"), (F, "6.1.7.1")], "6.1.7", True),
    ("RubyGems", "ECOSYSTEM", [(IN, "0"), (F, "6.1.7.1")], "6.1.7.1", False),
    ("crates.io", "SEMVER", [(IN, "0.0.0-0"), (F, "0.8.5")], "0.8.4", True),
    ("NuGet", "ECOSYSTEM", [(IN, "0"), (F, "4.7.2")], "4.7.1", True),
]


@pytest.mark.parametrize(("ecosystem", "rtype", "events", "version", "want"), CASES)
def test_range_semantics(ecosystem: str, rtype: str, events: list[tuple[str, str]],
                         version: str, want: bool) -> None:
    a = parse_record(osv("X-1", ecosystem, "pkg", *events, range_type=rtype)).affected[0]
    assert is_affected(a, version) is want


def test_semver_range_uses_semver_even_in_another_ecosystem() -> None:
    # PEP 440 would read "1.0.0-rc.1" as a pre-release too, but SEMVER says how to order
    data = osv("X-1", "PyPI", "p", (IN, "0"), (F, "1.0.0"), range_type="SEMVER")
    a = parse_record(data).affected[0]
    assert is_affected(a, "1.0.0-rc.1")
    assert not is_affected(a, "1.0.0")


def test_git_ranges_are_ignored_but_versions_still_match() -> None:
    data = osv("X-1", "PyPI", "p", versions=["1.0", "1.1"])
    data["affected"][0]["ranges"] = [{"type": "GIT", "repo": "https://example.org/r.git",
                                      "events": [{"introduced": "0"}, {"fixed": "abc123"}]}]
    a = parse_record(data).affected[0]
    assert evaluate(a, "1.1").affected
    assert evaluate(a, "1.1").by == "versions"
    assert not evaluate(a, "1.2").affected
    assert fixed_versions(a) == ()


def test_explicit_versions_compare_in_the_ecosystem() -> None:
    a = parse_record(osv("X-1", "PyPI", "p", versions=["3.2"])).affected[0]
    assert is_affected(a, "3.2.0")  # PEP 440: 3.2 == 3.2.0
    assert not is_affected(a, "3.2.1")


def test_fixed_versions_ascending_and_above_the_version() -> None:
    a = parse_record(osv("X-1", "PyPI", "django", (IN, "3.2"), (F, "3.2.16"), (IN, "4.0"),
                         (F, "4.0.8"), (IN, "4.1"), (F, "4.1.2"))).affected[0]
    assert fixed_versions(a) == ("3.2.16", "4.0.8", "4.1.2")
    assert evaluate(a, "4.0.1").fixed == ("4.0.8", "4.1.2")  # the nearest fix first
    assert evaluate(a, "3.2.0").fixed == ("3.2.16", "4.0.8", "4.1.2")
    assert evaluate(a, "4.0.8").fixed == ()


def test_unfixed_has_no_fix_versions() -> None:
    a = parse_record(osv("X-1", "npm", "p", (IN, "0"))).affected[0]
    assert evaluate(a, "1.0.0").affected
    assert evaluate(a, "1.0.0").fixed == ()
