"""Vulnerability feeds end to end: import the real PyPA records, match a real image's Python
packages, evaluate them, re-import idempotently, attach a Grype report."""

import json
import shutil
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.catalog import vulnerabilities as vuln_q
from app.errors import InvalidInputError
from app.services import accounts, checks, feeds, images, policies, vulnerabilities
from app.services.accounts import PermissionDeniedError
from tests.analysis.builders import D, F, docker_archive
from tests.vulns.test_matcher import EXPECTED

PYPA = Path(__file__).resolve().parent.parent / "fixtures" / "osv" / "pypi"
NOW = datetime(2025, 3, 1, tzinfo=UTC)
SITE = "usr/lib/python3/dist-packages"
PACKAGES = [("Django", "3.2.0", SITE), ("requests", "2.25.0", SITE), ("urllib3", "1.26.4", SITE),
            ("urllib3", "2.0.3", "venv2/lib/python3.11/site-packages"),
            ("Jinja2", "2.11.2", SITE), ("PyYAML", "5.3.1", SITE)]
POLICY = {"id": "vulns", "name": "vulns", "version": "2",
          "rule_sets": [{"id": "rs", "name": "rs", "version": "2", "rules": [
              {"id": "high", "gate": "vulnerabilities", "trigger": "package", "action": "STOP",
               "params": [{"name": "package_type", "value": "all"},
                          {"name": "severity_comparison", "value": ">="},
                          {"name": "severity", "value": "unknown"}]},
              {"id": "stale", "gate": "vulnerabilities", "trigger": "stale_feed_data",
               "action": "WARN", "params": [{"name": "max_days_since_sync", "value": "2"}]}]}],
          "mappings": [{"id": "m", "name": "m", "registry": "*", "repository": "*",
                        "image": {"type": "tag", "value": "*"}, "rule_set_ids": ["rs"],
                        "allowlist_ids": []}]}


def python_layer():
    entries = [D("usr"), D("usr/lib"), D("usr/lib/python3"), D(SITE)]
    for name, version, site in PACKAGES:
        meta = f"{site}/{name}-{version}.dist-info/METADATA"
        entries.append(F(meta, f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"))
    return entries


@pytest.fixture
def env(db, tmp_path):
    accounts.init_admin(db, password="pw")
    scope = accounts.scope_for(db, accounts.authenticate_password(db, username="admin",
                                                                  password="pw"))
    policies.add_policy(db, scope, POLICY, activate=True)
    built = docker_archive(str(tmp_path / "py.tar"), [python_layer()], tags=("example/py:1",))
    return db, scope, built


def stored_triples(db, scope, ref):
    record = images.get_image(db, scope, ref)
    with db.read() as session:
        rows = vuln_q.image_vulnerabilities(session, image_pk=record.image.id)
    return {(r.vulnerability_id, r.package_name, r.package_version) for r in rows}


def test_import_match_and_evaluate(env):
    db, scope, built = env
    result = feeds.import_feed(db, scope, PYPA, now=NOW)
    assert (result.read, result.new, result.skipped) == (141, 141, 0)
    [group] = feeds.list_feeds(db)
    assert (group.name, group.record_count, group.last_sync) == ("PyPI", 141, NOW)
    images.add_image(db, scope, images.analyze_source(built.path))
    assert stored_triples(db, scope, "example/py:1") == {(rid, n, v) for _, rid, n, v in EXPECTED}
    decision = checks.check(db, scope, "example/py:1", now=NOW)
    findings = decision.evaluations[0].findings
    assert decision.evaluations[0].evaluation.status == "fail"
    by_id = {f.trigger_id: f.message for f in findings}
    assert by_id["CVE-2022-41323+Django-3.2.0"] == (
        f"UNKNOWN Vulnerability found in non-os package type (python) - "
        f"/{SITE}/Django-3.2.0.dist-info/METADATA (fixed in: 3.2.16, 4.0.8, 4.1.2)"
        f"(CVE-2022-41323 - https://osv.dev/vulnerability/PYSEC-2022-304)")
    assert by_id["GHSA-v845-jxx5-vc9f+urllib3-2.0.3"] == (
        "HIGH Vulnerability found in non-os package type (python) - "
        "/venv2/lib/python3.11/site-packages/urllib3-2.0.3.dist-info/METADATA (fixed in: 2.0.6)"
        "(GHSA-v845-jxx5-vc9f - https://osv.dev/vulnerability/PYSEC-2023-192)")
    # one finding per match, and the image has no distro: no feed date is known for it
    assert len(by_id) == len(EXPECTED) + 1
    assert by_id["deb3f1afb4ea0ddf587e6c62c341c6fa"] == (
        "The vulnerability feed for this image distro is older than MAXAGE (2) days")


def test_reimport_is_idempotent_and_a_newer_record_changes_the_feed_version(env, tmp_path):
    db, scope, built = env
    feeds.import_feed(db, scope, PYPA, now=NOW)
    images.add_image(db, scope, images.analyze_source(built.path))
    first = checks.check(db, scope, "example/py:1", now=NOW).evaluations[0].evaluation.id
    again = feeds.import_feed(db, scope, PYPA, now=NOW)
    assert (again.new, again.updated, again.unchanged, again.images_changed) == (0, 0, 141, 0)
    # every import is a sync (stale_feed_data reads it): a new feed version, a re-evaluation
    assert checks.check(db, scope, "example/py:1", now=NOW).evaluations[0].evaluation.id != first
    newer = tmp_path / "newer"
    newer.mkdir()
    record = json.loads((PYPA / "PYSEC-2021-66.json").read_text())
    record["modified"] = "2030-01-01T00:00:00Z"
    record["affected"][0]["ranges"] = [{"type": "ECOSYSTEM", "events": [{"introduced": "0"},
                                                                        {"fixed": "2.11.1"}]}]
    record["affected"][0]["versions"] = []
    (newer / "PYSEC-2021-66.json").write_text(json.dumps(record))
    result = feeds.import_feed(db, scope, newer, now=NOW)
    assert (result.updated, result.images_changed) == (1, 1)
    assert ("GHSA-g3rq-g295-4j3m", "Jinja2", "2.11.2") not in stored_triples(db, scope,
                                                                              "example/py:1")
    older = json.loads((PYPA / "PYSEC-2021-66.json").read_text())  # an older copy: ignored
    (newer / "PYSEC-2021-66.json").write_text(json.dumps(older))
    assert feeds.import_feed(db, scope, newer, now=NOW).unchanged == 1


def test_bad_records_are_skipped_counted_and_lose_nothing_else(env, tmp_path):
    db, scope, _ = env
    tree = tmp_path / "feed"
    shutil.copytree(PYPA, tree)
    (tree / "broken.json").write_text("{not json")
    (tree / "malformed.json").write_text(json.dumps({"id": "X-1", "modified": "yesterday"}))
    bad_version = json.loads((PYPA / "PYSEC-2021-66.json").read_text())
    bad_version["id"] = "X-2"
    bad_version["affected"][0]["ranges"][0]["events"] = [{"introduced": "not a version!"}]
    (tree / "x2.json").write_text(json.dumps(bad_version))
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(tree.glob("*.json")):
            zf.write(path, path.name)
    result = feeds.import_feed(db, scope, archive, now=NOW)
    # X-2's only affected entry has a bad version: the entry is dropped, then the record
    assert (result.new, result.skipped) == (141, 3)
    assert result.report.counts == {"invalid_json": 1, "malformed": 1,
                                    "unparsable_version": 1, "no_affected": 1}
    assert result.summary().startswith("141 records read: 141 new, 0 updated, 0 unchanged, "
                                       "3 skipped")


def test_only_admins_import(env, db):
    _, scope, _ = env
    user = accounts.scope_for(db, accounts.create_user(db, scope, username="u", password="p"))
    with pytest.raises(PermissionDeniedError):
        feeds.import_feed(db, user, PYPA)
    with pytest.raises(InvalidInputError, match="no such file"):
        feeds.import_feed(db, scope, PYPA / "nope")


GRYPE = {"matches": [{
    "vulnerability": {"id": "CVE-2021-3711", "severity": "Critical",
                      "dataSource": "https://security-tracker.debian.org/tracker/CVE-2021-3711",
                      "namespace": "debian:distro:debian:11",
                      "fix": {"versions": ["1.1.1k-1+deb11u1"], "state": "fixed"},
                      "cvss": [{"version": "3.1", "vector": "CVSS:3.1/AV:N",
                                "metrics": {"baseScore": 9.8, "exploitabilityScore": 3.9,
                                            "impactScore": 5.9}}]},
    "relatedVulnerabilities": [],
    "artifact": {"name": "libssl1.1", "version": "1.1.1k-1", "type": "deb",
                 "locations": [{"path": "/var/lib/dpkg/status"}]}}]}


def test_a_grype_report_is_used_as_it_is_and_feeds_leave_it_alone(env, tmp_path):
    db, scope, built = env
    images.add_image(db, scope, images.analyze_source(built.path))
    report = tmp_path / "grype.json"
    report.write_text(json.dumps(GRYPE))
    assert vulnerabilities.attach_grype(db, scope, "example/py:1", report) == 1
    feeds.import_feed(db, scope, PYPA, now=NOW)
    assert stored_triples(db, scope, "example/py:1") == {("CVE-2021-3711", "libssl1.1",
                                                          "1.1.1k-1")}
    [finding] = [f for f in checks.check(db, scope, "example/py:1", now=NOW)
                 .evaluations[0].findings if f.trigger == "package"]
    assert finding.message == (
        "CRITICAL Vulnerability found in os package type (dpkg) - libssl1.1 (fixed in: "
        "1.1.1k-1+deb11u1)(CVE-2021-3711 - "
        "https://security-tracker.debian.org/tracker/CVE-2021-3711)")
    report.write_text('{"no": "matches"}')
    with pytest.raises(InvalidInputError, match="not a Grype JSON report"):
        vulnerabilities.attach_grype(db, scope, "example/py:1", report)
