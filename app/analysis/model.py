"""What analysis found in one image: plain frozen data with JSON round trips.

`to_dict()` returns only JSON-safe values (str, int, bool, None, lists, dicts);
`from_dict(d)` accepts exactly what `to_dict()` produced.

Digests and layers:

- `ImageAnalysis.digest` is the manifest digest (`sha256:…`). An OCI layout or oci-archive has a
  real manifest blob; a docker-archive has none, so it is the sha256 of a canonical Docker v2
  schema 2 manifest synthesized from the config and the (uncompressed) layers; a rootfs
  directory has neither, so it is the sha256 of the sorted file listing.
  A registry pull records the digest of the manifest the registry served (from an index: the
  platform's manifest).
- An SBOM (`source_kind` syft-json, cyclonedx-json, spdx-json) has no files: its digest is the
  image's manifest digest when the SBOM names it, else the sha256 of the canonical SBOM JSON
  (see `app.analysis.sources.sbom`).
- `ImageAnalysis.image_id` is the config digest without `sha256:` (Anchore's imageId).
- `ImageAnalysis.layers` are the layer digests as the image's manifest names them — what
  Anchore records from a registry manifest and compares for ancestry: for OCI sources the
  (usually compressed) blob digests; for a docker-archive, whose layers are stored
  uncompressed, the uncompressed digests, which equal the diff_ids. `diff_ids` are always the
  uncompressed digests from the config's `rootfs.diff_ids`. `FileRecord.layer` and
  `PackageRecord.layer` use the `layers` digests.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

FILE_TYPES = ("file", "dir", "symlink", "hardlink", "char", "block", "fifo")
PACKAGE_TYPES = ("dpkg", "apk", "rpm", "python", "npm", "gem", "java", "go")


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _opt_int(value: Any) -> int | None:
    return None if value is None else int(value)


@dataclass(frozen=True, slots=True)
class PackageFileRecord:
    """A file as a package database records it (dpkg md5sums, apk checksums, rpm headers)."""

    path: str
    digest: str | None = None
    digest_algorithm: str | None = None  # md5, sha1, sha256
    mode: int | None = None
    size: int | None = None
    is_config: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "digest": self.digest,
                "digest_algorithm": self.digest_algorithm, "mode": self.mode,
                "size": self.size, "is_config": self.is_config}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PackageFileRecord:
        return cls(path=str(d["path"]), digest=_opt_str(d.get("digest")),
                   digest_algorithm=_opt_str(d.get("digest_algorithm")),
                   mode=_opt_int(d.get("mode")), size=_opt_int(d.get("size")),
                   is_config=bool(d.get("is_config", False)))


@dataclass(frozen=True, slots=True)
class FileRecord:
    """One entry of the squashed filesystem."""

    path: str  # absolute, normalized: "/usr/bin/passwd"
    type: str = "file"  # one of FILE_TYPES
    mode: int = 0o100644  # st_mode: file type bits, setuid/setgid/sticky and permissions
    uid: int = 0
    gid: int = 0
    size: int = 0
    link_target: str | None = None  # symlink target as written; hardlink target as a path
    sha256: str | None = None  # hex, regular files (and hardlinks to them) up to the hash cap
    layer: str | None = None  # digest of the layer that last wrote it (None for a rootfs)

    @property
    def has_suid_or_sgid(self) -> bool:
        return bool(self.mode & (stat.S_ISUID | stat.S_ISGID))

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "type": self.type, "mode": self.mode, "uid": self.uid,
                "gid": self.gid, "size": self.size, "link_target": self.link_target,
                "sha256": self.sha256, "layer": self.layer}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FileRecord:
        return cls(path=str(d["path"]), type=str(d.get("type", "file")),
                   mode=int(d.get("mode", 0o100644)), uid=int(d.get("uid", 0)),
                   gid=int(d.get("gid", 0)), size=int(d.get("size", 0)),
                   link_target=_opt_str(d.get("link_target")), sha256=_opt_str(d.get("sha256")),
                   layer=_opt_str(d.get("layer")))


@dataclass(frozen=True, slots=True)
class PackageRecord:
    name: str
    version: str  # the full version as the ecosystem prints it (epoch and release included)
    type: str  # one of PACKAGE_TYPES
    release: str | None = None  # the release part of `version`, where the ecosystem has one
    source: str | None = None  # source package name (dpkg, rpm source rpm, apk origin)
    architecture: str | None = None
    licenses: tuple[str, ...] = ()
    purl: str | None = None
    location: str | None = None  # the db or manifest file it was read from
    layer: str | None = None  # the layer that last wrote `location`
    files: tuple[PackageFileRecord, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "type": self.type,
                "release": self.release, "source": self.source,
                "architecture": self.architecture, "licenses": list(self.licenses),
                "purl": self.purl, "location": self.location, "layer": self.layer,
                "files": [f.to_dict() for f in self.files]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PackageRecord:
        return cls(name=str(d["name"]), version=str(d["version"]), type=str(d["type"]),
                   release=_opt_str(d.get("release")), source=_opt_str(d.get("source")),
                   architecture=_opt_str(d.get("architecture")),
                   licenses=tuple(str(x) for x in d.get("licenses") or ()),
                   purl=_opt_str(d.get("purl")), location=_opt_str(d.get("location")),
                   layer=_opt_str(d.get("layer")),
                   files=tuple(PackageFileRecord.from_dict(f) for f in d.get("files") or ()))


@dataclass(frozen=True, slots=True)
class SecretMatch:
    """A regex that matched a file: `regex` is "NAME=pattern" (or a bare pattern)."""

    path: str
    regex: str
    lines: tuple[int, ...] = ()  # 0-based line numbers, as Anchore reports them

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "regex": self.regex, "lines": list(self.lines)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SecretMatch:
        return cls(path=str(d["path"]), regex=str(d["regex"]),
                   lines=tuple(int(x) for x in d.get("lines") or ()))


@dataclass(frozen=True, slots=True)
class DistroRecord:
    """From /etc/os-release (or /usr/lib/os-release)."""

    id: str  # ID, e.g. "debian"
    version_id: str  # VERSION_ID, e.g. "12" ("" when absent, as on Debian sid)
    id_like: tuple[str, ...] = ()  # ID_LIKE, split on whitespace

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "version_id": self.version_id, "id_like": list(self.id_like)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DistroRecord:
        return cls(id=str(d["id"]), version_id=str(d.get("version_id", "")),
                   id_like=tuple(str(x) for x in d.get("id_like") or ()))


@dataclass(frozen=True, slots=True)
class ImageAnalysis:
    digest: str  # manifest digest, "sha256:…" (see the module docstring)
    image_id: str  # config digest, hex without "sha256:"
    source_kind: str = ""  # docker-archive, oci-archive, oci-layout, rootfs, registry,
    #                        syft-json, cyclonedx-json, spdx-json (no filesystem facts)
    layers: tuple[str, ...] = ()  # manifest layer digests, bottom first
    diff_ids: tuple[str, ...] = ()  # uncompressed layer digests, bottom first
    size: int = 0  # sum of the layer blobs' sizes as stored (rootfs: of regular files)
    architecture: str = ""
    os: str = ""
    variant: str = ""
    created: datetime | None = None
    labels: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    user: str = ""
    working_dir: str = ""
    exposed_ports: tuple[str, ...] = ()  # "80/tcp", as the config's ExposedPorts keys
    entrypoint: tuple[str, ...] | None = None
    cmd: tuple[str, ...] | None = None
    healthcheck: dict[str, Any] | None = None  # the config's Healthcheck object as is
    history: tuple[str, ...] = ()  # created_by of every history entry, oldest first
    repo_tags: tuple[str, ...] = ()  # tags recorded in the archive (docker-archive RepoTags,
    #                                 OCI org.opencontainers.image.ref.name)
    distro: DistroRecord | None = None
    files: tuple[FileRecord, ...] = ()  # sorted by path
    packages: tuple[PackageRecord, ...] = ()
    retrieved_files: dict[str, str] = field(default_factory=dict)  # path -> text content
    secret_matches: tuple[SecretMatch, ...] = ()
    content_matches: tuple[SecretMatch, ...] = ()  # user content regexes (files gate)
    dockerfile: str = ""
    dockerfile_mode: str | None = None  # "Actual" | "Guessed" | None
    warnings: tuple[str, ...] = ()  # what could not be analyzed, and why

    def to_dict(self) -> dict[str, Any]:
        return {
            "digest": self.digest, "image_id": self.image_id, "source_kind": self.source_kind,
            "layers": list(self.layers), "diff_ids": list(self.diff_ids), "size": self.size,
            "architecture": self.architecture, "os": self.os, "variant": self.variant,
            "created": self.created.isoformat() if self.created else None,
            "labels": dict(self.labels), "env": dict(self.env), "user": self.user,
            "working_dir": self.working_dir, "exposed_ports": list(self.exposed_ports),
            "entrypoint": None if self.entrypoint is None else list(self.entrypoint),
            "cmd": None if self.cmd is None else list(self.cmd),
            "healthcheck": self.healthcheck, "history": list(self.history),
            "repo_tags": list(self.repo_tags),
            "distro": self.distro.to_dict() if self.distro else None,
            "files": [f.to_dict() for f in self.files],
            "packages": [p.to_dict() for p in self.packages],
            "retrieved_files": dict(self.retrieved_files),
            "secret_matches": [m.to_dict() for m in self.secret_matches],
            "content_matches": [m.to_dict() for m in self.content_matches],
            "dockerfile": self.dockerfile, "dockerfile_mode": self.dockerfile_mode,
            "warnings": list(self.warnings),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any], *, files: bool = True) -> ImageAnalysis:
        """The analysis `to_dict` wrote; without `files`, its file list is left empty (most
        of the cost for a large image, and matching vulnerabilities does not read it)."""
        created = d.get("created")
        entrypoint, cmd = d.get("entrypoint"), d.get("cmd")
        return cls(
            digest=str(d["digest"]), image_id=str(d["image_id"]),
            source_kind=str(d.get("source_kind", "")),
            layers=tuple(str(x) for x in d.get("layers") or ()),
            diff_ids=tuple(str(x) for x in d.get("diff_ids") or ()),
            size=int(d.get("size", 0)), architecture=str(d.get("architecture", "")),
            os=str(d.get("os", "")), variant=str(d.get("variant", "")),
            created=datetime.fromisoformat(created) if created else None,
            labels={str(k): str(v) for k, v in (d.get("labels") or {}).items()},
            env={str(k): str(v) for k, v in (d.get("env") or {}).items()},
            user=str(d.get("user", "")), working_dir=str(d.get("working_dir", "")),
            exposed_ports=tuple(str(x) for x in d.get("exposed_ports") or ()),
            entrypoint=None if entrypoint is None else tuple(str(x) for x in entrypoint),
            cmd=None if cmd is None else tuple(str(x) for x in cmd),
            healthcheck=d.get("healthcheck"),
            history=tuple(str(x) for x in d.get("history") or ()),
            repo_tags=tuple(str(x) for x in d.get("repo_tags") or ()),
            distro=DistroRecord.from_dict(d["distro"]) if d.get("distro") else None,
            files=tuple(FileRecord.from_dict(f) for f in d.get("files") or ()) if files else (),
            packages=tuple(PackageRecord.from_dict(p) for p in d.get("packages") or ()),
            retrieved_files={str(k): str(v)
                             for k, v in (d.get("retrieved_files") or {}).items()},
            secret_matches=tuple(SecretMatch.from_dict(m) for m in d.get("secret_matches") or ()),
            content_matches=tuple(SecretMatch.from_dict(m)
                                  for m in d.get("content_matches") or ()),
            dockerfile=str(d.get("dockerfile", "")),
            dockerfile_mode=_opt_str(d.get("dockerfile_mode")),
            warnings=tuple(str(x) for x in d.get("warnings") or ()),
        )
