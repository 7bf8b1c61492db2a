"""The check use case: the verdict for one image under one tag against one policy.

An evaluation is stored with its findings in one transaction and reused while its key is
unchanged: the image's facts (its analysis and its relatives), the policy revision, the feed
version, the expiry state of the allowlist items it used, and the base image.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from app.catalog import evaluations as q
from app.catalog import images as image_q
from app.catalog.db import Database
from app.catalog.models import Evaluation, Finding, Image, Policy
from app.engine import (
    Ancestor,
    CompiledPolicy,
    Decision,
    Facts,
    ImageFacts,
    Package,
    allowlist_expiry_state,
    compile_policy,
    evaluate,
    normalize_tag,
)
from app.errors import InvalidInputError, NotFoundError
from app.services.accounts import Scope
from app.services.facts import image_facts
from app.services.images import ancestors_of, resolve_image
from app.services.policies import resolve_policy

AUTO = "auto"


@dataclass(frozen=True)
class StoredEvaluation:
    evaluation: Evaluation
    findings: list[Finding] | None  # None unless details were asked for


@dataclass(frozen=True)
class CheckResult:
    image: Image
    tag: str
    policy: Policy
    evaluations: list[StoredEvaluation]  # newest first: one, or the history
    reused: bool  # the latest evaluation was still valid


@lru_cache(maxsize=32)
def _compiled(revision: str, document_json: str) -> CompiledPolicy:
    return compile_policy(json.loads(document_json))


def compiled_policy(policy: Policy) -> CompiledPolicy:
    """Compile once per revision (revisions are content hashes)."""
    return _compiled(policy.revision, json.dumps(policy.document))


@lru_cache(maxsize=16)
def _facts(analysis_hash: str, analysis_json: str) -> ImageFacts:
    from app.analysis import ImageAnalysis  # lazily: a reused evaluation never needs it

    return image_facts(ImageAnalysis.from_dict(json.loads(analysis_json)))


def facts_of(image: Image) -> ImageFacts:
    """The engine's view of an image, built once per analysis (hashes name the content)."""
    return _facts(image.analysis_hash, json.dumps(image.analysis))


def _identity(image: Image) -> ImageFacts:
    """Just enough of an image to select its mapping (without loading its analysis)."""
    return ImageFacts(digest=image.digest, image_id=image.image_id)


def _sha(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, separators=(",", ":")).encode()).hexdigest()


@dataclass
class _Subject:
    """Everything a check reads before it decides whether to evaluate."""

    image: Image
    tag: str
    policy: Policy
    compiled: CompiledPolicy
    ancestors: list[Image]
    base: Image | None
    previous: Image | None  # what the tag pointed at before this image
    key: str


def _previous_image(session: Session, scope: Scope, image: Image, tag: str) -> Image | None:
    record = image_q.get_tag(session, account_id=scope.account_id, full_tag=tag)
    if record is None or record.id is None:
        return None
    history = [img for _, img in image_q.tag_history(session, tag_pk=record.id)]
    for index, img in enumerate(history):
        if img.id == image.id:
            return history[index - 1] if index > 0 else None
    return history[-1] if history else None


def _base(session: Session, scope: Scope, image: Image, ancestors: list[Image],
          base_digest: str | None) -> Image | None:
    if not base_digest:
        return None
    if base_digest == AUTO:
        return ancestors[-1] if ancestors else None
    for ancestor in ancestors:
        if ancestor.digest == base_digest:
            return ancestor
    if image_q.get_image(session, account_id=scope.account_id, digest=base_digest) is None:
        raise NotFoundError(f"base image {base_digest} not found")
    raise InvalidInputError(f"image {base_digest} is not an ancestor of {image.digest}: its "
                            "layers are not a prefix of this image's layers")


def _subject(session: Session, scope: Scope, ref: str, tag: str | None, policy: str | None,
             base_digest: str | None, now: datetime) -> _Subject:
    image, ref_tag = resolve_image(session, scope, ref)
    tag = normalize_tag(tag) if tag else ref_tag
    if not tag:
        raise InvalidInputError("a tag is required to check an image by digest or id "
                                "(verdicts are per tag)")
    record = resolve_policy(session, scope, policy)
    compiled = compiled_policy(record)
    ancestors = ancestors_of(session, image)
    base = _base(session, scope, image, ancestors, base_digest)
    previous = _previous_image(session, scope, image, tag)
    facts_part = _sha(image.analysis_hash, [a.digest for a in ancestors],
                      previous.digest if previous else None)
    expiry = allowlist_expiry_state(compiled, _identity(image), tag=tag, now=now)
    key = _sha(facts_part, record.revision, feed_version(session), expiry,
               [base.digest, base.analysis_hash] if base else None)
    return _Subject(image, tag, record, compiled, ancestors, base, previous, key)


def feed_version(session: Session) -> str:
    """Changes whenever vulnerability data changes. No feeds are stored yet."""
    return "no-feeds"


def _facts_for(subject: _Subject, session: Session) -> Facts:
    def ancestor(img: Image) -> Ancestor:
        assert img.id is not None
        tags = tuple(t.full_tag for t in image_q.tags_of_images(session, image_pks=[img.id]))
        return Ancestor(img.digest, tags, img.layer_count)

    chain = tuple(ancestor(a) for a in subject.ancestors)
    base = ancestor(subject.base) if subject.base else (chain[-1] if chain else None)
    previous: tuple[Package, ...] | None = (
        facts_of(subject.previous).packages if subject.previous else None)
    return Facts(facts_of(subject.image), ancestors=chain, base=base,
                 previous_tag_packages=previous)


def _rows(decision: Decision, inherited: set[tuple[str, str, str]] | None) -> list[dict]:
    return [{
        "trigger_id": f.trigger_id, "gate": f.gate, "trigger": f.trigger, "message": f.message,
        "action": f.action.label, "rule_action": f.rule_action.label, "policy_id": f.policy_id,
        "rule_id": f.rule_id, "recommendation": f.recommendation,
        "allowlist_id": f.allowlist_match.id if f.allowlist_match else None,
        "allowlist_name": f.allowlist_match.name if f.allowlist_match else None,
        "allowlist_rule_id": f.allowlist_match.matched_rule_id if f.allowlist_match else None,
        "inherited_from_base": None if inherited is None else (
            (f.gate, f.trigger, f.trigger_id) in inherited),
    } for f in decision.findings]


def _evaluation(scope: Scope, subject: _Subject, decision: Decision, now: datetime) -> Evaluation:
    assert subject.image.id is not None and subject.policy.id is not None
    return Evaluation(
        id=uuid.uuid4().hex, account_id=scope.account_id, image_pk=subject.image.id,
        tag=subject.tag, policy_pk=subject.policy.id, policy_id=subject.policy.policy_id,
        policy_revision=subject.policy.revision, cache_key=subject.key,
        base_digest=subject.base.digest if subject.base else None, status=decision.status,
        final_action=decision.final_action.label,
        final_action_reason=decision.final_action_reason,
        policy_action=decision.policy_action.label, evaluated_at=now,
        number_of_findings=len(decision.findings),
        problems=[p.to_dict() for p in decision.problems],
        matched_mapping_rule=decision.matched_mapping_rule,
        matched_allowlisted_images_rule=decision.matched_allowlisted_images_rule,
        matched_denylisted_images_rule=decision.matched_denylisted_images_rule)


def _lock(session: Session, db: Database, subject: _Subject) -> None:
    """Serialize writers of one (image, tag, policy): SQLite's write transactions already
    are; PostgreSQL takes a transaction-scoped advisory lock."""
    if db.is_sqlite:
        return
    digest = hashlib.sha256(f"{subject.image.id}|{subject.tag}|{subject.policy.id}".encode())
    key = int.from_bytes(digest.digest()[:8], "big", signed=True)
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def check(db: Database, scope: Scope, ref: str, *, tag: str | None = None,
          policy: str | None = None, base_digest: str | None = None, history: bool = False,
          detail: bool = True, interactive: bool = False,
          now: datetime | None = None) -> CheckResult:
    """Evaluate `ref` (a tag, digest or image id) under `tag` against `policy` (id or name;
    default: the account's active policy), reusing the stored evaluation while valid.

    `base_digest` ("auto" or an ancestor's digest) marks each finding inherited from the base
    image or not; `history` returns every stored evaluation, newest first; `interactive`
    evaluates afresh without storing."""
    now = now or datetime.now(UTC)
    with db.read() as session:
        subject = _subject(session, scope, ref, tag, policy, base_digest, now)
        latest = None if interactive else _latest(session, subject)
        if latest is not None and latest.cache_key == subject.key:
            return _result(session, subject, latest, history, detail, reused=True)
        decision = evaluate(subject.compiled, _facts_for(subject, session), tag=subject.tag,
                            now=now)
        inherited = None
        if subject.base is not None:
            base_facts = Facts(facts_of(subject.base))
            base_decision = evaluate(subject.compiled, base_facts, tag=subject.tag, now=now)
            inherited = {(f.gate, f.trigger, f.trigger_id) for f in base_decision.findings}
    evaluation = _evaluation(scope, subject, decision, now)
    rows = _rows(decision, inherited)
    if interactive:
        findings = [Finding(evaluation_pk=0, seq=i, **row) for i, row in enumerate(rows)]
        return CheckResult(subject.image, subject.tag, subject.policy,
                           [StoredEvaluation(evaluation, findings if detail else None)], False)
    with db.transaction() as session:
        _lock(session, db, subject)
        latest = _latest(session, subject)
        if latest is not None and latest.cache_key == subject.key:
            return _result(session, subject, latest, history, detail, reused=True)
        q.save_evaluation(session, evaluation=evaluation, findings=rows)
        return _result(session, subject, evaluation, history, detail, reused=False)


def _latest(session: Session, subject: _Subject) -> Evaluation | None:
    assert subject.image.id is not None and subject.policy.id is not None
    return q.latest_evaluation(session, image_pk=subject.image.id, tag=subject.tag,
                               policy_pk=subject.policy.id)


def _result(session: Session, subject: _Subject, latest: Evaluation, history: bool,
            detail: bool, *, reused: bool) -> CheckResult:
    assert subject.image.id is not None and subject.policy.id is not None
    chosen = [latest]
    if history:
        chosen = q.evaluation_history(session, image_pk=subject.image.id, tag=subject.tag,
                                      policy_pk=subject.policy.id)
    pks = [e.pk for e in chosen if e.pk is not None]
    findings = q.findings_of(session, evaluation_pks=pks) if detail else {}
    return CheckResult(subject.image, subject.tag, subject.policy,
                       [StoredEvaluation(e, findings.get(e.pk or 0) if detail else None)
                        for e in chosen], reused)
