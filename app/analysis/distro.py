"""The distro: from /etc/os-release (or /usr/lib/os-release); failing that from
/etc/redhat-release-style files (CentOS 6 and older); failing that, for BusyBox images,
("busybox", the version printed inside /bin/busybox)."""

from __future__ import annotations

import re
import shlex
from typing import Any

from app.analysis.model import DistroRecord

OS_RELEASE = ("/etc/os-release", "/usr/lib/os-release")
RELEASE_FILES = ("/etc/centos-release", "/etc/redhat-release", "/etc/system-release")
BUSYBOX = "/bin/busybox"
_BUSYBOX_PATHS = frozenset({BUSYBOX, "/usr/bin/busybox", "/sbin/busybox", "/usr/sbin/busybox"})
_RELEASE = re.compile(r"^(?P<name>.+?)\s+release\s+(?P<version>\d[\w.]*)", re.I)
_RELEASE_IDS = {"centos": "centos", "red hat": "rhel", "fedora": "fedora",
                "oracle": "ol", "amazon": "amzn", "rocky": "rocky", "almalinux": "almalinux"}
_BUSYBOX_VERSION = re.compile(rb"BusyBox v(\d+\.\d+(?:\.\d+)?)")


def parse_os_release(data: bytes) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in data.decode("utf-8", "replace").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, raw = line.partition("=")
        try:
            parts = shlex.split(raw)
        except ValueError:
            parts = [raw.strip("\"'")]
        values[key.strip()] = " ".join(parts)
    return values


def distro_from_os_release(data: bytes) -> DistroRecord | None:
    values = parse_os_release(data)
    if not values.get("ID"):
        return None
    return DistroRecord(id=values["ID"].lower(), version_id=values.get("VERSION_ID", ""),
                        id_like=tuple(values.get("ID_LIKE", "").split()))


def distro_from_release_file(data: bytes) -> DistroRecord | None:
    """"CentOS release 6.10 (Final)" → centos 6.10; "Red Hat Enterprise Linux Server
    release 6.9 (Santiago)" → rhel 6.9."""
    m = _RELEASE.match(data.decode("utf-8", "replace").strip())
    if not m:
        return None
    name = m.group("name").lower()
    ident = next((v for k, v in _RELEASE_IDS.items() if name.startswith(k)), None)
    if ident is None:
        return None
    like = () if ident in ("rhel", "fedora") else ("rhel",) if ident != "amzn" else ()
    return DistroRecord(id=ident, version_id=m.group("version"), id_like=like)


class BusyboxSniffer:
    """Finds "BusyBox vX.Y.Z" in the binary as it streams past."""

    def __init__(self) -> None:
        self.tail = b""
        self.version: str | None = None

    def feed(self, chunk: bytes) -> bool:
        data = self.tail + chunk
        m = _BUSYBOX_VERSION.search(data)
        if m and m.end() < len(data):  # the version may continue in the next chunk
            self.version = m.group(1).decode()
            return False
        self.tail = data[-64:]
        return True

    def result(self) -> Any:
        return self.version


def sniff_busybox(path: str, size: int, first: bytes) -> BusyboxSniffer | None:
    return BusyboxSniffer() if path in _BUSYBOX_PATHS else None
