"""Python distributions: `*.dist-info/METADATA` (files from RECORD) and `*.egg-info/PKG-INFO`
(or an `*.egg-info` file), anywhere in the image. Layer: that of the metadata file."""

from __future__ import annotations

import base64
import csv
import io
import posixpath
import re
from collections.abc import Iterable, Sequence
from email.parser import HeaderParser
from typing import Any

from app.analysis.catalogers.base import CatalogContext, purl
from app.analysis.errors import AnalysisLimits
from app.analysis.filesystem import Capture, SnifferFactory
from app.analysis.model import PackageFileRecord, PackageRecord

METADATA = re.compile(r".*/[^/]+\.dist-info/METADATA|.*/[^/]+\.egg-info/PKG-INFO|"
                      r".*/[^/]+\.egg-info")
RECORD = re.compile(r".*/[^/]+\.dist-info/RECORD")


def parse_metadata(path: str, data: bytes) -> dict[str, Any]:
    headers = HeaderParser().parsestr(data.decode("utf-8", "replace"), headersonly=True)
    licenses: list[str] = []
    expression = headers.get("License-Expression")
    license_ = headers.get("License")
    if expression:
        licenses.append(expression.strip())
    elif license_ and license_.strip() not in ("", "UNKNOWN") and "\n" not in license_.strip():
        licenses.append(license_.strip())
    else:
        for classifier in headers.get_all("Classifier") or []:
            if classifier.startswith("License ::"):
                licenses.append(classifier.split("::")[-1].strip())
    return {"name": (headers.get("Name") or "").strip(),
            "version": (headers.get("Version") or "").strip(), "licenses": tuple(licenses)}


def parse_record(path: str, data: bytes) -> tuple[PackageFileRecord, ...]:
    root = posixpath.dirname(posixpath.dirname(path))
    out = []
    for row in csv.reader(io.StringIO(data.decode("utf-8", "replace"))):
        if not row or not row[0]:
            continue
        file_path = posixpath.normpath(posixpath.join(root, row[0]))
        digest = algo = None
        if len(row) > 1 and "=" in row[1]:
            algo, _, b64 = row[1].partition("=")
            try:
                digest = base64.urlsafe_b64decode(b64 + "=" * (-len(b64) % 4)).hex()
            except ValueError:
                digest = algo = None
        size = int(row[2]) if len(row) > 2 and row[2].isdigit() else None
        out.append(PackageFileRecord(path=file_path, digest=digest, digest_algorithm=algo,
                                     size=size))
    return tuple(out)


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


class PythonCataloger:
    name = "python"

    def captures(self, limits: AnalysisLimits) -> Sequence[Capture]:
        return [Capture(RECORD, parse_record), Capture(METADATA, parse_metadata)]

    def sniffers(self) -> Sequence[tuple[str, SnifferFactory]]:
        return ()

    def catalog(self, ctx: CatalogContext) -> Iterable[PackageRecord]:
        for path, captured in ctx.fs.matching(METADATA):
            meta = captured.value
            if not isinstance(meta, dict) or not meta["name"] or not meta["version"]:
                continue
            files: Any = ()
            if path.endswith("/METADATA"):
                files = ctx.fs.value(posixpath.dirname(path) + "/RECORD") or ()
            yield PackageRecord(
                name=meta["name"], version=meta["version"], type="python",
                licenses=meta["licenses"], purl=purl("pypi", normalize(meta["name"]),
                                                     meta["version"]),
                location=path, layer=captured.layer, files=tuple(files))
