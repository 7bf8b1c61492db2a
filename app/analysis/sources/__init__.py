"""Image sources, one module each: docker-archive tarballs, OCI layouts (directory or
oci-archive tarball) and root filesystem directories. `detect` names the kind of a path and
`open_image` resolves an archive or layout to its manifest, config and layers."""

from __future__ import annotations

import os

from app.analysis.errors import AnalysisError, AnalysisLimits
from app.analysis.sources import docker_archive, oci
from app.analysis.sources.base import BlobStore, DirectoryStore, ImageSource, LayerBlob, TarStore

KINDS = ("docker-archive", "oci-archive", "oci-layout", "rootfs")


def _kind_of_store(store: BlobStore, path: str, archive: bool) -> str:
    if store.exists("index.json") and (store.exists("oci-layout") or not
                                       store.exists("manifest.json")):
        return "oci-archive" if archive else "oci-layout"
    if store.exists("manifest.json"):
        return "docker-archive"
    raise AnalysisError(path, "has neither index.json (OCI) nor manifest.json (docker-archive)")


def detect(path: str) -> str:
    """The kind of source at `path` (one of KINDS)."""
    if os.path.isdir(path):
        if os.path.isfile(os.path.join(path, "index.json")) or os.path.isfile(
                os.path.join(path, "manifest.json")):
            return _kind_of_store(DirectoryStore(path), path, archive=False)
        return "rootfs"
    if os.path.isfile(path):
        return "archive"
    raise AnalysisError(path, "does not exist")


def open_image(path: str, limits: AnalysisLimits, *, platform: str | None = None) -> ImageSource:
    """An archive or layout resolved to manifest, config and layers; the caller closes
    `source.store`."""
    store: BlobStore = DirectoryStore(path) if os.path.isdir(path) else TarStore(path, limits)
    try:
        kind = _kind_of_store(store, path, archive=not os.path.isdir(path))
        if kind == "docker-archive":
            return docker_archive.resolve(store, path, limits)
        return oci.resolve(store, path, limits, kind=kind, platform=platform)
    except BaseException:
        store.close()
        raise


__all__ = ["KINDS", "ImageSource", "LayerBlob", "detect", "open_image"]
