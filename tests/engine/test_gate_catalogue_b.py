"""The catalogue entries of the vulnerabilities, packages, npms, ruby_gems, distro, ancestry
and tag_drift gates: every gate, trigger and parameter is described."""

import pytest

from app.engine import describe_gates

GATES = ("vulnerabilities", "packages", "npms", "ruby_gems", "distro", "ancestry", "tag_drift")
TRIGGERS = {
    "vulnerabilities": ["package", "stale_feed_data", "vulnerability_data_unavailable",
                        "blacklist"],
    "packages": ["required_package", "verify", "blacklist"],
    "npms": ["newer_version_in_feed", "unknown_in_feeds", "version_not_in_feeds",
             "blacklisted_name_version", "feed_data_unavailable"],
    "ruby_gems": ["newer_version_found_in_feed", "not_found_in_feed", "version_not_found_in_feed",
                  "blacklist", "feed_data_unavailable"],
    "distro": ["deny"],
    "ancestry": ["allowed_base_image_digest", "allowed_base_image_tag",
                 "denylist_ancestor_image_digest", "denylist_ancestor_image_tag",
                 "no_ancestors_analyzed"],
    "tag_drift": ["packages_added", "packages_removed", "packages_modified"],
}


@pytest.mark.parametrize("name", GATES)
def test_gate_is_described(name):
    [gate] = [g for g in describe_gates() if g["name"] == name]
    assert gate["state"] == "active" and gate["description"]
    assert [t["name"] for t in gate["triggers"]] == TRIGGERS[name]
    for trigger in gate["triggers"]:
        assert trigger["description"].strip(), trigger["name"]
        for param in trigger["parameters"]:
            assert param["description"].strip(), (trigger["name"], param["name"])
            assert param["validator"]["type"]


def test_vulnerability_package_parameters_are_anchores():
    [gate] = [g for g in describe_gates() if g["name"] == "vulnerabilities"]
    [package] = [t for t in gate["triggers"] if t["name"] == "package"]
    assert [p["name"] for p in package["parameters"]] == [
        "package_type", "severity_comparison", "severity", "cvss_v3_base_score_comparison",
        "cvss_v3_base_score", "cvss_v3_exploitability_score_comparison",
        "cvss_v3_exploitability_score", "cvss_v3_impact_score_comparison", "cvss_v3_impact_score",
        "fix_available", "vendor_only", "max_days_since_creation", "max_days_since_fix",
        "vendor_cvss_v3_base_score_comparison", "vendor_cvss_v3_base_score",
        "vendor_cvss_v3_exploitability_score_comparison", "vendor_cvss_v3_exploitability_score",
        "vendor_cvss_v3_impact_score_comparison", "vendor_cvss_v3_impact_score",
        "package_path_exclude"]
    assert [p["name"] for p in package["parameters"] if p["required"]] == ["package_type"]
