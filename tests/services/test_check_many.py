"""check_many: the same answers as check, one subject after another, with stored evaluations
reused (and recognised as still valid) for every kind of key part."""

from datetime import UTC, datetime, timedelta

import pytest

from app.errors import InvalidInputError, NotFoundError
from app.services import accounts, checks, images, policies
from app.services.checks import CheckRequest
from tests.analysis.builders import D, F, docker_archive
from tests.services.test_checks import BASE, CHILD, policy_doc, rule

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def relatives_doc():
    """A policy whose keys include ancestors and the tag's previous image."""
    doc = policy_doc()
    doc["id"] = doc["name"] = "relatives"
    doc["rule_sets"][0]["rules"] += [
        rule("anc", "ancestry", "no_ancestors_analyzed", "WARN"),
        rule("drift", "tag_drift", "packages_added", "WARN")]
    return doc


@pytest.fixture
def env(db, tmp_path):
    accounts.init_admin(db, password="pw")
    scope = accounts.scope_for(db, accounts.authenticate_password(db, username="admin",
                                                                  password="pw"))
    policies.add_policy(db, scope, policy_doc(), activate=True)
    policies.add_policy(db, scope, relatives_doc())
    added = {}
    for name, layers, tag in (("base", [BASE], "example/base:12"),
                              ("child", [BASE, CHILD], "example/app:1.0"),
                              ("newer", [BASE, CHILD, [F("app/v2", "2")]], "example/app:1.0")):
        built = docker_archive(str(tmp_path / f"{name}.tar"), layers, tags=(tag,))
        added[name] = images.add_image(db, scope, images.analyze_source(built.path)).image
    return db, scope, added


def ids(results):
    return [r.evaluations[0].evaluation.id for r in results]


def test_check_many_agrees_with_check_and_reuses_what_is_stored(env):
    db, scope, added = env
    requests = [
        CheckRequest(added["child"].digest, "example/app:1.0"),
        CheckRequest(added["child"].digest, "example/app:1.0", "relatives"),
        CheckRequest(added["newer"].digest, None, "relatives", "auto"),
        CheckRequest(added["newer"].digest, "example/app:1.0-dev", None,
                     added["base"].digest),
        CheckRequest(added["base"].digest),
    ]
    first = checks.check_many(db, scope, requests, now=NOW)
    assert not any(isinstance(r, Exception) for r in first)
    assert [r.reused for r in first] == [False] * 5
    assert first[2].tag == "docker.io/example/app:1.0"  # the image's first tag by default
    one_by_one = [checks.check(db, scope, r.digest, tag=r.tag or images.get_image(
        db, scope, r.digest).tags[0], policy=r.policy, base_digest=r.base_digest, now=NOW)
        for r in requests]
    assert ids(one_by_one) == ids(first) and all(r.reused for r in one_by_one)
    before = db.statements.count
    again = checks.check_many(db, scope, requests, now=NOW + timedelta(hours=1))
    assert ids(again) == ids(first) and all(r.reused for r in again)
    assert db.statements.count - before <= 12  # a fixed set of queries, no evaluation
    # the nearest ancestor of `newer` is `child`
    assert again[2].evaluations[0].evaluation.base_digest == added["child"].digest


def test_a_changed_key_part_is_noticed(env, tmp_path):
    db, scope, added = env
    # `base` never held the tag, so under tag_drift its previous image is the tag's latest
    request = [CheckRequest(added["base"].digest, "example/app:1.0", "relatives")]
    [first] = checks.check_many(db, scope, request, now=NOW)
    [same] = checks.check_many(db, scope, request, now=NOW)
    assert same.reused and ids([same]) == ids([first])
    # the tag moves on: the previous image, a key part, changed
    built = docker_archive(str(tmp_path / "other.tar"), [[D("x"), F("x/y", "z")]],
                           tags=("example/app:1.0",))
    images.add_image(db, scope, images.analyze_source(built.path))
    [second] = checks.check_many(db, scope, request, now=NOW)
    assert not second.reused and ids([second]) != ids([first])


def test_errors_are_returned_in_place(env):
    db, scope, added = env
    results = checks.check_many(db, scope, [
        CheckRequest("sha256:" + "0" * 64, "a/b:c"),
        CheckRequest(added["base"].digest, "example/base:12", "no-such-policy"),
        CheckRequest(added["base"].digest, "example/base:12", None, added["child"].digest),
        CheckRequest(added["child"].digest, "example/app:1.0"),
    ], now=NOW)
    assert isinstance(results[0], NotFoundError)
    assert isinstance(results[1], NotFoundError)
    assert isinstance(results[2], InvalidInputError)
    assert results[3].evaluations[0].evaluation.status == "fail"
