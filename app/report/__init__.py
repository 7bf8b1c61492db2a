"""Reports: one display model (`Report`), one module per output format."""

from app.report.model import EvaluationView, FindingView, Report

__all__ = ["EvaluationView", "FindingView", "Report"]
