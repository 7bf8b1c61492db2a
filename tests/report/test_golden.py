"""Every format against its golden file (UPDATE_GOLDEN=1 rewrites them), and what each format
promises beyond its bytes."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from app.report import FORMATS, render_as
from tests.report import sample

GOLDEN = Path(__file__).parent / "golden"
SCHEMA = Path(__file__).parent.parent / "fixtures" / "sarif" / "sarif-schema-2.1.0.json"


def golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} is missing: run with UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), f"{name} changed (UPDATE_GOLDEN=1)"


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_format_matches_its_golden_file(fmt):
    golden(f"report.{FORMATS[fmt][1]}", render_as(fmt, sample.report()))
    golden(f"passing.{FORMATS[fmt][1]}", render_as(fmt, sample.passing()))


def test_text_puts_the_verdict_first_and_fits_80_columns():
    text = render_as("text", sample.report())
    assert text.splitlines()[0] == "FAIL  docker.io/my-org/api:1.4.0"
    assert render_as("text", sample.passing()).startswith("PASS  ")
    assert all(len(line) <= 80 for line in text.splitlines())
    assert "\033[" not in text
    # groups by gate and trigger, worst first; STOP/WARN/GO labels; marks
    heads = [line for line in text.splitlines() if " / " in line and "(" in line]
    assert heads == ["files / suid_or_guid_set (2)", "dockerfile / instruction (1)",
                     "secret_scans / content_regex_checks (1)"]
    assert "allowlisted by Team exceptions (al-1), item item-7" in text
    assert text.count("inherited from base") == 2


def test_text_colour_only_when_asked():
    coloured = render_as("text", sample.report(), color=True)
    assert "\033[1;31mFAIL\033[0m" in coloured
    assert re.sub(r"\033\[[0-9;]*m", "", coloured) == render_as("text", sample.report())


def test_json_is_the_stable_model_and_json_raw_the_v2_body():
    model = json.loads(render_as("json", sample.report()))
    assert model["schema"] == "imagegate.check/v1"
    assert model["status"] == "fail" and len(model["evaluations"]) == 2
    assert model["evaluations"][0]["counts"] == {"stop": 2, "warn": 1, "go": 1}
    raw = json.loads(render_as("json-raw", sample.report()))
    assert set(raw) == {"policy_id", "image_digest", "evaluated_tag", "evaluations"}
    first = raw["evaluations"][0]
    assert first["comparison_image_digest"] == sample.BASE
    assert [f["inherited_from_base"] for f in first["details"]["findings"]] == [
        True, False, True, False]


def test_sarif_is_valid_against_the_2_1_0_schema_with_one_rule_per_gate_trigger():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    for report in (sample.report(), sample.passing()):
        log = json.loads(render_as("sarif", report))
        jsonschema.Draft4Validator(schema).validate(log)
    log = json.loads(render_as("sarif", sample.report()))
    run = log["runs"][0]
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert ids == ["files/suid_or_guid_set", "dockerfile/instruction",
                   "secret_scans/content_regex_checks", "dockerfile/exposed_ports"]
    assert len(run["results"]) == 4
    assert [r["level"] for r in run["results"]] == ["error", "error", "warning", "note"]
    assert run["results"][3]["suppressions"][0]["kind"] == "external"
    assert all(ids[r["ruleIndex"]] == r["ruleId"] for r in run["results"])


def test_junit_parses_back_with_one_case_per_rule():
    root = ET.fromstring(render_as("junit", sample.report()))
    [suite] = root.findall("testsuite")
    cases = suite.findall("testcase")
    names = [c.get("name") for c in cases]
    assert names == ["files/suid_or_guid_set (suid)", "dockerfile/instruction (health)",
                     "secret_scans/content_regex_checks (secrets)",
                     "dockerfile/exposed_ports (ports)", "policy", "final action"]
    failed = [c.get("name") for c in cases if c.find("failure") is not None]
    assert failed == ["files/suid_or_guid_set (suid)", "final action"]
    assert suite.get("tests") == "6" and suite.get("failures") == "2"
    assert suite.get("errors") == "0"
    assert "allowlisted by Team exceptions" in cases[2].findtext("system-out")
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props["verdict"] == "FAIL" and props["image_digest"] == sample.DIGEST
    passing = ET.fromstring(render_as("junit", sample.passing()))
    assert passing.get("failures") == "0"


def test_csv_has_a_header_row_and_one_row_per_finding():
    rows = list(csv.DictReader(io.StringIO(render_as("csv", sample.report()))))
    assert len(rows) == 4
    assert rows[3]["check_output"].endswith('AWS_KEY | "quoted" & more')
    assert (rows[3]["whitelist_name"], rows[3]["gate_action"]) == ("Team exceptions", "go")
    assert [r["inherited"] for r in rows] == ["true", "false", "true", "false"]


def test_markdown_escapes_table_cells():
    text = render_as("markdown", sample.report())
    assert text.startswith("### ❌ imagegate: **FAIL**")
    line = next(x for x in text.splitlines() if "AWS_KEY" in x)
    assert "AWS_KEY \\| " in line and "&lt;config&gt;" in line
    assert len(re.findall(r"(?<!\\)\|", line)) == 5  # four cells' borders only


def test_html_is_self_contained_and_escapes():
    page = render_as("html", sample.report())
    assert "<script" not in page and "<link" not in page
    assert not re.search(r"(src|href)\s*=", page) and "url(" not in page
    assert "/app/&lt;config&gt;.env" in page and "<config>" not in page
    assert 'class="verdict fail"' in page and "inherited from base" in page
    assert "allowlisted by Team exceptions" in page
