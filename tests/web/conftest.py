"""The web page against a REAL uvicorn server on a free loopback port over a temporary SQLite
catalog holding real analyzed images (docker-archives built here), driven by Debian's
headless Chromium through Playwright. Screenshots go to artifacts/web/ (git-ignored).

Catalog: account `admin` (user admin/pw) with
- policy `web` (active): STOP on set-id files, WARN without HEALTHCHECK, STOP on `*.pem` file
  names, and an allowlist item matching the SUID finding of /usr/bin/passwd;
- policy `lenient`: only the HEALTHCHECK warning (so images pass);
- images `example/base:12`, `example/app:1.0` also tagged `example/app:stable` (built on
  the base), `example/big:1` (1,000 `.pem` files: 1,000 findings);
and account `team` (user alice/alice-pw) with one image of its own, `team/tool:3`.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from app.api import create_app
from app.catalog.db import Database
from app.services import accounts, checks, images, policies
from app.services.accounts import Scope
from app.settings import Settings
from tests.analysis.builders import D, F, docker_archive
from tests.server import served

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "web"
CHROMIUM = os.environ.get("IMAGEGATE_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

OS_RELEASE = 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12"\n'
DPKG_STATUS = ("Package: bash\nStatus: install ok installed\nArchitecture: amd64\n"
               "Version: 5.2.15-2\n\n")
BASE = [D("etc"), F("etc/os-release", OS_RELEASE), D("var"), D("var/lib"), D("var/lib/dpkg"),
        F("var/lib/dpkg/status", DPKG_STATUS), D("usr"), D("usr/bin"),
        F("usr/bin/passwd", b"\x7fELF", 0o4755)]
CHILD = [D("app"), F("app/run.sh", "#!/bin/sh\n", 0o755),
         F("usr/bin/newgrp", b"\x7fELF", 0o4755)]
MANY = 1000
BIG = [D("certs"), *(F(f"certs/cert-{n:04d}.pem", f"cert {n}\n") for n in range(MANY))]
PASSWD_SUID = "SUID or SGID found set on file /usr/bin/passwd. Mode: 0o104755"


def rule(rule_id: str, gate: str, trigger: str, action: str, **params: Any) -> dict[str, Any]:
    return {"id": rule_id, "gate": gate, "trigger": trigger, "action": action,
            "params": [{"name": k, "value": v} for k, v in params.items()]}


def policy_doc(policy_id: str, rules: list[dict[str, Any]],
               items: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "id": policy_id, "name": f"{policy_id} policy", "version": "2",
        "description": "web page tests",
        "rule_sets": [{"id": f"{policy_id}-rules", "name": "rules", "version": "2",
                       "rules": rules}],
        "allowlists": [{"id": "exceptions", "name": "Known exceptions", "version": "2",
                        "items": items or []}],
        "mappings": [{"id": "all", "name": "all", "registry": "*", "repository": "*",
                      "image": {"type": "tag", "value": "*"},
                      "rule_set_ids": [f"{policy_id}-rules"], "allowlist_ids": ["exceptions"]}],
    }


STRICT_RULES = [
    rule("suid", "files", "suid_or_guid_set", "STOP",),
    rule("health", "dockerfile", "instruction", "WARN", instruction="HEALTHCHECK",
         check="not_exists"),
    {**rule("pem", "files", "name_match", "STOP", regex=r".*\.pem"),
     "recommendation": "Keep certificates out of the image: mount them at run time"},
]
LENIENT_RULES = [rule("health", "dockerfile", "instruction", "WARN", instruction="HEALTHCHECK",
                      check="not_exists")]


@dataclass
class Site:
    url: str
    db: Database
    admin: Scope
    team: Scope
    digests: dict[str, str] = field(default_factory=dict)
    passwd_trigger_id: str = ""
    api_key: str = ""


@pytest.fixture(scope="module")
def site(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    tmp = tmp_path_factory.mktemp("web")
    path = tmp / "imagegate.db"
    shutil.copy(sqlite_template, path)
    db = Database(f"sqlite:///{path}")
    accounts.init_admin(db, password="pw")
    admin = accounts.scope_for(db, accounts.authenticate_password(db, username="admin",
                                                                  password="pw"))
    accounts.create_account(db, admin, name="team")
    team = accounts.scope_for(db, admin.principal, "team")
    accounts.create_user(db, team, username="alice", password="alice-pw")

    digests = {}
    for name, layers, tag, scope in [
            ("base", [BASE], "example/base:12", admin),
            ("app", [BASE, CHILD], "example/app:1.0", admin),
            ("big", [BASE, BIG], "example/big:1", admin),
            ("tool", [BASE, [*CHILD, F("app/team.txt", "team\n")]], "team/tool:3", team)]:
        tags = (tag, "example/app:stable") if name == "app" else (tag,)
        built = docker_archive(str(tmp / f"{name}.tar"), layers, tags=tags)
        digests[name] = images.add_image(db, scope, images.analyze_source(built.path)).image.digest

    # The allowlist item needs the finding's trigger id: read it from a first evaluation.
    policies.add_policy(db, admin, policy_doc("web", STRICT_RULES), activate=True)
    first = checks.check(db, admin, digests["app"], tag="example/app:1.0", interactive=True)
    findings = first.evaluations[0].findings or []
    passwd = next(f for f in findings if f.message == PASSWD_SUID)
    item = {"id": "passwd-suid", "gate": "files", "trigger_id": passwd.trigger_id,
            "description": "passwd needs set-uid"}
    policies.add_policy(db, admin, policy_doc("web", STRICT_RULES, [item]), activate=True)
    policies.add_policy(db, admin, policy_doc("lenient", LENIENT_RULES))
    # The 1,000-findings image is evaluated once, as a catalog in use would have it.
    checks.check(db, admin, digests["big"], tag="example/big:1")

    key = accounts.create_api_key(db, admin.principal, name="web tests")

    settings = Settings.from_env({"IMAGEGATE_HOME": str(tmp / "home"),
                                  "IMAGEGATE_DATABASE_URL": db.url})
    try:
        with served(create_app(settings, db=db)) as base:
            yield Site(base, db, admin, team, digests, passwd.trigger_id, key)
    finally:
        db.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"no Chromium at {CHROMIUM}: .ci/run installs Debian's chromium")
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, site: Site, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser context (its own sessionStorage) at 1280x900, console errors kept."""
    context = browser.new_context(viewport={"width": 1280, "height": 900},
                                  base_url=site.url, locale="en-GB", timezone_id="UTC")
    context.set_default_timeout(15_000)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda err: errors.append(str(err)))
    pg.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    pg.errors = errors
    yield pg
    context.close()


def shot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    # off-screen findings are skipped by content-visibility until scrolled to: render them all
    page.evaluate("document.documentElement.classList.add('render-all')")
    page.screenshot(path=str(path), full_page=True)
    page.evaluate("document.documentElement.classList.remove('render-all')")
    return path


def sign_in(page: Any, username: str = "admin", password: str = "pw",
            account: str = "") -> None:
    page.goto("/ui/")
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    if account:
        page.get_by_label("Account").fill(account)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Images", level=1).wait_for()


def image_url(digest: str, **params: str) -> str:
    from urllib.parse import quote, urlencode
    query = f"?{urlencode(params)}" if params else ""
    return f"/ui/#/images/{quote(digest, safe='')}{query}"
