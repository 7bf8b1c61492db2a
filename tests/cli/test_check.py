"""`imagegate image check`: verdicts, exit codes, every output format, -d DIR, --history,
--base-digest, -p, and the one-step check of an archive not yet in the catalog."""

from __future__ import annotations

import csv
import io
import json
import os
import xml.etree.ElementTree as ET

import pytest

from app.report import FORMATS
from tests.cli.conftest import strict_policy

APP = "docker.io/example/app:1.0"
SUID_NEW = "SUID or SGID found set on file /usr/bin/newgrp. Mode: 0o104755"
SUID_BASE = "SUID or SGID found set on file /usr/bin/passwd. Mode: 0o104755"


def one_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, f"stderr is not one line: {err!r}"
    return lines[0]


def test_exit_codes_0_pass_or_fail_without_f_1_fail_with_f(loaded):
    failing = loaded("image", "check", "example/app:1.0")
    assert failing.code == 0 and failing.out.startswith(f"FAIL  {APP}\n") and failing.err == ""
    assert loaded("image", "check", "example/app:1.0", "-f").code == 1
    assert loaded("image", "check", "example/app:1.0", "--fail-based-on-results").code == 1
    digest = loaded("image", "get", "example/app:1.0", "-o", "json").json()["digest"]
    passing = loaded("image", "check", digest, "-t", "example/app:1.0-dev", "-f")
    assert passing.code == 0 and passing.out.startswith("PASS  docker.io/example/app:1.0-dev")


@pytest.mark.parametrize(("argv", "reason"), [
    # not in the catalog, and its (unreachable) registry cannot provide it
    (("image", "check", "127.0.0.1:9/example/nope:1"),
     "imagegate: image 127.0.0.1:9/example/nope:1 not found, and it could not be analyzed"),
    (("image", "check", "sha256:" + "0" * 64, "-t", "x:1"), "not found"),
    (("image", "check", "example/app:1.0", "-p", "no-such-policy"),
     "policy 'no-such-policy' not found"),
    (("image", "check", "example/app:1.0", "--base-digest", "sha256:" + "1" * 64),
     "base image sha256:1111"),
    (("image", "check", "example/app:1.0", "-o", "yaml"), "invalid choice: 'yaml'"),
    (("image", "check",), "the following arguments are required: ref"),
    (("image", "frobnicate",), "invalid choice: 'frobnicate'"),
    (("image", "check", "./missing.tar"), "not found"),
])
def test_usage_input_and_system_errors_exit_2_with_a_one_line_reason(loaded, argv, reason):
    result = loaded(*argv)
    assert result.code == 2 and result.out == ""
    assert reason in one_line(result.err)


def test_a_digest_or_id_needs_a_tag(loaded):
    info = loaded("image", "get", "example/app:1.0", "-o", "json").json()
    for ref in (info["digest"], info["image_id"], info["image_id"][:12]):
        result = loaded("image", "check", ref)
        assert result.code == 2
        assert "a tag is required" in one_line(result.err)
        assert loaded("image", "check", ref, "-t", "example/app:1.0").code == 0


def test_the_real_process_exits_1_on_fail_and_2_on_errors_with_one_line(loaded):
    failed = loaded.process("image", "check", "example/app:1.0", "--detail", "-f")
    assert failed.code == 1 and failed.err == ""
    assert failed.out.splitlines()[0] == f"FAIL  {APP}"
    assert "\033[" not in failed.out  # not a terminal: no colour
    missing = loaded.process("image", "check", "127.0.0.1:9/example/nope:1", "-f")
    assert missing.code == 2 and one_line(missing.err).startswith("imagegate: image ")
    usage = loaded.process("image", "check", "example/app:1.0", "--bogus")
    assert usage.code == 2 and "unrecognized arguments" in one_line(usage.err)
    remote = loaded.process("image", "check", "example/app:1.0",
                            env={"IMAGEGATE_URL": "http://127.0.0.1:1"})
    assert remote.code == 2
    assert one_line(remote.err).startswith("imagegate: cannot reach http://127.0.0.1:1: ")


def test_detail_lists_findings_grouped_by_gate_and_trigger(loaded):
    plain = loaded("image", "check", "example/app:1.0")
    assert "--detail lists them" in plain.out and "SUID" not in plain.out
    result = loaded("image", "check", "example/app:1.0", "--detail")
    lines = result.out.splitlines()
    assert lines[0] == f"FAIL  {APP}" and lines[1] == "action   stop (policy_evaluation)"
    assert "files / suid_or_guid_set (2)" in lines
    assert "dockerfile / instruction (1)" in lines
    assert lines.index("files / suid_or_guid_set (2)") < lines.index(
        "dockerfile / instruction (1)")
    assert f"  STOP  {SUID_NEW}" in lines and f"  STOP  {SUID_BASE}" in lines
    assert any(line.startswith("  WARN  Dockerfile directive 'HEALTHCHECK'") for line in lines)
    assert all(len(line) <= 80 for line in lines)


def test_every_output_format_for_a_real_image(loaded):
    outputs = {fmt: loaded("image", "check", "example/app:1.0", "-o", fmt) for fmt in FORMATS}
    assert all(r.code == 0 and r.err == "" for r in outputs.values())
    model = outputs["json"].json()
    assert (model["status"], model["tag"], model["policy"]["id"]) == ("fail", APP, "strict-ci")
    assert model["evaluations"][0]["findings"] is None  # json follows --detail
    detailed = loaded("image", "check", "example/app:1.0", "-o", "json", "--detail").json()
    assert detailed["evaluations"][0]["counts"] == {"stop": 2, "warn": 1, "go": 0}
    raw = outputs["json-raw"].json()
    assert raw["evaluated_tag"] == APP and raw["evaluations"][0]["details"] is None
    raw_detail = loaded("image", "check", "example/app:1.0", "-o", "json-raw",
                        "--detail").json()
    assert len(raw_detail["evaluations"][0]["details"]["findings"]) == 3
    assert raw_detail["evaluations"][0]["status"] == "fail"
    # report formats always carry the findings
    rows = list(csv.DictReader(io.StringIO(outputs["csv"].out)))
    assert sorted(r["check_output"] for r in rows)[-2:] == [SUID_NEW, SUID_BASE]
    sarif = outputs["sarif"].json()
    assert len(sarif["runs"][0]["results"]) == 3
    suite = ET.fromstring(outputs["junit"].out).find("testsuite")
    assert suite is not None and suite.get("failures") == "2"  # suid rule + final action
    assert 'class="verdict fail"' in outputs["html"].out
    assert outputs["markdown"].out.startswith("### ❌ imagegate: **FAIL**")


def test_dir_writes_the_report_named_after_image_and_format_and_prints_the_summary(
        loaded, tmp_path):
    out = tmp_path / "reports"
    for fmt in FORMATS:
        result = loaded("image", "check", "example/app:1.0", "-o", fmt, "-d", str(out))
        assert result.code == 0 and result.out.startswith(f"FAIL  {APP}\n")
        path = out / f"docker.io_example_app_1.0.{FORMATS[fmt][1]}"
        assert f"report written to {path}" in result.err
        assert path.exists() and path.stat().st_size > 0
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"docker.io_example_app_1.0.{suffix}" for _, suffix in FORMATS.values())
    assert json.loads((out / "docker.io_example_app_1.0.sarif").read_text())["version"] == "2.1.0"
    ET.parse(out / "docker.io_example_app_1.0.junit.xml")
    failing = loaded("image", "check", "example/app:1.0", "-o", "sarif", "-d", str(out), "-f")
    assert failing.code == 1


def test_history_shows_every_stored_evaluation_newest_first(loaded):
    first = loaded("image", "check", "example/app:1.0", "-o", "json").json()
    again = loaded("image", "check", "example/app:1.0", "-o", "json").json()
    assert again["evaluations"][0]["id"] == first["evaluations"][0]["id"]  # reused
    revised = strict_policy()
    revised["rule_sets"][0]["rules"].pop()  # drop the HEALTHCHECK rule: a new revision
    assert loaded("policy", "add", loaded.write_policy(revised, "v2.json")).code == 0
    history = loaded("image", "check", "example/app:1.0", "--history", "-o", "json").json()
    ids = [e["id"] for e in history["evaluations"]]
    assert len(ids) == 2 and ids[1] == first["evaluations"][0]["id"]
    assert [e["number_of_findings"] for e in history["evaluations"]] == [2, 3]
    text = loaded("image", "check", "example/app:1.0", "--history").out
    assert "history (2 evaluations, newest first)" in text
    assert text.index(ids[0][:12]) < text.index(ids[1][:12])
    assert len(loaded("image", "check", "example/app:1.0", "-o", "json").json()[
        "evaluations"]) == 1


def test_base_digest_auto_marks_inherited_findings(loaded):
    base = loaded("image", "get", "example/base:12", "-o", "json").json()["digest"]
    result = loaded("image", "check", "example/app:1.0", "--base-digest", "auto", "--detail",
                    "-o", "json").json()
    latest = result["evaluations"][0]
    assert latest["base_digest"] == base
    marks = {f["message"]: f["inherited_from_base"] for f in latest["findings"]}
    assert marks[SUID_BASE] is True and marks[SUID_NEW] is False
    assert marks["Dockerfile directive 'HEALTHCHECK' not found, matching condition "
                 "'not_exists' check"] is True
    explicit = loaded("image", "check", "example/app:1.0", "--base-digest", base, "-o",
                      "json").json()
    assert explicit["evaluations"][0]["id"] == latest["id"]
    text = loaded("image", "check", "example/app:1.0", "--base-digest", "auto", "--detail").out
    assert f"base     {base}" in text
    assert text.count("inherited from base") == 2 and text.count("not in base") == 1
    plain = loaded("image", "check", "example/app:1.0", "--detail", "-o", "json").json()
    assert {f["inherited_from_base"] for f in plain["evaluations"][0]["findings"]} == {None}


def test_policy_option_evaluates_another_policy_without_activating_it(loaded):
    lenient = strict_policy("lenient-ci", "Lenient CI")
    lenient["mappings"] = lenient["mappings"][:1]
    lenient["mappings"][0]["image"]["value"] = "*"
    assert loaded("policy", "add", loaded.write_policy(lenient, "lenient.json")).code == 0
    for ref in ("lenient-ci", "Lenient CI"):
        result = loaded("image", "check", "example/app:1.0", "-p", ref, "-f", "-o", "json")
        assert result.code == 0 and result.json()["policy"]["id"] == "lenient-ci"
    assert loaded("policy", "get", "-o", "json").json()["policy_id"] == "strict-ci"
    listed = {p["policy_id"]: p["active"] for p in loaded("policy", "list", "-o", "json").json()}
    assert listed["strict-ci"] is True and listed["lenient-ci"] is False
    assert loaded("image", "check", "example/app:1.0", "-f").code == 1


def test_one_step_check_of_an_archive_not_yet_in_the_catalog(cli, archives, monkeypatch):
    monkeypatch.chdir(os.path.dirname(archives.app))
    assert cli("image", "list", "-o", "json").json() == []
    result = cli("image", "check", "./app.tar", "--detail")
    assert result.code == 0 and result.out.startswith(f"PASS  {APP}")  # default policy
    [image] = cli("image", "list", "-o", "json").json()
    assert image["tags"] == [APP]
    # an archive without a tag needs -t; with it, the image is added under that tag
    untagged = cli("image", "check", "dev.tar")
    assert untagged.code == 2 and "names no tag" in one_line(untagged.err)
    tagged = cli("image", "check", "dev.tar", "-t", "example/app:2.0-dev", "-o", "json")
    assert tagged.code == 0 and tagged.json()["tag"] == "docker.io/example/app:2.0-dev"
    assert cli("image", "get", "example/app:2.0-dev").code == 0
    broken = cli.tmp / "broken.tar"
    broken.write_bytes(b"not a tar")
    failed = cli("image", "check", str(broken))
    assert failed.code == 2 and str(broken) in one_line(failed.err)


def test_checks_on_sqlite_and_postgresql_catalogs(db, cli, archives, monkeypatch):
    """IMAGEGATE_DATABASE_URL points the CLI at the test server's catalog (both kinds)."""
    from app.services import accounts

    accounts.init_admin(db, password="pw")
    monkeypatch.setenv("IMAGEGATE_DATABASE_URL", db.url)
    assert cli("image", "add", archives.base).code == 0
    assert cli("policy", "add", cli.write_policy(strict_policy()), "--activate").code == 0
    assert cli("image", "check", archives.app, "-f").code == 1
    assert cli("image", "check", "example/base:12", "-f", "--detail").code == 1
    assert len(cli("image", "list", "-o", "json").json()) == 2
