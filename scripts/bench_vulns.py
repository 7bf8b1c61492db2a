#!/usr/bin/env python3
"""Vulnerability benchmark (issue 4): import a generated osv.dev-style zip of 200,000 records
(mixed ecosystems) into SQLite, then match an image of 5,000 packages against them.

    .venv/bin/python scripts/bench_vulns.py [--records 200000] [--packages 5000] [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.analysis import DistroRecord, ImageAnalysis, PackageRecord
from app.catalog.db import Database
from app.services import accounts, feeds, images, vulnerabilities
from app.services.setup import initialize

# (OSV ecosystem, our package type, version pattern)
ECOSYSTEMS = [("Debian:12", "dpkg", "{a}.{b}.{c}-{d}"), ("PyPI", "python", "{a}.{b}.{c}"),
              ("npm", "npm", "{a}.{b}.{c}"), ("Maven", "java", "{a}.{b}.{c}"),
              ("Go", "go", "v{a}.{b}.{c}"), ("RubyGems", "gem", "{a}.{b}.{c}"),
              ("crates.io", "rust", "{a}.{b}.{c}"), ("Alpine:v3.18", "apk", "{a}.{b}.{c}-r{d}")]
NAMES_PER_ECOSYSTEM = 20_000


def name(ecosystem: str, n: int) -> str:
    return f"org.example:lib{n}" if ecosystem == "Maven" else (
        f"example.com/mod{n}" if ecosystem == "Go" else f"pkg{n}")


def version(pattern: str, rnd: random.Random) -> str:
    return pattern.format(a=rnd.randrange(1, 9), b=rnd.randrange(0, 20), c=rnd.randrange(0, 30),
                          d=rnd.randrange(1, 5))


def generate(path: Path, records: int) -> None:
    rnd = random.Random(3)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for i in range(records):
            ecosystem, _, pattern = ECOSYSTEMS[i % len(ECOSYSTEMS)]
            rid = f"BENCH-{i:06d}"
            record = {
                "id": rid, "modified": "2025-01-01T00:00:00Z",
                "published": "2024-06-01T00:00:00Z", "aliases": [f"CVE-2024-{i:06d}"],
                "summary": f"generated advisory {i}",
                "severity": [{"type": "CVSS_V3",
                              "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]
                if i % 3 == 0 else [],
                "affected": [{"package": {"ecosystem": ecosystem, "name": name(
                    ecosystem, rnd.randrange(NAMES_PER_ECOSYSTEM))},
                    "ranges": [{"type": "ECOSYSTEM", "events": [
                        {"introduced": "0"}, {"fixed": version(pattern, rnd)}]}]}],
            }
            zf.writestr(f"{rid}.json", json.dumps(record))


def image(packages: int) -> ImageAnalysis:
    rnd = random.Random(5)
    pkgs = []
    for i in range(packages):
        ecosystem, ptype, pattern = ECOSYSTEMS[i % len(ECOSYSTEMS)]
        if ptype == "apk":  # one distro per image: Debian's packages stand for the OS
            ecosystem, ptype, pattern = ECOSYSTEMS[0]
        pkgs.append(PackageRecord(name(ecosystem, rnd.randrange(NAMES_PER_ECOSYSTEM)),
                                  version(pattern, rnd), ptype))
    return ImageAnalysis(digest="sha256:" + "5" * 64, image_id="6" * 64, source_kind="bench",
                         distro=DistroRecord("debian", "12"), packages=tuple(pkgs))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--packages", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        feed = Path(tmp) / "all.zip"
        start = time.perf_counter()
        generate(feed, args.records)
        print(f"generated {args.records} records ({feed.stat().st_size / 2**20:.0f} MiB zip) "
              f"in {time.perf_counter() - start:.0f} s")
        db = Database(f"sqlite:///{tmp}/bench.db")
        initialize(db, admin_password="bench")
        scope = accounts.scope_for(db, accounts.authenticate_password(
            db, username="admin", password="bench"))
        result = feeds.import_feed(db, scope, feed, now=datetime.now(UTC))
        rate = result.read / result.seconds
        analysis = image(args.packages)
        images.add_image(db, scope, analysis, tags=["docker.io/bench/vulns:1"])
        times, matches = [], 0
        for _ in range(args.runs):
            with db.read() as session:
                start = time.perf_counter()
                rows = vulnerabilities.match_rows(session, analysis)
                times.append(time.perf_counter() - start)
            matches = len(rows)
        print(f"import: {result.summary()}")
        print(f"\n{'measure':52} {'value':>12}  target")
        print(f"{'import into SQLite':52} {rate:8.0f} rec/s  >= 5,000 rec/s")
        label = f"match {args.packages} packages ({matches} matches), p50"
        print(f"{label:52} {statistics.median(times) * 1000:8.0f} ms    <= 1,000 ms")
        db.dispose()
        return 0 if rate >= 5000 and statistics.median(times) <= 1 else 1


if __name__ == "__main__":
    sys.exit(main())
