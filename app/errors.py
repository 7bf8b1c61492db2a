"""Errors shared by every layer. Each names what is wrong and where."""

from __future__ import annotations

from typing import Any


class ImagegateError(Exception):
    """Base of every expected error; its message is safe to show a user."""


class NotFoundError(ImagegateError):
    """An object does not exist, or is not visible to the caller."""


class InvalidInputError(ImagegateError):
    """Input (an archive, a document, a request) is malformed; nothing was stored."""


class PolicyInvalidError(InvalidInputError):
    """A policy document has problems; `problems` lists every one of them."""

    def __init__(self, message: str, problems: list[Any]) -> None:
        super().__init__(message)
        self.problems = problems
