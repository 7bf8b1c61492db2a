"""Images, tags and the digest history of each tag."""

from __future__ import annotations

import json
import zlib
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

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
