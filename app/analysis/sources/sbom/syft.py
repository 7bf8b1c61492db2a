"""Syft's own JSON (`syft -o json`): `artifacts` with type, version, purl, licenses, locations
(the layer as `layerID`, a diff_id) and metadata; `distro`; the image in `source.metadata`
(schema 12 and later) or `source.target` (earlier): manifest digest, image id, tags, layers,
and the base64 manifest and config."""

from __future__ import annotations

from typing import Any

from app.analysis.errors import AnalysisError
from app.analysis.model import DistroRecord, PackageRecord
from app.analysis.sources.sbom.common import (
    SbomFacts,
    b64_json,
    dicts,
    distro_from_purl,
    file_records,
    is_digest,
    listed,
    need,
    our_type,
    parse_purl,
    release_of,
    upstream,
)
from app.analysis.sources.sbom.common import (
    text_or_none as _text,
)

KIND = "syft-json"


def matches(doc: dict[str, Any]) -> bool:
    schema = doc.get("schema")
    url = schema.get("url") if isinstance(schema, dict) else None
    descriptor = doc.get("descriptor")
    name = descriptor.get("name") if isinstance(descriptor, dict) else None
    return "artifacts" in doc and (name == "syft" or (isinstance(url, str) and "syft" in url))


def _licenses(value: Any) -> tuple[str, ...]:
    out = []
    for item in value if isinstance(value, list) else ():
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict):
            text = item.get("spdxExpression") or item.get("value")
            if isinstance(text, str) and text:
                out.append(text)
    return tuple(dict.fromkeys(out))


def _distro(value: Any) -> DistroRecord | None:
    if not isinstance(value, dict):
        return None
    id_ = value.get("id") or value.get("name")  # schema 1.x: name, version, idLike (str)
    if not isinstance(id_, str) or not id_:
        return None
    version = value.get("versionID") if "versionID" in value else value.get("version")
    like = value.get("idLike")
    id_like = tuple(like.split()) if isinstance(like, str) else tuple(
        str(x) for x in listed(like) if isinstance(x, str))
    return DistroRecord(id=id_.lower(), version_id=str(version or ""), id_like=id_like)


def _image(facts: SbomFacts, source: Any, where: str) -> None:
    if not isinstance(source, dict) or source.get("type") != "image":
        return
    meta = source.get("metadata") if isinstance(source.get("metadata"), dict) else None
    meta = meta or (source.get("target") if isinstance(source.get("target"), dict) else None)
    if meta is None:
        return
    where = f"{where} source"
    manifest = b64_json(meta.get("manifest"), where + " manifest")
    config = b64_json(meta.get("config"), where + " config")
    facts.config = config
    if is_digest(meta.get("manifestDigest")):
        facts.manifest_digest = meta["manifestDigest"]
    if is_digest(meta.get("imageID")):
        facts.config_digest = meta["imageID"]
    tags = meta.get("tags")
    facts.repo_tags = tuple(str(t) for t in tags if isinstance(t, str)) if isinstance(
        tags, list) else ()
    layer_meta = dicts(meta.get("layers"))
    if config is not None:
        diff_ids = (config.get("rootfs") or {}).get("diff_ids")
        facts.diff_ids = tuple(str(d) for d in listed(diff_ids) if is_digest(d))
    if not facts.diff_ids:  # Syft's layer digests are the diff_ids
        facts.diff_ids = tuple(str(x["digest"]) for x in layer_meta if is_digest(x.get("digest")))
    descriptors = manifest.get("layers") if manifest else None
    if isinstance(descriptors, list) and all(isinstance(d, dict) for d in descriptors):
        facts.layers = tuple(str(d.get("digest")) for d in descriptors)
        facts.size = sum(int(d.get("size") or 0) for d in descriptors)
    else:
        facts.layers = facts.diff_ids
        size = meta.get("imageSize")
        facts.size = size if isinstance(size, int) else sum(
            int(x.get("size") or 0) for x in layer_meta)
    facts.architecture = str(meta.get("architecture") or "")
    facts.os = str(meta.get("os") or "")


def read(doc: dict[str, Any], where: str) -> SbomFacts:
    facts = SbomFacts(kind=KIND)
    _image(facts, doc.get("source"), where)
    facts.distro = _distro(doc.get("distro"))
    artifacts = need(doc.get("artifacts"), list, where, "artifacts")
    for i, a in enumerate(artifacts):
        at = f"{where} artifacts[{i}]"
        if not isinstance(a, dict):
            raise AnalysisError(at, "not a JSON object")
        name, version = a.get("name"), a.get("version")
        if not isinstance(name, str) or not name:
            raise AnalysisError(at, "has no name")
        purl = parse_purl(a.get("purl"))
        type_ = our_type(a.get("type"), purl)
        if type_ is None:
            facts.skip(str(a.get("type") or "unknown"))
            continue
        if not isinstance(version, str) or not version:
            facts.warnings.append(f"{at}: {name} has no version; skipped")
            continue
        meta = a.get("metadata") if isinstance(a.get("metadata"), dict) else {}
        assert isinstance(meta, dict)
        locations = dicts(a.get("locations"))
        first = locations[0] if locations else {}
        source = meta.get("source") or meta.get("sourceRpm") or meta.get("originPackage")
        arch = meta.get("architecture") or meta.get("arch") or (
            purl.qualifiers.get("arch") if purl else None)
        facts.packages.append(PackageRecord(
            name=name, version=version, type=type_, release=release_of(type_, version),
            source=str(source) if source else upstream(purl),
            architecture=str(arch) if arch else None,
            licenses=_licenses(a.get("licenses")), purl=_text(a.get("purl")),
            location=str(first["path"]) if first.get("path") else None,
            layer=facts.layer_of(first.get("layerID")), files=file_records(meta.get("files"))))
        if facts.distro is None:
            facts.distro = distro_from_purl(purl)
    return facts
