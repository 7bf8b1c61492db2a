"""The "Guessed" Dockerfile derived from an image's history when none was given.

Two styles (analyze() uses Anchore's by default, for trigger-id compatibility):

- `guess(history)`: `/bin/sh -c #(nop) X` → `X`, `/bin/sh -c X` → `RUN X`,
  BuildKit lines (already instructions) kept without their ` # buildkit` suffix.
- `guess(history, anchore=True)`: exactly anchore-engine's translation, so dockerfile-gate
  messages (and their md5 trigger ids) match Anchore's for the same image: a `FROM scratch`
  first line, `^/bin/sh -c #\\(nop\\) +(.*)` → its group (first line only), any other
  non-empty `created_by` → `RUN ` + the whole of it (`RUN /bin/sh -c …`, `RUN ENV …`)."""

from __future__ import annotations

import re
from collections.abc import Sequence

NOP = "/bin/sh -c #(nop) "
SHELL = "/bin/sh -c "
BUILDKIT_SUFFIX = " # buildkit"
_ANCHORE_NOP = re.compile(r"^/bin/sh -c #\(nop\) +(.*)")


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


def guess(history: Sequence[str], *, anchore: bool = False) -> str:
    """One instruction per non-empty history entry, oldest first, newline-terminated."""
    if anchore:
        text = "FROM scratch\n"
        for created_by in history:
            m = _ANCHORE_NOP.match(created_by)
            cmd = m.group(1) if m else ("RUN " + created_by if created_by else None)
            if cmd:
                text += cmd + "\n"
        return text
    lines = [instruction(h) for h in history if h.strip()]
    return "".join(line + "\n" for line in lines if line)
