"""Pulling from a real registry (Debian's docker-registry on loopback, images pushed with
skopeo): the facts equal those of the archive that was pushed, with layers as the registry
names them; token and Basic auth against the real registry's auth; registry errors."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.analysis import AnalysisError, ImageAnalysis, analyze
from app.analysis.sources.oci import parse_platform
from app.analysis.sources.registry import (
    ACCEPT,
    RegistryClient,
    RegistryOptions,
    is_reference,
    parse_reference,
)
from tests.analysis.builders import (
    D,
    F,
    S,
    compress,
    config_doc,
    docker_archive,
    layer_tar,
    oci_manifest,
    sha,
    write_index,
)
from tests.analysis.registry_server import (
    Registry,
    TokenServer,
    free_port,
    htpasswd,
    push_blob,
    push_manifest,
    require,
    skopeo_copy,
    start_registry,
    tls_files,
)

INSECURE = RegistryOptions(insecure=True)
OS_RELEASE = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n'
STATUS = ("Package: base-files\nStatus: install ok installed\nArchitecture: amd64\n"
          "Version: 12.4+deb12u5\n\n"
          "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\n"
          "Source: glibc\nVersion: 2.36-9+deb12u4\n")
STATUS2 = STATUS + ("\nPackage: curl\nStatus: install ok installed\nArchitecture: amd64\n"
                    "Version: 7.88.1-10+deb12u5\n")
SITE = "usr/lib/python3/dist-packages"
LAYERS = [
    [D("etc"), F("etc/os-release", OS_RELEASE), F("etc/passwd", "root:x:0:0::/root:/bin/sh\n"),
     D("usr"), D("usr/bin"), F("usr/bin/passwd", b"\x7fELF", 0o4755),
     F("var/lib/dpkg/status", STATUS), F("usr/share/doc/libc6/copyright", "License: LGPL-2.1+\n")],
    [F("var/lib/dpkg/status", STATUS2), F("usr/bin/curl", b"curl" * 1000),
     S("usr/bin/c", "curl"),
     F(f"{SITE}/requests-2.31.0.dist-info/METADATA",
       "Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\nLicense: Apache-2.0\n"),
     F("app/node_modules/lodash/package.json",
       '{"name": "lodash", "version": "4.17.21", "license": "MIT"}'),
     F("app/.env", "aws_secret_access_key = abcdefghijklmnopqrstuvwxyz0123456789ABCD\n")],
]
USERS = {"alice": "wonderland"}


@dataclasses.dataclass
class Setup:
    registry: Registry
    storage: Path
    archive: str
    work: Path

    @property
    def ref(self) -> str:
        return f"{self.registry.host}/test/app:1.0"


@pytest.fixture(scope="session")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    """A registry on a free loopback port with temp storage, and the test image pushed to it
    as test/app:1.0."""
    require("docker-registry", "skopeo")
    work = tmp_path_factory.mktemp("registry")
    storage = work / "storage"
    registry = start_registry(work / "anonymous", storage)
    try:
        built = docker_archive(str(work / "app.tar"), LAYERS, User="app", Env=["A=1"],
                               Labels={"maintainer": "me"}, Cmd=["run"])
        skopeo_copy(f"docker-archive:{built.path}",
                    f"docker://{registry.host}/test/app:1.0", work / "skopeo")
        yield Setup(registry, storage, built.path, work)
    finally:
        registry.stop()


def _manifest(host: str, repo: str, ref: str) -> tuple[bytes, httpx.Response]:
    response = httpx.get(f"http://{host}/v2/{repo}/manifests/{ref}", headers={"Accept": ACCEPT})
    assert response.status_code == 200, response.text
    return response.content, response


def _with_layers(result: ImageAnalysis, mapping: dict[str | None, str | None]) -> ImageAnalysis:
    return dataclasses.replace(
        result, files=tuple(dataclasses.replace(f, layer=mapping[f.layer]) for f in result.files),
        packages=tuple(dataclasses.replace(p, layer=mapping[p.layer]) for p in result.packages))


def test_pull_equals_the_pushed_archive(setup: Setup) -> None:
    pulled = analyze(setup.ref, registry_options=INSECURE)
    local = analyze(setup.archive)
    body, response = _manifest(setup.registry.host, "test/app", "1.0")
    manifest = json.loads(body)
    # The manifest digest is the registry's; layers as the registry's manifest names them.
    assert pulled.digest == response.headers["Docker-Content-Digest"] == sha(body)
    assert pulled.layers == tuple(x["digest"] for x in manifest["layers"])
    assert pulled.size == sum(x["size"] for x in manifest["layers"])
    assert pulled.layers != local.layers  # skopeo compressed them on the way in
    assert pulled.diff_ids == local.diff_ids
    assert pulled.image_id == local.image_id == manifest["config"]["digest"][7:]
    assert (pulled.source_kind, pulled.repo_tags) == ("registry", (setup.ref,))
    assert {p.name for p in pulled.packages} == {"base-files", "libc6", "curl", "requests",
                                                 "lodash"}
    assert pulled.secret_matches and pulled.retrieved_files["/etc/passwd"].startswith("root")
    # Everything else is the same facts, file for file and package for package.
    mapping: dict[str | None, str | None] = {None: None, **dict(zip(local.layers, pulled.layers,
                                                                    strict=True))}
    expected = dataclasses.replace(_with_layers(local, mapping), digest=pulled.digest,
                                   layers=pulled.layers, size=pulled.size,
                                   source_kind="registry", repo_tags=pulled.repo_tags)
    assert pulled.to_dict() == expected.to_dict()


def test_pull_by_digest(setup: Setup) -> None:
    tagged = analyze(setup.ref, registry_options=INSECURE)
    repo = f"{setup.registry.host}/test/app"
    by_digest = analyze(f"{repo}@{tagged.digest}", registry_options=INSECURE)
    assert by_digest.digest == tagged.digest
    assert by_digest.repo_tags == ()
    assert by_digest.packages == tagged.packages
    both = analyze(f"{repo}:ignored@{tagged.digest}", registry_options=INSECURE)
    assert both.digest == tagged.digest  # the digest wins over the tag


def test_multi_platform_index(setup: Setup) -> None:
    layout = setup.work / "multi-layout"
    layout.mkdir()
    descs, digests = [], {}
    for arch in ("amd64", "arm64"):
        desc, built = oci_manifest(str(layout), [[F("etc/arch", arch)]], arch=arch)
        desc["platform"] = {"os": "linux", "architecture": arch}
        descs.append(desc)
        digests[arch] = built.manifest_digest
    index = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                        "manifests": descs}).encode()
    blob = layout / "blobs" / "sha256" / hashlib.sha256(index).hexdigest()
    blob.write_bytes(index)
    write_index(str(layout), [{"mediaType": "application/vnd.oci.image.index.v1+json",
                               "digest": sha(index), "size": len(index),
                               "annotations": {"org.opencontainers.image.ref.name": "1.0"}}])
    ref = f"{setup.registry.host}/test/multi:1.0"
    skopeo_copy(f"oci:{layout}:1.0", f"docker://{ref}", setup.work / "skopeo", "--all")
    arm = analyze(ref, platform="linux/arm64", registry_options=INSECURE)
    assert arm.digest == digests["arm64"] and arm.architecture == "arm64"
    assert {f.path: f.size for f in arm.files}["/etc/arch"] == 5
    amd = analyze(ref, platform="amd64", registry_options=INSECURE)
    assert amd.digest == digests["amd64"]
    _, host_arch, _ = parse_platform(None)
    if host_arch in digests:  # no platform: the host's, as docker pulls
        assert analyze(ref, registry_options=INSECURE).digest == digests[host_arch]
    with pytest.raises(AnalysisError, match=r"no manifest for platform linux/s390x; available: "
                                            r"linux/amd64, linux/arm64"):
        analyze(ref, platform="linux/s390x", registry_options=INSECURE)


def test_layers_stream_through(setup: Setup) -> None:
    """A 24 MiB incompressible layer file analyzes without holding the layer in memory."""
    path = str(setup.work / "big.tar")
    docker_archive(path, [[D("data"), F("data/blob", os.urandom(24 * 1024 * 1024))]])
    ref = f"{setup.registry.host}/test/big:1"
    skopeo_copy(f"docker-archive:{path}", f"docker://{ref}", setup.work / "skopeo")
    tracemalloc.start()
    try:
        result = analyze(ref, registry_options=INSECURE)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert {f.path: f.size for f in result.files}["/data/blob"] == 24 * 1024 * 1024
    assert peak < 12 * 1024 * 1024, peak


DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"


def _push_image(host: str, repo: str, tag: str, arch: str, *, config_type: str = DOCKER_CONFIG,
                media_type: str = DOCKER_MANIFEST, size_delta: int = 0
                ) -> tuple[str, dict[str, object]]:
    """A one-layer image pushed over the distribution API by hand."""
    tar = layer_tar([D("etc"), F("etc/arch", arch)])
    blob = compress(tar, "gzip")
    layer = push_blob(host, repo, blob)
    config = json.dumps(config_doc([sha(tar)], arch=arch)).encode()
    manifest = {"schemaVersion": 2, "mediaType": media_type,
                "config": {"mediaType": config_type, "size": len(config),
                           "digest": push_blob(host, repo, config)},
                "layers": [{"mediaType": DOCKER_LAYER, "size": len(blob) + size_delta,
                            "digest": layer}]}
    return push_manifest(host, repo, tag, manifest), manifest


def test_docker_manifest_list(setup: Setup) -> None:
    host = setup.registry.host
    children = []
    for arch in ("amd64", "arm64"):
        digest, manifest = _push_image(host, "test/list", f"only-{arch}", arch)
        children.append({"mediaType": DOCKER_MANIFEST, "digest": digest,
                         "size": len(json.dumps(manifest).encode()),
                         "platform": {"architecture": arch, "os": "linux"}})
    push_manifest(host, "test/list", "1.0", {"schemaVersion": 2, "mediaType": DOCKER_LIST,
                                             "manifests": children})
    arm = analyze(f"{host}/test/list:1.0", platform="linux/arm64", registry_options=INSECURE)
    assert (arm.digest, arm.architecture) == (children[1]["digest"], "arm64")
    single = analyze(f"{host}/test/list:only-amd64", registry_options=INSECURE)
    assert single.digest == children[0]["digest"]


def test_not_a_container_image(setup: Setup) -> None:
    host = setup.registry.host
    _push_image(host, "test/chart", "1.0", "amd64",
                config_type="application/vnd.cncf.helm.config.v1+json",
                media_type="application/vnd.oci.image.manifest.v1+json")
    with pytest.raises(AnalysisError, match=r"not a container image: the config is "
                                            r"'application/vnd.cncf.helm.config.v1\+json'"):
        analyze(f"{host}/test/chart:1.0", registry_options=INSECURE)


def test_a_blob_longer_than_its_descriptor(setup: Setup) -> None:
    host = setup.registry.host
    _push_image(host, "test/short", "1.0", "amd64", size_delta=-10)
    with pytest.raises(AnalysisError, match="the registry sent more than the manifest's"):
        analyze(f"{host}/test/short:1.0", registry_options=INSECURE)


def test_insecure_registries_by_host(setup: Setup) -> None:
    options = RegistryOptions(insecure_registries=(setup.registry.host,))
    assert analyze(setup.ref, registry_options=options).source_kind == "registry"
    other = RegistryOptions(insecure_registries=("elsewhere:5000",))
    with pytest.raises(AnalysisError, match="needs --insecure-registry"):
        analyze(setup.ref, registry_options=other)


# -- auth ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def token_registry(setup: Setup) -> Iterator[tuple[Registry, TokenServer]]:
    """The same storage served by a second registry with token auth."""
    tokens = TokenServer(USERS, setup.work / "token")
    registry = start_registry(setup.work / "token-registry", setup.storage,
                              auth=tokens.registry_auth())
    try:
        yield registry, tokens
    finally:
        registry.stop()
        tokens.stop()


def test_bearer_token_flow(setup: Setup, token_registry: tuple[Registry, TokenServer]) -> None:
    registry, tokens = token_registry
    refused = httpx.get(f"http://{registry.host}/v2/test/app/manifests/1.0",
                        headers={"Accept": ACCEPT})
    assert refused.status_code == 401  # the real registry refuses without a token
    assert refused.headers["WWW-Authenticate"].startswith(f'Bearer realm="{tokens.url}"')
    options = RegistryOptions(username="alice", password="wonderland", insecure=True)
    pulled = analyze(f"{registry.host}/test/app:1.0", registry_options=options)
    anonymous = analyze(setup.ref, registry_options=INSECURE)
    assert pulled.digest == anonymous.digest
    assert pulled.files == anonymous.files and pulled.packages == anonymous.packages
    scopes = [x["query"].get("scope") for x in tokens.issued if x["subject"] == "alice"]
    assert ["repository:test/app:pull"] in scopes


def test_bearer_token_refused(token_registry: tuple[Registry, TokenServer]) -> None:
    registry, _ = token_registry
    ref = f"{registry.host}/test/app:1.0"
    with pytest.raises(AnalysisError, match="authentication refused: the registry rejected "
                                            "anonymous access"):
        analyze(ref, registry_options=INSECURE)
    wrong = RegistryOptions(username="alice", password="nope", insecure=True)
    with pytest.raises(AnalysisError, match=r"token endpoint .*: authentication refused "
                                            r"\(HTTP 401 \(UNAUTHORIZED: bad credentials\)\)"):
        analyze(ref, registry_options=wrong)


def test_an_expired_token_is_renewed(setup: Setup, tmp_path: Path) -> None:
    """The registry allows 60 s of clock skew past a token's exp: the first token here
    lapses 2 s after it is issued; the next request gets a new one."""
    tokens = TokenServer(USERS, tmp_path / "token", ttl=-58)
    registry = start_registry(tmp_path / "registry", setup.storage,
                              auth=tokens.registry_auth())
    options = RegistryOptions(username="alice", password="wonderland", insecure=True)
    client = RegistryClient(parse_reference(f"{registry.host}/test/app:1.0"), options)
    try:
        client.ping()
        client.get("manifests/1.0", "manifest", accept=ACCEPT).close()
        issued = len(tokens.issued)
        tokens.ttl = 300
        time.sleep(3)
        client.get("manifests/1.0", "manifest", accept=ACCEPT).close()
        assert len(tokens.issued) == issued + 1
    finally:
        client.close()
        registry.stop()
        tokens.stop()


def test_docker_hub_names_use_its_api_host() -> None:
    client = RegistryClient(parse_reference("nginx:1.25"), RegistryOptions())
    assert client.base == "https://registry-1.docker.io"
    assert client.ref.repository == "library/nginx"
    client.close()


def test_token_realm_must_be_https_unless_insecure() -> None:
    client = RegistryClient(parse_reference("example.com/a/b:1"), RegistryOptions())
    with pytest.raises(AnalysisError, match="is not https"):
        client._token({"realm": "http://example.com/token", "service": "x"})
    client.close()


def test_basic_auth(setup: Setup) -> None:
    path = htpasswd(setup.work / "htpasswd", USERS)
    registry = start_registry(setup.work / "basic-registry", setup.storage,
                              auth={"htpasswd": {"realm": "basic-realm", "path": str(path)}})
    try:
        ref = f"{registry.host}/test/app:1.0"
        with pytest.raises(AnalysisError, match="authentication required: the registry asks "
                                                "for a username and password"):
            analyze(ref, registry_options=INSECURE)
        with pytest.raises(AnalysisError, match="authentication refused: the registry rejected "
                                                "the credentials"):
            analyze(ref, registry_options=RegistryOptions(username="alice", password="x",
                                                          insecure=True))
        ok = analyze(ref, registry_options=RegistryOptions(username="alice",
                                                           password="wonderland", insecure=True))
        assert ok.digest == analyze(setup.ref, registry_options=INSECURE).digest
    finally:
        registry.stop()


# -- errors --------------------------------------------------------------------------------


def test_unknown_tag_repository_and_digest(setup: Setup) -> None:
    host = setup.registry.host
    with pytest.raises(AnalysisError, match=r"test/app:nope manifest: not found in "
                                            r".*/test/app: HTTP 404 \(MANIFEST_UNKNOWN"):
        analyze(f"{host}/test/app:nope", registry_options=INSECURE)
    with pytest.raises(AnalysisError, match=r"not found in .*/test/missing: HTTP 404 "):
        analyze(f"{host}/test/missing:1.0", registry_options=INSECURE)
    absent = "sha256:" + "0" * 64
    with pytest.raises(AnalysisError, match="not found"):
        analyze(f"{host}/test/app@{absent}", registry_options=INSECURE)
    with pytest.raises(AnalysisError, match="not a sha256 digest"):
        analyze(f"{host}/test/app@sha256:abc", registry_options=INSECURE)


def _tampered(setup: Setup, name: str) -> Path:
    copy = setup.work / name
    shutil.copytree(setup.storage, copy)
    return copy


def _blob_data(storage: Path, digest: str) -> Path:
    hex_ = digest.removeprefix("sha256:")
    return storage / "docker/registry/v2/blobs/sha256" / hex_[:2] / hex_ / "data"


def test_tampered_layer_fails_its_digest(setup: Setup) -> None:
    body, _ = _manifest(setup.registry.host, "test/app", "1.0")
    layer = json.loads(body)["layers"][1]["digest"]
    storage = _tampered(setup, "tampered-layer")
    _blob_data(storage, layer).write_bytes(compress(layer_tar([F("x", "evil")]), "gzip"))
    registry = start_registry(setup.work / "tampered-layer-registry", storage)
    try:
        with pytest.raises(AnalysisError, match=rf"layer {layer} .*digest mismatch: expected "
                                                rf"{layer}, content is sha256:"):
            analyze(f"{registry.host}/test/app:1.0", registry_options=INSECURE)
    finally:
        registry.stop()


def test_tampered_manifest_and_config(setup: Setup) -> None:
    body, response = _manifest(setup.registry.host, "test/app", "1.0")
    digest = response.headers["Docker-Content-Digest"]
    config = json.loads(body)["config"]["digest"]
    storage = _tampered(setup, "tampered-manifest")
    _blob_data(storage, digest).write_bytes(body + b"\n")  # still valid JSON
    registry = start_registry(setup.work / "tampered-manifest-registry", storage)
    try:
        with pytest.raises(AnalysisError, match="digest mismatch: Docker-Content-Digest says"):
            analyze(f"{registry.host}/test/app:1.0", registry_options=INSECURE)
        with pytest.raises(AnalysisError, match=f"digest mismatch: asked for {digest}"):
            analyze(f"{registry.host}/test/app@{digest}", registry_options=INSECURE)
    finally:
        registry.stop()
    storage = _tampered(setup, "tampered-config")
    cfg = json.loads(_blob_data(storage, config).read_bytes())
    cfg["config"]["User"] = "root"
    _blob_data(storage, config).write_bytes(json.dumps(cfg).encode())
    registry = start_registry(setup.work / "tampered-config-registry", storage)
    try:
        with pytest.raises(AnalysisError, match=f"config {config}: digest mismatch"):
            analyze(f"{registry.host}/test/app:1.0", registry_options=INSECURE)
    finally:
        registry.stop()


def test_unreachable_and_plain_http_without_insecure(setup: Setup) -> None:
    port = free_port()
    with pytest.raises(AnalysisError, match=rf"registry 127.0.0.1:{port}: cannot connect"):
        analyze(f"127.0.0.1:{port}/test/app:1.0", registry_options=INSECURE)
    with pytest.raises(AnalysisError, match="needs --insecure-registry"):
        analyze(setup.ref)


def test_https_registry_with_a_private_ca(setup: Setup) -> None:
    """HTTPS, the default: the same storage served over TLS with a certificate from a
    throwaway CA; trusted through `ca_file`, refused without it."""
    ca, cert, key = tls_files(setup.work / "tls")
    registry = start_registry(setup.work / "tls-registry", setup.storage, tls=(cert, key))
    try:
        ref = f"{registry.host}/test/app:1.0"
        pulled = analyze(ref, registry_options=RegistryOptions(ca_file=str(ca)))
        assert pulled.digest == analyze(setup.ref, registry_options=INSECURE).digest
        assert pulled.packages
        with pytest.raises(AnalysisError, match="TLS certificate is not trusted"):
            analyze(ref)
        with pytest.raises(AnalysisError, match="not a readable CA bundle"):
            analyze(ref, registry_options=RegistryOptions(ca_file=str(setup.work / "no.pem")))
    finally:
        registry.stop()


def test_python_m_app_analysis_pulls(setup: Setup, capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch,
                                     token_registry: tuple[Registry, TokenServer]) -> None:
    import io

    from app.analysis.__main__ import main

    assert main([setup.ref, "--insecure-registry", "--summary"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert (doc["source_kind"], doc["packages"]) == ("registry", {"dpkg": 3, "npm": 1,
                                                                  "python": 1})
    registry, _ = token_registry
    monkeypatch.setattr("sys.stdin", io.StringIO("wonderland\n"))
    assert main([f"{registry.host}/test/app:1.0", "--insecure-registry", "--summary",
                 "--username", "alice", "--password-stdin"]) == 0
    assert json.loads(capsys.readouterr().out)["digest"] == doc["digest"]
    assert main([f"{registry.host}/test/app:1.0", "--insecure-registry"]) == 2
    assert "authentication refused" in capsys.readouterr().err


def test_not_a_registry(tmp_path: Path) -> None:
    """A web server that is no OCI distribution API."""
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), lambda *a: Quiet(*a, directory=tmp_path))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(AnalysisError, match="is not an OCI distribution API"):
            analyze(f"127.0.0.1:{server.server_address[1]}/a/b:1", registry_options=INSECURE)
    finally:
        server.shutdown()
        server.server_close()


# -- references ----------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "registry", "repository", "tag", "host"), [
    ("nginx", "docker.io", "library/nginx", None, "registry-1.docker.io"),
    ("nginx:1.25", "docker.io", "library/nginx", "1.25", "registry-1.docker.io"),
    ("bitnami/redis:7", "docker.io", "bitnami/redis", "7", "registry-1.docker.io"),
    ("index.docker.io/library/alpine:3", "docker.io", "library/alpine", "3",
     "registry-1.docker.io"),
    ("localhost/app", "localhost", "app", None, "localhost"),
    ("localhost:5000/team/app:v1", "localhost:5000", "team/app", "v1", "localhost:5000"),
    ("127.0.0.1:5000/test/app:1.0", "127.0.0.1:5000", "test/app", "1.0", "127.0.0.1:5000"),
    ("ghcr.io/org/tool", "ghcr.io", "org/tool", None, "ghcr.io"),
])
def test_references_resolve_as_docker_does(text: str, registry: str, repository: str,
                                           tag: str | None, host: str) -> None:
    ref = parse_reference(text)
    assert (ref.registry, ref.repository, ref.tag, ref.host, ref.text) == (
        registry, repository, tag, host, text)
    assert ref.reference == (tag or "latest")
    assert is_reference(text)


def test_reference_with_digest() -> None:
    digest = "sha256:" + "a" * 64
    ref = parse_reference(f"quay.io/org/app:1@{digest}")
    assert (ref.tag, ref.digest, ref.reference) == ("1", digest, digest)
    assert ref.canonical == f"quay.io/org/app@{digest}"
    assert parse_reference("alpine").canonical == "docker.io/library/alpine:latest"


@pytest.mark.parametrize(("text", "problem"), [
    ("UPPER/case", "invalid repository name"),
    ("app:bad tag", "invalid tag"),
    ("app@sha256:xyz", "not a sha256 digest"),
    ("app@md5:" + "0" * 32, "not a sha256 digest"),
    ("a//b", "invalid repository name"),
])
def test_bad_references(text: str, problem: str) -> None:
    with pytest.raises(AnalysisError, match=problem):
        parse_reference(text)


@pytest.mark.parametrize("text", ["img.tar", "./app", "../x", "/abs/img", "sbom.json",
                                  "image.tar.gz", "", "C:\\img.tar"])
def test_paths_are_not_references(text: str) -> None:
    assert not is_reference(text)


def test_a_missing_file_is_not_pulled(tmp_path: Path) -> None:
    with pytest.raises(AnalysisError, match="does not exist"):
        analyze(tmp_path / "missing.tar")
