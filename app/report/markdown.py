"""`-o markdown`: a pull-request comment (GitHub-flavoured Markdown): the verdict as the
heading, a summary table, then one table per gate and trigger."""

from __future__ import annotations

from app.report.anchore_v2 import iso
from app.report.model import FindingView, Report, counts, group_findings, verdict

_MARK = {"PASS": "✅", "FAIL": "❌"}


def cell(text: str) -> str:
    """Text safe inside a table cell: no pipes, no line breaks, no raw HTML."""
    return (text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;")
            .replace(">", "&gt;").replace("\r", " ").replace("\n", " "))


def code(text: str) -> str:
    return f"`{cell(text).replace('`', 'ˋ')}`"


def _notes(f: FindingView) -> str:
    notes = []
    if f.allowlist_match:
        m = f.allowlist_match
        notes.append(f"allowlisted by {cell(str(m.get('name') or m.get('id')))} "
                     f"(item {code(str(m.get('matched_rule_id') or '-'))}; rule says "
                     f"{f.rule_action.upper()})")
    if f.inherited_from_base:
        notes.append("inherited from base")
    return "; ".join(notes)


def render(report: Report) -> str:
    e = report.latest
    word = verdict(e)
    lines = [f"### {_MARK[word]} imagegate: **{word}** {code(report.tag)}", "",
             "| | |", "|---|---|",
             f"| Final action | **{e.final_action}** ({e.final_action_reason}) |",
             f"| Image | {code(report.image_digest)} |",
             f"| Policy | {cell(report.policy_name or '-')} ({code(report.policy_id)}) |"]
    if e.base_digest:
        lines.append(f"| Base image | {code(e.base_digest)} |")
    if e.findings is None:
        lines.append(f"| Findings | {e.number_of_findings} |")
    else:
        c = counts(e.findings)
        lines.append(f"| Findings | {c['stop']} STOP · {c['warn']} WARN · {c['go']} GO |")
    lines.append(f"| Evaluated | {iso(e.evaluated_at)} |")
    if e.problems:
        lines += ["", "**Policy problems**", ""]
        lines += [f"- {cell(str(p.get('severity')))}: {code(str(p.get('problem_type')))}: "
                  f"{cell(str(p.get('details')))}" for p in e.problems]
    for group in group_findings(e.findings):
        lines += ["", f"#### {code(group.gate)} / {code(group.trigger)}: "
                      f"{group.action.upper()} ({len(group.findings)})", "",
                  "| Action | Message | Rule | Notes |", "|---|---|---|---|"]
        lines += [f"| {f.action.upper()} | {cell(f.message)} | {code(f.rule_id or '-')} | "
                  f"{_notes(f)} |" for f in group.findings]
    return "\n".join(lines) + "\n"
