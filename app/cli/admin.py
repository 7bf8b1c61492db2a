"""`imagegate admin ...` and `imagegate serve`"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any


def register(groups: Any) -> None:
    group = groups.add_parser("admin", help="set up and upgrade the catalog")
    commands = group.add_subparsers(dest="command", metavar="COMMAND", required=True)
    init = commands.add_parser("init", help="create the schema, the admin account and user")
    init.set_defaults(run=run_init)
    migrate = commands.add_parser("migrate", help="upgrade the catalog's schema in place")
    migrate.set_defaults(run=run_migrate)

    serve = groups.add_parser("serve", help="serve the REST API, GraphQL and the web page")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8228)
    serve.add_argument("--workers", type=int, default=1,
                       help="uvicorn worker processes (share PostgreSQL to scale out)")
    serve.set_defaults(run=run_serve)


def run_init(args: argparse.Namespace) -> int:
    from app.services.setup import initialize, open_database
    from app.settings import Settings

    settings = Settings.from_env()
    result = initialize(open_database(settings), admin_password=settings.admin_password)
    if not result.created:
        print("imagegate is already initialized (account 'admin', user 'admin')")
    elif result.generated_password:
        print(f"created account 'admin' and user 'admin' with password: "
              f"{result.generated_password}\n(shown once; set IMAGEGATE_ADMIN_PASSWORD to "
              f"choose it)")
    else:
        print("created account 'admin' and user 'admin' (password from "
              "IMAGEGATE_ADMIN_PASSWORD)")
    return 0


def run_migrate(args: argparse.Namespace) -> int:
    from app.services.setup import migrate_database, open_database
    from app.settings import Settings

    before, after = migrate_database(open_database(Settings.from_env()))
    print(f"schema at revision {after}" if before == after
          else f"schema upgraded from {before or 'nothing'} to {after}")
    return 0


def run_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from app.services.setup import ensure_admin, open_database
    from app.settings import Settings

    settings = Settings.from_env()
    db = open_database(settings)
    result = ensure_admin(db, settings)
    db.dispose()
    if result.generated_password:
        print(f"created user 'admin' with password: {result.generated_password} (shown once)",
              file=sys.stderr)
    os.environ.setdefault("IMAGEGATE_DATABASE_URL", settings.database_url)
    print(f"imagegate serving on http://{args.host}:{args.port}/", file=sys.stderr)
    uvicorn.run("app.api:create_app", factory=True, host=args.host, port=args.port,
                workers=args.workers, log_level="warning")
    return 0
