"""Reports: one display model (`Report`), one module per output format, each with
`render(report) -> str` (`anchore_v2.render` returns the REST v2 body as a dict)."""

from __future__ import annotations

import importlib
import json as _json  # the submodule app.report.json would shadow a plain `json`

from app.report.model import EvaluationView, FindingView, Report

# -o name -> (module, file suffix for -d DIR)
FORMATS: dict[str, tuple[str, str]] = {
    "text": ("text", "txt"), "json": ("json", "json"), "json-raw": ("anchore_v2", "v2.json"),
    "csv": ("csv", "csv"), "html": ("html", "html"), "sarif": ("sarif", "sarif"),
    "junit": ("junit", "junit.xml"), "markdown": ("markdown", "md")}


def render_as(fmt: str, report: Report, *, color: bool = False) -> str:
    """The report in one of FORMATS (modules are imported on first use)."""
    module = importlib.import_module(f"app.report.{FORMATS[fmt][0]}")
    if fmt == "json-raw":
        return _json.dumps(module.render(report), indent=2, ensure_ascii=False) + "\n"
    if fmt == "text":
        return str(module.render(report, color=color))
    return str(module.render(report))


__all__ = ["FORMATS", "EvaluationView", "FindingView", "Report", "render_as"]
