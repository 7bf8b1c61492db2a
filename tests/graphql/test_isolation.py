"""Account scope: every query, mutation and `_entities` call from account B for account A's
objects returns nothing (and A's data never shows in B's answers)."""

from __future__ import annotations

import pytest

from app.services import accounts
from tests.graphql.conftest import BASE, CHILD, data

pytestmark = pytest.mark.slow


@pytest.fixture
def two_accounts(images_added):
    s = images_added
    digest = s.added["child"].digest
    with s.client() as c:
        evaluation = data(c, "query($d: String!) { image(digest: $d) { evaluation { id } } }",
                          {"d": digest})["image"]["evaluation"]["id"]
    accounts.create_account(s.db, s.admin, name="team-b")
    team_b = accounts.scope_for(s.db, s.admin.principal, "team-b")
    accounts.create_user(s.db, team_b, username="bob", password="b")
    return s, digest, evaluation


QUERIES = {
    "image": ("query($d: String!) { image(digest: $d) { digest } }", {"image": None}),
    "images": ("{ images { totalCount edges { node { digest } } } }",
               {"images": {"totalCount": 0, "edges": []}}),
    "filtered": ("query($d: String!) { images(filter: {digests: [$d]}) { totalCount } }",
                 {"images": {"totalCount": 0}}),
    "evaluation": ("query($d: String!) { evaluation(digest: $d, tag: \"example/app:1.0\") "
                   "{ id } }", {"evaluation": None}),
    "tag": ("{ tag(fullTag: \"example/app:1.0\") { fullTag } }", {"tag": None}),
    "policy": ("{ policy(id: \"gql\") { id } }", {"policy": None}),
}


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_queries_from_another_account_find_nothing(two_accounts, name):
    s, digest, _ = two_accounts
    query, expected = QUERIES[name]
    for client in (s.client("bob", "b"), s.client(headers={"x-anchore-account": "team-b"})):
        with client as c:
            assert data(c, query, {"d": digest} if "$d" in query else None) == expected


def test_entities_from_another_account_resolve_to_null(two_accounts):
    s, digest, evaluation = two_accounts
    query = """query($r: [_Any!]!) { _entities(representations: $r) { __typename
        ... on Image { digest } ... on Policy { id } ... on Evaluation { id } } }"""
    representations = [{"__typename": "Image", "digest": digest},
                       {"__typename": "Policy", "id": "gql"},
                       {"__typename": "Evaluation", "id": evaluation}]
    with s.client("bob", "b") as c:
        assert data(c, query, {"r": representations}) == {"_entities": [None, None, None]}
    with s.client() as c:  # and A itself sees all three
        assert None not in data(c, query, {"r": representations})["_entities"]


def test_policies_and_mutations_from_another_account_touch_nothing(two_accounts):
    s, digest, _ = two_accounts
    with s.client("bob", "b") as c:
        ids = [p["id"] for p in data(c, "{ policies { id } activePolicy { id } }")["policies"]]
        assert "gql" not in ids
        for mutation in (f'evaluate(digest: "{digest}", tag: "example/app:1.0")',
                         'activatePolicy(id: "gql")', 'deletePolicy(id: "gql")'):
            answer = data(c, f"mutation {{ {mutation} {{ __typename }} }}")
            assert next(iter(answer.values())) == {"__typename": "NotFound"}
    with s.client() as c:
        assert data(c, '{ policy(id: "gql") { id evaluations { totalCount } } }')["policy"] == {
            "id": "gql", "evaluations": {"totalCount": 1}}


def test_the_same_image_in_two_accounts_keeps_separate_evaluations(two_accounts):
    s, digest, evaluation = two_accounts
    bob = accounts.scope_for(s.db, accounts.authenticate_password(s.db, username="bob",
                                                                  password="b"))
    s.add("child-b", [BASE, CHILD], ("example/app:1.0",), scope=bob)
    query = """query($d: String!) { image(digest: $d) { digest evaluation { id }
        ancestors { digest } } }"""
    history = """query($d: String!) { image(digest: $d) {
        evaluations { edges { node { id } } } } }"""
    with s.client("bob", "b") as c:
        image = data(c, query, {"d": digest})["image"]
        stored = data(c, history, {"d": digest})["image"]["evaluations"]["edges"]
    assert image["digest"] == digest and image["ancestors"] == []  # A's base is not B's
    assert image["evaluation"]["id"] != evaluation
    assert [e["node"]["id"] for e in stored] == [image["evaluation"]["id"]]
