"""The "Guessed" Dockerfile Anchore derives from an image's history when none was given."""

from __future__ import annotations

from collections.abc import Sequence

NOP = "/bin/sh -c #(nop) "
SHELL = "/bin/sh -c "
BUILDKIT_SUFFIX = " # buildkit"


def instruction(created_by: str) -> str:
    """One history `created_by` as a Dockerfile instruction."""
    line = created_by.strip()
    if line.startswith(NOP):
        return line[len(NOP):].strip()
    if line.startswith(SHELL):
        return "RUN " + line[len(SHELL):].strip()
    if line.endswith(BUILDKIT_SUFFIX):  # BuildKit writes the instruction itself
        line = line[: -len(BUILDKIT_SUFFIX)].rstrip()
    return line


def guess(history: Sequence[str]) -> str:
    """One instruction per non-empty history entry, oldest first, newline-terminated."""
    lines = [instruction(h) for h in history if h.strip()]
    return "".join(line + "\n" for line in lines if line)
