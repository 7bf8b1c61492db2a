"""SPDX JSON 2.2 and 2.3: `packages` with `versionInfo`, a `purl` external reference (the
ecosystem comes from it), `licenseDeclared` (else `licenseConcluded`; `LicenseRef-…` names
resolved through `hasExtractedLicensingInfos`), the location from Syft's `sourceInfo`
("acquired package info from DPKG DB: /var/lib/dpkg/status") or a Trivy `LayerDiffID`
annotation. OS hints: a package whose `primaryPackagePurpose` is `OPERATING-SYSTEM`, else the
`distro=` qualifier of an OS package's purl. The image: the `CONTAINER` package (its
`pkg:oci/…@sha256:…` purl or digest `versionInfo` names the manifest; Trivy's `ImageID`,
`RepoTag` and `DiffID` annotations)."""

from __future__ import annotations

from typing import Any

from app.analysis.errors import AnalysisError
from app.analysis.model import DistroRecord, PackageRecord
from app.analysis.sources.sbom.common import (
    Purl,
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

KIND = "spdx-json"
SPDX_VERSIONS = ("SPDX-2.2", "SPDX-2.3")
NO_VALUE = {"NOASSERTION", "NONE", ""}


def matches(doc: dict[str, Any]) -> bool:
    version = doc.get("spdxVersion")
    return isinstance(version, str) and version.startswith("SPDX-")


def _purl(package: dict[str, Any]) -> tuple[str | None, Purl | None]:
    for ref in dicts(package.get("externalRefs")):
        if (ref.get("referenceType") == "purl"
                and isinstance(ref.get("referenceLocator"), str)):
            text = ref["referenceLocator"]
            return text, parse_purl(text)
    return None, None


def _annotations(package: dict[str, Any]) -> list[tuple[str, str]]:
    """Trivy's `Key: value` package annotations."""
    out = []
    for a in dicts(package.get("annotations")):
        if isinstance(a.get("comment"), str) and ": " in a["comment"]:
            key, _, value = a["comment"].partition(": ")
            out.append((key.strip(), value.strip()))
    return out


def _licenses(package: dict[str, Any], extracted: dict[str, str]) -> tuple[str, ...]:
    for key in ("licenseDeclared", "licenseConcluded"):
        value = package.get(key)
        if isinstance(value, str) and value.strip() not in NO_VALUE:
            parts = split_conjunction(value)
            return tuple(extracted.get(p, p) for p in parts)
    return ()


def _location(package: dict[str, Any]) -> str | None:
    info = package.get("sourceInfo")
    if isinstance(info, str) and ": " in info:
        paths = [p.strip() for p in info.split(": ", 1)[1].split(",")]
        return next((p for p in paths if p.startswith("/")), None)
    return None


def _image(facts: SbomFacts, package: dict[str, Any], purl: Purl | None) -> None:
    if purl is not None and purl.type == "oci" and is_digest(purl.version):
        facts.manifest_digest = purl.version
        if purl.qualifiers.get("arch"):
            facts.architecture = purl.qualifiers["arch"]
        if purl.qualifiers.get("tag"):
            facts.repo_tags = (f"{purl.name}:{purl.qualifiers['tag']}",)
    elif is_digest(package.get("versionInfo")):
        facts.manifest_digest = package["versionInfo"]
    notes = _annotations(package)
    for key, value in notes:
        if key == "ImageID" and is_digest(value):
            facts.config_digest = value
    tags = tuple(v for k, v in notes if k == "RepoTag")
    facts.repo_tags = tags or facts.repo_tags
    diff_ids = tuple(v for k, v in notes if k == "DiffID" and is_digest(v))
    facts.diff_ids = facts.layers = diff_ids


def read(doc: dict[str, Any], where: str) -> SbomFacts:
    version = doc.get("spdxVersion")
    if version not in SPDX_VERSIONS:
        raise AnalysisError(where, f"spdxVersion {version!r} is not supported (SPDX-2.2 or "
                                   "SPDX-2.3)")
    facts = SbomFacts(kind=KIND)
    extracted = {}
    for info in need(doc.get("hasExtractedLicensingInfos"), list, where,
                     "hasExtractedLicensingInfos"):
        if isinstance(info, dict) and isinstance(info.get("licenseId"), str):
            name = info.get("name") or info.get("extractedText")
            if isinstance(name, str) and name and name not in NO_VALUE:
                extracted[info["licenseId"]] = name
    packages = need(doc.get("packages"), list, where, "packages")
    entries = []
    for i, p in enumerate(packages):
        at = f"{where} packages[{i}]"
        if not isinstance(p, dict):
            raise AnalysisError(at, "not a JSON object")
        text, purl = _purl(p)
        purpose = p.get("primaryPackagePurpose")
        if purpose == "CONTAINER" or (purl is not None and purl.type == "oci"):
            _image(facts, p, purl)
            continue
        entries.append((at, p, text, purl, purpose))
    hint: DistroRecord | None = None
    for at, p, text, purl, purpose in entries:
        name, version_info = p.get("name"), p.get("versionInfo")
        if not isinstance(name, str) or not name:
            raise AnalysisError(at, "has no name")
        if purpose == "OPERATING-SYSTEM":
            facts.distro = facts.distro or DistroRecord(
                id=name.lower(), version_id=str(version_info or ""))
            continue
        pkg_type = dict(_annotations(p)).get("PkgType")
        type_ = our_type(pkg_type if pkg_type in ("deb", "apk", "rpm") else None, purl)
        if type_ is None:
            facts.skip(purl.type if purl else "no purl")
            continue
        if not isinstance(version_info, str) or version_info in NO_VALUE:
            facts.warnings.append(f"{at}: {name} has no version; skipped")
            continue
        layer = dict(_annotations(p)).get("LayerDiffID")
        facts.packages.append(PackageRecord(
            name=name, version=version_info, type=type_,
            release=release_of(type_, version_info),
            source=upstream(purl),
            architecture=(purl.qualifiers.get("arch") or None) if purl else None,
            licenses=_licenses(p, extracted), purl=text, location=_location(p),
            layer=facts.layer_of(layer)))
        hint = hint or distro_from_purl(purl)
    facts.distro = facts.distro or hint
    return facts
