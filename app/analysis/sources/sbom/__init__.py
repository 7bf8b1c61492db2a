"""SBOM files as image sources, one module per format: Syft JSON, CycloneDX JSON (1.4 to 1.6) and
SPDX JSON (2.2, 2.3). An SBOM gives packages (type, version, purl, licenses, location and
layer where given), the distro and, where present, the image's digests, tags, layers and
config — but no files: `source_kind` ("syft-json", "cyclonedx-json", "spdx-json") tells the
service that this image has no filesystem facts.

Digest: the image's manifest digest when the SBOM names it (Syft `source.metadata`/`target`
`manifestDigest`; a CycloneDX `container` component or SPDX `CONTAINER` package with a
`pkg:oci/…@sha256:…` purl or a digest version); otherwise the sha256 of the canonical SBOM
bytes (the parsed JSON re-serialized with sorted keys, `(",", ":")` separators and UTF-8),
so reformatting an SBOM does not change it. `image_id` is the config digest when named,
else that digest's hex. Ecosystems we do not model (binaries, Rust crates…) are skipped with
a warning."""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

from app.analysis import dockerfile as dockerfile_module
from app.analysis.errors import AnalysisError, AnalysisLimits
from app.analysis.model import ImageAnalysis
from app.analysis.sources.base import parse_json
from app.analysis.sources.sbom import cyclonedx, spdx, syft
from app.analysis.sources.sbom.common import SbomFacts, config_facts, is_digest

KINDS = (syft.KIND, cyclonedx.KIND, spdx.KIND)
_READERS = (syft, cyclonedx, spdx)


def is_sbom_file(path: str) -> bool:
    """Whether `path` is a regular file holding a JSON object (image archives never start
    with `{`); which format it is, `read` decides."""
    if not os.path.isfile(path):
        return False
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError:
        return False
    return head.removeprefix(b"\xef\xbb\xbf").lstrip()[:1] == b"{"


def canonical_digest(doc: Any) -> str:
    data = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(data.encode("utf-8")).hexdigest()


def parse(doc: dict[str, Any], where: str) -> SbomFacts:
    for reader in _READERS:
        if reader.matches(doc):
            return reader.read(doc, where)
    raise AnalysisError(where, "a JSON document, but not a Syft, CycloneDX or SPDX SBOM (no "
                               "Syft artifacts/schema, bomFormat or spdxVersion)")


def read(path: str, limits: AnalysisLimits, *, dockerfile: str | None = None,
         anchore_guessed_dockerfile: bool = True) -> ImageAnalysis:
    """An SBOM file as `ImageAnalysis` facts (no files). Its size is capped by
    `limits.max_capture_size`. Without `dockerfile`, one is guessed from the config's
    history when the SBOM carries the config (as `analyze` guesses one)."""
    try:
        size = os.path.getsize(path)
        if size > limits.max_capture_size:
            raise AnalysisError(path, f"SBOM larger than {limits.max_capture_size} bytes")
        with open(path, "rb") as f:
            data = f.read()
    except OSError as exc:
        raise AnalysisError(path, f"cannot read: {exc.strerror}") from exc
    doc: dict[str, Any] = parse_json(data.removeprefix(b"\xef\xbb\xbf"), path)
    return analysis(parse(doc, path), doc, dockerfile=dockerfile,
                    anchore_guessed_dockerfile=anchore_guessed_dockerfile)


def analysis(facts: SbomFacts, doc: dict[str, Any], *, dockerfile: str | None = None,
             anchore_guessed_dockerfile: bool = True) -> ImageAnalysis:
    digest = facts.manifest_digest if is_digest(facts.manifest_digest) else None
    digest = digest or canonical_digest(doc)
    image_id = (facts.config_digest or digest).removeprefix("sha256:")
    extra: dict[str, Any] = {}
    if facts.config is not None:
        extra = config_facts(facts.config)
    extra["architecture"] = extra.get("architecture") or facts.architecture
    extra["os"] = extra.get("os") or facts.os
    history = extra.get("history") or ()
    if dockerfile is not None:
        contents, mode = dockerfile, "Actual"
    elif history:
        contents = dockerfile_module.guess(history, anchore=anchore_guessed_dockerfile)
        mode = "Guessed"
    else:
        contents, mode = "", None
    warnings = list(facts.warnings)
    if facts.skipped:
        counts = ", ".join(f"{k}: {v}" for k, v in sorted(facts.skipped.items()))
        warnings.append(f"SBOM packages of ecosystems not analyzed were skipped ({counts})")
    packages = sorted(facts.packages, key=lambda p: (p.type, p.name, p.version,
                                                     p.location or ""))
    return ImageAnalysis(
        digest=digest, image_id=image_id, source_kind=facts.kind, layers=facts.layers,
        diff_ids=facts.diff_ids, size=facts.size, repo_tags=facts.repo_tags,
        distro=facts.distro, packages=tuple(packages), dockerfile=contents,
        dockerfile_mode=mode, warnings=tuple(warnings), **extra)


__all__ = ["KINDS", "analysis", "canonical_digest", "is_sbom_file", "parse", "read"]
