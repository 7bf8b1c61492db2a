"""Distro detection: os-release first, then redhat-release files, then BusyBox's binary."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.analysis import DistroRecord, analyze
from tests.analysis.builders import D, F, H, S, docker_archive

BUSYBOX_BINARY = b"\x7fELF" + b"\0" * (2 << 20) + b"BusyBox v1.36.1 (2024-01-01 00:00:00 UTC)\0"


@pytest.mark.parametrize(("entries", "expected"), [
    ([F("etc/os-release", 'ID="ubuntu"\nVERSION_ID="22.04"\nID_LIKE=debian\n'),
      F("bin/busybox", BUSYBOX_BINARY, 0o755)], DistroRecord("ubuntu", "22.04", ("debian",))),
    ([D("usr"), D("usr/lib"), F("usr/lib/os-release", "ID=debian\n"),
      S("etc/os-release", "../usr/lib/os-release")], DistroRecord("debian", "")),
    ([F("etc/centos-release", "CentOS release 6.10 (Final)\n"),
      S("etc/redhat-release", "centos-release")], DistroRecord("centos", "6.10", ("rhel",))),
    ([F("etc/redhat-release", "Red Hat Enterprise Linux Server release 6.9 (Santiago)\n")],
     DistroRecord("rhel", "6.9")),
    ([F("bin/busybox", BUSYBOX_BINARY, 0o755), H("bin/sh", "bin/busybox", 0o755)],
     DistroRecord("busybox", "1.36.1")),
    ([D("usr"), D("usr/bin"), F("usr/bin/busybox", BUSYBOX_BINARY, 0o755),
      S("bin", "usr/bin")], DistroRecord("busybox", "1.36.1")),
    ([F("bin/true", b"\x7fELF")], None),
])
def test_distro(tmp_path: Path, entries: list, expected: DistroRecord | None) -> None:  # type: ignore[type-arg]
    result = analyze(docker_archive(str(tmp_path / "img.tar"), [entries]).path)
    assert result.distro == expected
