"""The dataloaders of one request: each batches the lookups a query makes into one call of
the catalog (reads) or the check service (evaluations), run in a worker thread. Each load
function returns its results in key order; everything is scoped to the request's account."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from aiodataloader import DataLoader

from app.api.metrics import Metrics
from app.catalog import evaluations as evaluation_q
from app.catalog import images as image_q
from app.catalog import policies as policy_q
from app.catalog import vulnerabilities as vuln_q
from app.catalog.db import Database
from app.catalog.models import Evaluation, Image, ImageVulnerability, Policy, Tag
from app.errors import ImagegateError
from app.services import checks
from app.services.accounts import Scope
from app.services.checks import CheckRequest, CheckResult


def _loader(batch: Callable[[list[Any]], Sequence[Any]]) -> DataLoader:
    async def load(keys: list[Any]) -> list[Any]:
        return list(await asyncio.to_thread(batch, list(keys)))

    return DataLoader(load)


@dataclass(frozen=True)
class Failed:
    """An expected error as a loaded value (a DataLoader raises exceptions it is given)."""

    error: ImagegateError


@dataclass
class Loaders:
    images_by_digest: DataLoader  # digest -> Image | None
    images_by_pk: DataLoader  # pk -> Image | None
    tags_by_image: DataLoader  # image pk -> [Tag], by full tag
    tag_history: DataLoader  # tag pk -> [image pk], oldest first
    ancestors: DataLoader  # tuple(layers) -> [digest], nearest last
    evaluations: DataLoader  # CheckRequest -> CheckResult | Failed
    evaluations_by_id: DataLoader  # id -> Evaluation | None
    image_history: DataLoader  # image pk -> [Evaluation], newest first
    policy_history: DataLoader  # policy pk -> [Evaluation], newest first
    findings: DataLoader  # evaluation pk -> [Finding row], in order
    packages: DataLoader  # image pk -> [package dict] of its stored analysis
    vulnerabilities: DataLoader  # image pk -> [ImageVulnerability]
    policies_by_id: DataLoader  # policy id -> Policy | None
    policies_by_pk: DataLoader  # policy pk -> Policy | None


def create_loaders(db: Database, scope: Scope, metrics: Metrics) -> Loaders:
    account = scope.account_id

    def images_by_digest(digests: list[str]) -> list[Image | None]:
        with db.read() as session:
            found = {i.digest: i for i in image_q.get_images(session, account_id=account,
                                                              digests=digests)}
        return [found.get(d) for d in digests]

    def images_by_pk(pks: list[int]) -> list[Image | None]:
        with db.read() as session:
            found = {i.id: i for i in image_q.get_images_by_pk(session, account_id=account,
                                                               pks=pks)}
        return [found.get(pk) for pk in pks]

    def tags_by_image(pks: list[int]) -> list[list[Tag]]:
        out: dict[int, list[Tag]] = {pk: [] for pk in pks}
        with db.read() as session:
            for tag in image_q.tags_of_images(session, image_pks=pks):
                if tag.account_id == account:
                    out[tag.image_pk].append(tag)
        return [out[pk] for pk in pks]

    def tag_history(pks: list[int]) -> list[list[int]]:
        with db.read() as session:
            rows = image_q.tag_histories(session, tag_pks=pks)
        return [[h.image_pk for h in rows[pk]] for pk in pks]

    def ancestors(keys: list[tuple[str, ...]]) -> list[list[str]]:
        with db.read() as session:
            index = image_q.layer_index(session, account_id=account)
        return [[row[1] for row in checks.ancestry(index, list(layers))] for layers in keys]

    def evaluations(requests: list[CheckRequest]) -> list[CheckResult | Failed]:
        timings: list[float] = []

        def timed(result: CheckResult, seconds: float) -> None:
            if not result.reused:
                timings.append(seconds)

        results = checks.check_many(db, scope, requests, timed=timed)
        done = [r for r in results if isinstance(r, CheckResult)]
        hits = sum(1 for r in done if r.reused)
        metrics.record_checks(hits=hits, misses=len(done) - hits, seconds=timings)
        return [Failed(r) if isinstance(r, ImagegateError) else r for r in results]

    def evaluations_by_id(ids: list[str]) -> list[Evaluation | None]:
        with db.read() as session:
            found = {e.id: e for e in evaluation_q.get_evaluations(
                session, account_id=account, evaluation_ids=ids)}
        return [found.get(i) for i in ids]

    def image_history(pks: list[int]) -> list[list[Evaluation]]:
        out: dict[int, list[Evaluation]] = {pk: [] for pk in pks}
        with db.read() as session:
            for e in evaluation_q.evaluations_of_images(session, account_id=account,
                                                        image_pks=pks):
                out[e.image_pk].append(e)
        return [out[pk] for pk in pks]

    def policy_history(pks: list[int]) -> list[list[Evaluation]]:
        out: dict[int, list[Evaluation]] = {pk: [] for pk in pks}
        with db.read() as session:
            for e in evaluation_q.evaluations_of_policies(session, account_id=account,
                                                          policy_pks=pks):
                out[e.policy_pk].append(e)
        return [out[pk] for pk in pks]

    def findings(pks: list[int]) -> list[list[Any]]:
        with db.read() as session:
            # evaluation pks reach here only from evaluations read in this account
            rows = evaluation_q.findings_of(session, evaluation_pks=pks)
        return [rows[pk] for pk in pks]

    def packages(pks: list[int]) -> list[list[dict[str, Any]]]:
        with db.read() as session:
            found = image_q.get_analyses(session, image_pks=pks)
        return [[p for p in (found.get(pk) or {}).get("packages") or [] if isinstance(p, dict)]
                for pk in pks]

    def vulnerabilities(pks: list[int]) -> list[list[ImageVulnerability]]:
        with db.read() as session:
            found = vuln_q.vulnerabilities_of_images(session, image_pks=pks)
        return [found[pk] for pk in pks]

    def all_policies() -> list[Policy]:
        with db.read() as session:
            return policy_q.list_policies(session, account_id=account)

    def policies_by_id(ids: list[str]) -> list[Policy | None]:
        found = {p.policy_id: p for p in all_policies()}
        return [found.get(i) for i in ids]

    def policies_by_pk(pks: list[int]) -> list[Policy | None]:
        found = {p.id: p for p in all_policies()}
        return [found.get(pk) for pk in pks]

    return Loaders(
        images_by_digest=_loader(images_by_digest), images_by_pk=_loader(images_by_pk),
        tags_by_image=_loader(tags_by_image), tag_history=_loader(tag_history),
        ancestors=_loader(ancestors), evaluations=_loader(evaluations),
        evaluations_by_id=_loader(evaluations_by_id), image_history=_loader(image_history),
        policy_history=_loader(policy_history), findings=_loader(findings),
        packages=_loader(packages), vulnerabilities=_loader(vulnerabilities),
        policies_by_id=_loader(policies_by_id), policies_by_pk=_loader(policies_by_pk))
