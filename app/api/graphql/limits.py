"""Protection: document depth, alias and token limits (strawberry's validators, configured
from settings), error masking, and the page window of every connection."""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable

from graphql import GraphQLError
from strawberry.extensions import (
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)

from app.errors import ImagegateError
from app.settings import GraphQLLimits

log = logging.getLogger("imagegate.graphql")
MASKED_MESSAGE = "internal error: the server could not answer this field"


class PageSizeError(ImagegateError):
    """`first` is beyond what a page may hold."""


def _expected(error: GraphQLError) -> bool:
    """Errors whose message is meant for the client: the document's own (syntax,
    validation, limits) and expected errors of the services."""
    original = error.original_error
    return original is None or isinstance(original, ImagegateError | GraphQLError)


def _should_mask(error: GraphQLError) -> bool:
    """Anything unexpected is masked for the client and logged, with its traceback, here."""
    if _expected(error):
        return False
    original = error.original_error
    log.error("GraphQL field %s failed", ".".join(str(p) for p in error.path or ()),
              exc_info=(type(original), original, original.__traceback__) if original else None)
    return True


def protection(limits: GraphQLLimits) -> list[Callable[[], SchemaExtension]]:
    """Extension factories (a fresh instance per request: extensions hold request state)."""
    return [
        lambda: MaxTokensLimiter(max_token_count=limits.max_tokens),
        lambda: MaxAliasesLimiter(max_alias_count=limits.max_aliases),
        lambda: QueryDepthLimiter(max_depth=limits.max_depth),
        lambda: MaskErrors(should_mask_error=_should_mask, error_message=MASKED_MESSAGE),
    ]


def cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def offset_of(after: str | None) -> int:
    """The offset just past `after` (0 without a cursor)."""
    if after is None:
        return 0
    try:
        kind, _, value = base64.urlsafe_b64decode(after.encode()).decode().partition(":")
        if kind == "offset" and int(value) >= 0:
            return int(value) + 1
    except (ValueError, UnicodeDecodeError):
        pass
    raise PageSizeError(f"'{after}' is not a cursor of this connection")


def window(first: int | None, after: str | None, limits: GraphQLLimits,
           default: int | None = None) -> tuple[int, int]:
    """(offset, count) of the page asked for; `first` defaults to the maximum page size."""
    size = limits.max_page_size if first is None else first
    if default is not None and first is None:
        size = min(default, limits.max_page_size)
    if size < 0 or size > limits.max_page_size:
        raise PageSizeError(f"first must be between 0 and {limits.max_page_size} "
                            f"(the maximum page size), not {first}")
    return offset_of(after), size
