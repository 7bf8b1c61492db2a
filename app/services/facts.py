"""From what analysis stored to what the engine reads."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.engine import ContentMatch, Distro, FileEntry, ImageFacts, Package, PackageFile

if TYPE_CHECKING:
    from app.analysis import ImageAnalysis

# Sources whose analysis has no filesystem (SBOMs): file gates report that, not pass.
NO_FILESYSTEM_SOURCES = frozenset({"sbom", "syft-json", "cyclonedx-json", "spdx-json"})


def image_facts(analysis: ImageAnalysis) -> ImageFacts:
    has_files = analysis.source_kind not in NO_FILESYSTEM_SOURCES
    distro = analysis.distro
    return ImageFacts(
        digest=analysis.digest,
        image_id=analysis.image_id,
        size=analysis.size,
        architecture=analysis.architecture,
        os=analysis.os,
        layers=analysis.layers,
        distro=Distro(distro.id, distro.version_id, tuple(distro.id_like)) if distro else None,
        created=analysis.created,
        labels=dict(analysis.labels),
        env=dict(analysis.env),
        user=analysis.user,
        exposed_ports=analysis.exposed_ports,
        dockerfile_mode=analysis.dockerfile_mode,
        dockerfile=analysis.dockerfile,
        packages=tuple(
            Package(name=p.name, version=p.version, type=p.type, release=p.release,
                    location=p.location, licenses=p.licenses, source=p.source,
                    architecture=p.architecture, purl=p.purl, layer=p.layer,
                    files=tuple(PackageFile(f.path, f.digest, f.digest_algorithm, f.mode,
                                            f.size, f.is_config) for f in p.files))
            for p in analysis.packages),
        files=tuple(FileEntry(f.path, f.type, f.mode, f.uid, f.gid, f.size, f.link_target,
                              f.sha256, f.layer) for f in analysis.files) if has_files else None,
        content_matches=tuple(ContentMatch(m.path, m.regex, m.lines)
                              for m in analysis.content_matches),
        secret_matches=tuple(ContentMatch(m.path, m.regex, m.lines)
                             for m in analysis.secret_matches),
        retrieved_files=dict(analysis.retrieved_files),
    )
