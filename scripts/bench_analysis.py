#!/usr/bin/env python3
"""Analysis benchmark (issue 3): `image add` of a generated docker-archive with gzip layers
(1 GiB of file content by default) against GNU `tar -tzvf` listing the same layer files, in
the same run; prints both times, the ratio and the peak RSS of the add.

    .venv/bin/python scripts/bench_analysis.py [--size-mb 1024] [--files 40000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import random
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = 4

ADD = """
import resource, sys, time
from app.services import accounts, images
from app.services.setup import initialize
from app.catalog.db import Database
start = time.perf_counter()
db = Database(sys.argv[2])
initialize(db, admin_password="bench")
scope = accounts.scope_for(db, accounts.authenticate_password(db, username="admin",
                                                              password="bench"))
record = images.add_image(db, scope, images.analyze_source(sys.argv[1]))
print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
      len(record.image.layers))
"""


class HashingWriter(io.RawIOBase):
    """Passes writes through to `sink`, hashing them: the layer's diff_id on the way."""

    def __init__(self, sink: io.RawIOBase | gzip.GzipFile) -> None:
        self.sink, self.hash = sink, hashlib.sha256()

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # type: ignore[override]
        self.hash.update(data)
        return self.sink.write(data)


def build(out: Path, size_mb: int, files: int) -> list[Path]:
    """A docker-archive of LAYERS gzip layers; also writes each layer as its own .tar.gz."""
    rnd = random.Random(42)
    per_layer, total = files // LAYERS, size_mb * 1024 * 1024
    avg = total // files
    # Incompressible content (like binaries) so gzip does real work on both sides.
    pool = rnd.randbytes(8 * 1024 * 1024)
    layer_paths, diff_ids = [], []
    for n in range(LAYERS):
        path = out / f"layer{n}.tar.gz"
        with open(path, "wb") as fh, gzip.GzipFile(fileobj=fh, mode="wb", compresslevel=1,
                                                    mtime=0) as gz:
            writer = HashingWriter(gz)
            with tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as tf:
                for i in range(per_layer):
                    size = min(int(rnd.expovariate(1 / avg)), 4 * 1024 * 1024)
                    info = tarfile.TarInfo(f"usr/share/l{n}/d{i % 200}/f{i}.bin")
                    info.size, info.mode, info.mtime = size, 0o644, 1700000000
                    offset = rnd.randrange(0, len(pool) - size) if size < len(pool) else 0
                    tf.addfile(info, io.BytesIO(pool[offset:offset + size]))
        layer_paths.append(path)
        diff_ids.append("sha256:" + writer.hash.hexdigest())
    config = json.dumps({"architecture": "amd64", "os": "linux",
                         "rootfs": {"type": "layers", "diff_ids": diff_ids},
                         "history": [{"created_by": f"/bin/sh -c #(nop) ADD layer{n} in / "}
                                     for n in range(LAYERS)]}).encode()
    config_name = hashlib.sha256(config).hexdigest() + ".json"
    manifest = json.dumps([{"Config": config_name, "RepoTags": ["bench/big:1.0"],
                            "Layers": [f"{n}/layer.tar" for n in range(LAYERS)]}]).encode()
    with tarfile.open(out / "image.tar", "w") as tf:
        for n, path in enumerate(layer_paths):
            tf.add(path, f"{n}/layer.tar")
        for name, data in ((config_name, config), ("manifest.json", manifest)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return layer_paths


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--files", type=int, default=40000)
    parser.add_argument("--keep", help="reuse/keep the generated image in this directory")
    args = parser.parse_args()
    work = Path(args.keep or tempfile.mkdtemp(prefix="imagegate-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    stamp = work / f"built-{args.size_mb}-{args.files}"
    if not stamp.exists():
        start = time.perf_counter()
        build(work, args.size_mb, args.files)
        stamp.touch()
        print(f"generated {work / 'image.tar'} in {time.perf_counter() - start:.0f} s")
    layers = sorted(work.glob("layer*.tar.gz"))
    size = (work / "image.tar").stat().st_size
    print(f"image: {size / 2**20:.0f} MiB archive, {LAYERS} gzip layers, {args.files} files, "
          f"{args.size_mb} MiB of content")

    start = time.perf_counter()
    for layer in layers:
        subprocess.run(["tar", "-tzvf", str(layer)], check=True, stdout=subprocess.DEVNULL)
    tar_time = time.perf_counter() - start

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", ADD, str(work / "image.tar"),
                              f"sqlite:///{tmp}/bench.db"], check=True, capture_output=True,
                             text=True, cwd=ROOT)
        add_wall = time.perf_counter() - start
    rss_kb = out.stdout.split()[1]
    print(f"\n{'measure':44} {'value':>10}  target")
    print(f"{'tar -tzvf over the layer files':44} {tar_time:8.2f} s")
    print(f"{'image add (analyze + store), whole process':44} {add_wall:8.2f} s")
    print(f"{'ratio':44} {add_wall / tar_time:8.2f} x   <= 3 x")
    print(f"{'peak RSS of image add':44} {int(rss_kb) / 1024:8.0f} MB  < 250 MB")
    if not args.keep:
        for path in work.iterdir():
            path.unlink()
        work.rmdir()
    return 0 if add_wall / tar_time <= 3 and int(rss_kb) / 1024 < 250 else 1


if __name__ == "__main__":
    sys.exit(main())
