"""The facts an evaluation reads: one analyzed image, its vulnerability matches, the state of
the feeds and the image's relatives. Plain frozen data; the engine never fetches anything."""

from __future__ import annotations

import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

# Package types Anchore counts as "non-os" (everything else is an OS package).
NON_OS_PACKAGE_TYPES = frozenset(
    {"java", "python", "npm", "gem", "maven", "js", "composer", "nuget", "binary", "go"}
)


@dataclass(frozen=True, slots=True)
class Distro:
    name: str  # os-release ID, e.g. "debian"
    version: str  # VERSION_ID, e.g. "12"
    like: tuple[str, ...] = ()  # ID_LIKE

    @property
    def namespace(self) -> str:
        return f"{self.name}:{self.version}"

    @property
    def like_namespaces(self) -> tuple[str, ...]:
        """The feed namespaces that can serve this distro: its own, then its ID_LIKE ones."""
        return (self.namespace, *(f"{like}:{self.version}" for like in self.like))


@dataclass(frozen=True, slots=True)
class FileEntry:
    path: str
    type: str = "file"  # file, dir, symlink, hardlink, char, block, fifo
    mode: int = 0o100644  # st_mode, file type bits included
    uid: int = 0
    gid: int = 0
    size: int = 0
    link_target: str | None = None
    sha256: str | None = None
    layer: str | None = None  # digest of the layer that last wrote it

    @property
    def has_suid_or_sgid(self) -> bool:
        return bool(self.mode & (stat.S_ISUID | stat.S_ISGID))


@dataclass(frozen=True, slots=True)
class PackageFile:
    """A file as the package database records it (for `packages/verify`)."""

    path: str
    digest: str | None = None
    digest_algorithm: str | None = None  # sha256, sha1, md5
    mode: int | None = None
    size: int | None = None
    is_config: bool = False


@dataclass(frozen=True, slots=True)
class Package:
    name: str
    version: str  # the full version as the ecosystem prints it (epoch and release included)
    type: str  # dpkg, apk, rpm, python, npm, gem, java, go, ...
    release: str | None = None  # the release part of `version` where the ecosystem has one
    location: str | None = None  # where it was found (non-os packages)
    licenses: tuple[str, ...] = ()
    source: str | None = None  # source package (dpkg, rpm)
    architecture: str | None = None
    purl: str | None = None
    layer: str | None = None
    files: tuple[PackageFile, ...] = ()

    @property
    def short_version(self) -> str:
        """Anchore's `version` column: the full version without its release suffix."""
        if self.release and self.version.endswith("-" + self.release):
            return self.version[: -len(self.release) - 1]
        return self.version

    @property
    def is_os(self) -> bool:
        return self.type.lower() not in NON_OS_PACKAGE_TYPES


@dataclass(frozen=True, slots=True)
class ContentMatch:
    """A content or secret regex that matched a file: `regex` is "NAME=pattern" or "pattern"."""

    path: str
    regex: str
    lines: tuple[int, ...] = ()

    @property
    def regex_name(self) -> str | None:
        name, sep, _ = self.regex.partition("=")
        return name if sep else None


@dataclass(frozen=True, slots=True)
class MalwareFinding:
    path: str
    signature: str


@dataclass(frozen=True, slots=True)
class MalwareScan:
    scanner: str
    findings: tuple[MalwareFinding, ...] = ()


@dataclass(frozen=True, slots=True)
class ImageFacts:
    """What analysis found in one image."""

    digest: str
    image_id: str
    size: int = 0
    architecture: str = ""
    os: str = ""
    layers: tuple[str, ...] = ()
    distro: Distro | None = None
    created: datetime | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    env: Mapping[str, str] = field(default_factory=dict)
    user: str = ""
    exposed_ports: tuple[str, ...] = ()
    dockerfile_mode: str | None = None  # "Actual" | "Guessed" | None
    dockerfile: str = ""
    packages: tuple[Package, ...] = ()
    # None means the analysis has no filesystem facts (an SBOM-only image).
    files: tuple[FileEntry, ...] | None = ()
    content_matches: tuple[ContentMatch, ...] = ()
    secret_matches: tuple[ContentMatch, ...] = ()
    retrieved_files: Mapping[str, str] = field(default_factory=dict)
    malware_scans: tuple[MalwareScan, ...] = ()

    @property
    def has_filesystem(self) -> bool:
        return self.files is not None


@dataclass(frozen=True, slots=True)
class Cvss:
    version: str
    base_score: float = -1.0
    exploitability_score: float = -1.0
    impact_score: float = -1.0


@dataclass(frozen=True, slots=True)
class VulnerabilityMatch:
    """One vulnerability affecting one package of the image."""

    vulnerability_id: str
    severity: str  # unknown, negligible, low, medium, high, critical
    package_name: str
    package_version: str
    package_type: str
    package_location: str = ""
    link: str = ""
    feed_group: str = ""
    cvss: tuple[Cvss, ...] = ()  # the record's own scores (vendor scores unless an NVD record)
    nvd_cvss: tuple[Cvss, ...] = ()
    fix_versions: tuple[str, ...] = ()
    will_not_fix: bool = False
    fix_observed_at: datetime | None = None
    detected_at: datetime | None = None

    @property
    def is_os(self) -> bool:
        return self.package_type.lower() not in NON_OS_PACKAGE_TYPES

    @property
    def is_nvd(self) -> bool:
        return "nvd" in self.feed_group


@dataclass(frozen=True, slots=True)
class FeedGroup:
    name: str
    last_sync: datetime | None = None
    record_count: int = 0


@dataclass(frozen=True, slots=True)
class PackageMetadata:
    """A packages-feed row (npm or gem): the latest version and every published version."""

    name: str
    latest: str
    versions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FeedState:
    """What the vulnerability and package feeds hold, by group name ("debian:12", "npm")."""

    groups: Mapping[str, FeedGroup] = field(default_factory=dict)
    npm_packages: Mapping[str, PackageMetadata] = field(default_factory=dict)
    gem_packages: Mapping[str, PackageMetadata] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Ancestor:
    """An analyzed image whose layers are a proper prefix of this image's layers."""

    digest: str
    tags: tuple[str, ...] = ()
    layer_count: int = 0


@dataclass(frozen=True, slots=True)
class Facts:
    """Everything one evaluation reads, loaded by the caller beforehand."""

    image: ImageFacts
    vulnerabilities: tuple[VulnerabilityMatch, ...] = ()
    feeds: FeedState = field(default_factory=FeedState)
    ancestors: tuple[Ancestor, ...] = ()  # nearest last, as Anchore sorts them
    base: Ancestor | None = None  # the chosen base image, if any
    # Packages of the image the evaluated tag pointed at before this one (tag_drift).
    previous_tag_packages: tuple[Package, ...] | None = None
    # Ecosystem-aware version comparison: (package type, a, b) -> negative, 0 or positive.
    # Supplied by the service layer; None means the engine's generic comparator
    # (app.engine.versions.compare_versions).
    compare_versions: Callable[[str, str, str], int] | None = None
