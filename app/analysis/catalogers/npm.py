"""npm packages: `node_modules/<name>/package.json` and `node_modules/@scope/<name>/package.json`
anywhere in the image (nested node_modules included). Layer: that of the package.json."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from app.analysis.catalogers.base import CatalogContext, purl
from app.analysis.errors import AnalysisLimits
from app.analysis.filesystem import Capture, SnifferFactory
from app.analysis.model import PackageRecord

PACKAGE_JSON = re.compile(r".*/node_modules/(?:@[^/]+/)?[^/@][^/]*/package\.json")


def parse_package_json(path: str, data: bytes) -> dict[str, Any] | None:
    try:
        doc = json.loads(data.decode("utf-8", "replace"))
    except ValueError:
        return None
    if not isinstance(doc, dict):
        return None
    name, version = doc.get("name"), doc.get("version")
    if not isinstance(name, str) or not isinstance(version, str) or not name or not version:
        return None
    licenses: list[str] = []
    lic = doc.get("license")
    for item in [lic, *(doc.get("licenses") or [] if isinstance(doc.get("licenses"), list)
                        else [])]:
        if isinstance(item, str) and item:
            licenses.append(item)
        elif isinstance(item, dict) and isinstance(item.get("type"), str):
            licenses.append(item["type"])
    return {"name": name, "version": version, "licenses": tuple(licenses)}


class NpmCataloger:
    name = "npm"

    def captures(self, limits: AnalysisLimits) -> Sequence[Capture]:
        return [Capture(PACKAGE_JSON, parse_package_json, max_size=4 * 1024**2)]

    def sniffers(self) -> Sequence[tuple[str, SnifferFactory]]:
        return ()

    def catalog(self, ctx: CatalogContext) -> Iterable[PackageRecord]:
        for path, captured in ctx.fs.matching(PACKAGE_JSON):
            meta = captured.value
            if not meta:
                continue
            name: str = meta["name"]
            namespace, _, base = name.rpartition("/")
            yield PackageRecord(
                name=name, version=meta["version"], type="npm", licenses=meta["licenses"],
                purl=purl("npm", base, meta["version"], namespace=namespace or None),
                location=path, layer=captured.layer)
