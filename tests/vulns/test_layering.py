"""app/vulns imports only the standard library and its version/CVSS libraries (DESIGN.md)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

VULNS = Path(__file__).parent.parent.parent / "app" / "vulns"
ALLOWED_THIRD_PARTY = {"packaging", "cvss"}


def test_vulns_imports_only_stdlib_and_version_libraries() -> None:
    wrong = []
    for path in sorted(VULNS.rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top in ALLOWED_THIRD_PARTY:
                    continue
                wrong.append(f"{path.relative_to(VULNS)}: {name}")
    assert wrong == []
