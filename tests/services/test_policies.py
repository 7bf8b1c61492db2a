"""Stored policies: add, revise, activate, resolve by id or name, delete; account scoped."""

import copy
import json
from pathlib import Path

import pytest

from app.errors import InvalidInputError, NotFoundError, PolicyInvalidError
from app.services import accounts, policies

V2 = json.loads((Path(__file__).parent.parent / "fixtures" / "policies" /
                 "anchore-default-policy-v2.json").read_text())


@pytest.fixture
def admin(db):
    accounts.init_admin(db, password="secret")
    principal = accounts.authenticate_password(db, username="admin", password="secret")
    return accounts.scope_for(db, principal)


def doc(policy_id="p1", name="one"):
    out = copy.deepcopy(V2)
    out["id"], out["name"] = policy_id, name
    return out


def test_a_new_account_has_the_default_policy_active(db, admin):
    [record] = policies.list_policies(db, admin)
    assert record.active and record.policy_id == V2["id"]
    assert policies.get_policy(db, admin).policy_id == V2["id"]


def test_add_then_revise_keeps_one_record_with_a_new_revision(db, admin):
    first = policies.add_policy(db, admin, doc())
    assert not first.active
    changed = doc()
    changed["rule_sets"][0]["rules"].pop()
    second = policies.add_policy(db, admin, changed)
    assert second.id == first.id and second.revision != first.revision
    assert len(policies.list_policies(db, admin)) == 2
    # key order and whitespace do not change the revision
    reordered = json.loads(json.dumps(changed, sort_keys=True))
    assert policies.add_policy(db, admin, reordered).revision == second.revision


def test_invalid_documents_are_refused_with_every_problem_and_nothing_stored(db, admin):
    bad = doc("bad")
    bad["rule_sets"][0]["rules"][0]["gate"] = "nosuch"
    bad["rule_sets"][0]["rules"][1]["action"] = "HALT"
    with pytest.raises(PolicyInvalidError) as err:
        policies.add_policy(db, admin, bad)
    assert [p.problem_type for p in err.value.problems] == ["GateNotFoundError", "PolicyError"]
    assert "rule_sets[0].rules[0].gate" in str(err.value)
    assert [p.policy_id for p in policies.list_policies(db, admin)] == [V2["id"]]


def test_activate_switches_the_active_policy(db, admin):
    policies.add_policy(db, admin, doc())
    policies.activate_policy(db, admin, "one")  # by name
    active = [p.policy_id for p in policies.list_policies(db, admin) if p.active]
    assert active == ["p1"]
    with pytest.raises(InvalidInputError, match="is the active policy"):
        policies.delete_policy(db, admin, "p1")
    policies.activate_policy(db, admin, V2["id"])
    policies.delete_policy(db, admin, "p1")
    with pytest.raises(NotFoundError):
        policies.get_policy(db, admin, "p1")


def test_ambiguous_names_ask_for_an_id(db, admin):
    policies.add_policy(db, admin, doc("a", "same"))
    policies.add_policy(db, admin, doc("b", "same"))
    with pytest.raises(InvalidInputError, match="2 policies are named 'same'"):
        policies.get_policy(db, admin, "same")


def test_policies_are_scoped_to_their_account(db, admin):
    accounts.create_account(db, admin, name="team-b")
    team_b = accounts.scope_for(db, admin.principal, "team-b")
    user = accounts.create_user(db, team_b, username="bob", password="pw")
    bob = accounts.scope_for(db, user)
    policies.add_policy(db, admin, doc())
    with pytest.raises(NotFoundError):
        policies.get_policy(db, bob, "p1")
    with pytest.raises(NotFoundError):
        policies.activate_policy(db, bob, "p1")
    with pytest.raises(NotFoundError):
        policies.delete_policy(db, bob, "p1")
    assert [p.policy_id for p in policies.list_policies(db, bob)] == [V2["id"]]
    # the admin acting in team-b sees team-b's policies
    assert [p.policy_id for p in policies.list_policies(db, team_b)] == [V2["id"]]
