"""A registry reference (`registry/repo:tag`, `repo@sha256:…`) pulled over the OCI distribution
API: `GET /v2/` → auth challenge → manifest (an OCI index or Docker manifest list picks the
platform) → config blob → layer blobs, streamed (never a whole layer in memory) through the
squash, each blob checked against its digest.

Names resolve as the docker client resolves them: a first component with a `.` or `:`, or
`localhost`, is a registry host, otherwise the image is on Docker Hub (`nginx` is
`docker.io/library/nginx:latest`, fetched from `registry-1.docker.io`). The record keeps the
reference as the user wrote it (`ImageSource.repo_tags`).

Auth: anonymous, or `RegistryOptions(username, password)`; a `Bearer` challenge
(`realm`, `service`, `scope`) is answered by the token endpoint (with Basic credentials when
given), a `Basic` challenge by the credentials; a token that stops working after it has
worked (expired) is renewed once. Plain HTTP only when asked (`insecure`, or the host in
`insecure_registries`; meant for a registry on loopback); the token realm may be plain HTTP
only then, too. Only container images: a manifest whose config is another media type (a Helm
chart, an attestation) is refused, as are foreign layers.

The manifest digest is the sha256 of the manifest bytes the registry served (checked against
`Docker-Content-Digest` and against a digest reference); from an index it is the digest of the
platform's manifest, as for an OCI layout."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any, cast
from urllib.parse import urlsplit

import httpx

from app.analysis.errors import AnalysisError, AnalysisLimits
from app.analysis.sources.base import (
    CHUNK,
    DIGEST_RE,
    ImageSource,
    LayerBlob,
    check_digest,
    parse_json,
)
from app.analysis.sources.oci import INDEX_TYPES, MANIFEST_TYPES, _pick, parse_platform

KIND = "registry"
DOCKER_HUB = "docker.io"
DOCKER_HUB_HOST = "registry-1.docker.io"
SCHEMA1_TYPES = {"application/vnd.docker.distribution.manifest.v1+json",
                 "application/vnd.docker.distribution.manifest.v1+prettyjws"}
ACCEPT = ", ".join([*sorted(MANIFEST_TYPES), *sorted(INDEX_TYPES)])
CONFIG_TYPES = ("application/vnd.oci.image.config.v1+json",
                "application/vnd.docker.container.image.v1+json")
FOREIGN_LAYER = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
USER_AGENT = "imagegate"

_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_REPOSITORY = re.compile(rf"^{_COMPONENT}(?:/{_COMPONENT})*$")
_TAG = re.compile(r"^[\w][\w.-]{0,127}$")
_HOST = re.compile(r"^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?"
                   r"(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])"
                   r"(?::[0-9]+)?$")
_PATHLIKE = re.compile(r"^(?:/|\.{1,2}(?:/|$)|~)|\.(?:tar|tgz|tar\.gz|json|zst)$")
_CHALLENGE_PARAM = re.compile(r'([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))')


@dataclass(frozen=True, slots=True)
class Reference:
    """A parsed image reference; `text` is what the user wrote."""

    text: str
    registry: str  # "docker.io", "127.0.0.1:5000"
    repository: str  # "library/nginx"
    tag: str | None = None
    digest: str | None = None

    @property
    def host(self) -> str:
        """Where the API is served: Docker Hub's API host for docker.io."""
        return DOCKER_HUB_HOST if self.registry == DOCKER_HUB else self.registry

    @property
    def reference(self) -> str:
        """What `GET /v2/<repo>/manifests/<reference>` is asked for."""
        return self.digest or self.tag or "latest"

    @property
    def canonical(self) -> str:
        name = f"{self.registry}/{self.repository}"
        return f"{name}@{self.digest}" if self.digest else f"{name}:{self.tag or 'latest'}"


def parse_reference(text: str) -> Reference:
    """`[registry/]repo[:tag][@sha256:hex]`, as the docker client reads it."""
    where = f"image reference {text!r}"
    rest, digest = text, None
    if "@" in rest:
        rest, digest = rest.split("@", 1)
        if not DIGEST_RE.match(digest):
            raise AnalysisError(where, f"not a sha256 digest: {digest!r}")
    tag = None
    slash = rest.rfind("/")
    colon = rest.rfind(":")
    if colon > slash:
        rest, tag = rest[:colon], rest[colon + 1:]
        if not _TAG.match(tag):
            raise AnalysisError(where, f"invalid tag {tag!r}")
    first, sep, remainder = rest.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        registry, repository = first, remainder
        if not _HOST.match(registry):
            raise AnalysisError(where, f"invalid registry host {registry!r}")
    else:
        registry, repository = DOCKER_HUB, rest
    if registry in ("index.docker.io", "registry-1.docker.io"):
        registry = DOCKER_HUB
    if registry == DOCKER_HUB and "/" not in repository:
        repository = "library/" + repository
    if not _REPOSITORY.match(repository):
        raise AnalysisError(where, f"invalid repository name {repository!r} (lowercase "
                                   "letters, digits and separators)")
    return Reference(text=text, registry=registry, repository=repository, tag=tag,
                     digest=digest)


def is_reference(text: str) -> bool:
    """Whether `text` (not an existing path) is meant as a registry reference rather than a
    missing file: `img.tar`, `./x`, `/abs/path` and `sbom.json` are paths; `name@…` is a
    reference even when malformed (so the reference's problem is what gets reported)."""
    if not text or _PATHLIKE.search(text) or "\\" in text:
        return False
    if "@" in text:  # meant as name@digest: a bad digest is reported, not a missing file
        return True
    try:
        parse_reference(text)
    except AnalysisError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class RegistryOptions:
    """How to reach a registry. Plain HTTP (and no TLS verification of a token realm) only
    when asked — meant for a registry on loopback: `insecure` for any registry, or
    `insecure_registries` naming hosts as references write them ("127.0.0.1:5000"), as
    docker's `--insecure-registry`. `ca_file`: a CA bundle for a private registry's TLS
    certificate."""

    username: str | None = None
    password: str | None = None
    insecure: bool = False
    insecure_registries: tuple[str, ...] = ()
    ca_file: str | None = None
    timeout: float = 60.0

    def plain_http(self, ref: Reference) -> bool:
        return self.insecure or ref.registry in self.insecure_registries


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def _challenge(header: str) -> tuple[str, dict[str, str]]:
    scheme, _, params = header.strip().partition(" ")
    values = {m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3)
              for m in _CHALLENGE_PARAM.finditer(params)}
    return scheme.lower(), values


ERROR_BODY_LIMIT = 64 * 1024


def _finish(response: httpx.Response, limit: int = ERROR_BODY_LIMIT) -> bytes:
    """Up to `limit` bytes of a streamed response's body; closes it."""
    buf = bytearray()
    try:
        for chunk in response.iter_bytes(CHUNK):
            buf += chunk
            if len(buf) > limit:
                break
    except httpx.HTTPError:
        pass
    finally:
        response.close()
    return bytes(buf[:limit])


def _registry_errors(response: httpx.Response, body: bytes) -> str:
    """The `errors` of a distribution API error body, else the status line."""
    text = f"HTTP {response.status_code}"
    try:
        doc = json.loads(body)
    except ValueError:
        return text
    errors = doc.get("errors") if isinstance(doc, dict) else None
    if isinstance(errors, list) and errors:
        parts = []
        for e in errors:
            if isinstance(e, dict):
                parts.append(": ".join(str(e[k]) for k in ("code", "message") if e.get(k)))
        return f"{text} ({'; '.join(p for p in parts if p)})"
    return text


class RegistryClient:
    """Authenticated GETs against one repository of one registry."""

    def __init__(self, ref: Reference, options: RegistryOptions) -> None:
        self.ref = ref
        self.options = options
        self.insecure = options.plain_http(ref)
        self.base = f"{'http' if self.insecure else 'https'}://{ref.host}"
        verify: bool | ssl.SSLContext = not self.insecure
        if options.ca_file:
            try:
                verify = ssl.create_default_context(cafile=options.ca_file)
            except (OSError, ssl.SSLError) as exc:
                raise AnalysisError(options.ca_file, f"not a readable CA bundle: {exc}") from exc
        self.http = httpx.Client(timeout=options.timeout, follow_redirects=True,
                                 headers={"User-Agent": USER_AGENT}, verify=verify)
        self.auth: str | None = None  # the Authorization header value
        self.tried: set[str] = set()  # challenges already answered
        self.used = False  # whether a request has succeeded with `auth` (so it may expire)

    @property
    def where(self) -> str:
        return f"registry {self.ref.host}"

    def close(self) -> None:
        self.http.close()

    def _send(self, url: str, *, headers: dict[str, str] | None = None,
              auth: httpx.Auth | None = None,
              params: dict[str, str] | None = None) -> httpx.Response:
        """A streamed GET: the caller reads the body (capped) and closes it."""
        request = self.http.build_request("GET", url, headers=headers, params=params)
        try:
            return self.http.send(request, stream=True, auth=auth)
        except httpx.ConnectError as exc:
            text = str(exc).upper()
            hint = ""
            if "CERTIFICATE_VERIFY_FAILED" in text:
                hint = " (its TLS certificate is not trusted: pass the CA bundle)"
            elif "SSL" in text and not self.insecure:
                hint = " (a plain-HTTP registry needs --insecure-registry)"
            raise AnalysisError(self.where, f"cannot connect to {url}: {exc}{hint}") from exc
        except httpx.HTTPError as exc:
            raise AnalysisError(self.where, f"request to {url} failed: {exc}") from exc

    def ping(self) -> None:
        """`GET /v2/`: checks the API is there and answers an auth challenge up front."""
        response = self._send(self.base + "/v2/")
        body = _finish(response)
        if response.status_code == 401:
            self._authenticate(response, body)
        elif response.status_code == 404:
            raise AnalysisError(self.where, f"{self.base}/v2/ is not an OCI distribution API "
                                            "(HTTP 404)")
        elif response.status_code >= 400:
            raise AnalysisError(self.where, f"GET {self.base}/v2/: "
                                            f"{_registry_errors(response, body)}")

    def _authenticate(self, response: httpx.Response, body: bytes) -> None:
        header = response.headers.get("WWW-Authenticate", "")
        if not header:
            raise AnalysisError(self.where, "HTTP 401 without a WWW-Authenticate challenge")
        if header in self.tried and not self.used:  # a fresh answer refused: not an expiry
            who = "the credentials" if self.options.username else "anonymous access"
            raise AnalysisError(self.where, f"authentication refused: the registry rejected "
                                            f"{who} ({_registry_errors(response, body)})")
        self.tried.add(header)
        self.used = False
        scheme, params = _challenge(header)
        user, password = self.options.username, self.options.password
        if scheme == "basic":
            if user is None:
                raise AnalysisError(self.where, "authentication required: the registry asks "
                                                "for a username and password (Basic)")
            self.auth = _basic(user, password or "")
            return
        if scheme != "bearer":
            raise AnalysisError(self.where, f"unsupported auth scheme {scheme!r}")
        self.auth = "Bearer " + self._token(params)

    def _token(self, params: dict[str, str]) -> str:
        realm = params.get("realm")
        if not realm:
            raise AnalysisError(self.where, "Bearer challenge without a realm")
        parts = urlsplit(realm)
        if parts.scheme not in ("https", "http") or (parts.scheme == "http"
                                                    and not self.insecure):
            raise AnalysisError(self.where, f"token realm {realm!r} is not https "
                                            "(plain HTTP only with --insecure-registry)")
        query = {"service": params["service"]} if params.get("service") else {}
        query["scope"] = params.get("scope") or f"repository:{self.ref.repository}:pull"
        auth = None
        if self.options.username is not None:
            auth = httpx.BasicAuth(self.options.username, self.options.password or "")
        where = f"token endpoint {realm}"
        response = self._send(realm, params=query, auth=auth)
        data = _finish(response, 1024 * 1024)
        if response.status_code in (401, 403):
            raise AnalysisError(where, "authentication refused "
                                       f"({_registry_errors(response, data)})")
        if response.status_code >= 400:
            raise AnalysisError(where, _registry_errors(response, data))
        try:
            body = json.loads(data)
        except ValueError as exc:
            raise AnalysisError(where, "answered with something that is not JSON") from exc
        token = body.get("token") or body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise AnalysisError(where, "answered without a token")
        return token

    def get(self, path: str, what: str, *, accept: str | None = None) -> httpx.Response:
        """GET an API path (streamed: the caller closes it); a 401 is answered once per
        challenge; errors name `what`."""
        url = f"{self.base}/v2/{self.ref.repository}/{path}"
        while True:
            headers = {"Accept": accept} if accept else {}
            if self.auth:
                headers["Authorization"] = self.auth
            response = self._send(url, headers=headers)
            if response.status_code < 400:
                self.used = self.auth is not None
                return response
            body = _finish(response)
            if response.status_code == 401:
                self._authenticate(response, body)
                continue
            problem = {404: "not found", 403: "access denied",
                       }.get(response.status_code, "could not be fetched")
            raise AnalysisError(what, f"{problem} in {self.ref.registry}/"
                                      f"{self.ref.repository}: "
                                      f"{_registry_errors(response, body)}")

    def small(self, path: str, what: str, limit: int, *, accept: str | None = None
              ) -> tuple[bytes, httpx.Response]:
        """A manifest or config, read with a size cap."""
        response = self.get(path, what, accept=accept)
        try:
            buf = bytearray()
            for chunk in response.iter_bytes(CHUNK):
                buf += chunk
                if len(buf) > limit:
                    raise AnalysisError(what, f"larger than {limit} bytes")
        except httpx.HTTPError as exc:
            raise AnalysisError(what, f"download failed: {exc}") from exc
        finally:
            response.close()
        return bytes(buf), response


class _BlobReader(io.RawIOBase):
    """A streamed blob response as a file; refuses more bytes than the manifest declared."""

    def __init__(self, response: httpx.Response, where: str, size: int) -> None:
        self.response = response
        self.where = where
        self.limit = size
        self.count = 0
        self.chunks: Iterator[bytes] = response.iter_bytes(CHUNK)
        self.buf = b""
        self.pos = 0

    def readable(self) -> bool:
        return True

    def _more(self) -> bool:
        try:
            chunk = next(self.chunks, b"")
        except httpx.HTTPError as exc:
            raise AnalysisError(self.where, f"download failed: {exc}") from exc
        self.count += len(chunk)
        if self.count > self.limit:
            raise AnalysisError(self.where, f"the registry sent more than the manifest's "
                                            f"{self.limit} bytes")
        self.buf, self.pos = chunk, 0
        return bool(chunk)

    def read(self, n: int | None = -1) -> bytes:
        if n is None or n < 0:
            parts = [self.buf[self.pos:]]
            while self._more():
                parts.append(self.buf)
            self.buf, self.pos = b"", 0
            return b"".join(parts)
        if self.pos >= len(self.buf) and not self._more():
            return b""
        data = self.buf[self.pos:self.pos + n]
        self.pos += len(data)
        return data

    def readinto(self, b: Any) -> int:
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self.response.close()
        super().close()


class RegistryStore:
    """The blobs one manifest names, as a `BlobStore`: names are digests."""

    def __init__(self, client: RegistryClient, sizes: dict[str, int]) -> None:
        self.client = client
        self.sizes = sizes

    def exists(self, name: str) -> bool:
        return name in self.sizes

    def size(self, name: str) -> int:
        return self.sizes.get(name, 0)

    def open(self, name: str) -> IO[bytes]:
        where = self.describe(name)
        response = self.client.get(f"blobs/{name}", where)
        return cast(IO[bytes], _BlobReader(response, where, self.sizes.get(name, 0)))

    def describe(self, name: str) -> str:
        return f"{self.client.ref.text} blob {name}"

    def close(self) -> None:
        self.client.close()


def _manifest(client: RegistryClient, reference: str, limits: AnalysisLimits,
              what: str) -> tuple[dict[str, Any], str, str]:
    """(document, media type, digest) of the manifest `reference` names."""
    data, response = client.small(f"manifests/{reference}", what, limits.max_metadata_size,
                                  accept=ACCEPT)
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    if DIGEST_RE.match(reference) and digest != reference:
        raise AnalysisError(what, f"digest mismatch: asked for {reference}, the registry "
                                  f"served {digest}")
    served = response.headers.get("Docker-Content-Digest")
    if served and served.startswith("sha256:") and served != digest:
        raise AnalysisError(what, f"digest mismatch: Docker-Content-Digest says {served}, "
                                  f"content is {digest}")
    doc: dict[str, Any] = parse_json(data, what)
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip()
    media_type = doc.get("mediaType") or content_type
    if not isinstance(media_type, str):
        raise AnalysisError(what, f"mediaType is not a string: {media_type!r}")
    if media_type in SCHEMA1_TYPES or doc.get("schemaVersion") == 1:
        raise AnalysisError(what, "Docker v2 schema 1 manifests are not supported")
    return doc, media_type, digest


def resolve(text: str, limits: AnalysisLimits, *, platform: str | None = None,
            options: RegistryOptions | None = None) -> ImageSource:
    """The manifest, config and layers of `text`; the caller closes `source.store`."""
    ref = parse_reference(text)
    wanted = parse_platform(platform)
    client = RegistryClient(ref, options or RegistryOptions())
    try:
        client.ping()
        what = f"{text} manifest"
        doc, media_type, digest = _manifest(client, ref.reference, limits, what)
        for _ in range(4):
            if media_type in INDEX_TYPES or (media_type not in MANIFEST_TYPES
                                              and "manifests" in doc):
                manifests = doc.get("manifests")
                if not isinstance(manifests, list) or not all(isinstance(m, dict)
                                                              for m in manifests):
                    raise AnalysisError(what, "index has no manifests list")
                if any(not isinstance(m.get("platform") or {}, dict) for m in manifests):
                    raise AnalysisError(what, "index has a platform that is not an object")
                chosen = _pick(manifests, wanted, what, explicit=platform is not None)
                child = check_digest(chosen.get("digest"), what + " manifest digest")
                what = f"{text} manifest {child}"
                doc, media_type, digest = _manifest(client, child, limits, what)
                continue
            break
        else:
            raise AnalysisError(what, "indexes nested too deeply")
        source = _image(client, ref, doc, digest, what, limits)
    except BaseException:
        client.close()
        raise
    return source


def _image(client: RegistryClient, ref: Reference, doc: dict[str, Any], digest: str,
           what: str, limits: AnalysisLimits) -> ImageSource:
    config_desc = doc.get("config")
    if not isinstance(config_desc, dict):
        raise AnalysisError(what, "manifest has no config descriptor")
    config_digest = check_digest(config_desc.get("digest"), what + " config digest")
    config_type = config_desc.get("mediaType")
    if config_type not in (None, *CONFIG_TYPES):
        raise AnalysisError(what, f"not a container image: the config is {config_type!r}")
    config_what = f"{ref.text} config {config_digest}"
    data, _ = client.small(f"blobs/{config_digest}", config_what, limits.max_metadata_size)
    actual = "sha256:" + hashlib.sha256(data).hexdigest()
    if actual != config_digest:
        raise AnalysisError(config_what, f"digest mismatch: content is {actual}")
    config: dict[str, Any] = parse_json(data, config_what)
    layer_descs = doc.get("layers")
    if not isinstance(layer_descs, list):
        raise AnalysisError(what, "manifest has no layers list")
    rootfs = config.get("rootfs")
    diff_ids = rootfs.get("diff_ids") if isinstance(rootfs, dict) else None
    if not isinstance(diff_ids, list) or len(diff_ids) != len(layer_descs):
        raise AnalysisError(config_what, f"rootfs.diff_ids does not match the manifest's "
                                         f"{len(layer_descs)} layers")
    layers, sizes = [], {}
    for i, (desc, diff_id) in enumerate(zip(layer_descs, diff_ids, strict=True)):
        if not isinstance(desc, dict):
            raise AnalysisError(what, f"layer {i} is not a descriptor")
        layer_digest = check_digest(desc.get("digest"), f"{what} layer {i}")
        check_digest(diff_id, f"{config_what} rootfs.diff_ids[{i}]")
        if desc.get("mediaType") == FOREIGN_LAYER:
            raise AnalysisError(f"{what} layer {layer_digest}", "foreign (non-distributable) "
                                                                "layers are not supported")
        size = desc.get("size")
        if not isinstance(size, int) or size < 0 or size > limits.max_uncompressed_bytes:
            raise AnalysisError(f"{what} layer {layer_digest}", f"absurd size {size!r}")
        sizes[layer_digest] = size
        layers.append(LayerBlob(member=layer_digest, digest=layer_digest, diff_id=diff_id,
                                size=size, blob_digest=layer_digest))
    tags = (ref.text,) if ref.digest is None else ()
    return ImageSource(kind=KIND, where=ref.text, manifest_digest=digest,
                       config_digest=config_digest, config=config, layers=layers,
                       store=RegistryStore(client, sizes), repo_tags=tags,
                       extra={"reference": ref.canonical})
