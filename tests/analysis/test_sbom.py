"""SBOM files as sources: one image's packages written as Syft JSON, CycloneDX (1.4-1.6) and
SPDX (2.2, 2.3) documents in the shapes the specs publish (and Syft emits) read back to the
same packages; distro and image metadata where a format carries them; a real-world-shaped
Syft document; malformed documents."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from app.analysis import (
    SBOM_KINDS,
    AnalysisError,
    AnalysisLimits,
    ImageAnalysis,
    PackageRecord,
    analyze,
)
from app.analysis.sources.sbom import canonical_digest
from app.services.facts import image_facts
from tests.analysis.builders import docker_archive
from tests.analysis.test_registry import LAYERS

DATA = Path(__file__).parent / "data"
SYFT_TYPE = {"dpkg": "deb", "apk": "apk", "rpm": "rpm", "python": "python", "npm": "npm",
             "gem": "gem", "java": "java-archive", "go": "go-module"}
CATALOGER = {"dpkg": "dpkg-db-cataloger", "apk": "apk-db-cataloger", "rpm": "rpm-db-cataloger",
             "python": "python-installed-package-cataloger", "npm": "javascript-package-cataloger",
             "gem": "ruby-installed-gemspec-cataloger", "java": "java-archive-cataloger",
             "go": "go-module-binary-cataloger"}
SPDX_SOURCE = {"dpkg": "DPKG DB", "apk": "APK DB", "rpm": "RPM DB",
               "python": "installed python package manifest file",
               "npm": "installed javascript package manifest file",
               "gem": "installed gemspec file", "java": "java archive", "go": "go module binary"}
EXTRA = [  # ecosystems the test archive does not have
    PackageRecord(name="rake", version="13.0.6", type="gem", licenses=("MIT",),
                  purl="pkg:gem/rake@13.0.6",
                  location="/usr/local/bundle/specifications/rake-13.0.6.gemspec"),
    PackageRecord(name="log4j-core", version="2.17.1", type="java",
                  licenses=("Apache-2.0",),
                  purl="pkg:maven/org.apache.logging.log4j/log4j-core@2.17.1",
                  location="/opt/app/lib/log4j-core-2.17.1.jar"),
    PackageRecord(name="golang.org/x/net", version="v0.17.0", type="go",
                  licenses=("BSD-3-Clause",), purl="pkg:golang/golang.org/x/net@v0.17.0",
                  location="/usr/local/bin/app"),
    PackageRecord(name="@babel/core", version="7.24.0", type="npm", licenses=("MIT",),
                  purl="pkg:npm/%40babel/core@7.24.0",
                  location="/app/node_modules/@babel/core/package.json"),
    PackageRecord(name="openssl-libs", version="1:3.0.7-27.el9", type="rpm",
                  release="27.el9", architecture="x86_64",
                  licenses=("Apache-2.0", "GPL-2.0-only"),
                  purl="pkg:rpm/redhat/openssl-libs@3.0.7-27.el9?arch=x86_64&epoch=1",
                  location="/var/lib/rpm/rpmdb.sqlite"),
    PackageRecord(name="musl", version="1.2.4-r2", type="apk", release="2", architecture="x86_64",
                  licenses=("MIT",), purl="pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64",
                  location="/lib/apk/db/installed"),
]


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> ImageAnalysis:
    """The test image's facts, with a few more ecosystems' packages attributed to its top
    layer."""
    work = tmp_path_factory.mktemp("sbom")
    built = docker_archive(str(work / "app.tar"), LAYERS, User="app", Env=["A=1"],
                           Labels={"maintainer": "me"}, Cmd=["run"])
    result = analyze(built.path)
    extra = [dataclasses.replace(p, layer=result.layers[-1]) for p in EXTRA]
    return dataclasses.replace(result, packages=(*result.packages, *extra))


def _key(p: PackageRecord) -> tuple[Any, ...]:
    return (p.name, p.version, p.type, p.purl)


def _keys(result: ImageAnalysis) -> set[tuple[Any, ...]]:
    return {_key(p) for p in result.packages}


def _uuid(text: str) -> str:
    h = hashlib.sha256(text.encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def _oci_purl(img: ImageAnalysis, repo: str = "test/app", tag: str = "1.0") -> str:
    return (f"pkg:oci/{repo.rsplit('/', 1)[-1]}@{quote(img.digest, safe='')}?arch=amd64"
            f"&repository_url={quote('127.0.0.1:5000/' + repo, safe='')}&tag={tag}")


# -- writers: the three formats, from one package list --------------------------------------


def syft_doc(img: ImageAnalysis, *, with_image: bool = True) -> dict[str, Any]:
    config = {"architecture": "amd64", "os": "linux", "config": {"User": "app", "Env": ["A=1"]},
              "rootfs": {"type": "layers", "diff_ids": list(img.diff_ids)},
              "history": [{"created_by": h} for h in img.history]}
    manifest = {"schemaVersion": 2,
                "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                "config": {"mediaType": "application/vnd.docker.container.image.v1+json",
                           "size": 1000, "digest": "sha256:" + img.image_id},
                "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                            "size": 4000 + i, "digest": "sha256:" + f"{i:x}" * 64}
                           for i in range(len(img.diff_ids))]}
    by_layer = dict(zip(img.layers, img.diff_ids, strict=True))
    artifacts = []
    for i, p in enumerate(img.packages):
        artifacts.append({
            "id": hashlib.sha256(f"{i}".encode()).hexdigest()[:16], "name": p.name,
            "version": p.version, "type": SYFT_TYPE[p.type], "foundBy": CATALOGER[p.type],
            "locations": [{"path": p.location, "layerID": by_layer[p.layer],
                           "accessPath": p.location, "annotations": {"evidence": "primary"}}],
            "licenses": [{"value": x, "spdxExpression": x if "+" not in x else "",
                          "type": "declared", "urls": [],
                          "locations": [{"path": p.location, "layerID": by_layer[p.layer]}]}
                         for x in p.licenses],
            "language": {"python": "python", "npm": "javascript", "gem": "ruby",
                         "java": "java", "go": "go"}.get(p.type, ""),
            "cpes": [{"cpe": f"cpe:2.3:a:{p.name}:{p.name}:{p.version}:*:*:*:*:*:*:*",
                      "source": "syft-generated"}],
            "purl": p.purl, "metadataType": f"{SYFT_TYPE[p.type]}-entry", "metadata": {}})
    doc: dict[str, Any] = {
        "artifacts": artifacts, "artifactRelationships": [],
        "source": {"id": img.digest[7:], "name": "127.0.0.1:5000/test/app", "version": "1.0",
                   "type": "image", "metadata": {
                       "userInput": "127.0.0.1:5000/test/app:1.0",
                       "imageID": "sha256:" + img.image_id,
                       "manifestDigest": img.digest,
                       "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                       "tags": ["127.0.0.1:5000/test/app:1.0"], "imageSize": 123456,
                       "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar."
                                                "gzip", "digest": d, "size": 100}
                                  for d in img.diff_ids],
                       "manifest": base64.b64encode(json.dumps(manifest).encode()).decode(),
                       "config": base64.b64encode(json.dumps(config).encode()).decode(),
                       "repoDigests": [f"127.0.0.1:5000/test/app@{img.digest}"],
                       "architecture": "amd64", "os": "linux"}},
        "distro": {"prettyName": "Debian GNU/Linux 12 (bookworm)", "name": "Debian GNU/Linux",
                   "id": "debian", "version": "12 (bookworm)", "versionID": "12",
                   "versionCodename": "bookworm"},
        "descriptor": {"name": "syft", "version": "1.4.1", "configuration": {}},
        "schema": {"version": "16.0.11", "url": "https://raw.githubusercontent.com/anchore/syft/"
                                                "main/schema/json/schema-16.0.11.json"}}
    if not with_image:
        doc["source"] = {"id": "x", "name": "/rootfs", "version": "", "type": "directory",
                         "metadata": {"path": "/rootfs"}}
    return doc


def cyclonedx_doc(img: ImageAnalysis, spec: str, *, syft_properties: bool = True
                  ) -> dict[str, Any]:
    by_layer = dict(zip(img.layers, img.diff_ids, strict=True))
    components: list[dict[str, Any]] = []
    for p in img.packages:
        licenses = [{"license": {"id": x}} if "+" not in x else {"license": {"name": x}}
                    for x in p.licenses]
        c: dict[str, Any] = {
            "bom-ref": f"{p.purl}&package-id={hashlib.sha256(p.name.encode()).hexdigest()[:8]}",
            "type": "library", "name": p.name, "version": p.version, "licenses": licenses,
            "cpe": f"cpe:2.3:a:{p.name}:{p.name}:{p.version}:*:*:*:*:*:*:*", "purl": p.purl}
        if p.type == "java":
            c["group"] = "org.apache.logging.log4j"
        if syft_properties:
            c["properties"] = [
                {"name": "syft:package:foundBy", "value": CATALOGER[p.type]},
                {"name": "syft:package:language", "value": ""},
                {"name": "syft:package:type", "value": SYFT_TYPE[p.type]},
                {"name": "syft:location:0:layerID", "value": by_layer[p.layer]},
                {"name": "syft:location:0:path", "value": p.location}]
        elif spec != "1.4":
            c["evidence"] = {"occurrences": [{"location": p.location}]}
        components.append(c)
    components.append({
        "bom-ref": "os:debian@12", "type": "operating-system", "name": "debian", "version": "12",
        "description": "Debian GNU/Linux 12 (bookworm)",
        "swid": {"tagId": "debian", "name": "debian", "version": "12"},
        "externalReferences": [{"url": "https://bugs.debian.org/", "type": "issue-tracker"}],
        "properties": [{"name": "syft:distro:id", "value": "debian"},
                       {"name": "syft:distro:prettyName",
                        "value": "Debian GNU/Linux 12 (bookworm)"},
                       {"name": "syft:distro:versionID", "value": "12"}]})
    tool = {"type": "application", "author": "anchore", "name": "syft", "version": "1.4.1"}
    tools: Any = [{"vendor": "anchore", "name": "syft", "version": "1.4.1"}] if spec == "1.4" \
        else {"components": [tool]}
    return {"$schema": f"http://cyclonedx.org/schema/bom-{spec}.schema.json",
            "bomFormat": "CycloneDX", "specVersion": spec,
            "serialNumber": f"urn:uuid:{_uuid(spec)}", "version": 1,
            "metadata": {"timestamp": "2024-05-01T12:00:00Z", "tools": tools,
                         "component": {"bom-ref": "image", "type": "container",
                                       "name": "127.0.0.1:5000/test/app:1.0",
                                       "version": img.digest}},
            "components": components}


def spdx_doc(img: ImageAnalysis, version: str) -> dict[str, Any]:
    category = "PACKAGE-MANAGER" if version == "SPDX-2.3" else "PACKAGE_MANAGER"
    packages: list[dict[str, Any]] = []
    extracted: dict[str, str] = {}
    relationships = [{"spdxElementId": "SPDXRef-DOCUMENT",
                      "relatedSpdxElement": "SPDXRef-DocumentRoot-Image-test-app",
                      "relationshipType": "DESCRIBES"}]
    for i, p in enumerate(img.packages):
        names = []
        for x in p.licenses:
            if "+" in x:  # not an SPDX id: syft writes a LicenseRef
                ref = "LicenseRef-" + x.replace("+", "-")
                extracted[ref] = x
                names.append(ref)
            else:
                names.append(x)
        spdx_id = f"SPDXRef-Package-{SYFT_TYPE[p.type]}-{i}"
        packages.append({
            "name": p.name, "SPDXID": spdx_id, "versionInfo": p.version,
            "supplier": "NOASSERTION", "downloadLocation": "NOASSERTION",
            "filesAnalyzed": False,
            "sourceInfo": f"acquired package info from {SPDX_SOURCE[p.type]}: {p.location}",
            "licenseConcluded": "NOASSERTION",
            "licenseDeclared": " AND ".join(names) or "NOASSERTION",
            "copyrightText": "NOASSERTION",
            "externalRefs": [
                {"referenceCategory": "SECURITY", "referenceType": "cpe23Type",
                 "referenceLocator": f"cpe:2.3:a:{p.name}:{p.name}:{p.version}:*:*:*:*:*:*:*"},
                {"referenceCategory": category, "referenceType": "purl",
                 "referenceLocator": p.purl}]})
        relationships.append({"spdxElementId": "SPDXRef-DocumentRoot-Image-test-app",
                              "relatedSpdxElement": spdx_id, "relationshipType": "CONTAINS"})
    root: dict[str, Any] = {
        "name": "127.0.0.1:5000/test/app", "SPDXID": "SPDXRef-DocumentRoot-Image-test-app",
        "versionInfo": img.digest, "supplier": "NOASSERTION",
        "downloadLocation": "NOASSERTION", "filesAnalyzed": False,
        "checksums": [{"algorithm": "SHA256", "checksumValue": img.digest[7:]}],
        "licenseConcluded": "NOASSERTION", "licenseDeclared": "NOASSERTION",
        "copyrightText": "NOASSERTION",
        "externalRefs": [{"referenceCategory": category, "referenceType": "purl",
                          "referenceLocator": _oci_purl(img)}]}
    if version == "SPDX-2.3":
        root["primaryPackagePurpose"] = "CONTAINER"
        packages.append({"name": "debian", "SPDXID": "SPDXRef-OperatingSystem-debian",
                         "versionInfo": "12", "supplier": "NOASSERTION",
                         "downloadLocation": "NOASSERTION", "filesAnalyzed": False,
                         "licenseConcluded": "NOASSERTION", "licenseDeclared": "NOASSERTION",
                         "copyrightText": "NOASSERTION",
                         "primaryPackagePurpose": "OPERATING-SYSTEM"})
    return {"spdxVersion": version, "dataLicense": "CC0-1.0", "SPDXID": "SPDXRef-DOCUMENT",
            "name": "127.0.0.1:5000/test/app:1.0",
            "documentNamespace": f"https://anchore.com/syft/image/test-app-{_uuid(version)}",
            "creationInfo": {"licenseListVersion": "3.23",
                             "creators": ["Organization: Anchore, Inc", "Tool: syft-1.4.1"],
                             "created": "2024-05-01T12:00:00Z"},
            "packages": [root, *packages],
            "hasExtractedLicensingInfos": [
                {"licenseId": k, "extractedText": v, "name": v} for k, v in extracted.items()],
            "relationships": relationships}


def _write(tmp_path: Path, doc: dict[str, Any], name: str = "sbom.json", **kw: Any) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc, **kw))
    return path


# -- round trips ----------------------------------------------------------------------------


def test_syft_round_trip(tmp_path: Path, image: ImageAnalysis) -> None:
    result = analyze(_write(tmp_path, syft_doc(image)))
    assert result.source_kind == "syft-json"
    assert _keys(result) == _keys(image)
    assert result.files == ()
    assert (result.digest, result.image_id) == (image.digest, image.image_id)
    assert result.diff_ids == image.diff_ids
    manifest_layers = tuple("sha256:" + f"{i:x}" * 64 for i in range(len(image.diff_ids)))
    assert result.layers == manifest_layers
    to_manifest = dict(zip(image.layers, manifest_layers, strict=True))
    by_key = {_key(p): p for p in result.packages}
    for p in image.packages:
        got = by_key[_key(p)]
        assert (got.licenses, got.location, got.layer) == (p.licenses, p.location,
                                                            to_manifest[p.layer])
        assert (got.release, got.architecture) == (p.release, p.architecture)
    assert result.distro == image.distro
    assert result.repo_tags == ("127.0.0.1:5000/test/app:1.0",)
    assert (result.user, result.env, result.architecture, result.os) == (
        "app", {"A": "1"}, "amd64", "linux")
    assert result.size == sum(4000 + i for i in range(len(image.diff_ids)))
    assert (result.dockerfile_mode, result.dockerfile) == ("Guessed", image.dockerfile)


@pytest.mark.parametrize("spec", ["1.4", "1.5", "1.6"])
@pytest.mark.parametrize("syft_properties", [True, False])
def test_cyclonedx_round_trip(tmp_path: Path, image: ImageAnalysis, spec: str,
                              syft_properties: bool) -> None:
    doc = cyclonedx_doc(image, spec, syft_properties=syft_properties)
    result = analyze(_write(tmp_path, doc))
    assert result.source_kind == "cyclonedx-json"
    assert _keys(result) == _keys(image)
    assert result.digest == image.digest
    assert result.distro == image.distro
    assert result.repo_tags == ("127.0.0.1:5000/test/app:1.0",)
    by_key = {_key(p): p for p in result.packages}
    for p in image.packages:
        got = by_key[_key(p)]
        assert got.licenses == p.licenses
        if syft_properties:
            assert (got.location, got.layer) == (p.location, image.diff_ids[
                image.layers.index(p.layer)])  # no manifest: layers are named by diff_id
        elif spec != "1.4":
            assert (got.location, got.layer) == (p.location, None)


@pytest.mark.parametrize("version", ["SPDX-2.2", "SPDX-2.3"])
def test_spdx_round_trip(tmp_path: Path, image: ImageAnalysis, version: str) -> None:
    result = analyze(_write(tmp_path, spdx_doc(image, version)))
    assert result.source_kind == "spdx-json"
    assert _keys(result) == _keys(image)
    assert result.digest == image.digest
    assert result.architecture == "amd64"
    assert result.repo_tags == ("app:1.0",)
    assert result.distro is not None
    assert (result.distro.id, result.distro.version_id) == ("debian", "12")
    by_key = {_key(p): p for p in result.packages}
    for p in image.packages:
        got = by_key[_key(p)]
        assert (got.licenses, got.location, got.layer) == (p.licenses, p.location, None)


def test_three_formats_agree(tmp_path: Path, image: ImageAnalysis) -> None:
    results = [analyze(_write(tmp_path, doc, name))
               for name, doc in [("s.json", syft_doc(image)),
                                 ("c.json", cyclonedx_doc(image, "1.6")),
                                 ("p.json", spdx_doc(image, "SPDX-2.3"))]]
    sets = [{(p.name, p.version, p.type, p.purl, p.licenses) for p in r.packages}
            for r in results]
    assert sets[0] == sets[1] == sets[2]
    assert len({r.digest for r in results}) == 1
    assert all(r.files == () and r.secret_matches == () for r in results)
    # The service gives the engine no file facts for these kinds (file gates say so).
    assert all(image_facts(r).files is None for r in results)
    assert {r.source_kind for r in results} == set(SBOM_KINDS)


# -- digests --------------------------------------------------------------------------------


def test_digest_without_an_image_is_the_canonical_sbom_hash(tmp_path: Path,
                                                           image: ImageAnalysis) -> None:
    doc = syft_doc(image, with_image=False)
    compact = analyze(_write(tmp_path, doc, "a.json"))
    pretty = analyze(_write(tmp_path, doc, "b.json", indent=4, sort_keys=False))
    assert compact.digest == pretty.digest == canonical_digest(doc)
    canonical = json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()
    assert compact.digest == "sha256:" + hashlib.sha256(canonical).hexdigest()
    assert compact.image_id == compact.digest[7:]
    assert compact.layers == () and compact.dockerfile_mode is None
    doc["artifacts"][0]["version"] = "9.9"
    assert analyze(_write(tmp_path, doc, "c.json")).digest != compact.digest


# -- a real-world-shaped Syft document --------------------------------------------------------


def test_real_world_syft_document() -> None:
    """An alpine image as `syft -o json` (schema 16) writes it, with relationships, files,
    cpes, package metadata and a binary cataloger's find."""
    result = analyze(DATA / "syft-alpine-3.19.json")
    assert result.source_kind == "syft-json"
    assert result.digest == ("sha256:6457d53fb065d6f250e1504b9bc42d5b6c65941d57532c072d929dd0"
                             "628977d0")
    assert result.image_id == "05455a08881ea9cf0e752bc48e61bbd71a34c029bb13df01e40e3e70e0d007bd"
    assert result.distro is not None
    assert (result.distro.id, result.distro.version_id) == ("alpine", "3.19.1")
    assert result.repo_tags == ("alpine:3.19",)
    assert result.layers == ("sha256:4abcf20661432fb2d719aaf90656f55c287f8ca915dc1c92ec14ff61e67"
                             "fbaf8",)
    assert result.diff_ids == ("sha256:d4fc045c9e3a848011de66f34b81f052d4f2c15a17bb196d637e52"
                               "6349601820",)
    pkgs = {p.name: p for p in result.packages}
    assert sorted(pkgs) == ["alpine-baselayout", "busybox", "ca-certificates-bundle",
                            "libcrypto3", "musl", "stdlib"]
    musl = pkgs["musl"]
    assert (musl.version, musl.type, musl.release, musl.source, musl.architecture) == (
        "1.2.4_git20230717-r4", "apk", "4", "musl", "x86_64")
    assert musl.purl == "pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&distro=alpine-3.19.1"
    assert musl.licenses == ("MIT",)
    assert (musl.location, musl.layer) == ("/lib/apk/db/installed", result.layers[0])
    assert [f.path for f in musl.files] == ["/lib", "/lib/ld-musl-x86_64.so.1",
                                            "/lib/libc.musl-x86_64.so.1"]
    assert musl.files[1].digest == "Q1QbWOFmRaptvpOgAf4GdMNsFy3Ec="
    assert pkgs["libcrypto3"].licenses == ("Apache-2.0",)
    assert pkgs["busybox"].licenses == ("GPL-2.0-only",)
    assert (pkgs["stdlib"].type, pkgs["stdlib"].version) == ("go", "go1.21.6")
    assert result.warnings == (
        "SBOM packages of ecosystems not analyzed were skipped (binary: 1)",)
    assert (result.architecture, result.os) == ("amd64", "linux")
    assert result.env == {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
    assert result.cmd == ("/bin/sh",)
    assert result.dockerfile_mode == "Guessed"


def test_older_syft_schema(tmp_path: Path) -> None:
    """Syft schema 1.x-11.x: `source.target`, licenses as strings, distro name/version."""
    doc = {"artifacts": [{"id": "1", "name": "zlib", "version": "1.2.13-r1", "type": "apk",
                          "foundBy": "apkdb-cataloger",
                          "locations": [{"path": "/lib/apk/db/installed",
                                         "layerID": "sha256:" + "d" * 64}],
                          "licenses": ["Zlib"], "language": "", "cpes": [],
                          "purl": "pkg:apk/alpine/zlib@1.2.13-r1?arch=x86_64",
                          "metadataType": "ApkMetadata",
                          "metadata": {"package": "zlib", "originPackage": "zlib",
                                       "architecture": "x86_64", "files": []}}],
           "artifactRelationships": [],
           "source": {"type": "image", "target": {
               "userInput": "alpine:3.17", "imageID": "sha256:" + "c" * 64,
               "manifestDigest": "sha256:" + "a" * 64,
               "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
               "tags": ["alpine:3.17"], "imageSize": 7000000,
               "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                           "digest": "sha256:" + "d" * 64, "size": 7000000}],
               "manifest": "", "config": "", "repoDigests": []}},
           "distro": {"name": "alpine", "version": "3.17.3", "idLike": ""},
           "descriptor": {"name": "syft", "version": "0.40.1"},
           "schema": {"version": "3.2.1",
                      "url": "https://raw.githubusercontent.com/anchore/syft/main/schema/json/"
                             "schema-3.2.1.json"}}
    result = analyze(_write(tmp_path, doc))
    assert result.digest == "sha256:" + "a" * 64
    assert result.image_id == "c" * 64
    assert result.layers == result.diff_ids == ("sha256:" + "d" * 64,)
    assert result.size == 7000000
    assert result.distro is not None
    assert (result.distro.id, result.distro.version_id) == ("alpine", "3.17.3")
    (zlib,) = result.packages
    assert (zlib.licenses, zlib.layer, zlib.source) == (("Zlib",), "sha256:" + "d" * 64, "zlib")


def test_trivy_shaped_cyclonedx(tmp_path: Path) -> None:
    diff_id = "sha256:" + "d" * 64
    doc = {"$schema": "http://cyclonedx.org/schema/bom-1.5.schema.json",
           "bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
           "metadata": {"component": {
               "bom-ref": "pkg:oci/alpine@sha256%3A" + "a" * 64 + "?arch=amd64",
               "type": "container", "name": "alpine:3.19",
               "purl": "pkg:oci/alpine@sha256%3A" + "a" * 64 + "?arch=amd64",
               "properties": [{"name": "aquasecurity:trivy:DiffID", "value": diff_id},
                              {"name": "aquasecurity:trivy:ImageID",
                               "value": "sha256:" + "c" * 64},
                              {"name": "aquasecurity:trivy:RepoTag", "value": "alpine:3.19"},
                              {"name": "aquasecurity:trivy:SchemaVersion", "value": "2"}]}},
           "components": [
               {"bom-ref": "os", "type": "operating-system", "name": "alpine",
                "version": "3.19.1", "properties": [
                    {"name": "aquasecurity:trivy:Class", "value": "os-pkgs"},
                    {"name": "aquasecurity:trivy:Type", "value": "alpine"}],
                "components": [
                    {"bom-ref": "musl", "type": "library", "name": "musl",
                     "version": "1.2.4_git20230717-r4",
                     "licenses": [{"license": {"name": "MIT"}}],
                     "purl": "pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&distro="
                             "3.19.1",
                     "properties": [{"name": "aquasecurity:trivy:LayerDiffID",
                                     "value": diff_id},
                                    {"name": "aquasecurity:trivy:PkgType",
                                     "value": "alpine"}]}]}]}
    result = analyze(_write(tmp_path, doc))
    assert result.digest == "sha256:" + "a" * 64
    assert result.image_id == "c" * 64
    assert result.repo_tags == ("alpine:3.19",)
    assert result.distro is not None
    assert (result.distro.id, result.distro.version_id) == ("alpine", "3.19.1")
    (musl,) = result.packages
    assert (musl.type, musl.layer, musl.licenses) == ("apk", diff_id, ("MIT",))


# -- malformed ------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "problem"), [
    ('{"artifacts": [', "not valid JSON"),
    ('{"hello": "world"}', "not a Syft, CycloneDX or SPDX SBOM"),
    ('{"bomFormat": "CycloneDX", "specVersion": "1.3", "components": []}',
     r"CycloneDX specVersion '1.3' is not supported \(1.4 to 1.6\)"),
    ('{"spdxVersion": "SPDX-2.1", "packages": []}', "spdxVersion 'SPDX-2.1' is not supported"),
    ('{"artifacts": {}, "descriptor": {"name": "syft"}}', "artifacts is not a JSON list"),
    ('{"artifacts": [{"version": "1", "type": "deb"}], "descriptor": {"name": "syft"}}',
     r"artifacts\[0\]: has no name"),
    ('{"artifacts": [7], "descriptor": {"name": "syft"}}',
     r"artifacts\[0\]: not a JSON object"),
    ('{"artifacts": [], "descriptor": {"name": "syft"}, "source": {"type": "image", '
     '"metadata": {"config": "!!!notbase64"}}}', "source config: not base64-encoded JSON"),
    ('{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [{"type": "library", '
     '"name": "p", "version": "1", "purl": "pkg:npm/p@1", "components": ["x"]}]}',
     r"components\[0\].components\[0\]: not a JSON object"),
    ('{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": "none"}',
     "components is not a JSON list"),
    ('{"spdxVersion": "SPDX-2.3", "packages": [{"versionInfo": "1"}]}',
     r"packages\[0\]: has no name"),
])
def test_malformed_sboms(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(AnalysisError, match=problem) as info:
        analyze(path)
    assert info.value.where.startswith(str(path))


def test_sbom_size_is_capped(tmp_path: Path, image: ImageAnalysis) -> None:
    path = _write(tmp_path, syft_doc(image))
    with pytest.raises(AnalysisError, match="SBOM larger than 1000 bytes"):
        analyze(path, limits=AnalysisLimits(max_capture_size=1000))


def test_packages_without_versions_or_of_other_ecosystems_are_reported(tmp_path: Path) -> None:
    doc = {"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [
        {"type": "library", "name": "serde", "version": "1.0.0", "purl": "pkg:cargo/serde@1.0.0"},
        {"type": "library", "name": "left-pad", "purl": "pkg:npm/left-pad"},
        {"type": "library", "name": "ok", "version": "1", "purl": "pkg:pypi/ok@1"}]}
    result = analyze(_write(tmp_path, doc))
    assert [p.name for p in result.packages] == ["ok"]
    assert result.warnings == (
        f"{tmp_path / 'sbom.json'} components[1]: left-pad has no version; skipped",
        "SBOM packages of ecosystems not analyzed were skipped (cargo: 1)")


# -- robustness: mutated documents -------------------------------------------------------------

_WEIRD: list[Any] = [None, 0, -1, 1.5, "", "x", "sha256:zz", [], {}, [1], {"a": 1}, True, "!!",
                     [None], [{}]]


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    items = value.items() if isinstance(value, dict) else (
        enumerate(value) if isinstance(value, list) else ())
    for k, v in items:
        out.extend(_paths(v, (*prefix, k)))
    return out


def test_mutated_documents_fail_only_with_analysis_errors(tmp_path: Path,
                                                         image: ImageAnalysis) -> None:
    """Any element replaced by a value of the wrong type: an AnalysisError or a result that
    round-trips, never another exception."""
    import copy
    import random

    rng = random.Random(20240501)
    docs = [syft_doc(image), cyclonedx_doc(image, "1.6"),
            cyclonedx_doc(image, "1.5", syft_properties=False), spdx_doc(image, "SPDX-2.3"),
            json.loads((DATA / "syft-alpine-3.19.json").read_text())]
    path = tmp_path / "mutated.json"
    for doc in docs:
        paths = _paths(doc)
        for _ in range(150):
            mutated = copy.deepcopy(doc)
            for where in rng.sample(paths, k=rng.randint(1, 3)):
                target = mutated
                try:
                    for key in where[:-1]:
                        target = target[key]
                    target[where[-1]] = copy.deepcopy(rng.choice(_WEIRD))
                except (KeyError, IndexError, TypeError):
                    pass  # an earlier mutation replaced a parent
            path.write_text(json.dumps(mutated))
            try:
                result = analyze(path)
            except AnalysisError:
                continue
            assert ImageAnalysis.from_dict(result.to_dict()) == result
