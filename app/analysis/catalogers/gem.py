"""Ruby gems: `specifications/*.gemspec` (and `specifications/default/*.gemspec`) anywhere in
the image, read as text (never evaluated). Layer: that of the gemspec."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from app.analysis.catalogers.base import CatalogContext, purl
from app.analysis.errors import AnalysisLimits
from app.analysis.filesystem import Capture, SnifferFactory
from app.analysis.model import PackageRecord

GEMSPEC = re.compile(r".*/specifications/(?:default/)?[^/]+\.gemspec")
_STR = r"""(?:"([^"]*)"|'([^']*)'|%q\{([^}]*)\}|%q\(([^)]*)\))"""
_FIELD = r"^\s*\w+\.{name}\s*=\s*"
_LIST = re.compile(r"^\s*\w+\.licenses\s*=\s*\[([^\]]*)\]", re.M)
_LIST_ITEM = re.compile(_STR)


def _field(text: str, name: str) -> str | None:
    m = re.search(_FIELD.replace("{name}", re.escape(name)) + _STR, text, re.M)
    if not m:
        return None
    return next(g for g in m.groups() if g is not None)


def parse_gemspec(path: str, data: bytes) -> dict[str, Any] | None:
    text = data.decode("utf-8", "replace")
    name, version = _field(text, "name"), _field(text, "version")
    if not name or not version:
        return None
    licenses: list[str] = []
    m = _LIST.search(text)
    if m:
        for item in _LIST_ITEM.finditer(m.group(1)):
            licenses.append(next(g for g in item.groups() if g is not None))
    elif (single := _field(text, "license")) is not None:
        licenses.append(single)
    return {"name": name, "version": version, "licenses": tuple(licenses)}


class GemCataloger:
    name = "gem"

    def captures(self, limits: AnalysisLimits) -> Sequence[Capture]:
        return [Capture(GEMSPEC, parse_gemspec, max_size=1024**2)]

    def sniffers(self) -> Sequence[tuple[str, SnifferFactory]]:
        return ()

    def catalog(self, ctx: CatalogContext) -> Iterable[PackageRecord]:
        for path, captured in ctx.fs.matching(GEMSPEC):
            meta = captured.value
            if meta:
                yield PackageRecord(
                    name=meta["name"], version=meta["version"], type="gem",
                    licenses=meta["licenses"], purl=purl("gem", meta["name"], meta["version"]),
                    location=path, layer=captured.layer)
