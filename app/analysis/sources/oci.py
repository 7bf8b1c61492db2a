"""OCI image layouts — a directory or an oci-archive tar of one: index.json → (nested
indexes) → manifest → config → layer blobs, every blob checked against its digest.

A multi-platform index picks the manifest for `platform` ("os/arch[/variant]" or "arch"), by
default the host's; attestation manifests (platform unknown/unknown) are never picked."""

from __future__ import annotations

import platform as host
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

INDEX_TYPES = {"application/vnd.oci.image.index.v1+json",
               "application/vnd.docker.distribution.manifest.list.v2+json"}
MANIFEST_TYPES = {"application/vnd.oci.image.manifest.v1+json",
                  "application/vnd.docker.distribution.manifest.v2+json"}
REF_NAME = "org.opencontainers.image.ref.name"
CONTAINERD_NAME = "io.containerd.image.name"  # docker save (containerd store): the full name

_MACHINES = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64",
             "armv7l": "arm", "armv6l": "arm", "i386": "386", "i686": "386",
             "ppc64le": "ppc64le", "s390x": "s390x", "riscv64": "riscv64"}


def parse_platform(value: str | None) -> tuple[str, str, str]:
    """(os, architecture, variant) from "linux/arm64/v8", "arm64" or None (the host)."""
    if value is None:
        machine = host.machine().lower()
        arch = _MACHINES.get(machine, machine)
        variant = {"armv7l": "v7", "armv6l": "v6"}.get(machine, "")
        return "linux", arch, variant
    parts = value.split("/")
    if len(parts) == 1:
        return "linux", parts[0], ""
    if len(parts) in (2, 3) and all(parts):
        return parts[0], parts[1], parts[2] if len(parts) == 3 else ""
    raise AnalysisError("platform", f"not os/arch[/variant]: {value!r}")


def blob_name(digest: str) -> str:
    return "blobs/sha256/" + digest.removeprefix("sha256:")


def _platform_text(p: dict[str, Any]) -> str:
    text = f"{p.get('os', '?')}/{p.get('architecture', '?')}"
    return text + (f"/{p['variant']}" if p.get("variant") else "")


def _pick(manifests: list[dict[str, Any]], wanted: tuple[str, str, str], where: str,
          explicit: bool) -> dict[str, Any]:
    candidates = [m for m in manifests
                  if (m.get("platform") or {}).get("architecture") != "unknown"]
    if not candidates:
        raise AnalysisError(where, "lists no image manifest")
    with_platform = [m for m in candidates if m.get("platform")]
    if not with_platform:
        return candidates[0]  # a plain layout: the first image
    os_, arch, variant = wanted
    matching = [m for m in with_platform
                if m["platform"].get("os") == os_ and m["platform"].get("architecture") == arch]
    if variant:
        exact = [m for m in matching if m["platform"].get("variant", "") in (variant, "")]
        matching = exact or ([] if explicit else matching)
    if not matching:
        if len(with_platform) == 1 and not explicit and len(candidates) == 1:
            return with_platform[0]
        available = ", ".join(sorted({_platform_text(m["platform"]) for m in with_platform}))
        raise AnalysisError(where, f"no manifest for platform {os_}/{arch}"
                                   f"{'/' + variant if variant else ''}; available: {available}")
    return matching[0]


def resolve(store: BlobStore, where: str, limits: AnalysisLimits, *, kind: str,
            platform: str | None = None) -> ImageSource:
    wanted = parse_platform(platform)
    index_where = store.describe("index.json")
    doc: dict[str, Any] = parse_json(read_blob(store, "index.json", limits), index_where)
    tags: list[str] = []
    descriptor: dict[str, Any] | None = None
    for _ in range(4):  # index.json → (docker's nested index) → manifest
        manifests = doc.get("manifests")
        if not isinstance(manifests, list) or not all(isinstance(m, dict) for m in manifests):
            raise AnalysisError(index_where, "no manifests list")
        descriptor = _pick(manifests, wanted, index_where, explicit=platform is not None)
        annotations = descriptor.get("annotations") or {}
        ref = annotations.get(CONTAINERD_NAME) or annotations.get(REF_NAME)
        if isinstance(ref, str) and ref not in tags:
            tags.append(ref)
        digest = check_digest(descriptor.get("digest"), index_where + " manifest digest")
        index_where = store.describe(blob_name(digest))
        data = read_blob(store, blob_name(digest), limits, expected=digest)
        doc = parse_json(data, index_where)
        media_type = doc.get("mediaType") or descriptor.get("mediaType")
        if media_type in INDEX_TYPES or (media_type is None and "manifests" in doc):
            continue
        break
    else:
        raise AnalysisError(index_where, "indexes nested too deeply")
    assert descriptor is not None
    manifest_digest = descriptor["digest"]
    manifest_where = index_where
    config_desc = doc.get("config")
    if not isinstance(config_desc, dict):
        raise AnalysisError(manifest_where, "manifest has no config descriptor")
    config_digest = check_digest(config_desc.get("digest"), manifest_where + " config digest")
    config_where = store.describe(blob_name(config_digest))
    config = parse_json(read_blob(store, blob_name(config_digest), limits,
                                  expected=config_digest), config_where)
    layer_descs = doc.get("layers")
    if not isinstance(layer_descs, list):
        raise AnalysisError(manifest_where, "manifest has no layers list")
    diff_ids = (config.get("rootfs") or {}).get("diff_ids")
    if not isinstance(diff_ids, list) or len(diff_ids) != len(layer_descs):
        raise AnalysisError(config_where, f"rootfs.diff_ids does not match the manifest's "
                                          f"{len(layer_descs)} layers")
    layers = []
    for i, (desc, diff_id) in enumerate(zip(layer_descs, diff_ids, strict=True)):
        if not isinstance(desc, dict):
            raise AnalysisError(manifest_where, f"layer {i} is not a descriptor")
        digest = check_digest(desc.get("digest"), f"{manifest_where} layer {i}")
        check_digest(diff_id, f"{config_where} rootfs.diff_ids[{i}]")
        name = blob_name(digest)
        if not store.exists(name):
            raise AnalysisError(store.describe(name),
                                "the manifest names a layer that is not in the image")
        size = store.size(name)
        declared = desc.get("size")
        if (not isinstance(declared, int) or declared < 0
                or declared > limits.max_uncompressed_bytes):
            raise AnalysisError(f"{manifest_where} layer {digest}", f"absurd size {declared!r}")
        if declared != size:
            raise AnalysisError(store.describe(name),
                                f"is {size} bytes but the manifest says {declared}")
        layers.append(LayerBlob(member=name, digest=digest, diff_id=diff_id, size=size,
                                blob_digest=digest))
    return ImageSource(kind=kind, where=where, manifest_digest=manifest_digest,
                       config_digest=config_digest, config=config, layers=layers, store=store,
                       repo_tags=tuple(tags))
