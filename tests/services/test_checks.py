"""The check use case: per-tag verdicts, stored evaluations, cache keys, history and base
image inheritance; images are real docker-archives built and analyzed in the tests."""

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.errors import InvalidInputError, NotFoundError
from app.services import accounts, checks, images, policies
from tests.analysis.builders import D, F, docker_archive

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
OS_RELEASE = 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12"\n'
PASSWD = "root:x:0:0:root:/root:/bin/bash\n"
BASE = [D("etc"), F("etc/os-release", OS_RELEASE), F("etc/passwd", PASSWD), D("usr"),
        D("usr/bin"), F("usr/bin/passwd", b"\x7fELF", 0o4755)]
CHILD = [D("app"), F("app/run.sh", "#!/bin/sh\n", 0o755), F("usr/bin/newgrp", b"\x7fELF", 0o4755)]


def rule(rule_id, gate, trigger, action, **params):
    return {"id": rule_id, "gate": gate, "trigger": trigger, "action": action,
            "params": [{"name": k, "value": v} for k, v in params.items()]}


def policy_doc(items=()):
    return {
        "id": "checks", "name": "checks", "version": "2",
        "rule_sets": [
            {"id": "strict", "name": "strict", "version": "2", "rules": [
                rule("suid", "files", "suid_or_guid_set", "STOP"),
                rule("health", "dockerfile", "instruction", "WARN", instruction="HEALTHCHECK",
                     check="not_exists")]},
            {"id": "lenient", "name": "lenient", "version": "2", "rules": [
                rule("health", "dockerfile", "instruction", "WARN", instruction="HEALTHCHECK",
                     check="not_exists")]}],
        "allowlists": [{"id": "al", "name": "exceptions", "version": "2", "items": list(items)}],
        "mappings": [
            {"id": "dev", "name": "dev", "registry": "*", "repository": "*",
             "image": {"type": "tag", "value": "*-dev"}, "rule_set_ids": ["lenient"],
             "allowlist_ids": []},
            {"id": "all", "name": "all", "registry": "*", "repository": "*",
             "image": {"type": "tag", "value": "*"}, "rule_set_ids": ["strict"],
             "allowlist_ids": ["al"]}],
    }


@pytest.fixture
def env(db, tmp_path):
    accounts.init_admin(db, password="pw")
    scope = accounts.scope_for(db, accounts.authenticate_password(db, username="admin",
                                                                  password="pw"))
    policies.add_policy(db, scope, policy_doc(), activate=True)
    base = docker_archive(str(tmp_path / "base.tar"), [BASE], tags=("example/base:12",))
    child = docker_archive(str(tmp_path / "child.tar"), [BASE, CHILD],
                           tags=("example/app:1.0",))
    added = {}
    for name, built in (("base", base), ("child", child)):
        added[name] = images.add_image(db, scope, images.analyze_source(built.path)).image
    return db, scope, added


def verdict(result):
    evaluation = result.evaluations[0].evaluation
    return evaluation.status, evaluation.final_action, [
        (f.trigger, f.action, f.inherited_from_base) for f in result.evaluations[0].findings]


def test_checks_by_tag_store_one_evaluation_and_reuse_it(env):
    db, scope, added = env
    first = checks.check(db, scope, "docker.io/example/app:1.0", now=NOW)
    assert verdict(first) == ("fail", "stop", [("suid_or_guid_set", "stop", None),
                                               ("suid_or_guid_set", "stop", None),
                                               ("instruction", "warn", None)])
    assert sorted(f.message for f in first.evaluations[0].findings)[-2:] == [
        "SUID or SGID found set on file /usr/bin/newgrp. Mode: 0o104755",
        "SUID or SGID found set on file /usr/bin/passwd. Mode: 0o104755"]
    again = checks.check(db, scope, "example/app:1.0", now=NOW + timedelta(hours=1))
    assert again.reused and again.evaluations[0].evaluation.id == \
        first.evaluations[0].evaluation.id
    by_digest = checks.check(db, scope, added["child"].digest, tag="example/app:1.0", now=NOW)
    assert by_digest.evaluations[0].evaluation.id == first.evaluations[0].evaluation.id


def test_verdicts_are_per_tag(env):
    db, scope, added = env
    strict = checks.check(db, scope, added["child"].digest, tag="example/app:1.0", now=NOW)
    dev = checks.check(db, scope, added["child"].digest, tag="example/app:1.0-dev", now=NOW)
    assert strict.evaluations[0].evaluation.status == "fail"
    assert dev.evaluations[0].evaluation.status == "pass"
    assert dev.tag == "docker.io/example/app:1.0-dev"


def test_a_digest_needs_a_tag(env):
    db, scope, added = env
    with pytest.raises(InvalidInputError, match="a tag is required"):
        checks.check(db, scope, added["child"].digest, now=NOW)


def test_base_image_findings_are_marked_inherited(env):
    db, scope, added = env
    result = checks.check(db, scope, "example/app:1.0", base_digest="auto", now=NOW)
    evaluation = result.evaluations[0].evaluation
    assert evaluation.base_digest == added["base"].digest
    marks = {(f.message, f.inherited_from_base) for f in result.evaluations[0].findings}
    assert marks == {
        ("SUID or SGID found set on file /usr/bin/passwd. Mode: 0o104755", True),
        ("SUID or SGID found set on file /usr/bin/newgrp. Mode: 0o104755", False),
        ("Dockerfile directive 'HEALTHCHECK' not found, matching condition 'not_exists' check",
         True)}
    explicit = checks.check(db, scope, "example/app:1.0", base_digest=added["base"].digest,
                            now=NOW)
    assert explicit.evaluations[0].evaluation.id == evaluation.id  # same key
    [ancestor] = images.ancestors(db, scope, "example/app:1.0")
    assert ancestor.image.digest == added["base"].digest
    assert images.ancestors(db, scope, "example/base:12") == []


def test_a_base_must_be_an_ancestor(env):
    db, scope, added = env
    with pytest.raises(InvalidInputError, match="is not an ancestor"):
        checks.check(db, scope, "example/base:12", base_digest=added["child"].digest, now=NOW)
    with pytest.raises(NotFoundError):
        checks.check(db, scope, "example/base:12", base_digest="sha256:" + "0" * 64, now=NOW)


def test_each_key_part_changed_alone_reevaluates_and_nothing_else_does(env, tmp_path):
    db, scope, _added = env
    tag = "example/app:1.0"

    def evaluation_id(**kw):
        kw.setdefault("now", NOW)
        return checks.check(db, scope, tag, **kw).evaluations[0].evaluation.id

    first = evaluation_id()
    # nothing that is not a key part: time passing, another image, another policy added
    assert evaluation_id(now=NOW + timedelta(days=30)) == first
    other = docker_archive(str(tmp_path / "other.tar"), [[F("x", "y")]], tags=("o/x:1",))
    images.add_image(db, scope, images.analyze_source(other.path))
    policies.add_policy(db, scope, {**policy_doc(), "id": "another"})
    assert evaluation_id() == first
    # 1. the image's analysis (an actual Dockerfile)
    analysis = images.analyze_source(tmp_path / "child.tar",
                                     dockerfile="FROM base\nHEALTHCHECK CMD true\n")
    images.add_image(db, scope, analysis)
    second = evaluation_id()
    assert second != first
    # 2. the policy revision
    policies.add_policy(db, scope, policy_doc(items=[
        {"id": "x", "gate": "always", "trigger_id": "none"}]))
    third = evaluation_id()
    assert third != second
    # 3. the expiry state of an allowlist item the mapping uses
    policies.add_policy(db, scope, policy_doc(items=[
        {"id": "x", "gate": "files", "trigger_id": "*",
         "expires_on": (NOW + timedelta(days=1)).isoformat()}]))
    fourth = evaluation_id()
    assert evaluation_id(now=NOW + timedelta(hours=23)) == fourth
    fifth = evaluation_id(now=NOW + timedelta(days=2))
    assert fifth != fourth
    # 4. the base image
    sixth = evaluation_id(now=NOW + timedelta(days=2), base_digest="auto")
    assert sixth != fifth
    # 5. the feed version (an import is a sync, which the feed gates read)
    from app.services import feeds
    feeds.import_feed(db, scope, Path(__file__).parent.parent / "fixtures" / "osv" / "pypi",
                      now=NOW)
    seventh = evaluation_id(now=NOW + timedelta(days=2), base_digest="auto")
    assert seventh != sixth
    assert evaluation_id(now=NOW + timedelta(days=2), base_digest="auto") == seventh
    history = checks.check(db, scope, tag, history=True, base_digest="auto",
                           now=NOW + timedelta(days=2))
    ids = [e.evaluation.id for e in history.evaluations]
    assert ids[0] == seventh and len(ids) == 7 and ids[-1] == first  # newest first


def test_interactive_checks_are_not_stored(env):
    db, scope, _ = env
    fresh = checks.check(db, scope, "example/app:1.0", interactive=True, now=NOW)
    assert fresh.evaluations[0].findings
    stored = checks.check(db, scope, "example/app:1.0", history=True, now=NOW)
    assert len(stored.evaluations) == 1
    assert stored.evaluations[0].evaluation.id != fresh.evaluations[0].evaluation.id


def test_other_accounts_see_nothing(env):
    db, scope, added = env
    accounts.create_account(db, scope, name="team-b")
    team_b = accounts.scope_for(db, scope.principal, "team-b")
    bob = accounts.scope_for(db, accounts.create_user(db, team_b, username="bob", password="x"))
    checks.check(db, scope, "example/app:1.0", now=NOW)
    for ref in ("example/app:1.0", added["child"].digest, added["child"].image_id):
        with pytest.raises(NotFoundError):
            checks.check(db, bob, ref, tag="example/app:1.0", now=NOW)
        with pytest.raises(NotFoundError):
            images.get_image(db, bob, ref)
        with pytest.raises(NotFoundError):
            images.delete_image(db, bob, ref)
        with pytest.raises(NotFoundError):
            images.ancestors(db, bob, ref)
    with pytest.raises(NotFoundError):
        images.tag_record(db, bob, "example/app:1.0")
    assert images.list_images(db, bob) == []
    # the admin acting in team-b sees team-b's (empty) catalog, and its own with no header
    assert images.list_images(db, team_b) == []
    assert len(images.list_images(db, scope)) == 2


def test_concurrent_checks_of_one_key_store_one_evaluation(env):
    db, scope, _ = env
    results, errors = [], []

    def run():
        try:
            results.append(checks.check(db, scope, "example/app:1.0", now=NOW))
        except Exception as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=run) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len({r.evaluations[0].evaluation.id for r in results}) == 1
    history = checks.check(db, scope, "example/app:1.0", history=True, now=NOW)
    assert len(history.evaluations) == 1


def test_tags_move_and_keep_their_history(env, tmp_path):
    db, scope, added = env
    newer = docker_archive(str(tmp_path / "v2.tar"), [BASE, CHILD, [F("app/v2", "2")]],
                           tags=("example/app:1.0",))
    moved = images.add_image(db, scope, images.analyze_source(newer.path))
    _tag, history = images.tag_record(db, scope, "example/app:1.0")
    assert [i.digest for i in history] == [added["child"].digest, moved.image.digest]
    assert images.get_image(db, scope, "example/app:1.0").image.digest == moved.image.digest
    again = images.add_image(db, scope, images.analyze_source(newer.path))
    assert again.image.id == moved.image.id  # adding the same image twice changes nothing
    assert len(images.tag_record(db, scope, "example/app:1.0")[1]) == 2
