"""Policy use cases that need no catalog: validating a document."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.engine import Problem, compile_policy
from app.errors import InvalidInputError


@dataclass(frozen=True)
class Validation:
    """Anchore's `{valid, validation_details}`: strict, so end-of-life rules are errors."""

    valid: bool
    problems: tuple[Problem, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"valid": self.valid,
                "validation_details": [p.to_dict() | {"location": p.location}
                                       for p in self.problems]}


def validate_document(document: Any) -> Validation:
    compiled = compile_policy(document)
    return Validation(compiled.valid, compiled.problems)


def read_document_file(path: str | Path) -> Any:
    """The parsed JSON of a policy file, or an InvalidInputError naming the file and line."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as err:
        raise InvalidInputError(f"{path}: cannot read policy file: {err.strerror}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise InvalidInputError(
            f"{path}:{err.lineno}:{err.colno}: not valid JSON: {err.msg}") from None
