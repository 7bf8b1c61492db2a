"""vulnerabilities gate: Anchore's vectors (tests/unit/.../gates/test_vulnerabilities.py and
its one-match debian reports) and the verified acceptance vectors of spec §9.4."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from app.engine import Cvss, Distro, Facts, FeedGroup, FeedState, VulnerabilityMatch
from tests.engine.helpers import NOW, decide, fire, image, messages, policy, rule

DETECTED = datetime(2021, 6, 4, 16, 27, 37, tzinfo=UTC)
DEBIAN_10 = image(distro=Distro("debian", "10"))

# The JSON reports of Anchore's tests, one match each.
WILL_FIX = VulnerabilityMatch(
    vulnerability_id="CVE-2020-13529", severity="Low", package_name="libsystemd0",
    package_version="241-7~deb10u7", package_type="dpkg", package_location="pkgdb",
    link="https://security-tracker.debian.org/tracker/CVE-2020-13529", feed_group="debian:10",
    nvd_cvss=(Cvss("2.0", 2.9, 5.5, 2.9), Cvss("3.1", 6.1, 1.6, 4.0)), detected_at=DETECTED)
FIX_AVAILABLE = VulnerabilityMatch(
    vulnerability_id="CVE-2018-25013", severity="Medium", package_name="libwebp6",
    package_version="0.6.1-2", package_type="dpkg", package_location="pkgdb",
    link="https://security-tracker.debian.org/tracker/CVE-2018-25013", feed_group="debian:10",
    nvd_cvss=(Cvss("2.0", 6.4, 10.0, 4.9), Cvss("3.1", 9.1, 3.9, 5.2)),
    fix_versions=("0.6.1-3",), fix_observed_at=DETECTED, detected_at=DETECTED)
VENDOR_CVSS = replace(WILL_FIX, cvss=(Cvss("3.1", 6.1, 1.6, 4.0),))
WONT_FIX = VulnerabilityMatch(
    vulnerability_id="CVE-2020-15719", severity="Negligible", package_name="libldap-2.4-2",
    package_version="2.4.47+dfsg-3+deb10u6", package_type="dpkg", package_location="pkgdb",
    link="https://security-tracker.debian.org/tracker/CVE-2020-15719", feed_group="debian:10",
    nvd_cvss=(Cvss("2.0", 4.0, 4.9, 4.9), Cvss("3.1", 4.2, 1.6, 2.5)), will_not_fix=True,
    detected_at=DETECTED)
NON_OS = replace(WONT_FIX, will_not_fix=False, package_type="binary",
                 package_location="/bin/libldap")
REPORTS = {"will-fix": WILL_FIX, "fix-available": FIX_AVAILABLE, "vendor-cvss": VENDOR_CVSS,
           "wont-fix": WONT_FIX, "non-os": NON_OS}


def facts(*matches: VulnerabilityMatch, **fields) -> Facts:
    return Facts(DEBIAN_10, vulnerabilities=matches, **fields)


def count(report: str, **params: str) -> int:
    return len(fire("vulnerabilities", "package", facts(REPORTS[report]), **params))


@pytest.mark.parametrize(("comparison", "severity", "fires"), [
    ("=", "unknown", False), ("=", "negligible", False), ("=", "low", True),
    ("=", "medium", False), ("=", "high", False), ("=", "critical", False),
    ("<", "medium", True), (">", "medium", False), ("!=", "medium", True),
    ("<=", "medium", True), (">=", "medium", False), ("<", "unknown", False),
    (">", "critical", False),
])
def test_severity_comparison(comparison, severity, fires):
    assert count("will-fix", package_type="all", severity_comparison=comparison,
                 severity=severity) == int(fires)


@pytest.mark.parametrize(("report", "params", "expected"), [
    # fix_available
    ("fix-available", {"fix_available": "true"}, 1),
    ("fix-available", {"fix_available": "false"}, 0),
    ("will-fix", {"fix_available": "true"}, 0),
    ("will-fix", {"fix_available": "false"}, 1),
    # vendor_only (default true hides won't-fix matches)
    ("will-fix", {"vendor_only": "true"}, 1),
    ("will-fix", {"vendor_only": "false"}, 1),
    ("wont-fix", {"vendor_only": "true"}, 0),
    ("wont-fix", {"vendor_only": "false"}, 1),
    ("wont-fix", {}, 0),
    # max_days_since_creation counts from the match's detection
    ("will-fix", {"max_days_since_creation": "1000000"}, 0),
    ("will-fix", {"max_days_since_creation": "0"}, 1),
    # Anchore's max_days_since_fix test (which sets max_days_since_creation)...
    ("fix-available", {"max_days_since_creation": "1000000", "fix_available": "true"}, 0),
    ("fix-available", {"max_days_since_creation": "0", "fix_available": "true"}, 1),
    ("will-fix", {"max_days_since_creation": "1000000", "fix_available": "true"}, 0),
    ("will-fix", {"max_days_since_creation": "0", "fix_available": "true"}, 0),
    # ...and max_days_since_fix itself, which applies only with fix_available=true
    ("fix-available", {"max_days_since_fix": "1000000", "fix_available": "true"}, 0),
    ("fix-available", {"max_days_since_fix": "0", "fix_available": "true"}, 1),
    ("fix-available", {"max_days_since_fix": "1000000"}, 1),
    ("will-fix", {"max_days_since_fix": "1000000", "fix_available": "false"}, 1),
    # package_path_exclude: non-os packages only, anchored at the start
    ("non-os", {"package_path_exclude": "/usr/.*", "package_type": "non-os",
                "vendor_only": "false"}, 1),
    ("non-os", {"package_path_exclude": "/bin/.*", "package_type": "non-os",
                "vendor_only": "false"}, 0),
    ("non-os", {"package_path_exclude": "libldap"}, 1),
    ("will-fix", {"package_path_exclude": "pkgdb"}, 1),
    # package_type
    ("will-fix", {"package_type": "all"}, 1),
    ("will-fix", {"package_type": "os"}, 1),
    ("non-os", {"package_type": "os"}, 0),
    ("will-fix", {"package_type": "non-os"}, 0),
    ("non-os", {"package_type": "non-os"}, 1),
])
def test_package_filters(report, params, expected):
    params.setdefault("package_type", "all")
    assert count(report, **params) == expected


SCORES = [  # NVD v3.1 scores of the will-fix match: base 6.1, exploitability 1.6, impact 4.0
    ("base_score", ">", "6.0", True), ("base_score", "<", "6.0", False),
    ("base_score", "=", "6.0", False), ("base_score", ">=", "6.0", True),
    ("base_score", "<=", "6.0", False),
    ("exploitability_score", ">", "3.8", False), ("exploitability_score", "<", "3.8", True),
    ("exploitability_score", "=", "3.8", False), ("exploitability_score", ">=", "3.8", False),
    ("exploitability_score", "<=", "3.8", True),
    ("impact_score", ">", "3.6", True), ("impact_score", "<", "3.6", False),
    ("impact_score", "=", "3.6", False), ("impact_score", ">=", "3.6", True),
    ("impact_score", "<=", "3.6", False),
]


@pytest.mark.parametrize(("score", "comparison", "value", "fires"), SCORES)
def test_cvss_v3_comparison(score, comparison, value, fires):
    params = {f"cvss_v3_{score}": value, f"cvss_v3_{score}_comparison": comparison}
    assert count("will-fix", package_type="all", **params) == int(fires)


@pytest.mark.parametrize(("score", "comparison", "value", "fires"), SCORES)
def test_vendor_cvss_v3_comparison(score, comparison, value, fires):
    params = {f"vendor_cvss_v3_{score}": value, f"vendor_cvss_v3_{score}_comparison": comparison}
    assert count("vendor-cvss", package_type="all", **params) == int(fires)


@pytest.mark.parametrize(("match", "params", "expected"), [
    # No vendor scores: -1.0, which compares and prints (Anchore prints truthy values).
    (WILL_FIX, {"vendor_cvss_v3_base_score": "6.0"}, []),
    (WILL_FIX, {"vendor_cvss_v3_base_score": "5.0", "vendor_cvss_v3_base_score_comparison": "<"},
     ["LOW Vulnerability found in os package type (dpkg) - libsystemd0 "
      "(vendor_cvss_v3_base_score=-1.0)(CVE-2020-13529 - "
      "https://security-tracker.debian.org/tracker/CVE-2020-13529)"]),
    (WILL_FIX, {"cvss_v3_base_score": "6.0", "cvss_v3_impact_score": "4.0"},
     ["LOW Vulnerability found in os package type (dpkg) - libsystemd0 "
      "(cvss_v3_base_score=6.1 cvss_v3_impact_score=4.0)(CVE-2020-13529 - "
      "https://security-tracker.debian.org/tracker/CVE-2020-13529)"]),
    # A score of 0.0 matches but is not printed.
    (replace(WILL_FIX, nvd_cvss=(Cvss("3.1", 0.0, 0.0, 0.0),)),
     {"cvss_v3_base_score": "0.0", "cvss_v3_base_score_comparison": "="},
     ["LOW Vulnerability found in os package type (dpkg) - libsystemd0 (CVE-2020-13529 - "
      "https://security-tracker.debian.org/tracker/CVE-2020-13529)"]),
    # v2 scores never count: the NVD v3 maximum is taken.
    (replace(WILL_FIX, nvd_cvss=(Cvss("2.0", 9.9, 9.9, 9.9),)), {"cvss_v3_base_score": "0"}, []),
    (replace(WILL_FIX, nvd_cvss=(Cvss("3.0", 5.0, 1.0, 1.0), Cvss("3.1", 7.5, 0.5, 0.5))),
     {"cvss_v3_base_score": "7.5", "cvss_v3_base_score_comparison": "="},
     ["LOW Vulnerability found in os package type (dpkg) - libsystemd0 "
      "(cvss_v3_base_score=7.5)(CVE-2020-13529 - "
      "https://security-tracker.debian.org/tracker/CVE-2020-13529)"]),
    # An NVD record's own scores are its NVD scores, and it has no vendor scores.
    (replace(VENDOR_CVSS, feed_group="nvdv2:cves", nvd_cvss=()),
     {"cvss_v3_base_score": "6.1", "cvss_v3_base_score_comparison": "="},
     ["LOW Vulnerability found in os package type (dpkg) - libsystemd0 "
      "(cvss_v3_base_score=6.1)(CVE-2020-13529 - "
      "https://security-tracker.debian.org/tracker/CVE-2020-13529)"]),
    (replace(VENDOR_CVSS, feed_group="nvdv2:cves"), {"vendor_cvss_v3_base_score": "0"}, []),
    # Time parts: the detection and fix-observation dates.
    (FIX_AVAILABLE, {"max_days_since_creation": "30", "max_days_since_fix": "30",
                     "fix_available": "true"},
     ["MEDIUM Vulnerability found in os package type (dpkg) - libwebp6 (fixed in: 0.6.1-3)"
      "(max_days_since_creation=2021-06-04 max_days_since_fix=2021-06-04)(CVE-2018-25013 - "
      "https://security-tracker.debian.org/tracker/CVE-2018-25013)"]),
])
def test_package_messages(match, params, expected):
    assert messages(fire("vulnerabilities", "package", facts(match), package_type="all",
                         **params)) == expected


def test_acceptance_vectors():
    """Spec §2.1 / §9.4: the three example messages and their ids."""
    findings = fire("vulnerabilities", "package", facts(WILL_FIX, FIX_AVAILABLE, NON_OS),
                    package_type="all")
    assert [(f.trigger_id, f.message) for f in findings] == [
        ("CVE-2020-13529+libsystemd0",
         "LOW Vulnerability found in os package type (dpkg) - libsystemd0 (CVE-2020-13529 - "
         "https://security-tracker.debian.org/tracker/CVE-2020-13529)"),
        ("CVE-2018-25013+libwebp6",
         "MEDIUM Vulnerability found in os package type (dpkg) - libwebp6 "
         "(fixed in: 0.6.1-3)(CVE-2018-25013 - "
         "https://security-tracker.debian.org/tracker/CVE-2018-25013)"),
        ("CVE-2020-15719+libldap-2.4-2-2.4.47+dfsg-3+deb10u6",
         "NEGLIGIBLE Vulnerability found in non-os package type (binary) - /bin/libldap "
         "(CVE-2020-15719 - https://security-tracker.debian.org/tracker/CVE-2020-15719)"),
    ]


@pytest.mark.parametrize(("package_type", "location", "key"), [
    ("java", "/app/lib/log4j-core-2.14.1.jar", "log4j-core-2.14.1.jar"),
    ("gem", "/usr/lib/ruby/gems/specifications/rack-2.0.gemspec", "rack-2.0.gemspec"),
    ("npm", "/app/node_modules/lodash/package.json", "lodash"),
    ("npm", "package.json", "pkg-1.0"),
    ("python", "/usr/lib/python3/site-packages/pkg", "pkg-1.0"),
    ("java", "", "pkg-1.0"),
    ("JAVA", "/a/b.jar", "pkg-1.0"),  # Anchore's key rule is case-sensitive
])
def test_non_os_trigger_key(package_type, location, key):
    match = replace(NON_OS, package_name="pkg", package_version="1.0", package_type=package_type,
                    package_location=location)
    [finding] = fire("vulnerabilities", "package", facts(match), package_type="non-os")
    assert finding.trigger_id == f"CVE-2020-15719+{key}"


def test_unknown_severity_is_an_evaluation_error():
    bad = replace(WILL_FIX, severity="Important")
    decision = decide(policy([rule("vulnerabilities", "package", package_type="all")]), facts(bad))
    assert [p.problem_type for p in decision.problems] == ["TriggerEvaluationError"]
    assert "unknown severity 'Important'" in decision.problems[0].details
    assert decision.final_action.label == "stop"


def test_unknown_severity_outside_the_package_class_is_not_read():
    bad = replace(NON_OS, severity="Important")
    assert count_of(facts(bad, WILL_FIX), package_type="os") == 1


def count_of(f: Facts, **params: str) -> int:
    return len(fire("vulnerabilities", "package", f, **params))


def test_empty_severity_counts_as_unknown():
    blank = replace(WILL_FIX, severity="")
    assert count_of(facts(blank), package_type="all") == 0
    assert count_of(facts(blank), package_type="all", severity_comparison="=",
                    severity="unknown") == 1


def test_bad_path_regex_is_a_policy_problem():
    decision = decide(policy([rule("vulnerabilities", "package", package_type="all",
                                   package_path_exclude="(")]), facts(NON_OS))
    assert [p.problem_type for p in decision.problems] == ["ParameterValueInvalidError"]
    assert decision.findings == ()


def test_creation_age_without_detection_time_is_an_evaluation_error():
    decision = decide(policy([rule("vulnerabilities", "package", package_type="all",
                                   max_days_since_creation="1")]),
                      facts(replace(WILL_FIX, detected_at=None)))
    assert [p.problem_type for p in decision.problems] == ["TriggerEvaluationError"]


def sync(days_ago: float | None, namespace: str = "debian:10") -> FeedState:
    last = None if days_ago is None else NOW - timedelta(days=days_ago)
    return FeedState(groups={namespace: FeedGroup(namespace, last_sync=last)})


@pytest.mark.parametrize(("feeds", "distro", "max_days", "fires"), [
    (sync(2), Distro("debian", "10"), "1", True),
    (sync(0), Distro("debian", "10"), "1", False),
    (sync(0.5), Distro("debian", "10"), "1", False),
    (sync(None), Distro("debian", "10"), "1", True),  # a group never synced
    (FeedState(), Distro("debian", "10"), "1", True),  # no group at all
    (sync(0, "debian:9"), Distro("debian", "10"), "1", True),
    (sync(0), None, "1", True),  # no distro
    (sync(0), Distro("raspbian", "10", like=("debian",)), "1", False),
    (sync(3), Distro("debian", "10"), "1000000000", False),
])
def test_stale_feed_data(feeds, distro, max_days, fires):
    findings = fire("vulnerabilities", "stale_feed_data", Facts(image(distro=distro), feeds=feeds),
                    max_days_since_sync=max_days)
    expected = [f"The vulnerability feed for this image distro is older than MAXAGE ({max_days}) "
                "days"] if fires else []
    assert messages(findings) == expected


def test_stale_feed_data_id():
    [finding] = fire("vulnerabilities", "stale_feed_data",
                     Facts(DEBIAN_10, feeds=sync(5)), max_days_since_sync="2")
    assert finding.trigger_id == "deb3f1afb4ea0ddf587e6c62c341c6fa"


@pytest.mark.parametrize(("groups", "distro", "fires"), [
    (("debian:10",), Distro("debian", "10"), False),
    (("debian:9",), Distro("debian", "10"), True),
    (("debian:9",), Distro("debian", "9"), False),
    ((), Distro("debian", "10"), True),
    (("debian:10",), Distro("raspbian", "10", like=("debian",)), False),
])
def test_vulnerability_data_unavailable(groups, distro, fires):
    feeds = FeedState(groups={g: FeedGroup(g) for g in groups})
    findings = fire("vulnerabilities", "vulnerability_data_unavailable",
                    Facts(image(distro=distro), feeds=feeds))
    expected = [f"Distro-specific feed data not found for distro namespace: {distro.namespace}. "
                "Cannot perform CVE scan OS/distro packages"] if fires else []
    assert messages(findings) == expected


@pytest.mark.parametrize("distro", [None, Distro("debian", "")])
def test_vulnerability_data_unavailable_without_distro(distro):
    findings = fire("vulnerabilities", "vulnerability_data_unavailable",
                    Facts(image(distro=distro)))
    assert messages(findings) == [
        "Distro-specific feed data not found for distro namespace: None. Cannot perform CVE scan "
        "OS/distro packages"]


@pytest.mark.parametrize(("report", "ids", "vendor_only", "expected"), [
    ("will-fix", "CVE-2020-13529", "false", ["CVE-2020-13529"]),
    ("will-fix", "CVE-2020-13579", "false", []),
    ("will-fix", "CVE-2020-13529", "true", ["CVE-2020-13529"]),
    ("wont-fix", "CVE-2020-15719", "true", []),
    ("wont-fix", "CVE-2020-15719", "false", ["CVE-2020-15719"]),
    ("will-fix", "CVE-2020-13529, CVE-2020-13579", "false", ["CVE-2020-13529"]),
    ("will-fix", "CVE-2020-13525, CVE-2004-0975", "false", []),
])
def test_blacklist(report, ids, vendor_only, expected):
    findings = fire("vulnerabilities", "blacklist", facts(REPORTS[report]),
                    vulnerability_ids=ids, vendor_only=vendor_only)
    assert messages(findings) == ([f"Blacklisted vulnerabilities detected: {expected}"]
                                  if expected else [])


def test_blacklist_vector_and_denylist_alias():
    for trigger in ("blacklist", "denylist"):
        [finding] = fire("vulnerabilities", trigger, facts(WILL_FIX),
                         vulnerability_ids="CVE-2020-13529,CVE-2020-15719")
        assert finding.trigger_id == "df1b2b2c5078d3932bd46286ef783e83"
        assert finding.message == "Blacklisted vulnerabilities detected: ['CVE-2020-13529']"
        assert finding.trigger == trigger


def test_blacklist_lists_every_found_id_once_per_mention():
    findings = fire("vulnerabilities", "blacklist", facts(WILL_FIX, FIX_AVAILABLE, WONT_FIX),
                    vulnerability_ids="CVE-2018-25013,CVE-2020-15719,CVE-2020-13529")
    assert messages(findings) == [
        "Blacklisted vulnerabilities detected: ['CVE-2018-25013', 'CVE-2020-13529']"]


def test_stale_feed_data_reports_an_unreadable_sync_time():
    feeds = FeedState(groups={"debian:10": FeedGroup("debian:10", last_sync="yesterday")})
    [message] = messages(fire("vulnerabilities", "stale_feed_data",
                              Facts(DEBIAN_10, feeds=feeds), max_days_since_sync="2"))
    assert message.startswith("Cannot perform data feed up-to-date check - message from server: ")
