"""`-o html`: one self-contained page (inline CSS, no scripts, no external assets): the
verdict, image and policy, counts by action, then findings grouped by gate and trigger with
action badges, allowlist matches and the inherited-from-base mark."""

from __future__ import annotations

from html import escape

from app.report.anchore_v2 import iso
from app.report.model import FindingView, Report, counts, group_findings, verdict

CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;
color:#1f2328;background:#f6f8fa}
main{max-width:1100px;margin:0 auto;padding:24px}
.verdict{border-radius:8px;padding:20px 24px;color:#fff;margin-bottom:20px}
.verdict.pass{background:#1a7f37}.verdict.fail{background:#cf222e}
.verdict h1{margin:0;font-size:34px;letter-spacing:.04em}
.verdict p{margin:6px 0 0;font-size:16px;word-break:break-all}
table{border-collapse:collapse;width:100%;background:#fff;margin-bottom:16px}
th,td{border:1px solid #d0d7de;padding:6px 10px;text-align:left;vertical-align:top}
th{background:#eaeef2;font-weight:600}
code{font:13px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;word-break:break-all}
.counts{display:flex;gap:12px;margin:0 0 20px}
.count{flex:1;background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:12px;
text-align:center}.count b{display:block;font-size:28px}
.badge{display:inline-block;min-width:44px;text-align:center;border-radius:4px;
padding:1px 6px;font-weight:700;font-size:12px;color:#fff}
.stop{background:#cf222e}.warn{background:#9a6700}.go{background:#1a7f37}
.mark{display:inline-block;border-radius:4px;padding:0 6px;font-size:12px;margin:2px 4px 0 0;
border:1px solid #8c959f;color:#57606a}
.mark.allow{border-color:#1a7f37;color:#1a7f37}
h2{font-size:18px;margin:28px 0 8px}
.problems li{margin-bottom:4px}
"""


def _badge(action: str) -> str:
    return f'<span class="badge {escape(action)}">{escape(action.upper())}</span>'


def _marks(f: FindingView) -> str:
    out = []
    if f.allowlist_match:
        m = f.allowlist_match
        out.append(f'<span class="mark allow">allowlisted by '
                   f'{escape(str(m.get("name") or m.get("id")))} (item '
                   f'{escape(str(m.get("matched_rule_id") or "-"))}; rule says '
                   f'{escape(f.rule_action.upper())})</span>')
    if f.inherited_from_base:
        out.append('<span class="mark inherited">inherited from base</span>')
    return "".join(out)


def render(report: Report) -> str:
    e = report.latest
    word = verdict(e)
    c = counts(e.findings) if e.findings is not None else None
    rows = [("Final action", f"{escape(e.final_action)} ({escape(e.final_action_reason)})"),
            ("Tag", f"<code>{escape(report.tag)}</code>"),
            ("Image digest", f"<code>{escape(report.image_digest)}</code>"),
            ("Image id", f"<code>{escape(report.image_id)}</code>"),
            ("Policy", f"{escape(report.policy_name or '-')} "
                       f"(<code>{escape(report.policy_id)}</code>)"),
            ("Evaluated", escape(iso(e.evaluated_at))),
            ("Evaluation", f"<code>{escape(e.id)}</code>")]
    if e.base_digest:
        rows.append(("Base image", f"<code>{escape(e.base_digest)}</code>"))
    parts = [
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>imagegate {word}: {escape(report.tag)}</title>",
        f"<style>{CSS}</style>", "</head>", "<body>", "<main>",
        f'<section id="verdict" class="verdict {escape(e.status)}">'
        f"<h1>{word}</h1><p>{escape(report.tag)}</p></section>",
        '<table class="summary">',
        *(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows), "</table>"]
    if c is not None:
        parts.append('<div class="counts">' + "".join(
            f'<div class="count">{_badge(a)}<b>{c[a]}</b></div>' for a in ("stop", "warn", "go"))
            + "</div>")
    else:
        parts.append(f"<p>{e.number_of_findings} findings (details not requested).</p>")
    if e.problems:
        parts += ["<h2>Policy problems</h2>", '<ul class="problems">']
        parts += [f"<li><b>{escape(str(p.get('severity')))}</b> "
                  f"<code>{escape(str(p.get('problem_type')))}</code>: "
                  f"{escape(str(p.get('details')))}</li>" for p in e.problems]
        parts.append("</ul>")
    for group in group_findings(e.findings):
        parts += [f'<h2>{_badge(group.action)} <code>{escape(group.gate)}</code> / '
                  f"<code>{escape(group.trigger)}</code> ({len(group.findings)})</h2>",
                  '<table class="findings"><tr><th>Action</th><th>Message</th>'
                  "<th>Rule</th><th>Trigger id</th></tr>"]
        parts += [f"<tr><td>{_badge(f.action)}</td><td>{escape(f.message)}"
                  f"{'<br>' + _marks(f) if _marks(f) else ''}</td>"
                  f"<td><code>{escape(f.rule_id or '-')}</code></td>"
                  f"<td><code>{escape(f.trigger_id)}</code></td></tr>" for f in group.findings]
        parts.append("</table>")
    if e.findings == []:
        parts.append("<p>No findings.</p>")
    if len(report.evaluations) > 1:
        parts += [f"<h2>History ({len(report.evaluations)} evaluations, newest first)</h2>",
                  '<table class="history"><tr><th>Evaluated</th><th>Verdict</th>'
                  "<th>Final action</th><th>Findings</th><th>Evaluation</th></tr>"]
        parts += [f"<tr><td>{escape(iso(old.evaluated_at))}</td><td>{verdict(old)}</td>"
                  f"<td>{_badge(old.final_action)}</td><td>{old.number_of_findings}</td>"
                  f"<td><code>{escape(old.id)}</code></td></tr>" for old in report.evaluations]
        parts.append("</table>")
    parts += ["</main>", "</body>", "</html>"]
    return "\n".join(parts) + "\n"
