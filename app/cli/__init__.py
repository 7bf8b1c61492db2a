"""The `imagegate` command line. Imports stay lazy so that a CI gate starts fast."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

EXIT_OK, EXIT_FAIL, EXIT_ERROR = 0, 1, 2


class Parser(argparse.ArgumentParser):
    """Usage errors are one line on stderr (exit 2); --help still prints the usage."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_ERROR, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    from app import __version__
    from app.cli import admin, demo, feed, image, policy

    parser = Parser(
        prog="imagegate",
        description="A policy gate for container images that speaks Anchore's policy language.")
    parser.add_argument("--version", action="version", version=f"imagegate {__version__}")
    parser.add_argument("--url", metavar="URL",
                        help="talk to the imagegate server at URL instead of the embedded "
                        "catalog (default: IMAGEGATE_URL; credentials from IMAGEGATE_USERNAME "
                        "and IMAGEGATE_PASSWORD, or IMAGEGATE_API_KEY)")
    groups = parser.add_subparsers(dest="group", metavar="COMMAND", required=True,
                                   parser_class=Parser)
    image.register(groups)
    policy.register(groups)
    feed.register(groups)
    admin.register(groups)
    demo.register(groups)
    return parser


def _one_line(text: str) -> str:
    return " ".join(text.split())


def main(argv: Sequence[str] | None = None) -> int:
    from app.cli import backend
    from app.errors import ImagegateError

    parser = build_parser()
    args = parser.parse_args(argv)
    backend.URL_OVERRIDE = args.url
    try:
        return int(args.run(args))
    except ImagegateError as err:
        print(f"imagegate: {_one_line(str(err))}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("imagegate: interrupted", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        return EXIT_ERROR
    except OSError as err:  # a file that cannot be read or written
        print(f"imagegate: {_one_line(str(err))}", file=sys.stderr)
        return EXIT_ERROR
    except Exception as err:  # a system error: one line, the traceback only when asked
        if os.environ.get("IMAGEGATE_DEBUG"):
            raise
        print(f"imagegate: internal error: {type(err).__name__}: {_one_line(str(err))[:500]}",
              file=sys.stderr)
        return EXIT_ERROR
    finally:
        backend.URL_OVERRIDE = None
