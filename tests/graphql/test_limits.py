"""Protection: deep documents, documents with many aliases or tokens and oversized pages are
refused with clear errors before anything runs; the limits are settings."""

from __future__ import annotations

import pytest

from app.api.graphql.schema import make_schema
from app.settings import GraphQLLimits, Settings
from tests.graphql.conftest import gql


def deep(levels: int) -> str:
    """A query `levels` selections deep (images → edges → node → ancestors → ...)."""
    inner = "digest"
    for _ in range(levels - 3):
        inner = f"ancestors {{ {inner} }}"
    return f"{{ images {{ edges {{ node {{ {inner} }} }} }} }}"


@pytest.mark.slow
def test_a_query_fifty_levels_deep_is_refused(server):
    with server.client() as c:
        body = gql(c, deep(50))
    assert body.get("data") is None
    assert [e["message"] for e in body["errors"]] == [
        "'anonymous' exceeds maximum operation depth of 15"]


@pytest.mark.slow
def test_a_query_with_a_thousand_aliases_is_refused(server):
    query = "{ " + " ".join(f"a{n}: gates {{ name }}" for n in range(1000)) + " }"
    with server.client() as c:
        body = gql(c, query)
    assert body.get("data") is None
    assert [e["message"] for e in body["errors"]] == ["1000 aliases found. Allowed: 100"]


@pytest.mark.slow
def test_a_document_with_too_many_tokens_is_refused(server):
    query = "{ gates { " + " ".join(["name"] * 20_000) + " } }"
    with server.client() as c:
        body = gql(c, query)
    assert body.get("data") is None
    assert body["errors"][0]["message"] == (
        "Syntax Error: Document contains more than 10000 tokens. Parsing aborted.")


def test_limits_come_from_settings():
    settings = Settings.from_env({"IMAGEGATE_GRAPHQL_MAX_DEPTH": "4",
                                  "IMAGEGATE_GRAPHQL_MAX_ALIASES": "2",
                                  "IMAGEGATE_GRAPHQL_MAX_TOKENS": "50",
                                  "IMAGEGATE_GRAPHQL_MAX_PAGE_SIZE": "10"})
    assert settings.graphql == GraphQLLimits(max_depth=4, max_aliases=2, max_tokens=50,
                                             max_page_size=10)
    schema = make_schema(settings.graphql)
    too_deep = schema.execute_sync(deep(5))
    assert too_deep.errors and "exceeds maximum operation depth of 4" in too_deep.errors[0].message
    aliases = schema.execute_sync("{ a: gates { name } b: gates { name } c: gates { name } }")
    assert aliases.errors and aliases.errors[0].message == "3 aliases found. Allowed: 2"
    with pytest.raises(ValueError, match="IMAGEGATE_GRAPHQL_MAX_DEPTH must be a whole number"):
        Settings.from_env({"IMAGEGATE_GRAPHQL_MAX_DEPTH": "deep"})


def test_default_limits():
    assert Settings.from_env({}).graphql == GraphQLLimits(
        max_depth=15, max_aliases=100, max_tokens=10_000, max_page_size=1_000)
