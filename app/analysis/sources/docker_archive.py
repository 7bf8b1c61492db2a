"""`docker save` / `skopeo copy … docker-archive:` tarballs: manifest.json → config → layers.

Layers are named by the archive's manifest.json (`<id>/layer.tar`, `<diff_id>.tar` or
`blobs/sha256/<hex>`); each is checked against the config's `rootfs.diff_ids`, and a
`blobs/sha256/<hex>` member also against `<hex>`. There is no distribution manifest, so the
manifest digest is that of a canonical schema 2 manifest built from the config and layers."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from app.analysis.errors import AnalysisError, AnalysisLimits
from app.analysis.sources.base import (
    BlobStore,
    ImageSource,
    LayerBlob,
    check_digest,
    parse_json,
    read_blob,
)

_HEX_NAME = re.compile(r"(?:^|/)(?:blobs/sha256/)?([0-9a-f]{64})(?:\.json|\.tar)?$")


def _name_digest(name: str) -> str | None:
    """The digest a member's name promises: `blobs/sha256/<hex>`, `<hex>.json`, `<hex>.tar`."""
    m = _HEX_NAME.search(name)
    return "sha256:" + m.group(1) if m else None


def synthesized_manifest(config: bytes, layers: list[tuple[str, int]]) -> bytes:
    doc = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json",
                   "size": len(config),
                   "digest": "sha256:" + hashlib.sha256(config).hexdigest()},
        "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar",
                    "size": size, "digest": digest} for digest, size in layers],
    }
    return json.dumps(doc, separators=(",", ":")).encode()


def resolve(store: BlobStore, where: str, limits: AnalysisLimits) -> ImageSource:
    manifest_where = store.describe("manifest.json")
    entries = parse_json(read_blob(store, "manifest.json", limits), manifest_where, list)
    if not entries:
        raise AnalysisError(manifest_where, "lists no image")
    entry = entries[0]
    if not isinstance(entry, dict) or not isinstance(entry.get("Config"), str):
        raise AnalysisError(manifest_where, "first entry has no Config")
    layer_names = entry.get("Layers")
    if not isinstance(layer_names, list) or not all(isinstance(x, str) for x in layer_names):
        raise AnalysisError(manifest_where, "first entry has no Layers list")
    config_name: str = entry["Config"]
    config_bytes = read_blob(store, config_name, limits, expected=_name_digest(config_name))
    config: dict[str, Any] = parse_json(config_bytes, store.describe(config_name))
    diff_ids = (config.get("rootfs") or {}).get("diff_ids")
    if not isinstance(diff_ids, list):
        raise AnalysisError(store.describe(config_name), "no rootfs.diff_ids")
    if len(diff_ids) != len(layer_names):
        raise AnalysisError(manifest_where, f"names {len(layer_names)} layers but the config "
                                            f"has {len(diff_ids)} diff_ids")
    layers = []
    for name, diff_id in zip(layer_names, diff_ids, strict=True):
        check_digest(diff_id, store.describe(config_name) + " rootfs.diff_ids")
        if not store.exists(name):
            raise AnalysisError(store.describe(name),
                                "the manifest names a layer that is not in the archive")
        size = store.size(name)
        if size > limits.max_uncompressed_bytes:
            raise AnalysisError(store.describe(name), f"absurd layer size {size}")
        # Stored uncompressed, a layer's digest is its diff_id; a compressed blob keeps its name.
        blob_digest = _name_digest(name) if name.startswith("blobs/") else None
        layers.append(LayerBlob(member=name, digest=blob_digest or diff_id, diff_id=diff_id,
                                size=size, blob_digest=blob_digest))
    manifest = synthesized_manifest(config_bytes, [(x.digest, x.size) for x in layers])
    tags = entry.get("RepoTags") or []
    return ImageSource(
        kind="docker-archive", where=where,
        manifest_digest="sha256:" + hashlib.sha256(manifest).hexdigest(),
        config_digest="sha256:" + hashlib.sha256(config_bytes).hexdigest(),
        config=config, layers=layers, store=store,
        repo_tags=tuple(str(t) for t in tags if isinstance(t, str)),
    )
