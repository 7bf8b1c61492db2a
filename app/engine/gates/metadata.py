"""`metadata`: checks image metadata such as size, OS, distro, architecture and layer count."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterator
from typing import Any

from app.engine.facts import ImageFacts
from app.engine.gate import Args, Firing, Gate, TriggerError
from app.engine.params import EnumParam, StringParam


def _like_distro(image: ImageFacts) -> str | None:
    # Anchore's analyzer joins ID_LIKE with commas and falls back to the distro itself.
    if image.distro is None:
        return None
    return ",".join(image.distro.like) or image.distro.name


# Each attribute's image value; None when the analysis does not know it.
ATTRIBUTES: dict[str, Callable[[ImageFacts], Any]] = {
    "size": lambda image: image.size,
    "architecture": lambda image: image.architecture or None,
    "os_type": lambda image: image.os or None,
    "distro": lambda image: image.distro.name if image.distro else None,
    "distro_version": lambda image: image.distro.version if image.distro else None,
    "like_distro": _like_distro,
    "layer_count": lambda image: len(image.layers),
}
NUMERIC = frozenset({"size", "layer_count"})

_SIZE = re.compile(r"([0-9]+)([kmgt]b)?")
_UNITS = {"kb": 1024, "mb": 1024**2, "gb": 1024**3, "tb": 1024**4}
_INTEGER = re.compile(r"\s*\d+\s*")


def _split(value: str) -> list[str]:
    return [item.strip() for item in value.split(",")]


CHECKS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    "<": operator.lt,
    ">=": operator.ge,
    "<=": operator.le,
    "exists": lambda image_value, _: bool(image_value),
    "not_exists": lambda image_value, _: not image_value,
    "like": lambda image_value, value: re.match(value, image_value) is not None,
    "not_like": lambda image_value, value: re.match(value, image_value) is None,
    "in": lambda image_value, value: image_value in _split(value),
    "not_in": lambda image_value, value: image_value not in _split(value),
}
NO_VALUE = frozenset({"exists", "not_exists"})
ORDERING = frozenset({">", "<", ">=", "<="})
TEXTUAL = frozenset({"like", "not_like", "in", "not_in"})  # need a string image value


def size_bytes(value: str) -> int:
    """'10' -> 10, '1kb' -> 1024, '2mb' -> 2097152 (units are powers of 1024)."""
    found = _SIZE.fullmatch(value.lower())
    if not found:
        raise ValueError(f"invalid size {value!r}")
    number, unit = found.groups()
    return int(number) * (_UNITS[unit] if unit else 1)


def _check_value(values: dict[str, Any]) -> list[str]:
    """The value's form depends on the attribute (Anchore's LinkedValidator), and some checks
    cannot apply to a number at all: both are policy problems, not evaluation failures."""
    attribute, check, value = values.get("attribute"), values.get("check"), values.get("value")
    if value is None or attribute is None:
        return []
    if attribute == "size" and not _SIZE.fullmatch(value):
        return [f"parameter 'value' must be a size in bytes, optionally with a unit kb, mb, gb "
                f"or tb (e.g. '500mb'), for attribute 'size', got {value!r}"]
    if attribute == "layer_count" and not _INTEGER.fullmatch(value):
        return [f"parameter 'value' must be a non-negative integer for attribute "
                f"'layer_count', got {value!r}"]
    if attribute in NUMERIC and check in TEXTUAL and value:
        return [f"check '{check}' cannot be applied to the numeric attribute '{attribute}'"]
    if check in ("like", "not_like") and value:
        try:
            re.compile(value)
        except re.error as err:
            return [f"parameter 'value' is not a valid regular expression ({err})"]
    return []


gate = Gate(
    "metadata",
    "Checks against image metadata, such as size, OS, distro, architecture, etc.",
    prepare=lambda scope: scope.image,
)


@gate.trigger(
    "attribute",
    "Triggers if a named image metadata value matches the given condition.",
    [
        EnumParam("attribute", "Attribute name to be checked.", "size", True,
                  values=tuple(ATTRIBUTES)),
        EnumParam("check", "The operation to perform the evaluation.", ">", True,
                  values=tuple(CHECKS)),
        StringParam("value", "Value used in comparison: for size, a number of bytes with an "
                    "optional unit kb, mb, gb or tb; for layer_count, an integer; for like and "
                    "not_like, a regex; for in and not_in, a comma-separated list.",
                    "1073741824"),
    ],
    check=_check_value,
)
def attribute(image: ImageFacts, args: Args) -> Iterator[Firing]:
    name, check = args.get("attribute"), args.get("check")
    value: Any = args.values.get("value")
    if check not in NO_VALUE and not value:
        return  # Anchore quietly skips a comparison without a value
    image_value = ATTRIBUTES[name](image)
    if image_value is None and check in ORDERING | {"like", "not_like"}:
        raise TriggerError(f"the image has no {name} to compare with check '{check}'")
    # The value takes the image value's type. A numeric attribute without a value (exists,
    # not_exists) stays None, where Anchore failed converting it; a textual one becomes
    # 'None', as Anchore prints it.
    if name == "size":
        value = size_bytes(value) if value is not None else None
    elif name == "layer_count":
        value = int(value) if value is not None else None
    elif image_value is not None:
        value = str(value)
    if CHECKS[check](image_value, value):
        shown = "" if value is None else str(value)
        yield Firing(f"Attribute check for attribute: '{name}' check: '{check}' check_value: "
                     f"'{shown}' matched image value: '{image_value}'")
