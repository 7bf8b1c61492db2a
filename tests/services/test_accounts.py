"""Accounts, users, API keys and account scoping."""

import pytest

from app.errors import NotFoundError
from app.services import accounts, policies
from app.services.accounts import AuthenticationError, PermissionDeniedError


@pytest.fixture
def admin(db):
    accounts.init_admin(db, password="secret")
    return accounts.authenticate_password(db, username="admin", password="secret")


def test_init_admin_once_and_generates_a_password_when_none_is_given(db):
    first = accounts.init_admin(db)
    assert first.created and len(first.generated_password) >= 20
    assert accounts.authenticate_password(db, username="admin",
                                          password=first.generated_password).is_admin
    assert accounts.init_admin(db, password="other") == accounts.InitResult(False, None)


@pytest.mark.parametrize(("username", "password"), [("admin", "wrong"), ("nobody", "secret"),
                                                    ("admin", "")])
def test_bad_passwords_are_refused(db, admin, username, password):
    with pytest.raises(AuthenticationError, match="invalid username or password"):
        accounts.authenticate_password(db, username=username, password=password)


def test_api_keys_are_shown_once_and_stored_hashed(db, admin):
    key = accounts.create_api_key(db, admin, name="ci")
    assert key.startswith("ig_")
    assert accounts.authenticate_api_key(db, key=key) == admin
    from sqlmodel import select

    from app.catalog.models import ApiKey
    with db.read() as session:
        [stored] = session.exec(select(ApiKey)).all()
    assert key.split("_", 2)[2] not in stored.secret_hash
    for wrong in (key[:-1] + ("A" if key[-1] != "A" else "B"), "ig_nothing", "", "ig__"):
        with pytest.raises(AuthenticationError):
            accounts.authenticate_api_key(db, key=wrong)


def test_scope_header_is_for_admins_only(db, admin):
    admin_scope = accounts.scope_for(db, admin)
    accounts.create_account(db, admin_scope, name="team-b")
    b = accounts.scope_for(db, admin, "team-b")
    assert (b.account_name, b.principal) == ("team-b", admin)
    with pytest.raises(NotFoundError, match="account 'nope' does not exist"):
        accounts.scope_for(db, admin, "nope")
    bob = accounts.create_user(db, b, username="bob", password="pw")
    assert accounts.scope_for(db, bob, "team-b").account_name == "team-b"  # own account
    with pytest.raises(PermissionDeniedError, match="may not act in another account"):
        accounts.scope_for(db, bob, "admin")
    with pytest.raises(PermissionDeniedError):
        accounts.create_account(db, accounts.scope_for(db, bob), name="c")


def test_read_only_users_cannot_change_anything(db, admin):
    scope = accounts.scope_for(db, admin)
    viewer = accounts.create_user(db, scope, username="viewer", password="pw", role="read-only")
    with pytest.raises(PermissionDeniedError, match="read-only"):
        policies.add_policy(db, accounts.scope_for(db, viewer), policies.default_policy_document())
    assert policies.list_policies(db, accounts.scope_for(db, viewer))
