"""Parsing OSV records and reading them from files, trees and zip exports."""

from __future__ import annotations

import copy
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from app.vulns.osv import ImportReport, MalformedRecord, iter_records, parse_record

from .helpers import osv

FIXTURES = Path(__file__).parent.parent / "fixtures" / "osv" / "pypi"


def test_parses_a_real_pypa_record() -> None:
    r = parse_record(json.loads((FIXTURES / "PYSEC-2011-1.json").read_text()))
    assert r.id == "PYSEC-2011-1"
    assert r.aliases == ("CVE-2011-4136", "GHSA-x88j-93vc-wpmp")
    assert r.published is not None and r.published.isoformat() == "2011-10-19T10:55:00+00:00"
    assert r.modified.year == 2021
    [a] = r.affected
    assert (a.package.ecosystem, a.package.name, a.package.purl) == ("PyPI", "django",
                                                                      "pkg:pypi/django")
    [rng] = a.ranges
    assert rng.type == "ECOSYSTEM"
    assert [(e.kind, e.value) for e in rng.events] == [
        ("introduced", "0"), ("fixed", "1.2.7"), ("introduced", "1.3"), ("fixed", "1.3.1")]
    assert a.versions[:2] == ("1.0.1", "1.0.2")
    assert r.references[0].type == "REPORT"


def test_parses_severity_and_specific_fields() -> None:
    data = osv("GHSA-aaaa-bbbb-cccc", "npm", "left-pad", ("introduced", "0"),
               severity=[{"type": "CVSS_V3",
                          "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
               database_specific={"severity": "CRITICAL"})
    data["affected"][0]["ecosystem_specific"] = {"affects": "all"}
    data["withdrawn"] = "2024-02-02T00:00:00.123456789Z"  # nanoseconds, as some feeds write
    r = parse_record(data)
    assert r.severity[0].type == "CVSS_V3"
    assert r.database_specific == {"severity": "CRITICAL"}
    assert r.affected[0].ecosystem_specific == {"affects": "all"}
    assert r.withdrawn is not None and r.withdrawn.microsecond == 123456


def _set(path: list[Any], value: Any) -> Any:
    def mutate(d: dict[str, Any]) -> dict[str, Any]:
        d = copy.deepcopy(d)
        target: Any = d
        for p in path[:-1]:
            target = target[p]
        if value is _DELETE:
            del target[path[-1]]
        else:
            target[path[-1]] = value
        return d
    return mutate


_DELETE = object()

MALFORMED = [
    (_set(["id"], _DELETE), "id"),
    (_set(["id"], 42), "id"),
    (_set(["modified"], _DELETE), "modified"),
    (_set(["modified"], "yesterday"), "modified"),
    (_set(["published"], "2023-13-45"), "published"),
    (_set(["aliases"], "CVE-2024-1"), "aliases"),
    (_set(["aliases"], ["CVE-2024-1", 7]), "aliases[1]"),
    (_set(["affected"], {}), "affected"),
    (_set(["affected", 0], "x"), "affected[0]"),
    (_set(["affected", 0, "package"], "django"), "affected[0].package"),
    (_set(["affected", 0, "package", "name"], ""), "affected[0].package.name"),
    (_set(["affected", 0, "package", "ecosystem"], None), "affected[0].package.ecosystem"),
    (_set(["affected", 0, "ranges", 0, "type"], "CALVER"), "affected[0].ranges[0].type"),
    (_set(["affected", 0, "ranges", 0, "events"], _DELETE), "affected[0].ranges[0].events"),
    (_set(["affected", 0, "ranges", 0, "events", 1], {"fixed": "1", "introduced": "0"}),
     "affected[0].ranges[0].events[1]"),
    (_set(["affected", 0, "ranges", 0, "events", 1], {"patched": "1"}),
     "affected[0].ranges[0].events[1]"),
    (_set(["affected", 0, "ranges", 0, "events", 1], {"fixed": 2}),
     "affected[0].ranges[0].events[1].fixed"),
    (_set(["affected", 0, "ranges", 0, "events"], [{"fixed": "1.0"}]),
     "affected[0].ranges[0].events"),
    (_set(["affected", 0, "versions"], [1.0]), "affected[0].versions[0]"),
    (_set(["severity"], [{"type": "CVSS_V3"}]), "severity[0].score"),
    (_set(["references"], [{"url": "https://x"}]), "references[0].type"),
    (_set(["database_specific"], []), "database_specific"),
]


@pytest.mark.parametrize(("mutate", "field"), MALFORMED)
def test_malformed_records_name_the_field(mutate: Any, field: str) -> None:
    good = osv("PYSEC-1", "PyPI", "p", ("introduced", "0"), ("fixed", "1.0"), versions=["0.9"])
    parse_record(good)
    with pytest.raises(MalformedRecord) as e:
        parse_record(mutate(good))
    assert e.value.field == field
    assert field in str(e.value)


def test_entries_without_a_package_are_left_out() -> None:
    data = osv("OSV-2024-1", "PyPI", "p", ("introduced", "0"))
    data["affected"].append({"ranges": [{"type": "GIT", "repo": "https://example.org/r",
                                         "events": [{"introduced": "0"}]}]})
    data["references"] = None
    assert [a.package.name for a in parse_record(data).affected] == ["p"]


def test_not_an_object() -> None:
    with pytest.raises(MalformedRecord, match="must be an object"):
        parse_record(["not", "a", "record"])


# --- readers: one bad record of each kind among good ones -------------------------------------

GOOD = osv("GOOD-1", "PyPI", "requests", ("introduced", "0"), ("fixed", "2.31.0"))
GOOD2 = osv("GOOD-2", "npm", "lodash", ("introduced", "0"), ("fixed", "4.17.21"),
            range_type="SEMVER")
MALFORMED_ONE = {"id": "BAD-1", "modified": "not a date", "affected": []}
UNKNOWN_ECO = osv("ECO-1", "Hackage", "aeson", ("introduced", "0"), ("fixed", "2.0"))
# two entries: the unknown ecosystem is dropped, the PyPI one kept
MIXED = osv("MIXED-1", "PyPI", "jinja2", ("introduced", "0"), ("fixed", "2.11.3"))
MIXED["affected"].append(UNKNOWN_ECO["affected"][0])
BAD_VERSION = osv("VER-1", "PyPI", "pyyaml", ("introduced", "0"), ("fixed", "not a version!"))
BAD_LISTED = osv("VER-2", "PyPI", "urllib3", ("introduced", "0"), ("fixed", "1.26.5"),
                 versions=["1.26.4", "garbage version"])


def _expect(report: ImportReport, ids: list[str]) -> None:
    assert sorted(ids) == ["GOOD-1", "GOOD-2", "MIXED-1", "VER-2"]
    assert report.records == 4
    assert report.skipped_records == 4  # invalid JSON, malformed, unknown ecosystem, bad version
    assert report.dropped_affected == 1  # MIXED-1's Hackage entry
    assert report.counts == {"invalid_json": 1, "malformed": 1, "unknown_ecosystem": 2,
                             "unparsable_version": 2, "no_affected": 2}
    by_kind = {(w.kind, w.record_id): w for w in report.warnings}
    assert by_kind[("malformed", "BAD-1")].field == "modified"
    assert by_kind[("unknown_ecosystem", "MIXED-1")].field == "affected[1].package.ecosystem"
    assert by_kind[("unparsable_version", "VER-1")].field == "affected[0].ranges[0].events[1].fixed"
    assert by_kind[("unparsable_version", "VER-2")].field == "affected[0].versions[1]"
    assert "4 records read, 4 skipped" in report.summary()


def _write_tree(root: Path) -> None:
    (root / "a").mkdir(parents=True)
    (root / "a" / "GOOD-1.json").write_text(json.dumps(GOOD))
    (root / "a" / "broken.json").write_text('{"id": "TRUNC-1", "modified": ')
    (root / "b").mkdir()
    (root / "b" / "BAD-1.json").write_text(json.dumps(MALFORMED_ONE))
    (root / "b" / "ECO-1.json").write_text(json.dumps(UNKNOWN_ECO))
    (root / "b" / "MIXED-1.json").write_text(json.dumps(MIXED))
    (root / "c.json").write_text(json.dumps([BAD_VERSION, BAD_LISTED]))  # a list of records
    (root / "d.json").write_text(json.dumps({"vulns": [GOOD2]}))  # an OSV API answer
    (root / "notes.txt").write_text("not read")


def test_read_a_directory_tree(tmp_path: Path) -> None:
    _write_tree(tmp_path)
    report = ImportReport()
    records = list(iter_records(tmp_path, report))
    _expect(report, [r.id for r in records])
    mixed = next(r for r in records if r.id == "MIXED-1")
    assert [a.package.ecosystem for a in mixed.affected] == ["PyPI"]
    listed = next(r for r in records if r.id == "VER-2")
    assert listed.affected[0].versions == ("1.26.4",)


def test_read_a_zip_export(tmp_path: Path) -> None:
    _write_tree(tmp_path / "tree")
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for p in sorted((tmp_path / "tree").rglob("*.json")):
            zf.write(p, p.relative_to(tmp_path / "tree").as_posix())
    report = ImportReport()
    records = list(iter_records(archive, report))
    _expect(report, [r.id for r in records])
    assert any(w.source.endswith("all.zip!a/broken.json") for w in report.warnings)


def test_read_single_files(tmp_path: Path) -> None:
    one = tmp_path / "one.json"
    one.write_text(json.dumps(GOOD))
    report = ImportReport()
    assert [r.id for r in iter_records(one, report)] == ["GOOD-1"]
    assert report.warnings == []


def test_read_the_pypa_fixtures() -> None:
    report = ImportReport()
    records = list(iter_records(FIXTURES, report))
    assert len(records) == 141
    assert report.warnings == []
