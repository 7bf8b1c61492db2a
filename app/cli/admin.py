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

    user = commands.add_parser("user", help="manage users").add_subparsers(
        dest="action", metavar="ACTION", required=True)
    user_add = user.add_parser(
        "add", help="create a user (password from stdin with --password-stdin, else "
        "generated and printed once)")
    user_add.add_argument("username")
    user_add.add_argument("--role", choices=("admin", "user", "read-only"), default="user")
    user_add.add_argument("--account", help="the user's account (default: admin's, or "
                          "IMAGEGATE_ACCOUNT)")
    user_add.add_argument("--password-stdin", action="store_true",
                          help="read the password from the first line of stdin")
    user_add.set_defaults(run=run_user_add)

    key = commands.add_parser("key", help="manage API keys").add_subparsers(
        dest="action", metavar="ACTION", required=True)
    key_add = key.add_parser("add", help="create an API key (printed once)")
    key_add.add_argument("name", help="what the key is for, e.g. ci")
    key_add.add_argument("--user", default="admin", help="the key's user (default: admin)")
    key_add.set_defaults(run=run_key_add)

    serve = groups.add_parser("serve", help="serve the REST API, GraphQL and the web page")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8228)
    serve.add_argument("--workers", type=int, default=1,
                       help="uvicorn worker processes (share PostgreSQL to scale out)")
    serve.set_defaults(run=run_serve)


def _embedded_only(command: str) -> None:
    """The admin commands work on the catalog's database itself, never through a server:
    refused when remote mode is asked for, rather than changing a local catalog unseen."""
    from app.cli import backend
    from app.errors import InvalidInputError

    url = backend.URL_OVERRIDE or os.environ.get("IMAGEGATE_URL")
    if url:
        raise InvalidInputError(f"imagegate admin {command} works on the catalog's database "
                                f"(IMAGEGATE_DATABASE_URL), not through a server: unset "
                                f"IMAGEGATE_URL / --url ({url}) and run it where the catalog is")


def run_init(args: argparse.Namespace) -> int:
    _embedded_only("init")
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
    _embedded_only("migrate")
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


def run_user_add(args: argparse.Namespace) -> int:
    _embedded_only("user add")
    import secrets

    from app.errors import InvalidInputError
    from app.services import accounts
    from app.services.setup import open_embedded
    from app.settings import Settings

    settings = Settings.from_env()
    password: str | None
    generated = None
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise InvalidInputError("--password-stdin: no password on stdin")
    else:
        password = generated = secrets.token_urlsafe(18)
    db = open_embedded(settings)
    try:
        admin = accounts.local_principal(db)
        scope = accounts.scope_for(db, admin, args.account or settings.account)
        created = accounts.create_user(db, scope, username=args.username, password=password,
                                       role=args.role)
    finally:
        db.dispose()
    print(f"created user '{created.username}' ({created.role}) in account "
          f"'{created.account_name}'")
    if generated:
        print(f"password: {generated} (shown once)")
    return 0


def run_key_add(args: argparse.Namespace) -> int:
    _embedded_only("key add")
    from app.services import accounts
    from app.services.setup import open_embedded
    from app.settings import Settings

    db = open_embedded(Settings.from_env())
    try:
        key = accounts.create_api_key(db, accounts.local_principal(db, username=args.user),
                                      name=args.name)
    finally:
        db.dispose()
    print(f"API key '{args.name}' for user '{args.user}' (shown once; use it as "
          f"IMAGEGATE_API_KEY):\n{key}")
    return 0
