"""`-o junit`: JUnit XML for CI test reports. One test case per rule the policy applied
(classname: the rule set; name: gate/trigger and the rule id): it fails when the rule produced
a STOP finding, and lists WARN and allowlisted findings as output. Policy problems are errors
of a `policy` case, and a `final action` case fails exactly when the evaluation fails."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from app.report.anchore_v2 import iso
from app.report.model import FindingView, Report, applied_rules, findings_of_rule, verdict

_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _clean(text: str) -> str:
    return _INVALID_XML.sub("\ufffd", text)


def _line(f: FindingView) -> str:
    note = ""
    if f.allowlist_match:
        note = f" [allowlisted by {f.allowlist_match.get('name') or f.allowlist_match.get('id')}]"
    if f.inherited_from_base:
        note += " [inherited from base]"
    return _clean(f"{f.action.upper()} {f.trigger_id}: {f.message}{note}")


def render(report: Report) -> str:
    e = report.latest
    suite = ET.Element("testsuite", name=_clean(f"imagegate check {report.tag}"),
                       timestamp=iso(e.evaluated_at).removesuffix("Z"))
    props = ET.SubElement(suite, "properties")
    for name, value in (("verdict", verdict(e)), ("final_action", e.final_action),
                        ("final_action_reason", e.final_action_reason),
                        ("image_digest", report.image_digest), ("image_id", report.image_id),
                        ("tag", report.tag), ("policy_id", report.policy_id),
                        ("policy_name", report.policy_name or ""), ("evaluation_id", e.id),
                        ("base_digest", e.base_digest or "")):
        ET.SubElement(props, "property", name=name, value=_clean(value))
    tests = failures = errors = 0
    for rule in applied_rules(report, e):
        found = findings_of_rule(e, rule)
        case = ET.SubElement(suite, "testcase", classname=_clean(rule.policy_id),
                             name=_clean(f"{rule.gate}/{rule.trigger} ({rule.rule_id or '-'})"))
        tests += 1
        stops = [f for f in found if f.action == "stop"]
        if stops:
            failures += 1
            failure = ET.SubElement(case, "failure", type="stop",
                                    message=_clean(f"{len(stops)} STOP finding"
                                                   f"{'s' if len(stops) != 1 else ''}: "
                                                   f"{stops[0].message}"))
            failure.text = "\n".join(_line(f) for f in stops)
        others = [f for f in found if f.action != "stop"]
        if others:
            ET.SubElement(case, "system-out").text = "\n".join(_line(f) for f in others)
    if e.problems:
        case = ET.SubElement(suite, "testcase", classname="imagegate", name="policy")
        tests += 1
        for p in e.problems:
            if p.get("severity") == "error":
                ET.SubElement(case, "error", type=_clean(str(p.get("problem_type", ""))),
                              message=_clean(str(p.get("details", ""))))
        errors += any(p.get("severity") == "error" for p in e.problems)
        warns = [p for p in e.problems if p.get("severity") != "error"]
        if warns:
            ET.SubElement(case, "system-out").text = "\n".join(
                _clean(f"{p.get('problem_type')}: {p.get('details')}") for p in warns)
    final = ET.SubElement(suite, "testcase", classname="imagegate", name="final action")
    tests += 1
    if e.status == "fail":
        failures += 1
        ET.SubElement(final, "failure", type=e.final_action,
                      message=f"final action {e.final_action} ({e.final_action_reason})")
    suite.set("tests", str(tests))
    suite.set("failures", str(failures))
    suite.set("errors", str(errors))
    suite.set("skipped", "0")
    root = ET.Element("testsuites", name="imagegate", tests=str(tests),
                      failures=str(failures), errors=str(errors))
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"
