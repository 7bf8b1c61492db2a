"""`imagegate feed import PATH|list`: vulnerability feeds (OSV records)."""

from __future__ import annotations

import argparse
import json
from typing import Any


def register(groups: Any) -> None:
    group = groups.add_parser("feed", help="import and list vulnerability feeds")
    commands = group.add_subparsers(dest="command", metavar="COMMAND", required=True)
    imported = commands.add_parser(
        "import", help="import OSV records (a JSON file, a directory tree or an osv.dev zip)",
        description="Import OSV records idempotently (a record is replaced only by a newer "
        "`modified`), then re-match every stored image. Malformed records are skipped and "
        "counted.")
    imported.add_argument("path")
    imported.set_defaults(run=run_import)
    listing = commands.add_parser("list", help="feed groups, their record counts and syncs")
    listing.add_argument("-o", "--output", choices=("text", "json"), default="text")
    listing.set_defaults(run=run_list)


def run_import(args: argparse.Namespace) -> int:
    from app.cli.backend import open_backend

    backend = open_backend()
    try:
        summary = backend.import_feed(args.path)
    finally:
        backend.close()
    print(summary)
    return 0


def run_list(args: argparse.Namespace) -> int:
    from app.cli.backend import open_backend
    from app.cli.image import table
    from app.report.anchore_v2 import iso

    backend = open_backend()
    try:
        found = backend.list_feeds()
    finally:
        backend.close()
    if args.output == "json":
        print(json.dumps([{"name": g.name, "feed": g.feed, "record_count": g.record_count,
                           "last_sync": iso(g.last_sync)} for g in found], indent=2))
        return 0
    rows = [[g.feed, str(g.record_count), iso(g.last_sync)[:19], g.name] for g in found]
    print(table(["FEED", "RECORDS", "LAST SYNC", "GROUP"], rows) if rows
          else "no feeds: import one with imagegate feed import PATH")
    return 0
