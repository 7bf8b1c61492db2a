"""`imagegate feed import|list` and `imagegate image vuln`, on the real PyPA records and a
real image with vulnerable Python packages."""

from __future__ import annotations

from tests.analysis.builders import docker_archive
from tests.services.test_feeds import POLICY, PYPA, python_layer


def test_feed_import_list_and_image_vuln(cli, tmp_path):
    assert "no feeds" in cli("feed", "list").out
    py = docker_archive(str(tmp_path / "py.tar"), [python_layer()], tags=("example/py:1",))
    assert cli("image", "add", py.path).code == 0
    assert cli("image", "vuln", "example/py:1", "all", "-o", "json").json() == []
    imported = cli("feed", "import", str(PYPA))
    assert imported.code == 0 and imported.err == ""
    assert " records read: " in imported.out and "1 images re-matched, 1 changed" in imported.out
    again = cli("feed", "import", str(PYPA))
    assert " 0 new, 0 updated" in again.out  # idempotent
    [group] = cli("feed", "list", "-o", "json").json()
    assert (group["name"], group["feed"]) == ("PyPI", "osv") and group["record_count"] > 0
    assert cli("feed", "list").out.splitlines()[0].split() == [
        "FEED", "RECORDS", "LAST", "SYNC", "GROUP"]

    assert cli("image", "vuln", "example/py:1").out.splitlines() == [
        "os: available", "non-os: available", "all: available"]
    found = cli("image", "vuln", "example/py:1", "all", "-o", "json").json()
    assert found and {v["package_type"] for v in found} == {"python"}
    assert {"vuln", "package", "severity", "fix", "url", "package_type", "feed_group",
            "package_path", "nvd_data"} <= set(found[0])
    assert all(isinstance(v["nvd_data"], list) for v in found)
    assert {v["package_name"] for v in found} >= {"Django", "requests"}
    assert cli("image", "vuln", "example/py:1", "non-os", "-o", "json").json() == found
    assert cli("image", "vuln", "example/py:1", "os", "-o", "json").json() == []
    text = cli("image", "vuln", "example/py:1", "all").out.splitlines()
    assert text[0].split() == ["VULNERABILITY", "SEVERITY", "PACKAGE", "FIX"]
    assert len(text) == len(found) + 1 and all(len(line) <= 80 for line in text)

    assert cli("policy", "add", cli.write_policy(POLICY), "--activate").code == 0
    result = cli("image", "check", "example/py:1", "--detail", "-f")
    assert result.code == 1 and "vulnerabilities / package (" in result.out


def test_feed_import_of_a_missing_path_exits_2(cli):
    result = cli("feed", "import", str(cli.tmp / "nothing"))
    assert result.code == 2 and "no such file or directory" in result.err
    assert cli("image", "vuln", "example/none:1", "all").code == 2
