"""What a cataloger is, and helpers they share (purls, layer attribution)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote

from app.analysis.errors import AnalysisLimits
from app.analysis.filesystem import Capture, Filesystem, SnifferFactory
from app.analysis.model import DistroRecord, PackageRecord


@dataclass(frozen=True)
class CatalogContext:
    fs: Filesystem
    distro: DistroRecord | None
    limits: AnalysisLimits


class Cataloger(Protocol):
    name: str

    def captures(self, limits: AnalysisLimits) -> Sequence[Capture]: ...

    def sniffers(self) -> Sequence[tuple[str, SnifferFactory]]: ...

    def catalog(self, ctx: CatalogContext) -> Iterable[PackageRecord]: ...


def purl(type_: str, name: str, version: str, *, namespace: str | None = None,
         qualifiers: dict[str, str | None] | None = None) -> str:
    """A package URL (purl-spec): name/namespace/version percent-encoded, qualifiers sorted."""
    text = "pkg:" + type_ + "/"
    if namespace:
        text += "/".join(quote(part, safe="") for part in namespace.split("/")) + "/"
    text += quote(name, safe="") + "@" + quote(version, safe="")
    quals = {k: v for k, v in (qualifiers or {}).items() if v}
    if quals:
        text += "?" + "&".join(f"{k}={quote(v, safe='')}" for k, v in sorted(quals.items()))
    return text


def distro_qualifier(distro: DistroRecord | None) -> str | None:
    if distro is None:
        return None
    return f"{distro.id}-{distro.version_id}" if distro.version_id else distro.id


def introduced_in(history: Sequence[tuple[str | None, Any]], key: Hashable,
                  keys_of: Any) -> str | None:
    """The layer from which `key` has been present in every later version of a database file.

    `history` is (layer, value) oldest first; `keys_of(value)` gives the keys a version has."""
    layer: str | None = None
    for version_layer, value in history:
        if key in keys_of(value):
            if layer is None:
                layer = version_layer
        else:
            layer = None
    return layer
