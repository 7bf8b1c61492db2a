"""`-o csv`: one row per finding of the latest evaluation, with a header row. The columns are
the Iron Bank pipeline's Anchore gates export (spec §6.1), plus the rule id."""

from __future__ import annotations

import csv
import io

from app.report.model import Report

HEADER = ("image_id", "repo_tag", "trigger_id", "gate", "trigger", "check_output",
          "gate_action", "policy_id", "matched_rule_id", "whitelist_id", "whitelist_name",
          "inherited", "rule_id")


def _flag(value: bool | None) -> str:
    return "" if value is None else str(value).lower()


def render(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for f in report.latest.findings or []:
        match = f.allowlist_match or {}
        writer.writerow((report.image_id, report.tag, f.trigger_id, f.gate, f.trigger,
                         f.message, f.action, f.policy_id, match.get("matched_rule_id") or "",
                         match.get("id") or "", match.get("name") or "",
                         _flag(f.inherited_from_base), f.rule_id or ""))
    return out.getvalue()
