"""`distro` (Anchore Enterprise): deny images by operating system distribution and version.

Enterprise's messages are not public; ours are listed in docs/compatibility.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from app.engine.gate import Args, Firing, Gate, Scope
from app.engine.params import EnumParam, StringParam

CHECKS = ("=", "!=", "<", ">", "<=", ">=")
ORDERING = frozenset({"<", ">", "<=", ">="})

gate = Gate("distro", "Checks the operating system distribution of the image and its version.")


def numeric_version(version: str) -> tuple[int, ...] | None:
    """'12' -> (12,), '3.18.4' -> (3, 18, 4), '10.0' -> (10,); None if not all numbers."""
    parts = version.strip().split(".")
    if not all(part.isdigit() for part in parts):
        return None
    numbers = [int(part) for part in parts]
    while len(numbers) > 1 and numbers[-1] == 0:
        numbers.pop()
    return tuple(numbers)


def _holds(check: str, found: str, wanted: str) -> bool:
    a, b = numeric_version(found), numeric_version(wanted)
    if a is None or b is None:
        # Not comparable as numbers: only (in)equality, of the text.
        if check == "=":
            return found == wanted
        return check == "!=" and found != wanted
    return {"=": a == b, "!=": a != b, "<": a < b, ">": a > b, "<=": a <= b,
            ">=": a >= b}[check]


def _check_params(values: dict[str, Any]) -> list[str]:
    check, version = values.get("check"), values.get("version")
    if check is not None and version is None:
        return ["parameter 'check' needs a 'version' to compare with"]
    if check in ORDERING and version is not None and numeric_version(version) is None:
        return [f"parameter 'version' must be numeric (like '9' or '3.18') for check '{check}'"]
    return []


@gate.trigger(
    "deny",
    "Triggers if the image's distribution is the one named and, when a version is given, its "
    "version compares to that version as the check says (versions compare numerically, "
    "part by part).",
    [
        StringParam("distro", "The distribution to deny, as os-release names it (ID).",
                    "debian", True),
        StringParam("version", "The version to compare the image's distribution version with; "
                    "without it every version is denied.", "9"),
        EnumParam("check", "How the image's distribution version must compare to 'version' "
                  "for the trigger to fire (default '=').", "<", values=CHECKS),
    ],
    check=_check_params,
)
def deny(scope: Scope, args: Args) -> Iterator[Firing]:
    distro = scope.image.distro
    wanted = args.get("distro")
    if distro is None or distro.name.lower() != wanted.strip().lower():
        return
    version = args.get("version")
    if version is None:
        yield Firing(f"Distro {distro.name} {distro.version} is denied by policy "
                     f"({wanted}, any version)")
        return
    check = args.get("check", "=")
    if _holds(check, distro.version, version):
        yield Firing(f"Distro {distro.name} {distro.version} is denied by policy "
                     f"({wanted} {check} {version})")
