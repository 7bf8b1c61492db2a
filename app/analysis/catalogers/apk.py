"""Alpine packages: /lib/apk/db/installed (blank-line separated records of `X:value` lines).

P name, V version, A arch, L license, o origin, F directory, R file, a file mode
(uid:gid:octal), Z file checksum (`Q1` + base64 sha1). Layer: the layer from which the
(name, version) has been in every later version of the database."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Sequence
from typing import Any

from app.analysis.catalogers.base import CatalogContext, distro_qualifier, introduced_in, purl
from app.analysis.errors import AnalysisLimits
from app.analysis.filesystem import Capture, SnifferFactory
from app.analysis.model import PackageFileRecord, PackageRecord

INSTALLED = "/lib/apk/db/installed"


def parse_installed(path: str, data: bytes) -> tuple[dict[str, Any], ...]:
    packages: list[dict[str, Any]] = []
    current: dict[str, Any] = {}
    files: list[PackageFileRecord] = []
    directory = ""
    last: dict[str, Any] | None = None

    def flush_file() -> None:
        nonlocal last
        if last is not None:
            files.append(PackageFileRecord(**last))
            last = None

    def flush() -> None:
        nonlocal current, files
        flush_file()
        if "P" in current and "V" in current:
            current["files"] = tuple(files)
            packages.append(current)
        current, files = {}, []

    for line in data.decode("utf-8", "replace").splitlines():
        if not line.strip():
            flush()
            directory = ""
            continue
        key, sep, value = line.partition(":")
        if not sep or len(key) != 1:
            continue
        if key == "F":
            flush_file()
            directory = value
        elif key == "R":
            flush_file()
            last = {"path": "/" + (directory + "/" + value).lstrip("/") if directory
                    else "/" + value}
        elif key == "a" and last is not None:
            mode = value.split(":")[-1]
            if re.fullmatch(r"[0-7]+", mode):
                last["mode"] = int(mode, 8)
        elif key == "Z" and last is not None:
            if value.startswith("Q1"):
                try:
                    last["digest"] = base64.b64decode(value[2:]).hex()
                    last["digest_algorithm"] = "sha1"
                except ValueError:
                    pass
        else:
            current.setdefault(key, value)
    flush()
    return tuple(packages)


def _keys(packages: Any) -> set[tuple[str, str]]:
    return {(p["P"], p["V"]) for p in packages}


class ApkCataloger:
    name = "apk"

    def captures(self, limits: AnalysisLimits) -> Sequence[Capture]:
        return [Capture(re.compile(re.escape(INSTALLED)), parse_installed, keep_history=True)]

    def sniffers(self) -> Sequence[tuple[str, SnifferFactory]]:
        return ()

    def catalog(self, ctx: CatalogContext) -> Iterable[PackageRecord]:
        db = ctx.fs.get(INSTALLED)
        if db is None:
            return
        distro = ctx.distro
        for p in db.value:
            name, version = p["P"], p["V"]
            layer = introduced_in(db.history, (name, version), _keys) or db.layer
            release = "r" + version.rsplit("-r", 1)[1] if "-r" in version else None
            arch = p.get("A") or None
            yield PackageRecord(
                name=name, version=version, type="apk", release=release,
                source=p.get("o") or name, architecture=arch,
                licenses=(p["L"],) if p.get("L") else (),
                purl=purl("apk", name, version, namespace=distro.id if distro else "alpine",
                          qualifiers={"arch": arch, "distro": distro_qualifier(distro),
                                      "upstream": p.get("o") if p.get("o") != name else None}),
                location=INSTALLED, layer=layer, files=p["files"])
