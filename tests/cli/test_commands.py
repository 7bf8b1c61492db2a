"""Every command besides `image check`, on real images built in the test."""

from __future__ import annotations

import io
import json
import os

import pytest

from app.cli import console
from tests.cli.conftest import strict_policy

APP = "docker.io/example/app:1.0"
DEFAULT_POLICY = "app/data/policies/anchore-default-policy-v2.json"


def test_image_add_list_get(cli, archives, tmp_path):
    added = cli("image", "add", archives.app)
    assert added.code == 0 and added.out.startswith("added sha256:")
    assert f"tags       {APP}" in added.out and "distro     debian 12" in added.out
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM debian:12\nHEALTHCHECK CMD true\n")
    again = cli("image", "add", archives.base, "--tag", "example/base:12", "--tag",
                "mirror.example.com/base:stable", "--dockerfile", str(dockerfile), "-o", "json")
    info = again.json()
    assert info["tags"] == ["docker.io/example/base:12", "mirror.example.com/base:stable"]
    assert info["dockerfile_mode"] == "Actual" and info["layer_count"] == 1
    listing = cli("image", "list")
    lines = listing.out.splitlines()
    assert lines[0].split() == ["DIGEST", "ANALYZED", "DISTRO", "TAG"]
    assert [line.split()[-1] for line in lines[1:]] == [
        "docker.io/example/app:1.0", "docker.io/example/base:12",
        "mirror.example.com/base:stable"]
    assert all(len(line) <= 80 for line in lines)
    assert len(cli("image", "list", "-o", "json").json()) == 2
    got = cli("image", "get", "example/app:1.0", "-o", "json").json()
    for ref in (got["digest"], got["image_id"], got["image_id"][:12]):
        assert cli("image", "get", ref, "-o", "json").json()["digest"] == got["digest"]
    text = cli("image", "get", "example/app:1.0").out
    assert f"digest     {got['digest']}" in text and "packages   2" in text
    missing = cli("image", "add", str(tmp_path / "nothing.tar"))
    assert missing.code == 2 and "does not exist" in missing.err


def test_image_content_and_ancestors(cli, archives):
    cli("image", "add", archives.base)
    cli("image", "add", archives.app)
    types = cli("image", "content", "example/app:1.0")
    assert types.out.splitlines()[:2] == ["os: available", "files: available"]
    os_rows = cli("image", "content", "example/app:1.0", "os", "-o", "json").json()
    assert [(r["package"], r["version"]) for r in os_rows] == [
        ("bash", "5.2.15-2+b2"), ("tzdata", "2024a-0+deb12u1")]
    assert set(os_rows[0]) == {"package", "version", "type", "licenses", "license", "origin",
                               "size"}  # Anchore's listing, as GET .../content/os answers
    text = cli("image", "content", "example/app:1.0", "os").out
    assert text.splitlines()[0].split() == ["PACKAGE", "VERSION", "LICENSES"]
    files = cli("image", "content", "example/app:1.0", "files", "-o", "json").json()
    newgrp = next(f for f in files if f["filename"] == "/usr/bin/newgrp")
    assert (newgrp["size"], newgrp["mode"] & 0o7777) == (4, 0o4755)
    assert "/app/run.sh" in cli("image", "content", "example/app:1.0", "files").out
    empty = cli("image", "content", "example/app:1.0", "npm")
    assert empty.code == 0 and "no npm content" in empty.out
    base = cli("image", "get", "example/base:12", "-o", "json").json()["digest"]
    [ancestor] = cli("image", "ancestors", "example/app:1.0", "-o", "json").json()
    assert ancestor["digest"] == base and ancestor["chosen_base_image"] is True
    assert base in cli("image", "ancestors", "example/app:1.0").out
    assert "no analyzed ancestors" in cli("image", "ancestors", "example/base:12").out


def test_image_delete(cli, archives):
    cli("image", "add", archives.app)
    digest = cli("image", "get", "example/app:1.0", "-o", "json").json()["digest"]
    cli("image", "check", "example/app:1.0")
    assert cli("image", "delete", "example/app:1.0").out == f"deleted {digest}\n"
    gone = cli("image", "get", digest)
    assert gone.code == 2 and "not found" in gone.err
    assert cli("image", "list").out == "no images\n"
    assert cli("image", "delete", digest).code == 2


def test_policy_add_list_get_activate_delete(cli):
    listed = cli("policy", "list", "-o", "json").json()
    assert [(p["policy_id"], p["active"]) for p in listed] == [
        ("2c53a13c-1765-11e8-82ef-23527761d060", True)]  # the default policy, active
    path = cli.write_policy(strict_policy())
    added = cli("policy", "add", path)
    assert added.code == 0 and added.out == "stored policy strict-ci\n"
    text = cli("policy", "list").out.splitlines()
    assert text[0].split() == ["POLICY", "ID", "ACTIVE", "UPDATED", "NAME"]
    assert text[1].startswith("2c53a13c") and " yes " in text[1]
    assert text[2].startswith("strict-ci") and " no " in text[2]
    got = cli("policy", "get", "Strict CI", "-o", "json").json()
    assert (got["policy_id"], got["active"], got["version"]) == ("strict-ci", False, "2")
    assert json.loads(cli("policy", "get", "strict-ci", "--detail").out) == strict_policy()
    assert "policy_id   strict-ci" in cli("policy", "get", "strict-ci").out
    assert cli("policy", "activate", "strict-ci").out == "activated policy strict-ci\n"
    assert cli("policy", "get", "-o", "json").json()["policy_id"] == "strict-ci"
    refused = cli("policy", "delete", "strict-ci")
    assert refused.code == 2 and "is the active policy" in refused.err
    deleted = cli("policy", "delete", "2c53a13c-1765-11e8-82ef-23527761d060")
    assert deleted.code == 0
    assert [p["policy_id"] for p in cli("policy", "list", "-o", "json").json()] == ["strict-ci"]


def test_policy_add_refuses_an_invalid_policy_with_every_problem(cli):
    broken = strict_policy()
    broken["rule_sets"][0]["rules"][0]["gate"] = "no_such_gate"
    result = cli("policy", "add", cli.write_policy(broken))
    assert result.code == 2 and len(result.err.splitlines()) == 1
    assert "policy is invalid" in result.err and "no_such_gate" in result.err
    unreadable = cli("policy", "add", str(cli.tmp / "missing.json"))
    assert unreadable.code == 2 and "cannot read policy file" in unreadable.err


def test_policy_validate(cli):
    assert cli("policy", "validate", DEFAULT_POLICY).out.endswith(": valid\n")
    broken = strict_policy()
    broken["rule_sets"][0]["rules"][0]["action"] = "EXPLODE"
    invalid = cli("policy", "validate", cli.write_policy(broken), "-o", "json")
    assert invalid.code == 1 and invalid.json()["valid"] is False
    assert cli("policy", "validate", str(cli.tmp / "none.json")).code == 2


def test_admin_init_migrate_user_key(cli, monkeypatch):
    monkeypatch.setenv("IMAGEGATE_ADMIN_PASSWORD", "s3cret")
    init = cli("admin", "init")
    assert init.code == 0 and "IMAGEGATE_ADMIN_PASSWORD" in init.out
    assert "already initialized" in cli("admin", "init").out
    assert cli("admin", "migrate").out.startswith("schema at revision ")
    user = cli("admin", "user", "add", "ci-bot", "--role", "read-only")
    assert user.code == 0 and "created user 'ci-bot' (read-only) in account 'admin'" in user.out
    assert "password: " in user.out
    monkeypatch.setattr("sys.stdin", io.StringIO("hunter2\n"))
    assert cli("admin", "user", "add", "dev", "--password-stdin").code == 0
    duplicate = cli("admin", "user", "add", "dev")
    assert duplicate.code == 2 and "already exists" in duplicate.err
    key = cli("admin", "key", "add", "ci", "--user", "ci-bot")
    assert key.code == 0 and key.out.splitlines()[-1].startswith("ig_")
    from app.catalog.db import Database
    from app.services import accounts

    db = Database(f"sqlite:///{cli.home / 'imagegate.db'}")
    try:
        who = accounts.authenticate_api_key(db, key=key.out.splitlines()[-1])
        assert (who.username, who.role) == ("ci-bot", "read-only")
        assert accounts.authenticate_password(db, username="dev", password="hunter2")
        assert accounts.authenticate_password(db, username="admin", password="s3cret")
    finally:
        db.dispose()
    assert cli("admin", "key", "add", "x", "--user", "nobody").code == 2


def test_account_env_scopes_the_embedded_catalog(cli, archives, monkeypatch):
    cli("image", "add", archives.app)
    monkeypatch.setenv("IMAGEGATE_ACCOUNT", "team-b")
    missing = cli("image", "list")
    assert missing.code == 2 and "account 'team-b' does not exist" in missing.err
    monkeypatch.delenv("IMAGEGATE_ACCOUNT")
    from app.catalog.db import Database
    from app.services import accounts

    db = Database(f"sqlite:///{cli.home / 'imagegate.db'}")
    try:
        accounts.create_account(db, accounts.scope_for(db, accounts.local_principal(db)),
                                name="team-b")
    finally:
        db.dispose()
    monkeypatch.setenv("IMAGEGATE_ACCOUNT", "team-b")
    assert cli("image", "list").out == "no images\n"


def test_version_and_help(cli):
    assert cli("--version").out.startswith("imagegate ")
    assert "check" in cli("image", "--help").out
    assert cli("image", "check", "--help").code == 0


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_only_on_a_terminal_and_never_with_no_color(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert console.use_color(FakeTerminal()) is True
    assert console.use_color(io.StringIO()) is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert console.use_color(FakeTerminal()) is False


@pytest.mark.parametrize("terminal", [True, False])
def test_progress_on_a_terminal_and_silent_in_pipes(terminal):
    stream = FakeTerminal() if terminal else io.StringIO()
    with console.Progress("analyzing app.tar", stream, interval=0.01):
        import time
        time.sleep(0.05)
    if terminal:
        assert "analyzing app.tar" in stream.getvalue()
        assert "\ranalyzing app.tar: done in " in stream.getvalue()
    else:
        assert stream.getvalue() == ""


def test_the_parser_starts_without_the_catalog_engine_or_reports(tmp_path):
    """Imports stay lazy: building the parser (every --help, every usage error) loads none
    of the heavy layers; a command imports what it uses."""
    import subprocess
    import sys

    code = ("import sys; from app.cli import build_parser; build_parser(); "
            "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
            "('sqlalchemy', 'sqlmodel', 'alembic', 'pydantic', 'argon2') or "
            "m.startswith(('app.services', 'app.engine', 'app.catalog', 'app.analysis', "
            "'app.report.'))); print(heavy)")
    env = {**os.environ, "IMAGEGATE_HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, env=env)
    assert done.stdout.strip() == "[]"


def test_the_cli_offers_the_listings_the_services_know():
    # the CLI keeps its own copies so that parsing its arguments imports no database code
    from app.cli.backend import CONTENT_TYPES
    from app.cli.image import VULN_TYPES
    from app.services import images, vulnerabilities
    assert set(CONTENT_TYPES) <= set(images.CONTENT_TYPES)
    assert VULN_TYPES == vulnerabilities.VULN_TYPES
