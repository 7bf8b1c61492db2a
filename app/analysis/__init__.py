"""Image analysis: read a docker-archive or oci-archive tarball, an OCI layout directory, a
root filesystem directory or a registry reference into `ImageAnalysis` facts — layers,
config, distro, files, packages, retrieved files, secrets and a (guessed) Dockerfile; or an
SBOM (Syft, CycloneDX, SPDX JSON) into its packages, distro and image metadata."""

from __future__ import annotations

from app.analysis.analyzer import analyze
from app.analysis.errors import AnalysisError, AnalysisLimits
from app.analysis.model import (
    DistroRecord,
    FileRecord,
    ImageAnalysis,
    PackageFileRecord,
    PackageRecord,
    SecretMatch,
)
from app.analysis.secrets import DEFAULT_SECRET_REGEXES
from app.analysis.sources.registry import RegistryOptions
from app.analysis.sources.sbom import KINDS as SBOM_KINDS

__all__ = [
    "DEFAULT_SECRET_REGEXES",
    "SBOM_KINDS",
    "AnalysisError",
    "AnalysisLimits",
    "DistroRecord",
    "FileRecord",
    "ImageAnalysis",
    "PackageFileRecord",
    "PackageRecord",
    "RegistryOptions",
    "SecretMatch",
    "analyze",
]
