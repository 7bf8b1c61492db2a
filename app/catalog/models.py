"""Every table of the catalog, in one module."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    TypeDecorator,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel


class UtcDateTime(TypeDecorator[datetime]):
    """Timestamps stored in UTC and always read back timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def _json(nullable: bool = False) -> Any:
    return Field(default=None, sa_column=Column(JSON, nullable=nullable))


def _time(nullable: bool = False, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UtcDateTime(), nullable=nullable, index=index))


def _owner(table: str, *, nullable: bool = False, index: bool = True) -> Any:
    """A foreign key that deletes its rows with the row it points at."""
    return Field(default=None, sa_column=Column(
        Integer, ForeignKey(f"{table}.id", ondelete="CASCADE"), nullable=nullable, index=index))


class Account(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=128)
    created_at: datetime = _time()


class User(SQLModel, table=True):
    __tablename__ = "account_user"
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = _owner("account")
    username: str = Field(unique=True, max_length=128)
    password_hash: str | None = None
    role: str = Field(max_length=16)  # admin | user | read-only
    created_at: datetime = _time()


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_key"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = _owner("account_user")
    name: str = Field(max_length=128)
    key_id: str = Field(unique=True, max_length=32)  # the public half of the key
    secret_hash: str
    created_at: datetime = _time()


class Image(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("account_id", "digest"),
                      Index("ix_image_account_image_id", "account_id", "image_id"),
                      Index("ix_image_account_first_layer", "account_id", "first_layer"))
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = _owner("account", index=False)
    digest: str = Field(max_length=80)
    image_id: str = Field(max_length=80)
    layers: list[str] = _json()
    layer_count: int = 0
    first_layer: str | None = Field(default=None, max_length=80)  # finds ancestry candidates
    distro: str | None = None
    distro_version: str | None = None
    architecture: str = ""
    os: str = ""
    size: int = 0
    created: datetime | None = _time(nullable=True)
    analyzed_at: datetime = _time()
    source: str = Field(max_length=32)  # docker-archive, oci-layout, rootfs, registry, sbom...
    analysis_hash: str = Field(max_length=64)
    # Where its vulnerability matches come from: the feeds ("osv"), or a Grype report the
    # user attached ("grype"; feed imports then leave its matches alone).
    vulns_source: str = Field(default="osv", max_length=16)
    vulns_hash: str = Field(default="", max_length=64)  # changes when its matches change


class ImageAnalysisBlob(SQLModel, table=True):
    """An image's whole analysis (files, packages, ...), zlib-compressed JSON: large, and
    read only when an evaluation needs facts, so it lives apart from the image row."""

    __tablename__ = "image_analysis"
    image_pk: int = Field(sa_column=Column(
        Integer, ForeignKey("image.id", ondelete="CASCADE"), primary_key=True))
    document: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class Tag(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("account_id", "full_tag"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = _owner("account", index=False)
    full_tag: str = Field(max_length=512)
    registry_name: str  # "registry" is reserved by SQLAlchemy's declarative base
    repository: str
    tag: str
    image_pk: int = _owner("image")  # the image the tag points at now
    updated_at: datetime = _time()


class TagHistory(SQLModel, table=True):
    """Every digest a tag pointed at, oldest first (tag_drift and Tag.history read it)."""

    __tablename__ = "tag_history"
    id: int | None = Field(default=None, primary_key=True)
    tag_pk: int = _owner("tag")
    image_pk: int = _owner("image")
    observed_at: datetime = _time()


class Policy(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("account_id", "policy_id"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = _owner("account", index=False)
    policy_id: str = Field(max_length=128)
    name: str | None = None
    description: str | None = None
    format_version: str = Field(max_length=8)  # "1_0" | "2", as submitted
    document: dict[str, Any] = _json()
    revision: str = Field(max_length=64)  # sha256 of the canonical document
    active: bool = False
    created_at: datetime = _time()
    updated_at: datetime = _time()


class Evaluation(SQLModel, table=True):
    __table_args__ = (Index("ix_evaluation_subject", "image_pk", "tag", "policy_pk", "pk"),)
    # `pk` orders evaluations as they were stored; `id` is the public, unguessable name.
    pk: int | None = Field(default=None, primary_key=True)
    id: str = Field(unique=True, max_length=32)
    account_id: int = _owner("account")
    image_pk: int = _owner("image", index=False)
    tag: str = Field(max_length=512)
    policy_pk: int = _owner("policy")
    policy_id: str = Field(max_length=128)
    policy_revision: str = Field(max_length=64)
    cache_key: str = Field(max_length=64)
    base_digest: str | None = Field(default=None, max_length=80)
    status: str = Field(max_length=8)
    final_action: str = Field(max_length=8)
    final_action_reason: str = Field(max_length=32)
    policy_action: str = Field(max_length=8)
    evaluated_at: datetime = _time()
    number_of_findings: int = 0
    problems: list[dict[str, Any]] = _json()
    matched_mapping_rule: dict[str, Any] | None = _json(nullable=True)
    matched_allowlisted_images_rule: dict[str, Any] | None = _json(nullable=True)
    matched_denylisted_images_rule: dict[str, Any] | None = _json(nullable=True)


class Finding(SQLModel, table=True):
    __table_args__ = (Index("ix_finding_evaluation_seq", "evaluation_pk", "seq"),)
    id: int | None = Field(default=None, primary_key=True)
    evaluation_pk: int = Field(sa_column=Column(
        ForeignKey("evaluation.pk", ondelete="CASCADE"), nullable=False))
    seq: int
    trigger_id: str
    gate: str = Field(max_length=64)
    trigger: str = Field(max_length=64)
    message: str
    action: str = Field(max_length=8)
    rule_action: str = Field(max_length=8)
    policy_id: str = Field(max_length=128)  # the rule set
    rule_id: str | None = None
    recommendation: str = ""
    allowlist_id: str | None = None
    allowlist_name: str | None = None
    allowlist_rule_id: str | None = None
    inherited_from_base: bool | None = None


# ------------------------------------------------------------------ vulnerability data


class VulnerabilityRecord(SQLModel, table=True):
    """One OSV record as imported (zlib-compressed OSV JSON), updated by `modified`."""

    __tablename__ = "vulnerability_record"
    id: str = Field(primary_key=True, max_length=128)
    modified: datetime = _time()
    ecosystems: str  # the record's affected ecosystems, comma-joined (feed group counts)
    document: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class VulnerabilityPackage(SQLModel, table=True):
    """Which package names a record affects: what matching an image loads records by."""

    __tablename__ = "vulnerability_package"
    __table_args__ = (Index("ix_vulnerability_package_name", "name", "base"),)
    id: int | None = Field(default=None, primary_key=True)
    record_id: str = Field(sa_column=Column(
        ForeignKey("vulnerability_record.id", ondelete="CASCADE"), nullable=False, index=True))
    base: str = Field(max_length=64)  # ecosystem without release: Debian, PyPI, npm
    name: str  # normalised as the ecosystem compares names


class FeedGroup(SQLModel, table=True):
    """Per ecosystem and release ("Debian:12", "PyPI"): how many records, last synced when."""

    __tablename__ = "feed_group"
    name: str = Field(primary_key=True, max_length=128)
    feed: str = Field(max_length=32)  # osv
    record_count: int = 0
    last_sync: datetime = _time()


class FeedState(SQLModel, table=True):
    """One row: a version that changes whenever vulnerability data changes."""

    __tablename__ = "feed_state"
    id: int = Field(default=1, primary_key=True)
    version: int = 0
    updated_at: datetime = _time()


class ImageVulnerability(SQLModel, table=True):
    """One vulnerability affecting one package of an image, from the feeds or from Grype."""

    __tablename__ = "image_vulnerability"
    __table_args__ = (UniqueConstraint("image_pk", "vulnerability_id", "package_name",
                                       "package_version", "package_location"),)
    id: int | None = Field(default=None, primary_key=True)
    image_pk: int = _owner("image")
    vulnerability_id: str = Field(max_length=128)
    aliases: list[str] = _json()
    severity: str = Field(max_length=16)
    package_name: str
    package_version: str
    package_type: str = Field(max_length=32)
    package_location: str = ""
    link: str = ""
    feed_group: str = Field(default="", max_length=128)
    cvss: list[dict[str, Any]] = _json()  # {version, base_score, exploitability_score, ...}
    nvd_cvss: list[dict[str, Any]] = _json()
    fix_versions: list[str] = _json()
    will_not_fix: bool = False
    published: datetime | None = _time(nullable=True)
    detected_at: datetime = _time()
    fix_observed_at: datetime | None = _time(nullable=True)
    source: str = Field(max_length=16)  # osv | grype
