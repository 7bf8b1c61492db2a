"""The gate registry: every gate by its lower-case name, and the end-of-life gate names."""

from __future__ import annotations

from app.engine.gate import Gate
from app.engine.gates import (
    always,
    ancestry,
    distro,
    dockerfile,
    npms,
    packages,
    ruby_gems,
    tag_drift,
    vulnerabilities,
)

ACTIVE: tuple[Gate, ...] = (
    always.gate,
    dockerfile.gate,
    vulnerabilities.gate,
    packages.gate,
    npms.gate,
    ruby_gems.gate,
    distro.gate,
    ancestry.gate,
    tag_drift.gate,
)

# Anchore's retired gates, and the gate that replaced each (None: no successor).
END_OF_LIFE: dict[str, str | None] = {
    "anchoresec": "vulnerabilities",
    "dockerfilecheck": "dockerfile",
    "filecheck": "files",
    "fileparse_passwd": "passwd_file",
    "gemcheck": "gems",  # sic: Anchore names a successor that does not exist
    "licblacklist": "licenses",
    "metadatacheck": "metadata",
    "npmcheck": "npms",
    "pkgblacklist": "packages",
    "pkgcheck": "packages",
    "secretcheck": "secret_scans",
    "imagecheck": None,
    "pkgdiff": None,
    "suiddiff": None,
}

GATES: dict[str, Gate] = {gate.name: gate for gate in ACTIVE}

__all__ = ["END_OF_LIFE", "GATES"]
