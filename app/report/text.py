"""`-o text`: what a CI log shows. The verdict comes first, then the image, the policy and
counts; with details, findings grouped by gate and trigger. Lines fit 80 columns; colour only
when asked for (the CLI asks on a terminal without NO_COLOR)."""

from __future__ import annotations

import textwrap

from app.report.anchore_v2 import iso
from app.report.model import EvaluationView, FindingView, Report, counts, group_findings, verdict

WIDTH = 80
_INDENT = " " * 8
_STYLE = {"PASS": "1;32", "FAIL": "1;31", "STOP": "31", "WARN": "33", "GO": "32",
          "dim": "2", "bold": "1"}


class _Paint:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, style: str) -> str:
        return f"\033[{_STYLE[style]}m{text}\033[0m" if self.color else text


def _wrap(text: str, indent: str = _INDENT) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent,
                         break_on_hyphens=False) or [indent.rstrip()]


def _counts_line(e: EvaluationView) -> str:
    if e.findings is None:
        return f"{e.number_of_findings} (--detail lists them)"
    c = counts(e.findings)
    return f"{e.number_of_findings} ({c['stop']} stop, {c['warn']} warn, {c['go']} go)"


def _finding(f: FindingView, paint: _Paint) -> list[str]:
    label = f.action.upper()
    first, *rest = _wrap(f.message)
    lines = [f"  {paint(label.ljust(4), label)}  {first[len(_INDENT):]}", *rest]
    lines += _wrap(f"trigger id {f.trigger_id}")
    lines += _wrap(f"rule {f.rule_id or '-'}")
    if f.allowlist_match:
        m = f.allowlist_match
        name = m.get("name") or m.get("id")
        lines += _wrap(f"allowlisted by {name} ({m.get('id')}), item "
                       f"{m.get('matched_rule_id') or '-'}; the rule says "
                       f"{f.rule_action.upper()}")
    if f.inherited_from_base:
        lines += _wrap("inherited from base")
    elif f.inherited_from_base is False:
        lines += _wrap("not in base")
    return lines


def render(report: Report, *, color: bool = False) -> str:
    paint = _Paint(color)
    e = report.latest
    word = verdict(e)
    lines = [f"{paint(word, word)}  {report.tag}",
             f"action   {e.final_action} ({e.final_action_reason})",
             f"digest   {report.image_digest}",
             f"image id {report.image_id}",
             f"policy   {report.policy_name or '-'} ({report.policy_id})"]
    if e.base_digest:
        lines.append(f"base     {e.base_digest}")
    lines += [f"time     {iso(e.evaluated_at)}",
              f"findings {_counts_line(e)}"]
    if e.problems:
        lines.append("problems")
        for p in e.problems:
            lines += _wrap(f"{p.get('severity', 'error')}: {p.get('problem_type', '')}: "
                           f"{p.get('details', '')}", "  ")
    for group in group_findings(e.findings):
        head = f"{group.gate} / {group.trigger} ({len(group.findings)})"
        lines += ["", paint(head, "bold")]
        for f in group.findings:
            lines += _finding(f, paint)
    if len(report.evaluations) > 1:
        lines += ["", paint(f"history ({len(report.evaluations)} evaluations, newest first)",
                            "bold")]
        for old in report.evaluations:
            w = verdict(old)
            lines.append(f"  {iso(old.evaluated_at)}  {paint(w, w)}  {old.final_action:4}  "
                         f"{old.number_of_findings:>4} findings  {old.id[:12]}")
    return "\n".join(lines) + "\n"
