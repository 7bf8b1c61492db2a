"""Images: list, get, add (a registry reference, or an uploaded archive), delete, and the
content, metadata, vulnerability and ancestry views, in the engine's v1 and Enterprise's v2
shapes."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from app.api.rest.common import (
    BOOL,
    Endpoint,
    Param,
    call,
    db_of,
    digest_param,
    empty,
    flag,
    in_thread,
    json_body,
    ok,
    path_digest,
    path_image_id,
    query,
    receive_upload,
)
from app.errors import InvalidInputError, NotFoundError
from app.report.anchore_v2 import iso
from app.services import images, vulnerabilities
from app.services.accounts import Scope
from app.services.images import CONTENT_TYPES, ImageRecord
from app.services.vulnerabilities import VULN_TYPES
from app.settings import Settings

ARCHIVE_TYPES = ("application/x-tar", "application/tar", "application/octet-stream",
                 "application/gzip", "application/x-gzip",
                 "application/vnd.oci.image.layout.v1+tar")
METADATA_TYPES = ("docker_history", "dockerfile")


class UnsupportedError(InvalidInputError):
    """The request is well formed but asks for something this server cannot do (HTTP 400)."""


# ------------------------------------------------------------------ record shapes


def split_tag(full_tag: str) -> tuple[str, str, str]:
    """`registry/repo:tag` (a normalized tag) into its parts."""
    registry, _, rest = full_tag.partition("/")
    repo, _, tag = rest.rpartition(":")
    return registry, repo, tag


def _metadata(rec: ImageRecord) -> dict[str, Any]:
    image = rec.image
    return {"arch": image.architecture or None, "distro": image.distro,
            "distro_version": image.distro_version,
            "dockerfile_mode": image.dockerfile_mode,
            "image_size": image.size, "layer_count": image.layer_count}


def v1_record(rec: ImageRecord, tags: tuple[str, ...] | None = None) -> dict[str, Any]:
    """The engine's image record (`AnchoreImage`) that anchore-cli formats."""
    image, when = rec.image, iso(rec.image.analyzed_at)
    details = []
    for full in rec.tags if tags is None else tags:
        registry, repo, tag = split_tag(full)
        details.append({
            "registry": registry, "repo": repo, "tag": tag, "fulltag": full,
            "digest": image.digest, "fulldigest": f"{registry}/{repo}@{image.digest}",
            "imageId": image.image_id, "imageDigest": image.digest, "dockerfile": None,
            "created_at": when, "last_updated": when, "tag_detected_at": when})
    return {"imageDigest": image.digest, "parentDigest": image.digest,
            "analysis_status": "analyzed", "image_status": "active", "image_type": "docker",
            "analyzed_at": when, "created_at": when, "last_updated": when,
            "annotations": {}, "userId": None, "image_content": {"metadata": _metadata(rec)},
            "image_detail": details}


def v2_record(rec: ImageRecord) -> dict[str, Any]:
    """Enterprise v2's image record: the same facts, snake_case."""
    image, when = rec.image, iso(rec.image.analyzed_at)
    details = []
    for full in rec.tags:
        registry, repo, tag = split_tag(full)
        details.append({
            "registry": registry, "repository": repo, "tag": tag, "full_tag": full,
            "digest": image.digest, "full_digest": f"{registry}/{repo}@{image.digest}",
            "image_id": image.image_id, "created_at": when, "last_updated": when,
            "tag_detected_at": when})
    return {"image_digest": image.digest, "parent_digest": image.digest,
            "analysis_status": "analyzed", "image_status": "active", "image_type": "docker",
            "analyzed_at": when, "created_at": when, "last_updated": when,
            "annotations": {}, "image_content": {"metadata": _metadata(rec)},
            "image_detail": details,
            # imagegate's additions: what `imagegate image list|get` shows in remote mode
            "image_id": image.image_id, "source": image.source, "os": image.os,
            "layers": list(image.layers or ()),
            "image_created": iso(image.created) if image.created else None}


def analysis_summary(analysis: dict[str, Any]) -> dict[str, Any]:
    """What one image's stored analysis adds to its v2 record (GET /v2/images/{digest})."""
    return {"dockerfile_mode": analysis.get("dockerfile_mode"),
            "packages": len(analysis.get("packages") or ()),
            "files": len(analysis.get("files") or ()),
            "warnings": list(analysis.get("warnings") or ())}


# ------------------------------------------------------------------ content views


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def metadata_text(analysis: Any, metadata_type: str) -> str:
    if metadata_type == "dockerfile":
        return str(analysis.dockerfile)
    return json.dumps([{"CreatedBy": line} for line in analysis.history])


# ------------------------------------------------------------------ handlers


async def list_images_v1(request: Request) -> Response:
    fulltag = query(request, "fulltag")
    history = flag(request, "history", False)
    if fulltag is None and request.headers.get("content-length", "0") not in ("", "0"):
        body = await json_body(request, optional=True)  # anchore-cli before API 0.1.6
        if isinstance(body, dict) and isinstance(body.get("tag"), str):
            fulltag = body["tag"]

    def work(scope: Scope) -> list[dict[str, Any]]:
        db = db_of(request)
        if fulltag is None:
            return [v1_record(rec) for rec in images.list_images(db, scope)]
        found = images.known_tag(db, scope, fulltag)
        if found is None:
            raise NotFoundError(f"image {fulltag} not found")
        if not history:
            return [v1_record(found)]
        tag, pointed = images.tag_record(db, scope, fulltag)
        out, seen = [], set()
        for image in reversed(pointed):  # newest first
            if image.id in seen:
                continue
            seen.add(image.id)
            rec = images.get_image(db, scope, image.digest)
            out.append(v1_record(rec, tuple(sorted({*rec.tags, tag.full_tag}))))
        return out

    return ok(await call(request, work))


async def list_images_v2(request: Request) -> Response:
    full_tag = query(request, "full_tag")

    def work(scope: Scope) -> dict[str, Any]:
        db = db_of(request)
        if full_tag is None:
            return {"items": [v2_record(rec) for rec in images.list_images(db, scope)]}
        found = images.known_tag(db, scope, full_tag)
        return {"items": [v2_record(found)] if found else []}

    return ok(await call(request, work))


async def _get_v1(request: Request, ref: str) -> Response:
    flag(request, "history", False)
    return ok(await call(request, lambda s: [v1_record(images.get_image(db_of(request), s,
                                                                         ref))]))


async def get_image_v1(request: Request) -> Response:
    return await _get_v1(request, path_digest(request))


async def get_image_v2(request: Request) -> Response:
    digest = path_digest(request)

    def work(scope: Scope) -> dict[str, Any]:
        rec, analysis = images.analysis_document(db_of(request), scope, digest)
        return v2_record(rec) | {"analysis": analysis_summary(analysis)}

    return ok(await call(request, work))


async def get_image_by_id_v1(request: Request) -> Response:
    return await _get_v1(request, path_image_id(request))


async def delete_image(request: Request) -> Response:
    digest = path_digest(request)
    flag(request, "force", False)
    await call(request, lambda s: images.delete_image(db_of(request), s, digest))
    return empty()


def _is_archive(request: Request) -> bool:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return ctype in ARCHIVE_TYPES


async def _add_upload(request: Request, scope: Scope) -> ImageRecord:
    """An uploaded docker-archive or oci-archive: streamed to a file, analyzed, stored in one
    transaction. A client that disconnects or an analysis that fails stores nothing."""
    tags = [t for t in request.query_params.getlist("tag") if t]
    dockerfile = _dockerfile_of({"dockerfile": request.headers.get(DOCKERFILE_HEADER)})
    path = await receive_upload(request)

    def analyze(upload: Path = path) -> Any:
        try:
            return images.analyze_source(upload, dockerfile=dockerfile)
        finally:
            upload.unlink(missing_ok=True)

    analysis = await in_thread(analyze)
    db = db_of(request)
    return await in_thread(lambda: images.add_image(db, scope, analysis, tags=tags or None))


def _registry_add(db: Any, settings: Settings, scope: Scope, ref: str, force: bool,
                  dockerfile: str | None) -> ImageRecord:
    known = images.known_tag(db, scope, ref)
    if known is not None and not force and dockerfile is None:
        return known  # Anchore answers an add of a known tag with the existing record
    registry = images.registry_options(insecure_registries=settings.insecure_registries,
                                       username=settings.registry_username,
                                       password=settings.registry_password)
    return images.add_from_registry(db, scope, ref, registry=registry, dockerfile=dockerfile)


def _dockerfile_of(body: Any) -> str | None:
    """anchore-cli sends `--dockerfile F` base64-encoded."""
    encoded = body.get("dockerfile") if isinstance(body, dict) else None
    if not encoded:
        return None
    try:
        return base64.b64decode(encoded, validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        raise InvalidInputError("dockerfile: must be the base64 of a UTF-8 text file") from None


def _ref_of(body: Any) -> str:
    if isinstance(body, dict):
        if isinstance(body.get("tag"), str) and body["tag"].strip():
            return body["tag"].strip()
        source = body.get("source")
        if isinstance(source, dict) and isinstance(source.get("tag"), dict):
            pull = source["tag"].get("pull_string")
            if isinstance(pull, str) and pull.strip():
                return pull.strip()
        if body.get("digest") or (isinstance(source, dict) and source.get("digest")):
            raise UnsupportedError("adding an image by digest needs a registry; add it by "
                                   "tag, or upload the archive")
    raise InvalidInputError("the request body must name the image: {\"tag\": \"REF\"}")


async def _add(request: Request) -> ImageRecord:
    scope = await call(request, lambda s: s)
    scope.require_write()
    if _is_archive(request):
        try:
            return await _add_upload(request, scope)
        except ClientDisconnect:
            raise
    body = await json_body(request)
    ref, dockerfile = _ref_of(body), _dockerfile_of(body)
    force = flag(request, "force", False)
    flag(request, "autosubscribe", True)
    db, settings = db_of(request), request.app.state.settings
    return await in_thread(lambda: _registry_add(db, settings, scope, ref, force, dockerfile))


async def add_image_v1(request: Request) -> Response:
    try:
        return ok([v1_record(await _add(request))])
    except ClientDisconnect:
        return empty(400)  # nobody is listening; nothing was stored


async def add_image_v2(request: Request) -> Response:
    try:
        return ok(v2_record(await _add(request)))
    except ClientDisconnect:
        return empty(400)


def _analysis(request: Request) -> Any:
    digest = path_digest(request)
    return lambda s: images.image_analysis(db_of(request), s, digest)


async def content_types(request: Request) -> Response:
    await call(request, _analysis(request))
    return ok(list(CONTENT_TYPES))


def _content_type(request: Request) -> str:
    ctype = request.path_params["content_type"]
    if ctype not in CONTENT_TYPES and ctype not in METADATA_TYPES:
        raise NotFoundError(f"content type '{ctype}' is not available (one of "
                            f"{', '.join(CONTENT_TYPES + METADATA_TYPES)})")
    return ctype


async def _content(request: Request) -> tuple[str, str, Any]:
    """(image digest, content type, content): a listing, or a metadata text in base64."""
    ctype = _content_type(request)
    digest = path_digest(request)
    if ctype in METADATA_TYPES:
        rec, analysis = await call(request, _analysis(request))
        return rec.image.digest, ctype, _b64(metadata_text(analysis, ctype))
    rec, content = await call(
        request, lambda s: images.image_content(db_of(request), s, digest, ctype))
    return rec.image.digest, ctype, content


async def content_v1(request: Request) -> Response:
    digest, ctype, content = await _content(request)
    return ok({"imageDigest": digest, "content_type": ctype, "content": content})


async def content_v2(request: Request) -> Response:
    digest, ctype, content = await _content(request)
    return ok({"image_digest": digest, "content_type": ctype, "content": content})


async def metadata_types(request: Request) -> Response:
    await call(request, _analysis(request))
    return ok(list(METADATA_TYPES))


def _metadata_type(request: Request) -> str:
    mtype = request.path_params["metadata_type"]
    if mtype == "manifest":
        raise NotFoundError("imagegate does not keep image manifests (metadata types: "
                            f"{', '.join(METADATA_TYPES)})")
    if mtype not in METADATA_TYPES:
        raise NotFoundError(f"metadata type '{mtype}' is not available (one of "
                            f"{', '.join(METADATA_TYPES)})")
    return mtype


async def metadata_v1(request: Request) -> Response:
    mtype = _metadata_type(request)
    rec, analysis = await call(request, _analysis(request))
    return ok({"imageDigest": rec.image.digest, "metadata_type": mtype,
               "metadata": _b64(metadata_text(analysis, mtype))})


def _vuln_type(request: Request) -> str:
    vtype = request.path_params["vuln_type"]
    if vtype not in VULN_TYPES:
        raise NotFoundError(f"vulnerability type '{vtype}' is not available (one of "
                            f"{', '.join(VULN_TYPES)})")
    return vtype


async def vuln_types(request: Request) -> Response:
    digest = path_digest(request)
    await call(request, lambda s: images.get_image(db_of(request), s, digest))
    return ok(list(VULN_TYPES))


async def _vulns(request: Request) -> tuple[Any, str, list[dict[str, Any]]]:
    vtype, digest = _vuln_type(request), path_digest(request)
    vendor_only = flag(request, "vendor_only", True)
    image, rows = await call(request, lambda s: vulnerabilities.vulnerability_listing(
        db_of(request), s, digest, vuln_type=vtype, vendor_only=vendor_only))
    return image, vtype, rows


async def vulns_v1(request: Request) -> Response:
    image, vtype, rows = await _vulns(request)
    return ok({"imageDigest": image.digest, "vulnerability_type": vtype,
               "vulnerabilities": rows})


async def vulns_v2(request: Request) -> Response:
    image, vtype, rows = await _vulns(request)
    return ok({"image_digest": image.digest, "vulnerability_type": vtype,
               "vulnerabilities": rows})


async def attach_grype(request: Request) -> Response:
    """A Grype JSON report (the body) becomes the image's vulnerability matches."""
    digest = path_digest(request)

    def visible(scope: Scope) -> Scope:
        images.get_image(db_of(request), scope, digest)  # 404 before the body is read
        return scope

    scope = await call(request, visible)
    scope.require_write()
    path = await receive_upload(request, suffix=".json", what="a Grype JSON report")

    def work(upload: Path = path) -> int:
        try:
            return vulnerabilities.attach_grype(db_of(request), scope, digest, upload)
        finally:
            upload.unlink(missing_ok=True)

    return ok({"image_digest": digest, "matches": await in_thread(work)})


async def ancestors_v2(request: Request) -> Response:
    digest = path_digest(request)
    found = await call(request, lambda s: images.ancestors(db_of(request), s, digest))
    return ok([{"image_digest": rec.image.digest, "parent_digest": rec.image.digest,
                "tags": list(rec.tags), "layers": list(rec.image.layers),
                "user_marked_base": False, "chosen_base_image": index == len(found) - 1}
               for index, rec in enumerate(found)])


# ------------------------------------------------------------------ declarations

R = "#/components/schemas/"
D = (digest_param(),)
ADD_BODY = {"application/json": {"$ref": R + "ImageAddRequest"},
            "application/x-tar": {"type": "string", "format": "binary"}}
TAG_QUERY = Param("tag", description="with an archive upload: the tag(s) to give the image")
DOCKERFILE_HEADER = "x-imagegate-dockerfile"
DOCKERFILE_PARAM = Param(DOCKERFILE_HEADER, "header",
                         description="with an archive upload: the image's actual Dockerfile, "
                         "base64-encoded UTF-8 (imagegate)")


def _list(ref: str) -> dict[str, Any]:
    return {"type": "array", "items": {"$ref": R + ref}}


def _types(values: tuple[str, ...]) -> dict[str, Any]:
    return {"type": "array", "items": {"type": "string", "enum": list(values)}}


CONTENT_PARAM = Param("content_type", "path",
                      {"type": "string", "enum": [*CONTENT_TYPES, *METADATA_TYPES]}, True)
METADATA_PARAM = Param("metadata_type", "path", {"type": "string", "enum": list(METADATA_TYPES)},
                       True)
VULN_PARAM = Param("vuln_type", "path", {"type": "string", "enum": list(VULN_TYPES)}, True)


def endpoints() -> list[Endpoint]:
    t = ("images",)
    e = Endpoint
    return [
        e("GET", "/v1/images", list_images_v1, "List images, or look one up by tag",
          _list("AnchoreImage"),
          params=(Param("fulltag", description="a tag, as typed (normalized by the server)"),
                  BOOL("history", False), Param("image_status"), Param("analysis_status")),
          tags=t),
        e("POST", "/v1/images", add_image_v1,
          "Add an image: a tag (JSON) or an uploaded docker-archive/oci-archive",
          _list("AnchoreImage"), body=ADD_BODY,
          params=(TAG_QUERY, BOOL("force", False), BOOL("autosubscribe", True),
                  DOCKERFILE_PARAM),
          errors=(400, 401, 403, 404, 413), tags=t),
        e("GET", "/v1/images/{digest}", get_image_v1, "Get an image by digest",
          _list("AnchoreImage"), params=(*D, BOOL("history", False)), tags=t),
        e("DELETE", "/v1/images/{digest}", delete_image,
          "Delete an image, its tags and its evaluations", None,
          params=(*D, BOOL("force", False)), tags=t),
        e("GET", "/v1/images/by_id/{image_id}", get_image_by_id_v1, "Get an image by image id",
          _list("AnchoreImage"),
          params=(Param("image_id", "path", {"type": "string",
                                             "pattern": "^[0-9a-fA-F]{12,64}$"}, True),
                  BOOL("history", False)), tags=t),
        e("GET", "/v1/images/{digest}/content", content_types, "Content types of an image",
          _types(CONTENT_TYPES), params=D, tags=t),
        e("GET", "/v1/images/{digest}/content/{content_type}", content_v1,
          "An image's content of one type", {"$ref": R + "ContentResponse"},
          params=(*D, CONTENT_PARAM), tags=t),
        e("GET", "/v1/images/{digest}/metadata", metadata_types, "Metadata types of an image",
          _types(METADATA_TYPES), params=D, tags=t),
        e("GET", "/v1/images/{digest}/metadata/{metadata_type}", metadata_v1,
          "An image's metadata of one type (base64)", {"$ref": R + "MetadataResponse"},
          params=(*D, METADATA_PARAM), tags=t),
        e("GET", "/v1/images/{digest}/vuln", vuln_types, "Vulnerability types",
          _types(VULN_TYPES), params=D, tags=t),
        e("GET", "/v1/images/{digest}/vuln/{vuln_type}", vulns_v1,
          "Vulnerabilities of an image: its stored matches of one type",
          {"$ref": R + "VulnerabilityResponse"},
          params=(*D, VULN_PARAM, BOOL("vendor_only", True)), tags=t),
        e("GET", "/v2/images", list_images_v2, "List images (v2)", {"$ref": R + "ImageListV2"},
          params=(Param("full_tag"),), tags=t),
        e("POST", "/v2/images", add_image_v2, "Add an image (v2)", {"$ref": R + "ImageV2"},
          body={"application/json": {"$ref": R + "ImageAddRequestV2"},
                "application/x-tar": {"type": "string", "format": "binary"}},
          params=(TAG_QUERY, BOOL("force", False), DOCKERFILE_PARAM),
          errors=(400, 401, 403, 404, 413), tags=t),
        e("GET", "/v2/images/{digest}", get_image_v2, "Get an image by digest (v2)",
          {"$ref": R + "ImageV2"}, params=D, tags=t),
        e("DELETE", "/v2/images/{digest}", delete_image, "Delete an image (v2)", None,
          params=(*D, BOOL("force", False)), tags=t),
        e("GET", "/v2/images/{digest}/content/{content_type}", content_v2,
          "An image's content of one type (v2)", {"$ref": R + "ContentResponseV2"},
          params=(*D, CONTENT_PARAM), tags=t),
        e("GET", "/v2/images/{digest}/vuln/{vuln_type}", vulns_v2,
          "Vulnerabilities of an image (v2)", {"$ref": R + "VulnerabilityResponseV2"},
          params=(*D, VULN_PARAM, BOOL("vendor_only", True)), tags=t),
        e("PUT", "/v2/images/{digest}/vuln", attach_grype,
          "Use a Grype JSON report (the body) as the image's vulnerabilities (imagegate)",
          {"$ref": R + "GrypeAttachResult"}, params=D,
          body={"application/json": {"type": "object"}}, errors=(400, 401, 403, 404, 413),
          tags=t),
        e("GET", "/v2/images/{digest}/ancestors", ancestors_v2,
          "Analyzed images whose layers are a prefix of this image's, nearest last",
          _list("ImageAncestor"), params=D, tags=t),
    ]
