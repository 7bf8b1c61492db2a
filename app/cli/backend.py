"""Every command goes through one `Backend`: the embedded catalog (the SQLite file under
IMAGEGATE_HOME, or IMAGEGATE_DATABASE_URL), or a server's REST routes when IMAGEGATE_URL (or
--url) is set (`app.cli.remote`). Backends return plain views (and the report model), never
catalog rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from app.catalog.db import Database
    from app.report import Report
    from app.services.accounts import Scope
    from app.settings import Settings


@dataclass(frozen=True)
class ImageInfo:
    digest: str
    image_id: str
    tags: tuple[str, ...]
    source: str
    distro: str | None
    distro_version: str | None
    architecture: str
    os: str
    size: int
    layer_count: int
    layers: tuple[str, ...]
    created: datetime | None
    analyzed_at: datetime
    # From the stored analysis, read for one image (get, add), not for listings (None).
    dockerfile_mode: str | None
    packages: int | None
    files: int | None
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class PolicyInfo:
    policy_id: str
    name: str | None
    description: str | None
    version: str
    active: bool
    revision: str
    created_at: datetime
    updated_at: datetime
    document: dict[str, Any]


@dataclass(frozen=True)
class FeedInfo:
    name: str
    feed: str
    record_count: int
    last_sync: datetime


class Backend(Protocol):
    def add_image(self, source: str, *, tags: list[str], dockerfile: str | None,
                  platform: str | None, insecure_registries: tuple[str, ...] = ()
                  ) -> ImageInfo: ...
    def list_images(self) -> list[ImageInfo]: ...
    def get_image(self, ref: str) -> ImageInfo: ...
    def has_image(self, ref: str) -> bool: ...
    def delete_image(self, ref: str) -> None: ...
    def ancestors(self, ref: str) -> list[ImageInfo]: ...
    def content(self, ref: str, content_type: str) -> list[dict[str, Any]]: ...
    def vulnerabilities(self, ref: str, vuln_type: str) -> list[dict[str, Any]]: ...
    # A Grype JSON report as the image's vulnerabilities; how many matches were stored.
    def attach_vulnerabilities(self, ref: str, path: str) -> int: ...
    def import_feed(self, path: str) -> str: ...  # the import's one-line summary
    def list_feeds(self) -> list[FeedInfo]: ...
    def check(self, ref: str, *, tag: str | None, policy: str | None, history: bool,
              base_digest: str | None, detail: bool) -> Report: ...
    # The check with its REST v2 `PolicyEvaluation` body (what `-o json-raw` prints).
    def check_raw(self, ref: str, *, tag: str | None, policy: str | None, history: bool,
                  base_digest: str | None, detail: bool) -> tuple[Report, dict[str, Any]]: ...
    def add_policy(self, document: Any, *, activate: bool) -> PolicyInfo: ...
    def list_policies(self) -> list[PolicyInfo]: ...
    def get_policy(self, id_or_name: str | None) -> PolicyInfo: ...
    def activate_policy(self, id_or_name: str) -> PolicyInfo: ...
    def delete_policy(self, id_or_name: str) -> None: ...
    def close(self) -> None: ...


CONTENT_TYPES = ("os", "files", "npm", "gem", "python", "java", "go")


def _image(record: Any, analysis: dict[str, Any] | None = None) -> ImageInfo:
    image = record.image
    return ImageInfo(
        digest=image.digest, image_id=image.image_id, tags=tuple(record.tags),
        source=image.source, distro=image.distro, distro_version=image.distro_version,
        architecture=image.architecture, os=image.os, size=image.size,
        layer_count=image.layer_count, layers=tuple(image.layers or ()), created=image.created,
        analyzed_at=image.analyzed_at,
        dockerfile_mode=analysis.get("dockerfile_mode") if analysis else None,
        packages=len(analysis.get("packages") or ()) if analysis else None,
        files=len(analysis.get("files") or ()) if analysis else None,
        warnings=tuple(analysis.get("warnings") or ()) if analysis else ())


def _policy(record: Any) -> PolicyInfo:
    return PolicyInfo(
        policy_id=record.policy_id, name=record.name, description=record.description,
        version=record.format_version, active=record.active, revision=record.revision,
        created_at=record.created_at, updated_at=record.updated_at, document=record.document)


class EmbeddedBackend:
    """The catalog in this process, acting as the local admin user (in IMAGEGATE_ACCOUNT
    when set). The database is opened, and created on first use, lazily."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._db: Database | None = None
        self._scope: Scope | None = None

    @property
    def db(self) -> Database:
        if self._db is None:
            from app.services.setup import open_embedded
            self._db = open_embedded(self.settings)
        return self._db

    @property
    def scope(self) -> Scope:
        if self._scope is None:
            from app.services.accounts import local_principal, scope_for
            self._scope = scope_for(self.db, local_principal(self.db),
                                    self.settings.account)
        return self._scope

    def add_image(self, source: str, *, tags: list[str], dockerfile: str | None,
                  platform: str | None, insecure_registries: tuple[str, ...] = ()
                  ) -> ImageInfo:
        from app.cli.console import Progress
        from app.services import images

        registry = images.registry_options(
            insecure_registries=(*self.settings.insecure_registries, *insecure_registries),
            username=self.settings.registry_username,
            password=self.settings.registry_password)
        with Progress(f"analyzing {source}"):
            analysis = images.analyze_source(source, dockerfile=dockerfile, platform=platform,
                                             registry=registry)
        record = images.add_image(self.db, self.scope, analysis, tags=tags or None)
        return _image(record, analysis.to_dict())

    def list_images(self) -> list[ImageInfo]:
        from app.services import images
        return [_image(r) for r in images.list_images(self.db, self.scope)]

    def get_image(self, ref: str) -> ImageInfo:
        from app.services import images
        return _image(*images.analysis_document(self.db, self.scope, ref))

    def has_image(self, ref: str) -> bool:
        from app.errors import NotFoundError
        from app.services import images
        try:
            images.get_image(self.db, self.scope, ref)
        except NotFoundError:
            return False
        return True

    def delete_image(self, ref: str) -> None:
        from app.services import images
        images.delete_image(self.db, self.scope, ref)

    def ancestors(self, ref: str) -> list[ImageInfo]:
        from app.services import images
        return [_image(r) for r in images.ancestors(self.db, self.scope, ref)]

    def content(self, ref: str, content_type: str) -> list[dict[str, Any]]:
        from app.services import images
        return images.image_content(self.db, self.scope, ref, content_type)[1]

    def vulnerabilities(self, ref: str, vuln_type: str) -> list[dict[str, Any]]:
        from app.services import vulnerabilities
        return vulnerabilities.vulnerability_listing(self.db, self.scope, ref,
                                                     vuln_type=vuln_type, vendor_only=False)[1]

    def attach_vulnerabilities(self, ref: str, path: str) -> int:
        from app.services import vulnerabilities
        return vulnerabilities.attach_grype(self.db, self.scope, ref, path)

    def import_feed(self, path: str) -> str:
        from app.cli.console import Progress
        from app.services import feeds

        with Progress(f"importing {path}") as progress:
            result = feeds.import_feed(self.db, self.scope, path,
                                       progress=lambda n: progress.note(f"{n} records"))
        return result.summary()

    def list_feeds(self) -> list[FeedInfo]:
        from app.services import feeds
        return [FeedInfo(g.name, g.feed, g.record_count, g.last_sync)
                for g in feeds.list_feeds(self.db)]

    def check(self, ref: str, *, tag: str | None, policy: str | None, history: bool,
              base_digest: str | None, detail: bool) -> Report:
        from app.report import Report
        from app.services import checks

        result = checks.check(self.db, self.scope, ref, tag=tag, policy=policy,
                              base_digest=base_digest, history=history, detail=detail)
        return Report.from_check(result)

    def check_raw(self, ref: str, *, tag: str | None, policy: str | None, history: bool,
                  base_digest: str | None, detail: bool) -> tuple[Report, dict[str, Any]]:
        from app.report import anchore_v2

        report = self.check(ref, tag=tag, policy=policy, history=history,
                            base_digest=base_digest, detail=detail)
        return report, anchore_v2.render(report)

    def add_policy(self, document: Any, *, activate: bool) -> PolicyInfo:
        from app.services import policies
        return _policy(policies.add_policy(self.db, self.scope, document, activate=activate))

    def list_policies(self) -> list[PolicyInfo]:
        from app.services import policies
        return [_policy(p) for p in policies.list_policies(self.db, self.scope)]

    def get_policy(self, id_or_name: str | None) -> PolicyInfo:
        from app.services import policies
        return _policy(policies.get_policy(self.db, self.scope, id_or_name))

    def activate_policy(self, id_or_name: str) -> PolicyInfo:
        from app.services import policies
        return _policy(policies.activate_policy(self.db, self.scope, id_or_name))

    def delete_policy(self, id_or_name: str) -> None:
        from app.services import policies
        policies.delete_policy(self.db, self.scope, id_or_name)

    def close(self) -> None:
        if self._db is not None:
            self._db.dispose()


# `--url URL` (set by `main` for one run) wins over IMAGEGATE_URL.
URL_OVERRIDE: str | None = None


def open_backend(settings: Settings | None = None) -> Backend:
    """The backend the environment (or --url) asks for."""
    import dataclasses

    from app.settings import Settings

    settings = settings or Settings.from_env()
    if URL_OVERRIDE:
        settings = dataclasses.replace(settings, url=URL_OVERRIDE)
    if settings.url:
        from app.cli.remote import RemoteBackend
        return RemoteBackend(settings)
    return EmbeddedBackend(settings)
