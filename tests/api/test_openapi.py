"""/openapi.json: every route is documented, the document is what the server serves, and
schemathesis finds no 5xx and no response outside its schema."""

from __future__ import annotations

import base64

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.routing import Route

from app.api import create_app
from app.api.rest import document
from tests.api.conftest import ADMIN_PASSWORD, CONFORMANCE, Live, policy_doc, upload

# Not REST: GraphQL describes itself (schema.graphql), the page and metrics are not an API.
NOT_REST = ("/graphql", "/metrics", "/ui")


def test_every_route_is_documented(live: Live) -> None:
    app = create_app(live.settings, db=live.db)
    doc = document()
    rest = [r for r in app.routes if isinstance(r, Route)
            and not r.path.startswith(NOT_REST)]
    for route in rest:
        for method in route.methods or ():
            if method == "HEAD":
                continue
            assert method.lower() in doc["paths"][route.path], f"{method} {route.path}"
    assert sum(len(ops) for ops in doc["paths"].values()) == sum(
        len((r.methods or set()) - {"HEAD"}) for r in rest)


def test_served_document_is_the_document(live: Live) -> None:
    assert live.client(None, None).get("/openapi.json").json() == document()


AUTH = {"authorization": "Basic " + base64.b64encode(f"admin:{ADMIN_PASSWORD}".encode()).decode()}
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance,
          content_type_conformance]


def test_schemathesis(live: Live, archives) -> None:
    """Generated requests for every operation (a few each, to stay quick in CI)."""
    admin = live.client()
    if not admin.get("/v1/images").json():
        upload(admin, archives.child, "example/app:1.0")
    admin.post("/v1/policies", json=policy_doc("fuzzed"))
    api = schemathesis.openapi.from_dict(document())
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) == sum(len(ops) for ops in document()["paths"].values())
    calls: list[int] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=6, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case: schemathesis.Case) -> None:
            response = case.call_and_validate(base_url=live.url, headers=AUTH, timeout=30,
                                              checks=CHECKS)
            calls.append(response.status_code)

        run()
    assert len(calls) >= len(operations) and 200 in calls


def test_responses_were_validated() -> None:
    """The conformance hook of every other test in this directory saw real responses."""
    assert CONFORMANCE.checked
