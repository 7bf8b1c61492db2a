"""A real uvicorn server on loopback (port 0) over the `db` fixture's catalog (SQLite file and
PostgreSQL), real docker-archives analyzed and added through the services, httpx clients."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.api import create_app
from app.catalog.db import Database
from app.services import accounts, images, policies
from app.services.accounts import Scope
from app.settings import Settings
from tests.analysis.builders import D, F, docker_archive
from tests.server import served

OS_RELEASE = 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12"\n'
DPKG_STATUS = ("Package: bash\nStatus: install ok installed\nArchitecture: amd64\n"
               "Version: 5.2.15-2\n\nPackage: libc6\nStatus: install ok installed\n"
               "Architecture: amd64\nVersion: 2.36-9\nSource: glibc\n\n")
BASE = [D("etc"), F("etc/os-release", OS_RELEASE), D("var"), D("var/lib"), D("var/lib/dpkg"),
        F("var/lib/dpkg/status", DPKG_STATUS), D("usr"), D("usr/bin"),
        F("usr/bin/passwd", b"\x7fELF", 0o4755)]
CHILD = [D("app"), F("app/run.sh", "#!/bin/sh\n", 0o755), F("usr/bin/newgrp", b"\x7fELF", 0o4755)]


def rule(rule_id: str, gate: str, trigger: str, action: str, **params: Any) -> dict[str, Any]:
    return {"id": rule_id, "gate": gate, "trigger": trigger, "action": action,
            "params": [{"name": k, "value": v} for k, v in params.items()]}


def policy_doc(policy_id: str = "gql", items: tuple[dict[str, Any], ...] = ()) -> dict:
    return {
        "id": policy_id, "name": policy_id, "version": "2", "description": "graphql tests",
        "rule_sets": [{"id": "strict", "name": "strict", "version": "2", "rules": [
            rule("suid", "files", "suid_or_guid_set", "STOP"),
            rule("health", "dockerfile", "instruction", "WARN", instruction="HEALTHCHECK",
                 check="not_exists")]}],
        "allowlists": [{"id": "al", "name": "exceptions", "version": "2", "items": list(items)}],
        "mappings": [{"id": "all", "name": "all", "registry": "*", "repository": "*",
                      "image": {"type": "tag", "value": "*"}, "rule_set_ids": ["strict"],
                      "allowlist_ids": ["al"]}],
    }


@dataclass
class Server:
    url: str
    db: Database
    admin: Scope
    tmp: Path
    added: dict[str, Any] = field(default_factory=dict)

    def client(self, username: str = "admin", password: str = "pw", **kw: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, auth=(username, password), timeout=60, **kw)

    def add(self, name: str, layers: list, tags: tuple[str, ...], scope: Scope | None = None,
            **run: Any) -> Any:
        built = docker_archive(str(self.tmp / f"{name}.tar"), layers, tags=tags, **run)
        record = images.add_image(self.db, scope or self.admin,
                                  images.analyze_source(built.path))
        self.added[name] = record.image
        return record.image


def gql(client: httpx.Client, query: str, variables: dict | None = None,
        status: int = 200, **headers: str) -> dict[str, Any]:
    response = client.post("/graphql", json={"query": query, "variables": variables or {}},
                           headers=headers)
    assert response.status_code == status, response.text
    return response.json()


def data(client: httpx.Client, query: str, variables: dict | None = None) -> dict[str, Any]:
    body = gql(client, query, variables)
    assert not body.get("errors"), body["errors"]
    return body["data"]


@pytest.fixture
def running(db: Database, tmp_path: Path) -> Iterator[tuple[Database, str]]:
    """uvicorn serving create_app() over `db` on a free loopback port, in a thread."""
    settings = Settings.from_env({"IMAGEGATE_HOME": str(tmp_path / "home"),
                                  "IMAGEGATE_DATABASE_URL": db.url})
    with served(create_app(settings, db=db)) as base:
        yield db, base


@pytest.fixture
def server(running: tuple[Database, str], tmp_path: Path) -> Server:
    db, url = running
    accounts.init_admin(db, password="pw")
    admin = accounts.scope_for(db, accounts.authenticate_password(db, username="admin",
                                                                  password="pw"))
    policies.add_policy(db, admin, policy_doc(), activate=True)
    return Server(url, db, admin, tmp_path)


@pytest.fixture
def images_added(server: Server) -> Server:
    """A base image and a child built on it (the child's first layers are the base's)."""
    server.add("base", [BASE], ("example/base:12",))
    server.add("child", [BASE, CHILD], ("example/app:1.0",))
    return server
