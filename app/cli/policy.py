"""`imagegate policy ...`"""

from __future__ import annotations

import argparse
import json
from typing import Any


def register(groups: Any) -> None:
    group = groups.add_parser("policy", help="validate and manage policies")
    commands = group.add_subparsers(dest="command", metavar="COMMAND", required=True)
    validate = commands.add_parser(
        "validate", help="check a v1 bundle or v2 policy file; list every problem",
        description="Check a policy document (Anchore v1 bundle or v2 policy). Exit 0 when "
        "valid, 1 when it has problems, 2 when it cannot be read.")
    validate.add_argument("file", help="path to the policy JSON file")
    validate.add_argument("-o", "--output", choices=("text", "json"), default="text")
    validate.set_defaults(run=run_validate)


def run_validate(args: argparse.Namespace) -> int:
    from app.cli import EXIT_FAIL, EXIT_OK
    from app.services.policies import read_document_file, validate_document

    result = validate_document(read_document_file(args.file))
    if args.output == "json":
        print(json.dumps(result.to_dict(), indent=2))
    elif result.valid and not result.problems:
        print(f"{args.file}: valid")
    else:
        print(f"{args.file}: {'valid, with warnings' if result.valid else 'invalid'}")
        for problem in result.problems:
            print(f"  {problem.severity:5}  {problem.problem_type}: {problem.details}")
    return EXIT_OK if result.valid else EXIT_FAIL
