"""The distro from /etc/os-release (or /usr/lib/os-release)."""

from __future__ import annotations

import shlex

from app.analysis.model import DistroRecord

OS_RELEASE = ("/etc/os-release", "/usr/lib/os-release")


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
