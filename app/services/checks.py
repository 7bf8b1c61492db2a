"""The check use case: the verdict for one image under one tag against one policy.

An evaluation is stored with its findings in one transaction and reused while its key is
unchanged: the image's facts (its analysis and its relatives), the policy revision, the feed
version, the expiry state of the allowlist items it used, and the base image.
"""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from app.catalog import evaluations as q
from app.catalog import images as image_q
from app.catalog import vulnerabilities as vuln_q
from app.catalog.db import Database
from app.catalog.models import Evaluation, Finding, Image, Policy
from app.engine import (
    Ancestor,
    CompiledPolicy,
    Decision,
    Facts,
    ImageFacts,
    Package,
    VulnerabilityMatch,
    allowlist_expiry_state,
    compile_policy,
    evaluate,
    normalize_tag,
)
from app.errors import InvalidInputError, NotFoundError
from app.services.accounts import Scope
from app.services.facts import image_facts
from app.services.images import ancestors_of, resolve_image, stored_analysis
from app.services.policies import resolve_policy
from app.services.vulnerabilities import engine_matches, feed_state, version_comparator

AUTO = "auto"


@dataclass(frozen=True)
class StoredEvaluation:
    evaluation: Evaluation
    findings: list[Any] | None  # Finding rows; None unless details were asked for


@dataclass(frozen=True)
class CheckResult:
    image: Image
    tag: str
    policy: Policy
    evaluations: list[StoredEvaluation]  # newest first: one, or the history
    reused: bool  # the latest evaluation was still valid


class _Lru:
    """A small thread-safe LRU for values named by content hashes (they never go stale)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: OrderedDict[str, Any] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str, load: Callable[[], Any]) -> Any:
        with self.lock:
            if key in self.entries:
                self.entries.move_to_end(key)
                return self.entries[key]
        value = load()  # outside the lock: loads may be slow, and a double load is harmless
        with self.lock:
            self.entries[key] = value
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)
        return value


_COMPILED = _Lru(32)  # by policy revision
# Reading a large analysis (or 20,000 matches) costs more than evaluating it.
_FACTS = _Lru(16)  # by analysis hash
_MATCHES = _Lru(16)  # by image and matches hash


def compiled_policy(policy: Policy) -> CompiledPolicy:
    """Compile once per revision."""
    compiled: CompiledPolicy = _COMPILED.get(policy.revision,
                                             lambda: compile_policy(policy.document))
    return compiled


def facts_of(session: Session, image: Image) -> ImageFacts:
    facts: ImageFacts = _FACTS.get(
        image.analysis_hash, lambda: image_facts(stored_analysis(session, image)))
    return facts


def matches_of(session: Session, image: Image) -> tuple[VulnerabilityMatch, ...]:
    assert image.id is not None
    matches: tuple[VulnerabilityMatch, ...] = _MATCHES.get(
        f"{image.id}:{image.vulns_hash}",
        lambda: engine_matches(vuln_q.image_vulnerabilities(session, image_pk=image.id or 0)))
    return matches


def image_evaluation_facts(session: Session, image: Image, **relatives: Any) -> Facts:
    """Everything the engine reads about one image."""
    return Facts(facts_of(session, image), vulnerabilities=matches_of(session, image),
                 feeds=feed_state(session, image), compare_versions=version_comparator,
                 **relatives)


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
    """The image the tag pointed at before this one: the entry before this image's first
    appearance in the tag's history, or the tag's latest image if this one never held it."""
    history = image_q.tag_history_by_name(session, account_id=scope.account_id, full_tag=tag)
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
    # Relatives are facts (and key parts) only for the gates that read them.
    gates = compiled.gate_names
    ancestors = ancestors_of(session, image) if base_digest or "ancestry" in gates else []
    base = _base(session, scope, image, ancestors, base_digest)
    previous = _previous_image(session, scope, image, tag) if "tag_drift" in gates else None
    facts_part = _sha(image.analysis_hash, [a.digest for a in ancestors],
                      previous.digest if previous else None)
    expiry = allowlist_expiry_state(compiled, _identity(image), tag=tag, now=now)
    key = _sha(facts_part, record.revision, feed_version(session, image), expiry,
               [base.digest, base.analysis_hash] if base else None)
    return _Subject(image, tag, record, compiled, ancestors, base, previous, key)


def feed_version(session: Session, image: Image) -> str:
    """Changes whenever the feeds change (their sync times are facts too) or the image's own
    matches do (a Grype report attached)."""
    return f"{vuln_q.feed_version(session)}:{image.vulns_hash}"


def _facts_for(subject: _Subject, session: Session) -> Facts:
    def ancestor(img: Image) -> Ancestor:
        assert img.id is not None
        tags = tuple(t.full_tag for t in image_q.tags_of_images(session, image_pks=[img.id]))
        return Ancestor(img.digest, tags, img.layer_count)

    chain = tuple(ancestor(a) for a in subject.ancestors)
    base = ancestor(subject.base) if subject.base else (chain[-1] if chain else None)
    previous: tuple[Package, ...] | None = (
        facts_of(session, subject.previous).packages if subject.previous else None)
    return image_evaluation_facts(session, subject.image, ancestors=chain, base=base,
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
            base_facts = image_evaluation_facts(session, subject.base)
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
