"""The HTML report in a real browser: headless Chromium renders it, the verdict is visible
text in the DOM, and the screenshot shows the verdict banner's colour."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from app.report import render_as
from tests.report import sample

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FAIL_RED, PASS_GREEN = (0xCF, 0x22, 0x2E), (0x1A, 0x7F, 0x37)


@pytest.fixture
def browser(tmp_path):
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (.ci/run installs it)")
        pytest.skip("chromium is not installed (apt-get install chromium)")

    def run(page: Path, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
             f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1024,768",
             *args, page.as_uri()],
            capture_output=True, text=True, timeout=120, check=False)

    return run


def png_pixels(data: bytes) -> tuple[int, int, list[tuple[int, int, int]]]:
    """Decode an 8-bit RGB or RGBA, non-interlaced PNG (what Chromium writes)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks, header = 8, [], b""
    while pos < len(data):
        (length,), kind = struct.unpack(">I", data[pos:pos + 4]), data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            chunks.append(body)
    width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and color in (2, 6) and interlace == 0
    channels = 3 if color == 2 else 4
    raw = zlib.decompress(b"".join(chunks))
    stride = width * channels
    previous = bytearray(stride)
    pixels = []
    for row in range(height):
        start = row * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                pred = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[i] = (line[i] + pred) & 0xFF
        pixels += [tuple(line[i:i + 3]) for i in range(0, stride, channels)]
        previous = line
    return width, height, pixels  # type: ignore[return-value]


def share(pixels, rgb, tolerance=6) -> float:
    near = sum(1 for p in pixels if all(abs(a - b) <= tolerance for a, b in zip(p, rgb,
                                                                            strict=True)))
    return near / len(pixels)


@pytest.mark.parametrize(("report", "word", "colour"), [
    (sample.report(), "FAIL", FAIL_RED), (sample.passing(), "PASS", PASS_GREEN)])
def test_headless_chromium_renders_the_verdict(browser, tmp_path, report, word, colour):
    page = tmp_path / "report.html"
    page.write_text(render_as("html", report), encoding="utf-8")
    dom = browser(page, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert f'<section id="verdict" class="verdict {word.lower()}"><h1>{word}</h1>' in dom.stdout
    shot = tmp_path / "shot.png"
    result = browser(page, f"--screenshot={shot}")
    assert result.returncode == 0 and shot.exists(), result.stderr[-2000:]
    width, height, pixels = png_pixels(shot.read_bytes())
    assert (width, height) == (1024, 768)
    top = pixels[: width * 160]  # the banner sits at the top of the page
    assert share(top, colour) > 0.15, f"the {word} banner is not visible"
    other = PASS_GREEN if colour == FAIL_RED else FAIL_RED
    assert share(top, other) < share(top, colour) / 4
