"""The import direction of DESIGN.md: each layer reaches only the layers below it."""

import ast
import sys
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parent.parent / "app"

# layer -> the app layers it may import (itself always allowed)
ALLOWED = {
    "errors": set(),
    "settings": {"errors"},
    "engine": {"errors"},
    "analysis": {"errors"},
    "vulns": {"errors"},
    "catalog": {"errors", "settings"},
    "services": {"errors", "settings", "engine", "analysis", "vulns", "catalog", "data"},
    "report": {"errors", "engine"},
    "api": {"errors", "settings", "services", "catalog", "report"},
    "cli": {"errors", "settings", "services", "report"},
    "__init__": set(),
    "data": set(),
    "__main__": {"cli"},
}
# Layers that must run on the standard library alone.
STDLIB_ONLY = {"engine", "errors"}


def layer_of(path: Path) -> str:
    return path.relative_to(APP).parts[0].removesuffix(".py")


def _type_checking_blocks(tree: ast.AST) -> set[int]:
    """ids of nodes under `if TYPE_CHECKING:`: type-only imports do not run."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            skipped.update(id(child) for stmt in node.body for child in ast.walk(stmt))
    return skipped


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    skipped = _type_checking_blocks(tree)
    names = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


MODULES = sorted(APP.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(APP)))
def test_imports_follow_the_layers(path):
    layer = layer_of(path)
    assert layer in ALLOWED, f"{path}: layer '{layer}' is not in DESIGN.md's table"
    for name in imports(path):
        top, _, rest = name.partition(".")
        if top == "app" and rest:
            target = rest.split(".")[0]
            assert target == layer or target in ALLOWED[layer], (
                f"{path.relative_to(APP)} imports {name}: '{layer}' may not reach '{target}'")
        elif layer in STDLIB_ONLY and top != "app":
            assert top in sys.stdlib_module_names, (
                f"{path.relative_to(APP)} imports {name}: '{layer}' is standard library only")
