"""Layers stream: analyzing an image whose layer holds a large file needs only a few
megabytes of memory, however large the layer."""

from __future__ import annotations

import gc
import hashlib
import tracemalloc
from pathlib import Path

from app.analysis import analyze
from tests.analysis.builders import F, docker_archive, oci_layout

SIZE = 48 * 1024 * 1024


def _peak(path: str) -> tuple[int, str | None]:
    gc.collect()
    tracemalloc.start()
    try:
        result = analyze(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, next(f.sha256 for f in result.files if f.path == "/big")


def test_large_layers_are_never_held_in_memory(tmp_path: Path) -> None:
    expected = hashlib.sha256(b"\0" * SIZE).hexdigest()
    archive = docker_archive(str(tmp_path / "img.tar"), [[F("big", b"\0" * SIZE)]]).path
    layout = oci_layout(str(tmp_path / "layout"), [[F("big", b"\0" * SIZE)]], how="gzip").path
    gc.collect()
    for path in (archive, layout):
        peak, digest = _peak(path)
        assert digest == expected
        assert peak < 8 * 1024 * 1024, f"{path}: peak {peak} bytes"
