"""The demo: the embedded catalog with the bundled demo images, the bundled PyPA sample of
OSV records and Anchore's default policy, ready to check and serve."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from app.catalog.db import Database
from app.data import demo_image
from app.services import accounts, feeds, images
from app.services.checks import CheckResult, check
from app.services.feeds import FeedImport


@dataclass(frozen=True)
class Demo:
    feed: FeedImport
    result: CheckResult


def run(db: Database, home: Path) -> Demo:
    """Import the sample feed, add both demo images (the app and its base) and check the app
    under its tag against the active (default) policy, marking what the base brought in."""
    principal = accounts.local_principal(db)
    scope = accounts.scope_for(db, principal)
    with resources.as_file(resources.files("app.data") / "osv" / "pypa-sample.zip") as sample:
        feed = feeds.import_feed(db, scope, sample)
    base_path, app_path = demo_image.build(home / "demo")
    images.add_image(db, scope, images.analyze_source(base_path))
    images.add_image(db, scope, images.analyze_source(app_path))
    return Demo(feed, check(db, scope, demo_image.APP_TAG, base_digest="auto"))
