"""Real registries for tests: Debian's `docker-registry` (distribution 2.x) on loopback with a
temp config, a free port and temp storage; optionally behind real token auth (a tiny token
server that signs JWTs with a throwaway certificate the registry trusts) or htpasswd Basic
auth. Images get in with `skopeo copy`."""

from __future__ import annotations

import base64
import contextlib
import datetime
import hashlib
import ipaddress
import json
import os
import shutil
import socket
import subprocess
import threading
import time
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

SERVICE = "imagegate-test-registry"
ISSUER = "imagegate-test-issuer"


def require(*tools: str) -> None:
    """Skip (fail under CI, which installs them) when a tool is missing."""
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        message = f"{', '.join(missing)} not installed (apt-get install docker-registry skopeo)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Registry:
    host: str  # "127.0.0.1:PORT"
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_registry(workdir: Path, storage: Path, *, auth: dict[str, Any] | None = None,
                   tls: tuple[Path, Path] | None = None) -> Registry:
    """`docker-registry serve` on a free loopback port; waits until `/v2/` answers."""
    workdir.mkdir(parents=True, exist_ok=True)
    for _attempt in range(5):
        port = free_port()
        config = {"version": 0.1, "log": {"level": "warn", "accesslog": {"disabled": True}},
                  "storage": {"filesystem": {"rootdirectory": str(storage)},
                              "delete": {"enabled": True}},
                  "http": {"addr": f"127.0.0.1:{port}", "secret": uuid.uuid4().hex}}
        if auth:
            config["auth"] = auth
        if tls:
            config["http"]["tls"] = {"certificate": str(tls[0]), "key": str(tls[1])}
        path = workdir / f"config-{port}.yml"  # JSON is YAML
        path.write_text(json.dumps(config))
        log = workdir / f"registry-{port}.log"
        with open(log, "wb") as out:
            process = subprocess.Popen(["docker-registry", "serve", str(path)], stdout=out,
                                       stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        registry = Registry(f"127.0.0.1:{port}", process, log)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and process.poll() is None:
            try:
                scheme = "https" if tls else "http"
                probe = httpx.get(f"{scheme}://{registry.host}/v2/", timeout=1, verify=False)
                if probe.status_code in (200, 401):
                    return registry
            except httpx.HTTPError:
                time.sleep(0.1)
        registry.stop()
        if "address already in use" not in log.read_text():
            raise RuntimeError(f"docker-registry did not start:\n{log.read_text()}")
    raise RuntimeError("docker-registry: no free port after 5 attempts")


def skopeo_copy(source: str, dest: str, tmp: Path, *extra: str) -> None:
    env = {**os.environ, "TMPDIR": str(tmp), "HOME": str(tmp)}
    tmp.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(["skopeo", "--insecure-policy", "copy", "--dest-tls-verify=false",
                             *extra, source, dest], capture_output=True, text=True, env=env,
                            timeout=120, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"skopeo copy {source} {dest} failed:\n{result.stderr}")


def push_blob(host: str, repo: str, data: bytes) -> str:
    """A blob upload over the distribution API (POST, then a monolithic PUT); the digest."""
    digest = sha(data)
    response = httpx.post(f"http://{host}/v2/{repo}/blobs/uploads/")
    assert response.status_code == 202, response.text
    location = response.headers["Location"]
    if location.startswith("/"):
        location = f"http://{host}{location}"
    location += ("&" if "?" in location else "?") + f"digest={digest}"
    response = httpx.put(location, content=data,
                         headers={"Content-Type": "application/octet-stream"})
    assert response.status_code == 201, response.text
    return digest


def push_manifest(host: str, repo: str, reference: str, manifest: dict[str, Any]) -> str:
    data = json.dumps(manifest).encode()
    response = httpx.put(f"http://{host}/v2/{repo}/manifests/{reference}", content=data,
                         headers={"Content-Type": manifest["mediaType"]})
    assert response.status_code == 201, response.text
    return sha(data)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass
class TokenServer:
    """A distribution token endpoint: Basic credentials from `users` get the scopes they ask
    for; anonymous callers get a token granting nothing; a wrong password gets 401."""

    users: dict[str, str]
    workdir: Path
    ttl: int = 300  # seconds a token is valid
    url: str = ""
    bundle: Path = field(default_factory=Path)
    issued: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
        from cryptography.x509.oid import NameOID

        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ISSUER)])
        now = datetime.datetime.now(datetime.UTC)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                .public_key(self._key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(days=1))
                .not_valid_after(now + datetime.timedelta(days=1))
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .sign(self._key, hashes.SHA256()))
        self._der = cert.public_bytes(serialization.Encoding.DER)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.bundle = self.workdir / "token-root.pem"
        self.bundle.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/token"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def registry_auth(self) -> dict[str, Any]:
        return {"token": {"realm": self.url, "service": SERVICE, "issuer": ISSUER,
                          "rootcertbundle": str(self.bundle)}}

    def token(self, subject: str, access: list[dict[str, Any]]) -> str:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        now = int(time.time())
        header = {"typ": "JWT", "alg": "RS256", "x5c": [base64.b64encode(self._der).decode()]}
        claims = {"iss": ISSUER, "sub": subject, "aud": SERVICE, "iat": now, "nbf": now - 10,
                  "exp": now + self.ttl, "jti": uuid.uuid4().hex, "access": access}
        signing_input = (_b64url(json.dumps(header).encode()) + "."
                         + _b64url(json.dumps(claims).encode()))
        signature = self._key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return signing_input + "." + _b64url(signature)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _reply(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                query = parse_qs(urlsplit(self.path).query)
                subject, access = "", []
                header = self.headers.get("Authorization", "")
                if header.startswith("Basic "):
                    user, _, password = base64.b64decode(header[6:]).decode().partition(":")
                    if server.users.get(user) != password:
                        self._reply(401, {"errors": [{"code": "UNAUTHORIZED",
                                                      "message": "bad credentials"}]})
                        return
                    subject = user
                    for scope in query.get("scope", []):
                        kind, _, rest = scope.partition(":")
                        repo, _, actions = rest.rpartition(":")
                        access.append({"type": kind, "name": repo,
                                       "actions": actions.split(",")})
                server.issued.append({"subject": subject, "query": query})
                self._reply(200, {"token": server.token(subject, access),
                                  "expires_in": server.ttl})

        return Handler

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def tls_files(workdir: Path) -> tuple[Path, Path, Path]:
    """A throwaway CA and a server certificate for 127.0.0.1 signed by it: (ca, cert, key)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "imagegate test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(days=1))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True,
                                       crl_sign=True, content_commitment=False,
                                       key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False,
                                       decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                         critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    workdir.mkdir(parents=True, exist_ok=True)
    paths = workdir / "ca.pem", workdir / "server.pem", workdir / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.TraditionalOpenSSL,
                                           serialization.NoEncryption()))
    return paths


def htpasswd(path: Path, users: dict[str, str]) -> Path:
    """An htpasswd file with bcrypt hashes (what distribution's htpasswd auth reads)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import crypt  # bcrypt from the system's libcrypt

    lines = [f"{u}:{crypt.crypt(p, crypt.mksalt(crypt.METHOD_BLOWFISH))}"
             for u, p in users.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


@contextlib.contextmanager
def running(registry: Registry) -> Iterator[Registry]:
    try:
        yield registry
    finally:
        registry.stop()


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()
