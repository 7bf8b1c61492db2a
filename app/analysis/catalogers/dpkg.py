"""Debian packages: /var/lib/dpkg/status (installed paragraphs) and, for distroless images,
/var/lib/dpkg/status.d/*. Files from info/<pkg>[:<arch>].list and .md5sums (digests) and
conffiles; licenses from the machine-readable /usr/share/doc/<pkg>/copyright.

Layer: for status, the layer from which the (name, version) has been in every later version
of the status file; for status.d, the layer of the package's own file."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from app.analysis.catalogers.base import CatalogContext, distro_qualifier, introduced_in, purl
from app.analysis.errors import AnalysisLimits
from app.analysis.filesystem import Capture, SnifferFactory
from app.analysis.model import PackageFileRecord, PackageRecord

STATUS = "/var/lib/dpkg/status"
STATUS_D = re.compile(r"/var/lib/dpkg/status\.d/[^/]+")
INFO = "/var/lib/dpkg/info/"
COPYRIGHT = re.compile(r"/usr/share/doc/[^/]+/copyright")
_SOURCE = re.compile(r"^(\S+)(?:\s+\((.+)\))?$")


def parse_deb822(data: bytes) -> list[dict[str, str]]:
    """Paragraphs of a deb822 file; continuation lines joined with newlines."""
    paragraphs: list[dict[str, str]] = []
    current: dict[str, str] = {}
    key: str | None = None
    for line in data.decode("utf-8", "replace").splitlines():
        if not line.strip():
            if current:
                paragraphs.append(current)
            current, key = {}, None
        elif line[0] in " \t":
            if key is not None:
                current[key] += "\n" + line.strip()
        elif ":" in line:
            key, _, value = line.partition(":")
            key = key.strip()
            current[key] = value.strip()
    if current:
        paragraphs.append(current)
    return paragraphs


def parse_status(path: str, data: bytes) -> tuple[dict[str, str], ...]:
    return tuple(p for p in parse_deb822(data) if "Package" in p and "Version" in p)


def parse_copyright(path: str, data: bytes) -> tuple[str, ...]:
    """The License: short names of a DEP-5 copyright file, first seen first."""
    licenses: list[str] = []
    for line in data.decode("utf-8", "replace").splitlines():
        if line.startswith("License:"):
            name = line[len("License:"):].strip()
            if name and name not in licenses:
                licenses.append(name)
    return tuple(licenses)


def _installed(p: dict[str, str]) -> bool:
    status = p.get("Status")
    return status is None or status.split()[-1:] == ["installed"]


def _keys(paragraphs: Any) -> set[tuple[str, str]]:
    return {(p["Package"], p["Version"]) for p in paragraphs if _installed(p)}


class DpkgCataloger:
    name = "dpkg"

    def captures(self, limits: AnalysisLimits) -> Sequence[Capture]:
        return [
            Capture(re.compile(re.escape(STATUS)), parse_status, keep_history=True),
            Capture(re.compile(STATUS_D.pattern + r"\.md5sums")),
            Capture(STATUS_D, parse_status),
            Capture(re.compile(re.escape(INFO) + r"[^/]+\.(?:list|md5sums|conffiles)")),
            Capture(COPYRIGHT, parse_copyright, max_size=256 * 1024),
        ]

    def sniffers(self) -> Sequence[tuple[str, SnifferFactory]]:
        return ()

    def catalog(self, ctx: CatalogContext) -> Iterable[PackageRecord]:
        fs = ctx.fs
        found: list[tuple[dict[str, str], str, str | None, bytes | None]] = []
        status = fs.get(STATUS)
        if status is not None:
            for p in status.value:
                if _installed(p):
                    key = (p["Package"], p["Version"])
                    layer = introduced_in(status.history, key, _keys) or status.layer
                    found.append((p, STATUS, layer, None))
        for path, captured in fs.matching(STATUS_D):
            if path.endswith(".md5sums") or not isinstance(captured.value, tuple):
                continue
            md5 = fs.value(path + ".md5sums")
            for p in captured.value:
                found.append((p, path, captured.layer, md5 if isinstance(md5, bytes) else None))
        for p, location, layer, md5sums in found:
            yield self._package(ctx, p, location, layer, md5sums)

    def _package(self, ctx: CatalogContext, p: dict[str, str], location: str,
                 layer: str | None, md5sums: bytes | None) -> PackageRecord:
        name, version = p["Package"], p["Version"]
        arch = p.get("Architecture") or None
        source = name
        m = _SOURCE.match(p.get("Source", ""))
        if m:
            source = m.group(1)
        release = version.rsplit("-", 1)[1] if "-" in version else None
        fs = ctx.fs
        licenses = fs.value(f"/usr/share/doc/{name}/copyright")
        files = self._files(ctx, name, arch, p, md5sums)
        if location == STATUS:
            info_layer = next((fs.layer(INFO + stem + ".list") for stem in _stems(name, arch)
                               if fs.exists(INFO + stem + ".list")), None)
            layer = layer or info_layer
        distro = ctx.distro
        return PackageRecord(
            name=name, version=version, type="dpkg", release=release, source=source,
            architecture=arch, licenses=tuple(licenses) if isinstance(licenses, tuple) else (),
            purl=purl("deb", name, version, namespace=distro.id if distro else "debian",
                      qualifiers={"arch": arch, "distro": distro_qualifier(distro),
                                  "upstream": source if source != name else None}),
            location=location, layer=layer, files=files)

    def _files(self, ctx: CatalogContext, name: str, arch: str | None, p: dict[str, str],
               md5sums: bytes | None) -> tuple[PackageFileRecord, ...]:
        fs = ctx.fs
        listing: bytes | None = None
        conffiles: set[str] = set()
        for line in p.get("Conffiles", "").splitlines():
            if line.strip():
                conffiles.add(line.split()[0])
        for stem in _stems(name, arch):
            if md5sums is None and isinstance(v := fs.value(INFO + stem + ".md5sums"), bytes):
                md5sums = v
            if listing is None and isinstance(v := fs.value(INFO + stem + ".list"), bytes):
                listing = v
            if isinstance(v := fs.value(INFO + stem + ".conffiles"), bytes):
                conffiles.update(x.strip() for x in v.decode("utf-8", "replace").splitlines())
        records: dict[str, PackageFileRecord] = {}
        for line in (md5sums or b"").decode("utf-8", "replace").splitlines():
            digest, _, rel = line.strip().partition(" ")
            rel = rel.strip()
            if digest and rel:
                path = "/" + rel.lstrip("/")
                records[path] = PackageFileRecord(path=path, digest=digest,
                                                  digest_algorithm="md5",
                                                  is_config=path in conffiles)
        for line in (listing or b"").decode("utf-8", "replace").splitlines():
            path = line.strip()
            if not path or path in records or path == "/.":
                continue
            rec = fs.files.get(path)
            if rec is None or rec.type != "dir":
                records[path] = PackageFileRecord(path=path, is_config=path in conffiles)
        for path in conffiles - set(records):
            if path:
                records[path] = PackageFileRecord(path=path, is_config=True)
        return tuple(records[k] for k in sorted(records))


def _stems(name: str, arch: str | None) -> list[str]:
    return [name, f"{name}:{arch}"] if arch else [name]
