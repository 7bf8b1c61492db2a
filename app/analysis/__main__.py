"""`python -m app.analysis SOURCE [--platform P] [--summary]`: analyze and print JSON."""

from __future__ import annotations

import argparse
import collections
import json
import sys

from app.analysis import AnalysisError, analyze


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.analysis", description=__doc__)
    parser.add_argument("source", help="docker-archive/oci-archive tarball, OCI layout or rootfs")
    parser.add_argument("--platform", help="os/arch[/variant] to pick from a multi-platform index")
    parser.add_argument("--summary", action="store_true", help="counts instead of every fact")
    args = parser.parse_args(argv)
    try:
        result = analyze(args.source, platform=args.platform)
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
