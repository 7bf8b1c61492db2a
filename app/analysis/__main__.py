"""`python -m app.analysis SOURCE [--platform P] [--summary] [--insecure-registry]
[--username U --password-stdin]`: analyze and print JSON."""

from __future__ import annotations

import argparse
import collections
import json
import sys

from app.analysis import AnalysisError, RegistryOptions, analyze


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.analysis", description=__doc__)
    parser.add_argument("source", help="docker-archive/oci-archive tarball, OCI layout, rootfs, "
                                       "SBOM file (Syft/CycloneDX/SPDX JSON) or registry "
                                       "reference")
    parser.add_argument("--platform", help="os/arch[/variant] to pick from a multi-platform index")
    parser.add_argument("--summary", action="store_true", help="counts instead of every fact")
    parser.add_argument("--insecure-registry", action="store_true",
                        help="pull over plain HTTP (a registry on loopback)")
    parser.add_argument("--username", help="registry username")
    parser.add_argument("--password-stdin", action="store_true",
                        help="read the registry password from standard input")
    args = parser.parse_args(argv)
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else None
    options = RegistryOptions(username=args.username, password=password,
                              insecure=args.insecure_registry)
    try:
        result = analyze(args.source, platform=args.platform, registry_options=options)
    except AnalysisError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    doc = result.to_dict()
    if args.summary:
        doc["files"] = len(result.files)
        doc["packages"] = dict(collections.Counter(p.type for p in result.packages))
        doc.pop("retrieved_files")
    json.dump(doc, sys.stdout, indent=2, default=str)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
