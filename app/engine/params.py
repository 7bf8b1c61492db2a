"""Trigger parameters: typed, validated, and described, as Anchore declares them.

Every value in a policy is a JSON string; each parameter class parses it or raises
`ParamValueError` saying what is allowed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar


class ParamValueError(ValueError):
    """The value is not acceptable; the message says what would be."""


@dataclass(frozen=True)
class Param:
    name: str
    description: str = ""
    example: str | None = None
    required: bool = False
    aliases: tuple[str, ...] = ()  # legacy names Anchore still accepts

    validator_type: ClassVar[str] = "type"

    def parse(self, raw: str) -> Any:
        return raw

    def validator(self) -> dict[str, Any]:
        return {"type": self.validator_type}

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "example": self.example,
            "required": self.required,
            "state": "active",
            "superseded_by": None,
            "validator": self.validator(),
        }


@dataclass(frozen=True)
class StringParam(Param):
    validator_type: ClassVar[str] = "type"

    def validator(self) -> dict[str, Any]:
        return {"type": "string"}


@dataclass(frozen=True)
class RegexParam(Param):
    """A Python regular expression; compiled when the policy is, so a bad one is a policy
    problem rather than a failed evaluation."""

    validator_type: ClassVar[str] = "RegexString"

    def parse(self, raw: str) -> str:
        try:
            re.compile(raw)
        except re.error as err:
            raise ParamValueError(f"not a valid regular expression ({err})") from None
        return raw


@dataclass(frozen=True)
class EnumParam(Param):
    values: tuple[str, ...] = ()
    validator_type: ClassVar[str] = "EnumString"

    def parse(self, raw: str) -> str:
        if raw not in self.values:
            raise ParamValueError(f"must be one of {', '.join(repr(v) for v in self.values)}")
        return raw

    def validator(self) -> dict[str, Any]:
        return {"type": self.validator_type, "enum": list(self.values)}


@dataclass(frozen=True)
class BoolParam(Param):
    validator_type: ClassVar[str] = "BooleanString"

    def parse(self, raw: str) -> bool:
        value = raw.lower()
        if value not in ("true", "false"):
            raise ParamValueError("must be 'true' or 'false'")
        return value == "true"


_INTEGER = re.compile(r"^\s*\d+\s*$")
_FLOAT = re.compile(r"^\s*-*(\d)*(\.\d*)?\s*$")


@dataclass(frozen=True)
class IntParam(Param):
    validator_type: ClassVar[str] = "IntegerString"

    def parse(self, raw: str) -> int:
        if not _INTEGER.match(raw):
            raise ParamValueError("must be a non-negative integer")
        return int(raw)


@dataclass(frozen=True)
class FloatParam(Param):
    validator_type: ClassVar[str] = "FloatString"

    def parse(self, raw: str) -> float:
        # Anchore's pattern, then a real float conversion (its pattern admits "-" and ".").
        try:
            if not _FLOAT.match(raw):
                raise ValueError
            return float(raw)
        except ValueError:
            raise ParamValueError("must be a decimal number, e.g. '5.0'") from None


@dataclass(frozen=True)
class ListParam(Param):
    """Comma-delimited strings: 'a, b ,c' -> ['a', 'b', 'c']."""

    validator_type: ClassVar[str] = "CommaDelimitedStringList"

    def parse(self, raw: str) -> list[str]:
        return [item.strip() for item in raw.split(",")]


@dataclass(frozen=True)
class IntListParam(Param):
    validator_type: ClassVar[str] = "CommaDelimitedStringOfNumbers"

    def parse(self, raw: str) -> list[int]:
        items = [item.strip() for item in raw.split(",")]
        if not all(item.isdigit() for item in items):
            raise ParamValueError("must be a comma-separated list of non-negative integers")
        return [int(item) for item in items]


@dataclass(frozen=True)
class OctalParam(Param):
    """A file mode in octal, with or without '0o' (Anchore reads it with int(value, 8))."""

    validator_type: ClassVar[str] = "OctalString"

    def parse(self, raw: str) -> int:
        try:
            return int(raw.strip(), 8)
        except ValueError:
            raise ParamValueError("must be an octal file mode, e.g. '0644'") from None
