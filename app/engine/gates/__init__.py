"""The gate registry: every gate by its lower-case name, and the end-of-life gate names."""

from __future__ import annotations

from app.engine.gate import Gate
from app.engine.gates import (
    always,
    ancestry,
    distro,
    dockerfile,
    files,
    licenses,
    malware,
    metadata,
    npms,
    packages,
    passwd_file,
    retrieved_files,
    ruby_gems,
    secret_scans,
    tag_drift,
    vulnerabilities,
)

# In the order describe_gates() lists them: Anchore's engine gates, then Enterprise's.
ACTIVE: tuple[Gate, ...] = (
    vulnerabilities.gate,
    packages.gate,
    dockerfile.gate,
    files.gate,
    passwd_file.gate,
    secret_scans.gate,
    licenses.gate,
    metadata.gate,
    npms.gate,
    ruby_gems.gate,
    always.gate,
    retrieved_files.gate,
    malware.gate,
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
