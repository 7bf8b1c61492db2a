"""describe_gates(): the machine-readable catalogue of gates, triggers and parameters."""

from __future__ import annotations

from typing import Any

from app.engine.gates import END_OF_LIFE, GATES


def describe_gates() -> list[dict[str, Any]]:
    """Every gate (active ones, then end-of-life ones), as `GET /v2/system/policy-spec`
    returns them."""
    active = [gate.describe() for gate in GATES.values()]
    retired: list[dict[str, Any]] = [
        {"name": name, "description": "End-of-life gate; rules using it are not evaluated.",
         "state": "eol", "superseded_by": successor, "triggers": []}
        for name, successor in END_OF_LIFE.items()
    ]
    return active + retired
