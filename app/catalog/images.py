"""Images, tags and the digest history of each tag."""

from __future__ import annotations

import json
import zlib
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, or_, select

from app.catalog.models import Image, ImageAnalysisBlob, Tag, TagHistory


def get_image(session: Session, *, account_id: int, digest: str) -> Image | None:
    return session.exec(select(Image).where(Image.account_id == account_id,
                                            Image.digest == digest)).first()


def get_images(session: Session, *, account_id: int, digests: list[str]) -> list[Image]:
    return list(session.exec(select(Image).where(Image.account_id == account_id,
                                                 col(Image.digest).in_(digests))))


def get_image_by_pk(session: Session, *, pk: int) -> Image | None:
    return session.get(Image, pk)


def find_images_by_id(session: Session, *, account_id: int, image_id: str) -> list[Image]:
    """By full image id, or a unique prefix of at least 12 characters."""
    query = select(Image).where(Image.account_id == account_id)
    if len(image_id) >= 64:
        query = query.where(Image.image_id == image_id)
    else:
        query = query.where(col(Image.image_id).startswith(image_id))
    return list(session.exec(query))


def list_images(session: Session, *, account_id: int, offset: int = 0,
                limit: int | None = None) -> list[Image]:
    query = (select(Image).where(Image.account_id == account_id)
             .order_by(col(Image.analyzed_at).desc(), col(Image.id).desc()).offset(offset))
    if limit is not None:
        query = query.limit(limit)
    return list(session.exec(query))


def count_images(session: Session, *, account_id: int) -> int:
    return session.exec(select(func.count()).select_from(Image)
                        .where(Image.account_id == account_id)).one()


def images_with_first_layer(session: Session, *, account_id: int,
                            first_layer: str) -> list[Image]:
    """Candidates for ancestry: the account's images whose first layer is `first_layer`."""
    return list(session.exec(select(Image).where(Image.account_id == account_id,
                                                 Image.first_layer == first_layer)))


def save_image(session: Session, *, image: Image) -> Image:
    session.add(image)
    session.flush()
    return image


def save_analysis(session: Session, *, image_pk: int, analysis: dict[str, Any]) -> None:
    blob = zlib.compress(json.dumps(analysis, separators=(",", ":")).encode(), 6)
    record = session.get(ImageAnalysisBlob, image_pk)
    if record is None:
        session.add(ImageAnalysisBlob(image_pk=image_pk, document=blob))
    else:
        record.document = blob
        session.add(record)
    session.flush()


def get_analysis(session: Session, *, image_pk: int) -> dict[str, Any] | None:
    record = session.get(ImageAnalysisBlob, image_pk)
    return None if record is None else json.loads(zlib.decompress(record.document))


def delete_image(session: Session, *, image: Image) -> None:
    session.delete(image)


def get_tag(session: Session, *, account_id: int, full_tag: str) -> Tag | None:
    return session.exec(select(Tag).where(Tag.account_id == account_id,
                                          Tag.full_tag == full_tag)).first()


def get_tagged_image(session: Session, *, account_id: int, full_tag: str) -> Image | None:
    """The image a tag points at, in one query."""
    return session.exec(select(Image).join(Tag, col(Tag.image_pk) == Image.id)
                        .where(Tag.account_id == account_id, Tag.full_tag == full_tag)).first()


def tags_of_images(session: Session, *, image_pks: list[int]) -> list[Tag]:
    return list(session.exec(select(Tag).where(col(Tag.image_pk).in_(image_pks))
                             .order_by(col(Tag.full_tag))))


def point_tag(session: Session, *, account_id: int, full_tag: str, registry: str,
              repository: str, tag: str, image_pk: int, now: datetime) -> Tag:
    """Make `full_tag` point at the image, recording the move in the tag's history."""
    record = get_tag(session, account_id=account_id, full_tag=full_tag)
    if record is None:
        record = Tag(account_id=account_id, full_tag=full_tag, registry_name=registry,
                     repository=repository, tag=tag, image_pk=image_pk, updated_at=now)
    elif record.image_pk == image_pk:
        return record
    else:
        record.image_pk, record.updated_at = image_pk, now
    session.add(record)
    session.flush()
    assert record.id is not None
    session.add(TagHistory(tag_pk=record.id, image_pk=image_pk, observed_at=now))
    session.flush()
    return record


def tag_history(session: Session, *, tag_pk: int) -> list[tuple[TagHistory, Image]]:
    """Every image the tag pointed at, oldest first."""
    rows = session.exec(select(TagHistory, Image).join(Image, col(Image.id) == TagHistory.image_pk)
                        .where(TagHistory.tag_pk == tag_pk)
                        .order_by(col(TagHistory.observed_at), col(TagHistory.id)))
    return [(history, image) for history, image in rows]


def tag_history_by_name(session: Session, *, account_id: int, full_tag: str) -> list[Image]:
    """Every image a tag pointed at, oldest first, in one query."""
    rows = session.exec(
        select(Image).join(TagHistory, col(TagHistory.image_pk) == Image.id)
        .join(Tag, col(Tag.id) == TagHistory.tag_pk)
        .where(Tag.account_id == account_id, Tag.full_tag == full_tag)
        .order_by(col(TagHistory.observed_at), col(TagHistory.id)))
    return list(rows)


def image_summary(image: Image) -> dict[str, Any]:
    return {"digest": image.digest, "image_id": image.image_id, "layers": image.layers}


# ------------------------------------------------------------------ batched reads (GraphQL)

def get_images_by_pk(session: Session, *, account_id: int, pks: list[int]) -> list[Image]:
    return list(session.exec(select(Image).where(Image.account_id == account_id,
                                                 col(Image.id).in_(pks))))


IMAGE_ORDERS = ("analyzed_at_desc", "analyzed_at_asc", "tag_asc", "tag_desc", "distro_asc",
                "distro_desc")


def find_images(session: Session, *, account_id: int, distro: str | None = None,
                repository: str | None = None, tag: str | None = None,
                digests: list[str] | None = None, search: str | None = None,
                order: str = "analyzed_at_desc", offset: int = 0,
                limit: int | None = None) -> tuple[list[Image], int]:
    """Images matching every filter given, in `order` (one of IMAGE_ORDERS; ties newest
    first), and how many match in all. `repository` and `tag` match the image's current tags
    (`tag` is a full tag); `search` is text found, ignoring case, in the digest, the image
    id, the distro or one of the current full tags. `tag_*` orders by the image's first full
    tag (untagged images sort as the empty string)."""
    query = select(Image).where(Image.account_id == account_id)
    if distro is not None:
        query = query.where(Image.distro == distro)
    if digests is not None:
        query = query.where(col(Image.digest).in_(digests))
    if repository is not None or tag is not None:
        tags = select(Tag.image_pk).where(Tag.account_id == account_id)
        if repository is not None:
            tags = tags.where(Tag.repository == repository)
        if tag is not None:
            tags = tags.where(Tag.full_tag == tag)
        query = query.where(col(Image.id).in_(tags))
    if search:
        needle = search.strip().lower()

        def has(column: Any) -> Any:
            return func.lower(column).contains(needle, autoescape=True)

        tagged = select(Tag.image_pk).where(Tag.account_id == account_id,
                                            has(col(Tag.full_tag)))
        query = query.where(or_(has(col(Image.digest)), has(col(Image.image_id)),
                                has(func.coalesce(col(Image.distro), "")),
                                col(Image.id).in_(tagged)))
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    newest = (col(Image.analyzed_at).desc(), col(Image.id).desc())
    first_tag = func.coalesce(
        select(func.min(Tag.full_tag)).where(col(Tag.image_pk) == col(Image.id))
        .correlate(Image).scalar_subquery(), "")
    distro_key = func.coalesce(col(Image.distro), "")
    orders: dict[str, tuple[Any, ...]] = {
        "analyzed_at_desc": newest,
        "analyzed_at_asc": (col(Image.analyzed_at).asc(), col(Image.id).asc()),
        "tag_asc": (first_tag.asc(), *newest),
        "tag_desc": (first_tag.desc(), *newest),
        "distro_asc": (distro_key.asc(), func.coalesce(col(Image.distro_version), "").asc(),
                       *newest),
        "distro_desc": (distro_key.desc(), func.coalesce(col(Image.distro_version), "").desc(),
                        *newest),
    }
    if order not in orders:
        raise ValueError(f"unknown image order {order!r}")
    page = query.order_by(*orders[order]).offset(offset)
    if limit is not None:
        page = page.limit(limit)
    return list(session.exec(page)), total


def layer_index(session: Session, *, account_id: int) -> list[tuple[int, str, list[str], str]]:
    """(pk, digest, layers, analysis hash) of every image of the account, by pk: ancestry
    for many images at once without loading their analyses."""
    rows = session.exec(select(Image.id, Image.digest, Image.layers, Image.analysis_hash)
                        .where(Image.account_id == account_id).order_by(col(Image.id)))
    return [(pk or 0, digest, list(layers or []), analysis_hash)
            for pk, digest, layers, analysis_hash in rows]


def get_tags(session: Session, *, account_id: int, full_tags: list[str]) -> list[Tag]:
    return list(session.exec(select(Tag).where(Tag.account_id == account_id,
                                               col(Tag.full_tag).in_(full_tags))))


def tag_histories(session: Session, *, tag_pks: list[int]) -> dict[int, list[TagHistory]]:
    """Each tag's history rows (the images it pointed at), oldest first."""
    out: dict[int, list[TagHistory]] = {pk: [] for pk in tag_pks}
    rows = session.exec(select(TagHistory).where(col(TagHistory.tag_pk).in_(tag_pks))
                        .order_by(col(TagHistory.observed_at), col(TagHistory.id)))
    for row in rows:
        out[row.tag_pk].append(row)
    return out


def get_analyses(session: Session, *, image_pks: list[int]) -> dict[int, dict[str, Any]]:
    """The stored analyses of these images, by image pk."""
    rows = session.exec(select(ImageAnalysisBlob)
                        .where(col(ImageAnalysisBlob.image_pk).in_(image_pks)))
    return {row.image_pk: json.loads(zlib.decompress(row.document)) for row in rows}
