"""A real uvicorn server on loopback per test module, on a migrated SQLite file and on a
PostgreSQL database; httpx clients whose every response is checked against /openapi.json."""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jsonschema_rs
import pytest

from app.api import create_app
from app.api.rest import document
from app.catalog.db import Database
from app.services import accounts
from app.services.setup import initialize
from app.settings import Settings
from tests.analysis.builders import D, F, docker_archive
from tests.conftest import drop_postgres_database, postgres_database
from tests.server import served

ADMIN_PASSWORD = "admin-pw"
OS_RELEASE = 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12"\n'
PASSWD = "root:x:0:0:root:/root:/bin/bash\n"
BASE = [D("etc"), F("etc/os-release", OS_RELEASE), F("etc/passwd", PASSWD), D("usr"),
        D("usr/bin"), F("usr/bin/passwd", b"\x7fELF", 0o4755)]
CHILD = [D("app"), F("app/run.sh", "#!/bin/sh\n", 0o755), F("usr/bin/newgrp", b"\x7fELF", 0o4755)]
_databases = itertools.count()


def rule(rule_id: str, gate: str, trigger: str, action: str, **params: str) -> dict[str, Any]:
    return {"id": rule_id, "gate": gate, "trigger": trigger, "action": action,
            "params": [{"name": k, "value": v} for k, v in params.items()]}


def policy_doc(policy_id: str = "checks", items: tuple[dict[str, Any], ...] = ()) -> dict:
    """STOP on setuid files, WARN without a HEALTHCHECK; `*-dev` tags only get the WARN."""
    return {
        "id": policy_id, "name": policy_id, "version": "2",
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


# ------------------------------------------------------------------ schema conformance

_PARAM = re.compile(r"\{[^}]+\}")


@dataclass
class Conformance:
    """Validates every response against the operation's schema in /openapi.json."""

    doc: dict[str, Any] = field(default_factory=document)
    checked: list[tuple[str, str, int]] = field(default_factory=list)
    _validators: dict[str, Any] = field(default_factory=dict)

    def operation(self, method: str, path: str) -> tuple[str, dict[str, Any]]:
        for template, ops in self.doc["paths"].items():
            pattern = "^" + _PARAM.sub("[^/]+", re.escape(template).replace(r"\{", "{")
                                       .replace(r"\}", "}")) + "$"
            if re.match(pattern, path) and method.lower() in ops:
                return template, ops[method.lower()]
        raise AssertionError(f"{method} {path} is not in /openapi.json")

    def validator(self, schema: dict[str, Any]) -> Any:
        key = repr(schema)
        if key not in self._validators:
            self._validators[key] = jsonschema_rs.Draft202012Validator(
                {**schema, "components": self.doc["components"]})
        return self._validators[key]

    def check(self, response: httpx.Response) -> None:
        request = response.request
        path = httpx.URL(str(request.url)).path
        template, op = self.operation(request.method, path)
        status = str(response.status_code)
        assert status in op["responses"], (
            f"{request.method} {template} answered {status}, not documented: {response.text}")
        content = op["responses"][status].get("content")
        if content is None:
            assert not response.content, f"{request.method} {template}: body not documented"
            return
        assert response.headers["content-type"].startswith("application/json")
        body = response.json()
        errors = [str(e)[-600:] for e in self.validator(content["application/json"]["schema"])
                  .iter_errors(body)]
        assert not errors, f"{request.method} {template} {status}: {errors[:3]}"
        self.checked.append((request.method, template, response.status_code))


CONFORMANCE = Conformance()


# ------------------------------------------------------------------ the live server


@dataclass
class Live:
    url: str
    home: Path
    db: Database
    settings: Settings
    kind: str

    def client(self, user: str | None = "admin", password: str | None = ADMIN_PASSWORD, *,
               account: str | None = None, token: str | None = None,
               timeout: float = 60) -> httpx.Client:
        headers = {}
        if account:
            headers["x-anchore-account"] = account
        if token:
            headers["authorization"] = f"Bearer {token}"
        auth = (user, password) if user and not token else None
        return httpx.Client(base_url=self.url, auth=auth, headers=headers, timeout=timeout,
                            event_hooks={"response": [_read_and_check]})


def _read_and_check(response: httpx.Response) -> None:
    response.read()
    CONFORMANCE.check(response)


def database_url(kind: str, tmp: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp / 'imagegate.db'}"
    return postgres_database(f"imagegate_rest_{os.getpid()}_{next(_databases)}")


@contextmanager
def serve(kind: str, tmp: Path, **env: str) -> Iterator[Live]:
    """Migrate a fresh catalog, create the admin, and serve it with uvicorn in a thread on a
    socket bound to a free loopback port."""
    url = database_url(kind, tmp)
    db = Database(url)
    initialize(db, admin_password=ADMIN_PASSWORD)
    try:
        with serve_database(url, tmp, db=db, **env) as live:
            yield live
    finally:
        db.dispose()
        if kind == "postgresql":
            drop_postgres_database(url)


@contextmanager
def serve_database(url: str, tmp: Path, *, db: Database | None = None,
                   **env: str) -> Iterator[Live]:
    """Serve an existing catalog (with a Database of its own unless `db` is given, as
    another worker of the same deployment would)."""
    settings = Settings.from_env({"IMAGEGATE_HOME": str(tmp / "home"),
                                  "IMAGEGATE_DATABASE_URL": url,
                                  "IMAGEGATE_ADMIN_PASSWORD": ADMIN_PASSWORD, **env})
    own = db is None
    database = Database(url) if db is None else db
    try:
        with served(create_app(settings, db=database)) as base:
            yield Live(base, tmp / "home", database, settings,
                       "sqlite" if database.is_sqlite else "postgresql")
    finally:
        if own:
            database.dispose()


def admin_scope(db: Database) -> accounts.Scope:
    principal = accounts.authenticate_password(db, username="admin", password=ADMIN_PASSWORD)
    return accounts.scope_for(db, principal)


def add_account(db: Database, name: str, users: dict[str, str]) -> None:
    """An account with users (name -> role), each with password `<name>-pw`."""
    admin = admin_scope(db)
    accounts.create_account(db, admin, name=name)
    scope = accounts.scope_for(db, admin.principal, name)
    for username, role in users.items():
        accounts.create_user(db, scope, username=username, password=f"{username}-pw", role=role)


@dataclass(frozen=True)
class Archives:
    base: Path
    child: Path
    other: Path


@pytest.fixture(scope="session")
def archives(tmp_path_factory: pytest.TempPathFactory) -> Archives:
    """Real docker-archives: a base image, a child built on it, and an unrelated image."""
    root = tmp_path_factory.mktemp("archives")
    docker_archive(str(root / "base.tar"), [BASE], tags=("example/base:12",))
    docker_archive(str(root / "child.tar"), [BASE, CHILD], tags=("example/app:1.0",))
    docker_archive(str(root / "other.tar"),
                   [[D("etc"), F("etc/os-release", OS_RELEASE), F("srv/data", "x")]],
                   tags=("example/other:1",))
    return Archives(root / "base.tar", root / "child.tar", root / "other.tar")


def upload(client: httpx.Client, path: Path, *tags: str, version: str = "v1") -> Any:
    response = client.post(f"/{version}/images", params=[("tag", t) for t in tags],
                           content=path.read_bytes(),
                           headers={"content-type": "application/x-tar"})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def live(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[Live]:
    with serve(request.param, tmp_path_factory.mktemp(f"live-{request.param}")) as server:
        yield server
