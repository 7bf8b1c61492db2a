"""`imagegate demo`: the whole job on the embedded catalog with bundled data, then serve."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(groups: Any) -> None:
    demo = groups.add_parser(
        "demo", help="check the bundled demo image, then serve the API, GraphiQL and the page",
        description="Create the embedded catalog (under IMAGEGATE_HOME), import the bundled "
        "PyPA sample of OSV records, add the bundled demo images (built by code: a Debian "
        "base and an application on it), check the application against Anchore's default "
        "policy with --detail and --base-digest auto, then serve on 127.0.0.1:8228.")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8228)
    demo.add_argument("--no-serve", action="store_true", help="stop after the check")
    demo.set_defaults(run=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    from app.cli.console import use_color
    from app.report import render_as
    from app.report.model import Report
    from app.services import demo
    from app.services.setup import initialize, open_database
    from app.settings import Settings

    settings = Settings.from_env()
    db = open_database(settings)
    created = initialize(db, admin_password=settings.admin_password)
    print(f"catalog: {settings.database_url}", file=sys.stderr)
    result = demo.run(db, settings.home)
    print(f"feed: {result.feed.summary()}", file=sys.stderr)
    sys.stdout.write(render_as("text", Report.from_check(result.result), color=use_color()))
    sys.stdout.flush()
    db.dispose()
    if args.no_serve:
        return 0
    import uvicorn

    base = f"http://{args.host}:{args.port}"
    login = ("user 'admin', password " + created.generated_password + " (shown once)"
             if created.generated_password else "user 'admin' (password from "
             "IMAGEGATE_ADMIN_PASSWORD, or the one printed when the catalog was created)")
    print(f"\nserving on {base}/  (Ctrl-C stops)\n  web page  {base}/ui/\n"
          f"  GraphiQL  {base}/graphql\n  REST      {base}/v1  {base}/v2  "
          f"{base}/openapi.json\n  sign in as {login}", file=sys.stderr)
    uvicorn.run("app.api:create_app", factory=True, host=args.host, port=args.port,
                log_level="warning")
    return 0
