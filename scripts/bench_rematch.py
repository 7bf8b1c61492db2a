#!/usr/bin/env python3
"""Re-matching after a feed import: every image of the catalog is matched again from its
stored analysis. A catalog of large images (20,000 files and 500 packages each) against
generated OSV records; `feeds.rematch_all`, which reads each analysis without its file list,
against the same loop reading whole analyses (what it did before), in the same run.

    .venv/bin/python scripts/bench_rematch.py [--images 50] [--files 20000] [--records 20000]
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlmodel import col, select

from app.analysis import FileRecord
from app.catalog.db import Database
from app.catalog.models import Image
from app.services import accounts, feeds, images
from app.services.setup import initialize
from app.services.vulnerabilities import match_image
from scripts.bench_vulns import generate, image


def rematch_reading_files(db: Database) -> int:
    """`feeds.rematch_all` as it was: each image's whole analysis, files included."""
    now = datetime.now(UTC)
    with db.read() as session:
        pks = list(session.exec(select(Image.id).order_by(col(Image.id))))
    for pk in pks:
        with db.transaction() as session:
            record = session.get(Image, pk)
            assert record is not None
            match_image(session, record, images.stored_analysis(session, record), now)
    return len(pks)


def p50(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=50)
    parser.add_argument("--files", type=int, default=20_000)
    parser.add_argument("--packages", type=int, default=500)
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        feed = Path(tmp) / "feed.zip"
        generate(feed, args.records)
        db = Database(f"sqlite:///{tmp}/bench.db")
        initialize(db, admin_password="bench")
        scope = accounts.scope_for(db, accounts.authenticate_password(
            db, username="admin", password="bench"))
        feeds.import_feed(db, scope, feed, now=datetime.now(UTC))
        base = image(args.packages)
        for n in range(args.images):
            files = tuple(FileRecord(f"/usr/share/i{n}/d{i % 200}/f{i}", size=i,
                                     sha256=f"{i:064x}") for i in range(args.files))
            analysis = dataclasses.replace(base, digest=f"sha256:{n:064x}",
                                           image_id=f"{n + 10**9:064x}", files=files)
            images.add_image(db, scope, analysis, tags=[f"docker.io/bench/rematch:{n}"])
        new = p50(lambda: feeds.rematch_all(db), args.runs)
        old = p50(lambda: rematch_reading_files(db), args.runs)
        db.dispose()
    print(f"{args.images} images x {args.files} files, {args.packages} packages each; "
          f"{args.records} records")
    print(f"  re-match, reading whole analyses (before)   {old:7.2f} s")
    print(f"  re-match, without the file lists (now)      {new:7.2f} s   {old / new:.1f}x faster")
    return 0


if __name__ == "__main__":
    sys.exit(main())
