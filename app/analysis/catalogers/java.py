"""Java archives (jar, war, ear, jpi, hpi) anywhere in the image, up to the capture size:
one package per `META-INF/maven/<group>/<artifact>/pom.properties`, else one from
`META-INF/MANIFEST.MF` (falling back to the file name for name/version). Archives nested in
archives are read too, to `AnalysisLimits.max_nested_archive_depth`; their location is
`outer.war:WEB-INF/lib/inner.jar`. Each archive is parsed while its layer streams, so only
the findings stay in memory. Layer: that of the outermost archive file."""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from app.analysis.catalogers.base import CatalogContext, purl
from app.analysis.errors import AnalysisLimits
from app.analysis.filesystem import Capture, SnifferFactory
from app.analysis.model import PackageRecord

ARCHIVE = re.compile(r".*\.(?:jar|war|ear|jpi|hpi)", re.I)
MAX_METADATA = 1024 * 1024  # a MANIFEST.MF or pom.properties larger than this is skipped
_FILE_VERSION = re.compile(r"^(?P<name>.+?)-(?P<version>\d[\w.+\-]*)$")


def parse_manifest(text: str) -> dict[str, str]:
    """The main section of a MANIFEST.MF (continuation lines start with one space)."""
    attrs: dict[str, str] = {}
    key: str | None = None
    for line in text.splitlines():
        if not line.strip():
            break
        if line.startswith(" ") and key is not None:
            attrs[key] += line[1:]
        elif ":" in line:
            key, _, value = line.partition(":")
            key = key.strip()
            attrs[key] = value.strip()
    return attrs


def _properties(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith(("#", "!")) and ("=" in line or ":" in line):
            key, _, value = line.partition("=") if "=" in line else line.partition(":")
            out[key.strip()] = value.strip()
    return out


def parse_archive(location: str, data: bytes, *, depth: int, max_size: int) -> list[dict[str, Any]]:
    """Packages of one archive and the archives inside it, as plain dicts."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        names = zf.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return []
    found: list[dict[str, Any]] = []
    with zf:
        manifest: dict[str, str] = {}
        try:
            if "META-INF/MANIFEST.MF" in names:
                manifest = parse_manifest(_small(zf, "META-INF/MANIFEST.MF"))
            poms = sorted(n for n in names if n.startswith("META-INF/maven/")
                          and n.endswith("/pom.properties"))
            for pom in poms:
                props = _properties(_small(zf, pom))
                if props.get("artifactId") and props.get("version"):
                    found.append({"name": props["artifactId"], "version": props["version"],
                                  "group": props.get("groupId") or None,
                                  "licenses": _licenses(manifest), "location": location})
            if not found:
                stem = posixpath.basename(location.rsplit(":", 1)[-1]).rsplit(".", 1)[0]
                m = _FILE_VERSION.match(stem)
                name = (manifest.get("Implementation-Title") or manifest.get("Bundle-Name")
                        or (m.group("name") if m else stem))
                version = (manifest.get("Implementation-Version")
                           or manifest.get("Bundle-Version")
                           or manifest.get("Specification-Version")
                           or (m.group("version") if m else ""))
                if name and version:
                    group = manifest.get("Implementation-Vendor-Id") or None
                    found.append({"name": name, "version": version, "group": group,
                                  "licenses": _licenses(manifest), "location": location})
            if depth > 0:
                for info in zf.infolist():
                    if ARCHIVE.fullmatch(info.filename) and info.file_size <= max_size:
                        inner = zf.read(info)
                        found.extend(parse_archive(f"{location}:{info.filename}", inner,
                                                   depth=depth - 1, max_size=max_size))
        except (zipfile.BadZipFile, OSError, ValueError, KeyError, EOFError, RuntimeError):
            pass  # a damaged member: keep what was read
    return found


def _small(zf: zipfile.ZipFile, name: str) -> str:
    info = zf.getinfo(name)
    if info.file_size > MAX_METADATA:
        return ""
    return zf.read(info).decode("utf-8", "replace")


def _licenses(manifest: dict[str, str]) -> tuple[str, ...]:
    lic = manifest.get("Bundle-License")
    return (lic,) if lic else ()


def _transform(limits: AnalysisLimits) -> Callable[[str, bytes], Any]:
    def transform(path: str, data: bytes) -> tuple[dict[str, Any], ...]:
        return tuple(parse_archive(path, data, depth=limits.max_nested_archive_depth,
                                   max_size=limits.max_capture_size))
    return transform


class JavaCataloger:
    name = "java"

    def captures(self, limits: AnalysisLimits) -> Sequence[Capture]:
        return [Capture(ARCHIVE, _transform(limits))]

    def sniffers(self) -> Sequence[tuple[str, SnifferFactory]]:
        return ()

    def catalog(self, ctx: CatalogContext) -> Iterable[PackageRecord]:
        for path, rec in ctx.fs.files.items():
            if rec.type == "file" and ARCHIVE.fullmatch(path) and ctx.fs.get(path) is None:
                ctx.fs.warnings.append(f"{path}: {rec.size} bytes, larger than the capture "
                                       "limit; its java packages were not cataloged")
        for _path, captured in ctx.fs.matching(ARCHIVE):
            for p in captured.value or ():
                group = p["group"] or p["name"]
                yield PackageRecord(
                    name=p["name"], version=p["version"], type="java", licenses=p["licenses"],
                    purl=purl("maven", p["name"], p["version"], namespace=group),
                    location=p["location"], layer=captured.layer)
