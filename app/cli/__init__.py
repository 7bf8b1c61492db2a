"""The `imagegate` command line. Imports stay lazy so that a CI gate starts fast."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

EXIT_OK, EXIT_FAIL, EXIT_ERROR = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    from app import __version__
    from app.cli import admin, policy

    parser = argparse.ArgumentParser(
        prog="imagegate",
        description="A policy gate for container images that speaks Anchore's policy language.")
    parser.add_argument("--version", action="version", version=f"imagegate {__version__}")
    groups = parser.add_subparsers(dest="group", metavar="COMMAND", required=True)
    admin.register(groups)
    policy.register(groups)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from app.errors import ImagegateError

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except ImagegateError as err:
        print(f"imagegate: {err}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_ERROR
