"""app.analysis imports only the standard library, parsing libraries and app.errors."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import app.analysis

ALLOWED_THIRD_PARTY = {"zstandard"}
# The registry client (DESIGN.md: httpx for the registry client), and only it.
HTTP_CLIENT = ("httpx", "sources/registry.py")


def test_analysis_imports_only_stdlib_and_parsers() -> None:
    root = Path(app.analysis.__file__).parent
    bad = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                ok = (top in sys.stdlib_module_names or top in ALLOWED_THIRD_PARTY
                      or name == "app.errors" or name.startswith("app.analysis")
                      or name == "__future__"
                      or (top, path.relative_to(root).as_posix()) == HTTP_CLIENT)
                if not ok:
                    bad.append(f"{path.relative_to(root)}: {name}")
    assert bad == []
