"""The page's files as the app serves them (no browser): /ui redirects to /ui/, the files
come with a same-origin Content-Security-Policy, and nothing is loaded from elsewhere."""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from app.api import create_app
from app.api.web.routes import STATIC
from app.catalog.db import Database
from app.settings import Settings


class Client:
    """Requests straight to the ASGI app (no server, no lifespan needed for static files)."""

    def __init__(self, app: object) -> None:
        self.transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]

    def get(self, path: str, **kw: object) -> httpx.Response:
        async def go() -> httpx.Response:
            async with httpx.AsyncClient(transport=self.transport,
                                         base_url="http://ui.test") as c:
                return await c.get(path, **kw)  # type: ignore[arg-type]

        # in a thread of its own: Playwright's sync API may own this thread's event loop
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, go()).result()


@pytest.fixture
def client(sqlite_template: Path, tmp_path: Path) -> Client:
    path = tmp_path / "imagegate.db"
    path.write_bytes(sqlite_template.read_bytes())
    db = Database(f"sqlite:///{path}")
    settings = Settings.from_env({"IMAGEGATE_HOME": str(tmp_path),
                                  "IMAGEGATE_DATABASE_URL": db.url})
    return Client(create_app(settings, db=db))


def test_the_page_and_its_modules_are_served_with_a_strict_policy(client):
    assert client.get("/ui", follow_redirects=False).headers["location"] == "/ui/"
    page = client.get("/ui/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "unsafe" not in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    for name in ("app.js", "api.js", "compliance.js", "dom.js"):
        module = client.get(f"/ui/{name}")
        assert module.status_code == 200, name
        assert "javascript" in module.headers["content-type"]
    assert client.get("/ui/app.css").headers["content-type"].startswith("text/css")
    assert client.get("/ui/nope.js").status_code == 404


def test_no_external_assets_and_no_inline_script():
    for path in STATIC.iterdir():
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\b(src|href)\s*=\s*[\"']?(https?:)?//", text), path.name
        assert not re.search(r"@import|url\(\s*[\"']?https?:", text), path.name
        assert "innerHTML" not in text and "eval(" not in text, path.name
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)  # every script is a file
    assert re.search(r'<label for="username">', html)
