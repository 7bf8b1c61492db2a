"""What the SBOM readers share: purls, the package type mapping, distro hints, image config
facts, and the `SbomFacts` every reader produces."""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from app.analysis.errors import AnalysisError
from app.analysis.model import DistroRecord, PackageFileRecord, PackageRecord
from app.analysis.sources.base import DIGEST_RE

# Ecosystem type words (Syft's package types and purl types) -> ours (model.PACKAGE_TYPES).
SYFT_TYPES = {"deb": "dpkg", "apk": "apk", "rpm": "rpm", "python": "python", "npm": "npm",
              "gem": "gem", "java-archive": "java", "jenkins-plugin": "java",
              "go-module": "go"}
PURL_TYPES = {"deb": "dpkg", "apk": "apk", "rpm": "rpm", "pypi": "python", "npm": "npm",
              "gem": "gem", "maven": "java", "golang": "go"}
OUR_TYPES = frozenset(SYFT_TYPES.values())


@dataclass(frozen=True, slots=True)
class Purl:
    type: str
    namespace: str | None
    name: str
    version: str | None
    qualifiers: dict[str, str]


def parse_purl(text: Any) -> Purl | None:
    """A package URL, or None when `text` is not one."""
    if not isinstance(text, str) or not text.startswith("pkg:"):
        return None
    rest = text[4:].lstrip("/").split("#", 1)[0]
    rest, _, query = rest.partition("?")
    qualifiers = {}
    for pair in query.split("&") if query else ():
        key, _, value = pair.partition("=")
        if key:
            qualifiers[key.lower()] = unquote(value)
    version = None
    head, at, tail = rest.rpartition("@")
    if at and "/" not in tail:
        rest, version = head, unquote(tail)
    type_, _, path = rest.partition("/")
    parts = [unquote(p) for p in path.split("/") if p]
    if not type_ or not parts:
        return None
    namespace = "/".join(parts[:-1]) or None
    return Purl(type=type_.lower(), namespace=namespace, name=parts[-1], version=version,
                qualifiers=qualifiers)


def our_type(syft_type: Any, purl: Purl | None) -> str | None:
    """Our package type from an SBOM's ecosystem word or, failing that, the purl's type."""
    if isinstance(syft_type, str) and syft_type in SYFT_TYPES:
        return SYFT_TYPES[syft_type]
    if isinstance(syft_type, str) and syft_type in OUR_TYPES:
        return syft_type
    if purl is not None:
        return PURL_TYPES.get(purl.type)
    return None


def upstream(purl: Purl | None) -> str | None:
    """The source package a purl's `upstream=` names ("glibc", "bash-5.1-6.el9.src.rpm")."""
    if purl is None or not purl.qualifiers.get("upstream"):
        return None
    value = purl.qualifiers["upstream"]
    return value.split("@", 1)[0] if purl.type == "deb" else value


def release_of(type_: str, version: str) -> str | None:
    """The release part of a version, as the catalogers split it."""
    if type_ in ("dpkg", "rpm") and "-" in version:
        return version.rsplit("-", 1)[1]
    if type_ == "apk" and "-r" in version:
        return version.rsplit("-r", 1)[1]
    return None


_DISTRO_QUALIFIER = re.compile(r"^(?P<id>.+?)-(?P<version>\d[\w.~+-]*)$")


def distro_from_purl(purl: Purl | None) -> DistroRecord | None:
    """The `distro=` qualifier of an OS package's purl ("debian-12", "alpine-3.19.1")."""
    if purl is None or purl.type not in ("deb", "rpm", "apk"):
        return None
    value = purl.qualifiers.get("distro")
    if not value:
        return None
    m = _DISTRO_QUALIFIER.match(value)
    if m:
        return DistroRecord(id=m.group("id").lower(), version_id=m.group("version"))
    return DistroRecord(id=value.lower(), version_id="")


def is_digest(value: Any) -> bool:
    return isinstance(value, str) and bool(DIGEST_RE.match(value))


def split_conjunction(expression: str) -> tuple[str, ...]:
    """"MIT AND GPL-2.0-only" -> both; an expression with OR, WITH or parentheses stays whole
    (that is how a list of licenses is written as one SPDX expression)."""
    text = expression.strip()
    if not text:
        return ()
    if re.search(r"\b(?:OR|WITH)\b|[()]", text):
        return (text,)
    return tuple(p.strip() for p in re.split(r"\s+AND\s+", text) if p.strip())


def b64_json(value: Any, where: str) -> dict[str, Any] | None:
    """A base64-encoded JSON object (Syft's source manifest and config), or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        data = base64.b64decode(value, validate=False)
        doc = json.loads(data)
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise AnalysisError(where, f"not base64-encoded JSON: {exc}") from exc
    if not isinstance(doc, dict):
        raise AnalysisError(where, "not a JSON object")
    return doc


def file_records(files: Any) -> tuple[PackageFileRecord, ...]:
    """Syft's package metadata `files` (dpkg, rpm, apk): path, digest, mode, size, config."""
    out = []
    for f in files if isinstance(files, list) else ():
        if not isinstance(f, dict) or not isinstance(f.get("path"), str):
            continue
        digest: dict[str, Any] = f["digest"] if isinstance(f.get("digest"), dict) else {}
        mode = f.get("mode")
        size = f.get("size")
        out.append(PackageFileRecord(
            path=f["path"], digest=str(digest["value"]) if digest.get("value") else None,
            digest_algorithm=str(digest["algorithm"]) if digest.get("algorithm") else None,
            mode=mode if isinstance(mode, int) else None,
            size=size if isinstance(size, int) else None,
            is_config=bool(f.get("isConfigFile") or f.get("flags") == "c")))
    return tuple(out)


def strings(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(str(x) for x in value)
    return None


def created_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    text = re.sub(r"(\.\d{6})\d+", r"\1", value.replace("Z", "+00:00"))
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def config_facts(cfg: dict[str, Any]) -> dict[str, Any]:
    """ImageAnalysis fields from an image config, as the analyzer reads them."""
    run = cfg.get("config") if isinstance(cfg.get("config"), dict) else {}
    assert isinstance(run, dict)
    env: dict[str, str] = {}
    for item in listed(run.get("Env")):
        if isinstance(item, str):
            key, _, value = item.partition("=")
            env[key] = value
    labels = run.get("Labels") if isinstance(run.get("Labels"), dict) else {}
    assert isinstance(labels, dict)
    history = tuple(str(h.get("created_by", "")) for h in listed(cfg.get("history"))
                    if isinstance(h, dict))
    healthcheck = run.get("Healthcheck")
    ports = run.get("ExposedPorts") if isinstance(run.get("ExposedPorts"), dict) else {}
    assert isinstance(ports, dict)
    return dict(
        architecture=str(cfg.get("architecture") or ""), os=str(cfg.get("os") or ""),
        variant=str(cfg.get("variant") or ""), created=created_time(cfg.get("created")),
        labels={str(k): str(v) for k, v in labels.items()}, env=env,
        user=str(run.get("User") or ""), working_dir=str(run.get("WorkingDir") or ""),
        exposed_ports=tuple(str(p) for p in ports), entrypoint=strings(run.get("Entrypoint")),
        cmd=strings(run.get("Cmd")),
        healthcheck=healthcheck if isinstance(healthcheck, dict) else None, history=history)


@dataclass
class SbomFacts:
    """What a reader found; `sbom.read` turns it into an `ImageAnalysis`."""

    kind: str  # syft-json, cyclonedx-json, spdx-json
    packages: list[PackageRecord] = field(default_factory=list)
    distro: DistroRecord | None = None
    manifest_digest: str | None = None
    config_digest: str | None = None
    config: dict[str, Any] | None = None
    layers: tuple[str, ...] = ()  # as the manifest names them, bottom first
    diff_ids: tuple[str, ...] = ()
    size: int = 0
    repo_tags: tuple[str, ...] = ()
    architecture: str = ""
    os: str = ""
    warnings: list[str] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)  # ecosystem word -> count

    def skip(self, what: str) -> None:
        self.skipped[what] = self.skipped.get(what, 0) + 1

    def layer_of(self, layer_id: Any) -> str | None:
        """A location's layer (Syft and Trivy give the diff_id) as the manifest names it."""
        if not is_digest(layer_id):
            return None
        if layer_id in self.diff_ids and len(self.layers) == len(self.diff_ids):
            return self.layers[self.diff_ids.index(layer_id)]
        return str(layer_id)


def text_or_none(value: Any) -> str | None:
    """A non-empty string, else None."""
    return value if isinstance(value, str) and value else None


def listed(value: Any) -> list[Any]:
    """`value` if it is a list, else nothing: for optional lists read leniently."""
    return value if isinstance(value, list) else []


def dicts(value: Any) -> list[dict[str, Any]]:
    """The objects of an optional list."""
    return [x for x in listed(value) if isinstance(x, dict)]


def need(value: Any, kind: type, where: str, what: str) -> Any:
    """`value` if it is a `kind` (a missing value counts as empty), else an AnalysisError."""
    if value is None:
        return kind()
    if not isinstance(value, kind):
        raise AnalysisError(where, f"{what} is not a JSON {kind.__name__}")
    return value
