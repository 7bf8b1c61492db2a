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

    add = commands.add_parser(
        "add", help="store a policy (a new revision when its id exists)",
        description="Store a v1 bundle or v2 policy; invalid documents are refused with "
        "every problem listed (exit 2). The first policy of an account becomes active.")
    add.add_argument("file", help="path to the policy JSON file")
    add.add_argument("--activate", action="store_true", help="make it the active policy")
    add.add_argument("-o", "--output", choices=("text", "json"), default="text")
    add.set_defaults(run=run_add)

    listing = commands.add_parser("list", help="list stored policies")
    listing.add_argument("-o", "--output", choices=("text", "json"), default="text")
    listing.set_defaults(run=run_list)

    get = commands.add_parser("get", help="show a policy (default: the active one)")
    get.add_argument("policy", nargs="?", metavar="ID_OR_NAME")
    get.add_argument("--detail", action="store_true", help="print the policy document")
    get.add_argument("-o", "--output", choices=("text", "json"), default="text")
    get.set_defaults(run=run_get)

    activate = commands.add_parser("activate", help="make a policy the active one")
    activate.add_argument("policy", metavar="ID_OR_NAME")
    activate.set_defaults(run=run_activate)

    delete = commands.add_parser("delete", help="delete a policy (not the active one)")
    delete.add_argument("policy", metavar="ID_OR_NAME")
    delete.set_defaults(run=run_delete)


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


def _record(info: Any, *, document: bool = False) -> dict[str, Any]:
    from app.report.anchore_v2 import iso

    out = {"policy_id": info.policy_id, "name": info.name, "description": info.description,
           "version": info.version, "active": info.active, "revision": info.revision,
           "created_at": iso(info.created_at), "updated_at": iso(info.updated_at)}
    if document:
        out["document"] = info.document
    return out


def _print_record(info: Any) -> None:
    for key, value in _record(info).items():
        print(f"{key:11} {'-' if value is None else value}")


def run_add(args: argparse.Namespace) -> int:
    from app.cli.backend import open_backend
    from app.services.policies import read_document_file

    document = read_document_file(args.file)
    backend = open_backend()
    try:
        info = backend.add_policy(document, activate=args.activate)
    finally:
        backend.close()
    if args.output == "json":
        print(json.dumps(_record(info), indent=2))
    else:
        print(f"stored policy {info.policy_id}{' (active)' if info.active else ''}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from app.cli.backend import open_backend
    from app.cli.image import table

    backend = open_backend()
    try:
        found = backend.list_policies()
    finally:
        backend.close()
    if args.output == "json":
        print(json.dumps([_record(p) for p in found], indent=2))
        return 0
    found.sort(key=lambda p: (not p.active, p.policy_id))
    rows = [[p.policy_id, "yes" if p.active else "no", _record(p)["updated_at"][:19],
             p.name or "-"] for p in found]
    print(table(["POLICY ID", "ACTIVE", "UPDATED", "NAME"], rows) if rows else "no policies")
    return 0


def run_get(args: argparse.Namespace) -> int:
    from app.cli.backend import open_backend

    backend = open_backend()
    try:
        info = backend.get_policy(args.policy)
    finally:
        backend.close()
    if args.output == "json":
        print(json.dumps(_record(info, document=args.detail), indent=2, ensure_ascii=False))
    elif args.detail:
        print(json.dumps(info.document, indent=2, ensure_ascii=False))
    else:
        _print_record(info)
    return 0


def run_activate(args: argparse.Namespace) -> int:
    from app.cli.backend import open_backend

    backend = open_backend()
    try:
        info = backend.activate_policy(args.policy)
    finally:
        backend.close()
    print(f"activated policy {info.policy_id}")
    return 0


def run_delete(args: argparse.Namespace) -> int:
    from app.cli.backend import open_backend

    backend = open_backend()
    try:
        info = backend.get_policy(args.policy)
        backend.delete_policy(args.policy)
    finally:
        backend.close()
    print(f"deleted policy {info.policy_id}")
    return 0
