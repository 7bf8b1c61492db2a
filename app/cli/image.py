"""`imagegate image ...`: add, list, get, content, ancestors, delete, and check."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from typing import Any

OUTPUTS = ("text", "json", "json-raw", "csv", "html", "sarif", "junit", "markdown")
# Formats that are reports of findings: they always carry them.
REPORT_OUTPUTS = frozenset({"csv", "html", "sarif", "junit", "markdown"})
VULN_TYPES = ("os", "non-os", "all")  # as services.vulnerabilities (not imported: startup time)


def register(groups: Any) -> None:
    from app.cli.backend import CONTENT_TYPES

    group = groups.add_parser("image", help="add, inspect and check images")
    commands = group.add_subparsers(dest="command", metavar="COMMAND", required=True)

    add = commands.add_parser(
        "add", help="analyze an image source and add it to the catalog",
        description="Analyze SOURCE (a docker-archive or oci-archive tarball, an OCI layout "
        "directory, a root filesystem directory, an SBOM file (Syft, CycloneDX or SPDX JSON) "
        "or a registry reference) and store it under its tags. Registry credentials come from "
        "IMAGEGATE_REGISTRY_USERNAME and IMAGEGATE_REGISTRY_PASSWORD.")
    add.add_argument("source")
    add.add_argument("--tag", action="append", default=[], metavar="REF",
                     help="tag to point at the image (repeatable; default: the archive's)")
    add.add_argument("--dockerfile", metavar="FILE", help="the image's actual Dockerfile")
    add.add_argument("--platform", help="pick from a multi-platform index (linux/arm64)")
    add.add_argument("--insecure-registry", action="append", default=[], metavar="HOST",
                     help="pull from HOST (as the reference writes it, 127.0.0.1:5000) over "
                     "plain HTTP (repeatable)")
    add.add_argument("--vulns", metavar="GRYPE_JSON",
                     help="use this Grype JSON report (grype -o json) as the image's "
                     "vulnerabilities (feed imports then leave them alone)")
    add.add_argument("-o", "--output", choices=("text", "json"), default="text")
    add.set_defaults(run=run_add)

    listing = commands.add_parser("list", help="list the images in the catalog")
    listing.add_argument("-o", "--output", choices=("text", "json"), default="text")
    listing.set_defaults(run=run_list)

    get = commands.add_parser("get", help="show one image")
    get.add_argument("ref", help="tag, sha256:digest or image id")
    get.add_argument("-o", "--output", choices=("text", "json"), default="text")
    get.set_defaults(run=run_get)

    content = commands.add_parser("content", help="list an image's packages or files")
    content.add_argument("ref", help="tag, sha256:digest or image id")
    content.add_argument("type", nargs="?", choices=CONTENT_TYPES,
                         help="content type (without it: the available types)")
    content.add_argument("-o", "--output", choices=("text", "json"), default="text")
    content.set_defaults(run=run_content)

    vuln = commands.add_parser("vuln", help="list an image's vulnerabilities")
    vuln.add_argument("ref", help="tag, sha256:digest or image id")
    vuln.add_argument("type", nargs="?", choices=VULN_TYPES,
                      help="os (distro packages), non-os or all (without it: the types)")
    vuln.add_argument("-o", "--output", choices=("text", "json"), default="text")
    vuln.set_defaults(run=run_vuln)

    ancestors = commands.add_parser(
        "ancestors", help="analyzed images whose layers are a prefix of this one's")
    ancestors.add_argument("ref", help="tag, sha256:digest or image id")
    ancestors.add_argument("-o", "--output", choices=("text", "json"), default="text")
    ancestors.set_defaults(run=run_ancestors)

    delete = commands.add_parser("delete", help="delete an image, its tags and evaluations")
    delete.add_argument("ref", help="tag, sha256:digest or image id")
    delete.set_defaults(run=run_delete)

    check = commands.add_parser(
        "check", help="evaluate the policy against an image under a tag",
        description="Evaluate a policy against an image under a tag. REF is "
        "registry/repo:tag, sha256:DIGEST or an image id (those two need -t TAG), or a "
        "source not yet in the catalog (a docker-archive, oci-archive, OCI layout or rootfs "
        "path): it is analyzed and added first. Exit 0 on pass (and on fail without -f), "
        "1 on fail with -f, 2 on a usage, input or system error.")
    check.add_argument("ref")
    check.add_argument("-t", "--tag", help="the tag to evaluate under (for a digest or id)")
    check.add_argument("--detail", action="store_true",
                       help="list each finding (csv, html, sarif, junit and markdown always "
                       "do)")
    check.add_argument("-f", "--fail-based-on-results", action="store_true",
                       help="exit 1 when the evaluation fails")
    check.add_argument("-p", "--policy", metavar="ID_OR_NAME",
                       help="evaluate this policy (the active one stays active)")
    check.add_argument("--history", action="store_true",
                       help="show every stored evaluation, newest first")
    check.add_argument("--base-digest", metavar="auto|DIGEST",
                       help="compare with a base image: mark findings inherited from it")
    check.add_argument("-o", "--output", choices=OUTPUTS, default="text")
    check.add_argument("--insecure-registry", action="append", default=[], metavar="HOST",
                       help="for a reference not in the catalog: pull from HOST over plain "
                       "HTTP (repeatable)")
    check.add_argument("-d", "--dir", metavar="DIR",
                       help="also write the report to a file in DIR, named after the image "
                       "and format; stdout then gets the text summary")
    check.set_defaults(run=run_check)


# ------------------------------------------------------------------ formatting helpers

def _iso(moment: Any) -> str | None:
    if moment is None:
        return None
    from app.report.anchore_v2 import iso
    return iso(moment)


def _image_dict(info: Any) -> dict[str, Any]:
    return {"digest": info.digest, "image_id": info.image_id, "tags": list(info.tags),
            "source": info.source, "distro": info.distro,
            "distro_version": info.distro_version, "architecture": info.architecture,
            "os": info.os, "size": info.size, "layer_count": info.layer_count,
            "layers": list(info.layers), "created": _iso(info.created),
            "analyzed_at": _iso(info.analyzed_at), "dockerfile_mode": info.dockerfile_mode,
            "packages": info.packages, "files": info.files, "warnings": list(info.warnings)}


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


def _print_image(info: Any) -> None:
    distro = f"{info.distro} {info.distro_version}".strip() if info.distro else "-"
    rows = [("digest", info.digest), ("image id", info.image_id),
            ("tags", ", ".join(info.tags) or "-"), ("source", info.source),
            ("distro", distro), ("platform", f"{info.os or '?'}/{info.architecture or '?'}"),
            ("size", str(info.size)), ("layers", str(info.layer_count)),
            ("packages", "-" if info.packages is None else str(info.packages)),
            ("files", "-" if info.files is None else str(info.files)),
            ("dockerfile", info.dockerfile_mode or "-"),
            ("created", _iso(info.created) or "-"), ("analyzed", _iso(info.analyzed_at) or "-")]
    for name, value in rows:
        print(f"{name:10} {value}")
    for warning in info.warnings:
        print(f"{'warning':10} {warning}")


def table(headers: list[str], rows: list[list[str]], width: int = 80) -> str:
    """Columns padded to their widest cell; the last column is cut to fit `width`."""
    if not rows:
        return ""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    lines = []
    for row in [headers, *rows]:
        cells = [c.ljust(w) for c, w in zip(row[:-1], widths, strict=False)]
        line = "  ".join([*cells, row[-1]])
        lines.append(line if len(line) <= width else line[:width - 1] + "…")
    return "\n".join(lines)


def _short(digest: str) -> str:
    return digest[:19]


# ------------------------------------------------------------------ commands

def run_add(args: argparse.Namespace) -> int:
    from app.cli.backend import open_backend

    dockerfile = _read_text(args.dockerfile) if args.dockerfile else None
    if args.vulns and not os.path.isfile(args.vulns):
        from app.errors import InvalidInputError
        raise InvalidInputError(f"--vulns {args.vulns}: no such file")
    backend = open_backend()
    matches = None
    try:
        info = backend.add_image(args.source, tags=args.tag, dockerfile=dockerfile,
                                 platform=args.platform,
                                 insecure_registries=tuple(args.insecure_registry))
        if args.vulns:
            matches = backend.attach_vulnerabilities(info.digest, args.vulns)
    finally:
        backend.close()
    if args.output == "json":
        _print_json(_image_dict(info) | ({} if matches is None
                                         else {"vulnerabilities_attached": matches}))
    else:
        print(f"added {info.digest} ({', '.join(info.tags) or 'no tags'})")
        _print_image(info)
        if matches is not None:
            print(f"{'vulns':10} {matches} matches from {args.vulns} (grype)")
    return 0


def _read_text(path: str) -> str:
    from app.errors import InvalidInputError
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except OSError as err:
        raise InvalidInputError(f"{path}: cannot read: {err.strerror}") from None


def run_list(args: argparse.Namespace) -> int:
    from app.cli.backend import open_backend

    backend = open_backend()
    try:
        found = backend.list_images()
    finally:
        backend.close()
    if args.output == "json":
        _print_json([_image_dict(i) for i in found])
        return 0
    rows = []
    for info in found:
        distro = f"{info.distro} {info.distro_version}".strip() if info.distro else "-"
        for tag in info.tags or ("(no tag)",):
            rows.append([_short(info.digest), (_iso(info.analyzed_at) or "")[:10], distro,
                         tag])
    print(table(["DIGEST", "ANALYZED", "DISTRO", "TAG"], sorted(rows, key=lambda r: r[3]))
          if rows else "no images")
    return 0


def run_get(args: argparse.Namespace) -> int:
    from app.cli.backend import open_backend

    backend = open_backend()
    try:
        info = backend.get_image(args.ref)
    finally:
        backend.close()
    if args.output == "json":
        _print_json(_image_dict(info))
    else:
        _print_image(info)
    return 0


def _listing(args: argparse.Namespace, types: tuple[str, ...], what: str,
             fetch: Callable[[Any], list[dict[str, Any]]],
             rows: Callable[[list[dict[str, Any]]], str]) -> int:
    """`image content|vuln REF [TYPE]`: the types without TYPE, else one listing."""
    from app.cli.backend import open_backend

    if args.type is None:
        if args.output == "json":
            _print_json(list(types))
        else:
            print("\n".join(f"{t}: available" for t in types))
        return 0
    backend = open_backend()
    try:
        items = fetch(backend)
    finally:
        backend.close()
    if args.output == "json":
        _print_json(items)
    elif not items:
        print(f"no {args.type} {what} in {args.ref}")
    else:
        print(rows(items))
    return 0


def run_content(args: argparse.Namespace) -> int:
    from app.cli.backend import CONTENT_TYPES

    def rows(items: list[dict[str, Any]]) -> str:
        if args.type == "files":
            return table(["SIZE", "MODE", "TYPE", "PATH"],
                         [[str(i.get("size", 0)), f"{(i.get('mode') or 0) & 0o7777:04o}",
                           str(i.get("type")), i["filename"]] for i in items])
        if args.type == "os":
            return table(["PACKAGE", "VERSION", "LICENSES"],
                         [[i["package"], i["version"], ", ".join(i.get("licenses") or []) or "-"]
                          for i in items])
        # Anchore lists a Java archive's version as its implementation-version
        return table(["PACKAGE", "VERSION", "LOCATION"],
                     [[i["package"], str(i.get("version") or i.get("implementation-version")),
                       i["location"]] for i in items])

    return _listing(args, tuple(CONTENT_TYPES), "content",
                    lambda backend: backend.content(args.ref, args.type), rows)


def run_vuln(args: argparse.Namespace) -> int:
    return _listing(args, tuple(VULN_TYPES), "vulnerabilities",
                    lambda backend: backend.vulnerabilities(args.ref, args.type),
                    lambda found: table(["VULNERABILITY", "SEVERITY", "PACKAGE", "FIX"],
                                        [[v["vuln"], v["severity"], v["package"], v["fix"]]
                                         for v in found]))


def run_ancestors(args: argparse.Namespace) -> int:
    from app.cli.backend import open_backend

    backend = open_backend()
    try:
        found = backend.ancestors(args.ref)
    finally:
        backend.close()
    if args.output == "json":
        _print_json([_image_dict(i) | {"chosen_base_image": n == len(found) - 1}
                     for n, i in enumerate(found)])
        return 0
    if not found:
        print(f"{args.ref} has no analyzed ancestors")
        return 0
    rows = [[i.digest, str(i.layer_count), ", ".join(i.tags) or "-"] for i in found]
    print(table(["DIGEST", "LAYERS", "TAGS"], rows))
    print("(nearest last: the base image for --base-digest auto)")
    return 0


def run_delete(args: argparse.Namespace) -> int:
    from app.cli.backend import open_backend

    backend = open_backend()
    try:
        info = backend.get_image(args.ref)
        backend.delete_image(args.ref)
    finally:
        backend.close()
    print(f"deleted {info.digest}")
    return 0


def _is_source(ref: str) -> bool:
    """A path on disk (an archive, layout or rootfs) rather than a catalog reference."""
    return os.path.exists(ref) and (os.sep in ref or os.path.isfile(ref))


def _is_tag(ref: str) -> bool:
    """A registry/repo[:tag] reference, not a digest or an image id."""
    hexadecimal = len(ref) >= 12 and all(c in "0123456789abcdef" for c in ref)
    return not ref.startswith("sha256:") and "@" not in ref and not hexadecimal


def _pull_and_add(backend: Any, ref: str, tag: str | None, missing: Exception,
                  insecure_registries: tuple[str, ...]) -> str:
    """A tag not in the catalog is analyzed from its registry and added (one step); its
    digest. When it cannot be analyzed, the error says both things."""
    from app.errors import ImagegateError, NotFoundError

    try:
        added = backend.add_image(ref, tags=[tag or ref], dockerfile=None, platform=None,
                                  insecure_registries=insecure_registries)
    except ImagegateError as err:
        raise NotFoundError(f"{missing}, and it could not be analyzed from its registry: "
                            f"{err}") from None
    return str(added.digest)


def _rendered(fmt: str, report: Any, served: dict[str, Any] | None, *,
              color: bool = False) -> str:
    from app.report import render_as

    if served is not None:
        return json.dumps(served, indent=2, ensure_ascii=False) + "\n"
    return render_as(fmt, report, color=color)


def run_check(args: argparse.Namespace) -> int:
    from app.cli import EXIT_FAIL, EXIT_OK
    from app.cli.backend import open_backend
    from app.cli.console import use_color
    from app.errors import InvalidInputError, NotFoundError
    from app.report import FORMATS, render_as
    from app.report.model import safe_name

    detail = args.detail or args.output in REPORT_OUTPUTS
    backend = open_backend()
    try:
        ref, tag = args.ref, args.tag
        if _is_source(ref):
            added = backend.add_image(ref, tags=[tag] if tag else [], dockerfile=None,
                                      platform=None)
            if not added.tags:
                raise InvalidInputError(f"{ref} names no tag: give one with -t TAG "
                                        "(verdicts are per tag)")
            ref, tag = added.digest, tag or added.tags[0]
        # json-raw prints the v2 body (remotely: as the server served it).
        served: dict[str, Any] | None = None

        def check() -> Any:
            nonlocal served
            options = {"tag": tag, "policy": args.policy, "history": args.history,
                       "base_digest": args.base_digest, "detail": detail}
            if args.output == "json-raw":
                found, served = backend.check_raw(ref, **options)
                return found
            return backend.check(ref, **options)

        try:
            report = check()
        except NotFoundError as missing:
            if not _is_tag(ref) or backend.has_image(ref):
                raise  # another thing is missing (the policy, the base image)
            ref, tag = _pull_and_add(backend, ref, tag, missing,
                                     tuple(args.insecure_registry)), tag or ref
            report = check()
    finally:
        backend.close()
    if args.dir:
        os.makedirs(args.dir, exist_ok=True)
        path = os.path.join(args.dir, f"{safe_name(report.tag)}.{FORMATS[args.output][1]}")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(_rendered(args.output, report, served))
        sys.stdout.write(render_as("text", report, color=use_color()))
        print(f"report written to {path}", file=sys.stderr)
    else:
        color = args.output == "text" and use_color()
        sys.stdout.write(_rendered(args.output, report, served, color=color))
    failed = report.latest.status == "fail"
    return EXIT_FAIL if failed and args.fail_based_on_results else EXIT_OK
