"""Anchore's default policy, in both formats, gives identical results on the same facts."""

import json
from datetime import timedelta
from pathlib import Path

from app.engine import (
    Cvss,
    Distro,
    Facts,
    FeedGroup,
    FeedState,
    VulnerabilityMatch,
    compile_policy,
    evaluate,
)
from tests.engine.helpers import NOW, TAG, image

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "policies"


def load(name):
    return compile_policy(json.loads((FIXTURES / name).read_text()))


def match(vid, severity, name, fixed=(), kind="dpkg", location=""):
    return VulnerabilityMatch(vid, severity, name, "1.0-1", kind, location,
                              f"https://security-tracker.debian.org/tracker/{vid}",
                              "debian:10", (Cvss("3.1", 7.5, 3.9, 3.6),), (), fixed)


FACTS = Facts(
    image(distro=Distro("debian", "10"), dockerfile_mode="Guessed",
          dockerfile="FROM debian:10\nEXPOSE 22 80\nCMD [\"bash\"]\n"),
    vulnerabilities=(
        match("CVE-2020-13529", "low", "libsystemd0"),
        match("CVE-2018-25013", "medium", "libwebp6", ("0.6.1-3",)),
        match("CVE-2021-3711", "critical", "libssl1.1", ("1.1.1d-0+deb10u7",)),
        match("GHSA-xxxx", "high", "requests", kind="python",
              location="/usr/lib/python3/dist-packages/requests"),
    ),
    feeds=FeedState({"debian:10": FeedGroup("debian:10", NOW - timedelta(days=5), 100)}),
)

EXPECTED = [
    ("dockerfile", "exposed_ports", "stop",
     "Dockerfile exposes port (22) which is in policy file DENIEDPORTS list"),
    ("dockerfile", "instruction", "warn",
     "Dockerfile directive 'HEALTHCHECK' not found, matching condition 'not_exists' check"),
    ("vulnerabilities", "stale_feed_data", "warn",
     "The vulnerability feed for this image distro is older than MAXAGE (2) days"),
    ("vulnerabilities", "package", "warn",
     "MEDIUM Vulnerability found in os package type (dpkg) - libwebp6 (fixed in: 0.6.1-3)"
     "(CVE-2018-25013 - https://security-tracker.debian.org/tracker/CVE-2018-25013)"),
    ("vulnerabilities", "package", "stop",
     "CRITICAL Vulnerability found in os package type (dpkg) - libssl1.1 (fixed in: "
     "1.1.1d-0+deb10u7)(CVE-2021-3711 - https://security-tracker.debian.org/tracker/"
     "CVE-2021-3711)"),
    ("vulnerabilities", "package", "stop",
     "HIGH Vulnerability found in non-os package type (python) - "
     "/usr/lib/python3/dist-packages/requests (GHSA-xxxx - "
     "https://security-tracker.debian.org/tracker/GHSA-xxxx)"),
]


def test_both_formats_of_the_default_policy_decide_alike():
    v1, v2 = load("anchore-default-bundle-v1.json"), load("anchore-default-policy-v2.json")
    assert v1.problems == () and v2.problems == ()
    d1 = evaluate(v1, FACTS, tag=TAG, now=NOW)
    d2 = evaluate(v2, FACTS, tag=TAG, now=NOW)
    assert [f.to_dict() for f in d1.findings] == [f.to_dict() for f in d2.findings]
    assert (d1.final_action, d1.final_action_reason, d1.policy_action) == (
        d2.final_action, d2.final_action_reason, d2.policy_action)
    assert [(f.gate, f.trigger, f.action.label, f.message) for f in d1.findings] == EXPECTED
    assert d1.status == "fail"
