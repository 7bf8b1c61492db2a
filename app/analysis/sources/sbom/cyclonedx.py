"""CycloneDX JSON, spec versions 1.4 to 1.6: `components` (nested ones too) with purl,
version and licenses; the ecosystem from Syft's `syft:package:type` property or the purl;
locations from Syft's `syft:location:N:path`/`layerID` properties, Trivy's
`aquasecurity:trivy:LayerDiffID` or 1.5+ `evidence.occurrences`; the distro from the
`operating-system` component; the image from `metadata.component` (type `container`): a
`pkg:oci/…@sha256:…` purl or a digest version names the manifest."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from app.analysis.errors import AnalysisError
from app.analysis.model import DistroRecord, PackageRecord
from app.analysis.sources.registry import is_reference, parse_reference
from app.analysis.sources.sbom.common import (
    SbomFacts,
    dicts,
    distro_from_purl,
    is_digest,
    need,
    our_type,
    parse_purl,
    release_of,
    split_conjunction,
    upstream,
)
from app.analysis.sources.sbom.common import (
    text_or_none as _text,
)

KIND = "cyclonedx-json"
SPEC_VERSIONS = ("1.4", "1.5", "1.6")
NOT_PACKAGES = {"operating-system", "container", "file", "device", "firmware", "data",
                "machine-learning-model", "platform", "device-driver", "cryptographic-asset"}


def matches(doc: dict[str, Any]) -> bool:
    return doc.get("bomFormat") == "CycloneDX"


def _properties(component: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for p in dicts(component.get("properties")):
        if isinstance(p.get("name"), str) and "value" in p:
            out.setdefault(p["name"], str(p["value"]))
    return out


def _licenses(value: Any) -> tuple[str, ...]:
    out: list[str] = []
    for item in value if isinstance(value, list) else ():
        if not isinstance(item, dict):
            continue
        if isinstance(item.get("expression"), str):
            out.extend(split_conjunction(item["expression"]))
        lic = item.get("license")
        if isinstance(lic, dict):
            text = lic.get("id") or lic.get("name")
            if isinstance(text, str) and text:
                out.append(text)
    return tuple(dict.fromkeys(out))


def _walk(components: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for i, c in enumerate(need(components, list, where, "components")):
        at = f"{where}[{i}]"
        if not isinstance(c, dict):
            raise AnalysisError(at, "not a JSON object")
        yield at, c
        if c.get("components") is not None:
            yield from _walk(c["components"], at + ".components")


def _distro(c: dict[str, Any], props: dict[str, str]) -> DistroRecord | None:
    id_ = props.get("syft:distro:id") or c.get("name")
    if not isinstance(id_, str) or not id_:
        return None
    version = props.get("syft:distro:versionID") or c.get("version") or ""
    like = tuple(v for k, v in sorted(props.items()) if k.startswith("syft:distro:idLike"))
    return DistroRecord(id=id_.lower(), version_id=str(version), id_like=like)


def _image(facts: SbomFacts, component: Any) -> None:
    if not isinstance(component, dict) or component.get("type") != "container":
        return
    props = _properties(component)
    purl = parse_purl(component.get("purl"))
    if purl is not None and purl.type == "oci" and is_digest(purl.version):
        facts.manifest_digest = purl.version
        if purl.qualifiers.get("arch"):
            facts.architecture = purl.qualifiers["arch"]
    elif is_digest(component.get("version")):
        facts.manifest_digest = component["version"]
    if is_digest(props.get("aquasecurity:trivy:ImageID")):
        facts.config_digest = props["aquasecurity:trivy:ImageID"]
    diff_ids = [p["value"] for p in dicts(component.get("properties"))
                if p.get("name") == "aquasecurity:trivy:DiffID"
                and is_digest(p.get("value"))]
    facts.diff_ids = facts.layers = tuple(diff_ids)
    tags = [p["value"] for p in dicts(component.get("properties"))
            if p.get("name") == "aquasecurity:trivy:RepoTag"
            and isinstance(p.get("value"), str)]
    name = component.get("name")
    if (not tags and isinstance(name, str) and is_reference(name)
            and parse_reference(name).tag is not None):
        tags = [name]
    facts.repo_tags = tuple(tags)


def _location(c: dict[str, Any], props: dict[str, str]) -> tuple[str | None, str | None]:
    path = props.get("syft:location:0:path")
    layer = props.get("syft:location:0:layerID") or props.get("aquasecurity:trivy:LayerDiffID")
    if path is None:
        evidence = c.get("evidence") if isinstance(c.get("evidence"), dict) else {}
        assert isinstance(evidence, dict)
        for occurrence in dicts(evidence.get("occurrences")):
            if isinstance(occurrence.get("location"), str):
                path = occurrence["location"]
                break
    if path is None and isinstance(props.get("aquasecurity:trivy:FilePath"), str):
        path = props["aquasecurity:trivy:FilePath"]
    return path, layer


def read(doc: dict[str, Any], where: str) -> SbomFacts:
    spec = doc.get("specVersion")
    if spec not in SPEC_VERSIONS:
        raise AnalysisError(where, f"CycloneDX specVersion {spec!r} is not supported "
                                   f"(1.4 to 1.6)")
    facts = SbomFacts(kind=KIND)
    metadata = need(doc.get("metadata"), dict, where, "metadata")
    _image(facts, metadata.get("component"))
    hint: DistroRecord | None = None
    for at, c in _walk(doc.get("components"), f"{where} components"):
        props = _properties(c)
        kind = c.get("type") if isinstance(c.get("type"), str) else None
        if kind == "operating-system":
            facts.distro = facts.distro or _distro(c, props)  # the OS component wins
            continue
        if kind in NOT_PACKAGES:
            continue
        name, version = c.get("name"), c.get("version")
        if not isinstance(name, str) or not name:
            raise AnalysisError(at, "has no name")
        purl = parse_purl(c.get("purl"))
        type_ = our_type(props.get("syft:package:type"), purl)
        if type_ is None:
            facts.skip(props.get("syft:package:type") or (purl.type if purl else "unknown"))
            continue
        if not isinstance(version, str) or not version:
            facts.warnings.append(f"{at}: {name} has no version; skipped")
            continue
        path, layer = _location(c, props)
        source = props.get("syft:metadata:source") or props.get("syft:metadata:sourceRpm") \
            or props.get("syft:metadata:originPackage")
        arch = props.get("syft:metadata:architecture") or (
            purl.qualifiers.get("arch") if purl else None)
        facts.packages.append(PackageRecord(
            name=name, version=version, type=type_, release=release_of(type_, version),
            source=source or upstream(purl), architecture=arch or None,
            licenses=_licenses(c.get("licenses")), purl=_text(c.get("purl")), location=path,
            layer=facts.layer_of(layer)))
        hint = hint or distro_from_purl(purl)
    facts.distro = facts.distro or hint
    return facts
