"""Image use cases: add an analyzed image under its tags, resolve references, list, delete,
and find ancestors."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from app.catalog import images as q
from app.catalog.db import Database
from app.catalog.models import Image, Tag
from app.engine import normalize_tag, parse_tag
from app.errors import InvalidInputError, NotFoundError
from app.services.accounts import Scope
from app.services.vulnerabilities import match_image

if TYPE_CHECKING:  # analysis is loaded to analyze or to evaluate, not to read the catalog
    from app.analysis import AnalysisLimits, ImageAnalysis, PackageRecord, RegistryOptions


@dataclass(frozen=True)
class ImageRecord:
    image: Image
    tags: tuple[str, ...]


def analysis_hash(analysis: ImageAnalysis | dict) -> str:
    document = analysis if isinstance(analysis, dict) else analysis.to_dict()
    text = json.dumps(document, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _row(scope: Scope, analysis: ImageAnalysis, now: datetime) -> Image:
    distro = analysis.distro
    return Image(
        account_id=scope.account_id, digest=analysis.digest, image_id=analysis.image_id,
        layers=list(analysis.layers), layer_count=len(analysis.layers),
        first_layer=analysis.layers[0] if analysis.layers else None,
        distro=distro.id if distro else None, distro_version=distro.version_id if distro else None,
        architecture=analysis.architecture, os=analysis.os, size=analysis.size,
        created=analysis.created, analyzed_at=now, source=analysis.source_kind or "unknown",
        dockerfile_mode=analysis.dockerfile_mode, analysis_hash=analysis_hash(analysis))


def add_image(db: Database, scope: Scope, analysis: ImageAnalysis, *,
              tags: list[str] | None = None) -> ImageRecord:
    """Store an analyzed image and point its tags at it. Adding the same image again changes
    nothing but its tags; a tag that pointed at another image moves, and the move is kept
    in the tag's history."""
    scope.require_write()
    wanted = [normalize_tag(t) for t in (tags or list(analysis.repo_tags))]
    now = datetime.now(UTC)
    with db.transaction() as session:
        image = q.get_image(session, account_id=scope.account_id, digest=analysis.digest)
        fresh = _row(scope, analysis, now)
        if image is None:
            image = q.save_image(session, image=fresh)
            assert image.id is not None
            q.save_analysis(session, image_pk=image.id, analysis=analysis.to_dict())
        elif image.analysis_hash != fresh.analysis_hash:
            # Same image, new facts (e.g. an actual Dockerfile supplied): re-evaluations follow
            # from the changed analysis hash.
            for name in ("analysis_hash", "analyzed_at", "source", "distro", "distro_version",
                         "dockerfile_mode"):
                setattr(image, name, getattr(fresh, name))
            q.save_image(session, image=image)
            assert image.id is not None
            q.save_analysis(session, image_pk=image.id, analysis=analysis.to_dict())
        assert image.id is not None
        match_image(session, image, analysis, now)
        for full in wanted:
            ref = parse_tag(full)
            if ref.tag is None:
                raise InvalidInputError(f"'{full}' is a digest reference, not a tag")
            q.point_tag(session, account_id=scope.account_id, full_tag=full,
                        registry=ref.registry, repository=ref.repository, tag=ref.tag,
                        image_pk=image.id, now=now)
        return ImageRecord(image, _tags(session, image))


def analyze_source(source: str | Path, *, dockerfile: str | None = None,
                   platform: str | None = None, limits: AnalysisLimits | None = None,
                   registry: RegistryOptions | None = None) -> ImageAnalysis:
    """Analyze an image source: an archive, an OCI layout, a rootfs, an SBOM or a registry
    reference (no catalog involved: nothing is stored on failure)."""
    from app.analysis import AnalysisLimits, analyze

    return analyze(source, platform=platform, limits=limits or AnalysisLimits(),
                   dockerfile=dockerfile, registry_options=registry)


def add_from_registry(db: Database, scope: Scope, ref: str, *,
                      registry: RegistryOptions | None = None,
                      dockerfile: str | None = None) -> ImageRecord:
    """Pull `ref` from its registry (reached as `registry` says: see `registry_options`),
    analyze it and store it under that tag."""
    scope.require_write()
    analysis = analyze_source(ref, registry=registry, dockerfile=dockerfile)
    return add_image(db, scope, analysis, tags=[ref])


def _tags(session: Session, image: Image) -> tuple[str, ...]:
    assert image.id is not None
    return tuple(t.full_tag for t in q.tags_of_images(session, image_pks=[image.id]))


def resolve_image(session: Session, scope: Scope, ref: str) -> tuple[Image, str | None]:
    """An image by digest (`sha256:...`), image id (or a unique prefix of 12+ characters),
    or tag; with the tag when the reference was one."""
    ref = ref.strip()
    if ref.startswith("sha256:") and "/" not in ref:
        image = q.get_image(session, account_id=scope.account_id, digest=ref)
        if image is None:
            raise NotFoundError(f"image {ref} not found")
        return image, None
    if len(ref) >= 12 and all(c in "0123456789abcdef" for c in ref):
        found = q.find_images_by_id(session, account_id=scope.account_id, image_id=ref)
        if len(found) == 1:
            return found[0], None
        if len(found) > 1:
            raise InvalidInputError(f"image id prefix {ref} matches {len(found)} images")
    full = normalize_tag(ref)
    image = q.get_tagged_image(session, account_id=scope.account_id, full_tag=full)
    if image is None:
        raise NotFoundError(f"image {full} not found")
    return image, full


def get_image(db: Database, scope: Scope, ref: str) -> ImageRecord:
    with db.read() as session:
        image, _ = resolve_image(session, scope, ref)
        return ImageRecord(image, _tags(session, image))


def list_images(db: Database, scope: Scope, *, offset: int = 0,
                limit: int | None = None) -> list[ImageRecord]:
    with db.read() as session:
        images = q.list_images(session, account_id=scope.account_id, offset=offset, limit=limit)
        tags: dict[int, list[str]] = {}
        for tag in q.tags_of_images(session, image_pks=[i.id for i in images if i.id]):
            tags.setdefault(tag.image_pk, []).append(tag.full_tag)
        return [ImageRecord(i, tuple(tags.get(i.id or 0, ()))) for i in images]


def delete_image(db: Database, scope: Scope, ref: str) -> None:
    """Delete an image with its tags and evaluations."""
    scope.require_write()
    with db.transaction() as session:
        image, _ = resolve_image(session, scope, ref)
        q.delete_image(session, image=image)


def ancestors_of(session: Session, image: Image) -> list[Image]:
    """Analyzed images of the same account whose layers are a proper prefix of this image's,
    nearest last (Anchore's order)."""
    if not image.layers:
        return []
    layers = image.layers
    found = [other for other in q.images_with_first_layer(
        session, account_id=image.account_id, first_layer=layers[0])
        if len(other.layers) < len(layers) and layers[:len(other.layers)] == other.layers]
    return sorted(found, key=lambda other: len(other.layers))


def ancestors(db: Database, scope: Scope, ref: str) -> list[ImageRecord]:
    with db.read() as session:
        image, _ = resolve_image(session, scope, ref)
        return [ImageRecord(a, _tags(session, a)) for a in ancestors_of(session, image)]


def stored_analysis(session: Session, image: Image, *, files: bool = True) -> ImageAnalysis:
    """The image's stored analysis (without its file list unless `files`)."""
    assert image.id is not None
    document = q.get_analysis(session, image_pk=image.id)
    if document is None:
        raise NotFoundError(f"image {image.digest} has no stored analysis")
    from app.analysis import ImageAnalysis

    return ImageAnalysis.from_dict(document, files=files)


def tag_record(db: Database, scope: Scope, full_tag: str) -> tuple[Tag, list[Image]]:
    """A tag and every image it pointed at, oldest first."""
    with db.read() as session:
        tag = q.get_tag(session, account_id=scope.account_id, full_tag=normalize_tag(full_tag))
        if tag is None or tag.id is None:
            raise NotFoundError(f"tag {full_tag} not found")
        return tag, [image for _, image in q.tag_history(session, tag_pk=tag.id)]


def image_analysis(db: Database, scope: Scope, ref: str) -> tuple[ImageRecord, ImageAnalysis]:
    """An image with the facts its analysis stored (content and metadata views read them)."""
    with db.read() as session:
        image, _ = resolve_image(session, scope, ref)
        return ImageRecord(image, _tags(session, image)), stored_analysis(session, image)


def known_tag(db: Database, scope: Scope, ref: str) -> ImageRecord | None:
    """The image a tag points at in the scope's account, or None (no error)."""
    with db.read() as session:
        tag = q.get_tag(session, account_id=scope.account_id, full_tag=normalize_tag(ref))
        if tag is None:
            return None
        image = q.get_image_by_pk(session, pk=tag.image_pk)
        assert image is not None
        return ImageRecord(image, _tags(session, image))


def analysis_document(db: Database, scope: Scope, ref: str) -> tuple[ImageRecord, dict]:
    """An image with its stored analysis as JSON (`ImageAnalysis.to_dict()`), for showing."""
    with db.read() as session:
        image, _ = resolve_image(session, scope, ref)
        assert image.id is not None
        document = q.get_analysis(session, image_pk=image.id)
        if document is None:
            raise NotFoundError(f"image {image.digest} has no stored analysis")
        return ImageRecord(image, _tags(session, image)), document


# Anchore's content types (GET /v1/images/{digest}/content/{type}); binary and malware are
# listed because Anchore clients ask for them, but nothing here produces them yet.
CONTENT_TYPES = ("os", "files", "npm", "gem", "python", "java", "binary", "go", "malware")
OS_PACKAGE_TYPES = ("dpkg", "apk", "rpm")


def image_content(db: Database, scope: Scope, ref: str,
                  content_type: str) -> tuple[ImageRecord, list[dict[str, Any]]]:
    """One content listing of an image, in Anchore's shape (the REST answer and the CLI's
    JSON are this list)."""
    if content_type not in CONTENT_TYPES:
        raise InvalidInputError(f"unknown content type '{content_type}': use one of "
                                f"{', '.join(CONTENT_TYPES)}")
    record, analysis = image_analysis(db, scope, ref)
    return record, content_items(analysis, content_type)


def content_items(analysis: ImageAnalysis, content_type: str) -> list[dict[str, Any]]:
    packages = analysis.packages
    if content_type == "os":
        return [{"package": p.name, "version": p.version, "type": p.type,
                 "licenses": _licenses(p), "license": " ".join(_licenses(p)),
                 "origin": p.source or "N/A", "size": None}
                for p in packages if p.type in OS_PACKAGE_TYPES]
    if content_type == "files":
        return [{"filename": f.path, "size": f.size, "type": f.type, "mode": f.mode,
                 "uid": f.uid, "gid": f.gid, "linkdest": f.link_target, "sha256": f.sha256}
                for f in analysis.files]
    if content_type == "java":
        return [{"package": p.name, "specification-version": "N/A",
                 "implementation-version": p.version, "maven-version": p.version,
                 "location": p.location or "N/A", "type": "java", "origin": p.source or "N/A"}
                for p in packages if p.type == "java"]
    if content_type in ("npm", "gem", "python", "go"):
        return [{"package": p.name, "version": p.version, "location": p.location or "N/A",
                 "type": p.type, "licenses": _licenses(p), "license": " ".join(_licenses(p)),
                 "origin": p.source or "N/A"}
                for p in packages if p.type == content_type]
    return []


def _licenses(package: PackageRecord) -> list[str]:
    return list(package.licenses) or ["Unknown"]


def registry_options(*, insecure_registries: tuple[str, ...] = (), username: str | None = None,
                     password: str | None = None) -> RegistryOptions:
    """How `analyze_source` reaches registries, for callers that do not import analysis
    (the CLI): plain HTTP only for the named hosts, credentials when given."""
    from app.analysis import RegistryOptions

    return RegistryOptions(username=username, password=password,
                           insecure_registries=tuple(insecure_registries))
