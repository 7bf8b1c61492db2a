"""The check use case: the verdict for one image under one tag against one policy.

An evaluation is stored with its findings in one transaction and reused while its key is
unchanged: the image's facts (its analysis and its relatives), the policy revision, the feed
version, the expiry state of the allowlist items it used, and the base image.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
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
from app.catalog import policies as policy_q
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
from app.errors import ImagegateError, InvalidInputError, NotFoundError
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


def cache_key(compiled: CompiledPolicy, revision: str, image: Image, tag: str, now: datetime,
              *, ancestors: list[str], previous: str | None, feed_version: int,
              base: tuple[str, str] | None) -> str:
    """The key a stored evaluation is reused under: the image's facts (its analysis, the
    digests of its ancestors and of the tag's previous image, each only when a gate reads
    it), the policy revision, the feed version (feeds' sync times are facts too) with the
    image's own matches, the expiry state of the allowlist items that apply, and the base
    image (digest, analysis hash)."""
    facts = _sha(image.analysis_hash, ancestors, previous)
    expiry = allowlist_expiry_state(compiled, _identity(image), tag=tag, now=now)
    return _sha(facts, revision, f"{feed_version}:{image.vulns_hash}", expiry,
                list(base) if base else None)


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
    latest: Evaluation | None  # the newest stored evaluation, as read with the rest


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


def _policy_with_latest(session: Session, scope: Scope, policy: str | None, image: Image,
                        tag: str) -> tuple[Policy, Evaluation | None, int]:
    """The policy, the newest evaluation and the feed version: one query when the policy is
    named by id or is the active one (a check's usual case)."""
    assert image.id is not None
    found = q.policy_with_latest(session, account_id=scope.account_id, policy_id=policy,
                                 image_pk=image.id, tag=tag)
    if found is None:  # named by name, or missing: resolve_policy tells which (or raises)
        record = resolve_policy(session, scope, policy)
        found = q.policy_with_latest(session, account_id=scope.account_id,
                                     policy_id=record.policy_id, image_pk=image.id, tag=tag)
        if found is None:
            raise NotFoundError(f"policy '{policy}' not found")
    return found


def _subject(session: Session, scope: Scope, ref: str, tag: str | None, policy: str | None,
             base_digest: str | None, now: datetime) -> _Subject:
    image, ref_tag = resolve_image(session, scope, ref)
    tag = normalize_tag(tag) if tag else ref_tag
    if not tag:
        raise InvalidInputError("a tag is required to check an image by digest or id "
                                "(verdicts are per tag)")
    record, latest, feed_version = _policy_with_latest(session, scope, policy, image, tag)
    compiled = compiled_policy(record)
    # Relatives are facts (and key parts) only for the gates that read them.
    gates = compiled.gate_names
    ancestors = ancestors_of(session, image) if base_digest or "ancestry" in gates else []
    base = _base(session, scope, image, ancestors, base_digest)
    previous = _previous_image(session, scope, image, tag) if "tag_drift" in gates else None
    key = cache_key(compiled, record.revision, image, tag, now,
                    ancestors=[a.digest for a in ancestors],
                    previous=previous.digest if previous else None, feed_version=feed_version,
                    base=(base.digest, base.analysis_hash) if base else None)
    return _Subject(image, tag, record, compiled, ancestors, base, previous, key, latest)


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
        latest = None if interactive else subject.latest
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


# ------------------------------------------------------------------ many subjects at once

@dataclass(frozen=True)
class CheckRequest:
    """One subject of `check_many`: an image by digest, under `tag` (default: the image's
    first tag in order), against `policy` (id or name; default: the active policy)."""

    digest: str
    tag: str | None = None
    policy: str | None = None
    base_digest: str | None = None


def ancestry(index: list[tuple[int, str, list[str], str]], layers: list[str]
              ) -> list[tuple[int, str, list[str], str]]:
    """`ancestors_of` over the rows of `image_q.layer_index`, nearest last."""
    if not layers:
        return []
    found = [row for row in index if row[2] and row[2][0] == layers[0]
             and len(row[2]) < len(layers) and layers[:len(row[2])] == row[2]]
    return sorted(found, key=lambda row: len(row[2]))


def check_many(db: Database, scope: Scope, requests: list[CheckRequest], *,
               now: datetime | None = None,
               timed: Callable[[CheckResult, float], None] | None = None,
               ) -> list[CheckResult | ImagegateError]:
    """`check` for many subjects, in request order, without details (findings are read
    separately). Every subject whose stored evaluation is still valid is answered from a
    fixed number of queries, however many there are; the others (and those whose request
    is in error) go through `check` one at a time, which evaluates and stores them;
    `timed(result, seconds)` is told how long each of those took."""
    now = now or datetime.now(UTC)
    out: list[CheckResult | ImagegateError | None] = [None] * len(requests)
    with db.read() as session:
        images = {i.digest: i for i in image_q.get_images(
            session, account_id=scope.account_id, digests=sorted({r.digest for r in requests}))}
        pks = [i.id for i in images.values() if i.id is not None]
        first_tag: dict[int, str] = {}
        for current in image_q.tags_of_images(session, image_pks=pks):
            first_tag.setdefault(current.image_pk, current.full_tag)
        policies = policy_q.list_policies(session, account_id=scope.account_id)
        by_id = {p.policy_id: p for p in policies}
        active = next((p for p in policies if p.active), None)
        index = image_q.layer_index(session, account_id=scope.account_id)
        digest_of = {row[0]: row[1] for row in index}
        # (request index, image, tag, policy) for the requests that are simple enough
        pending: list[tuple[int, Image, str, Policy]] = []
        for n, req in enumerate(requests):
            image = images.get(req.digest)
            if image is None or image.id is None:
                continue
            tag = normalize_tag(req.tag) if req.tag else first_tag.get(image.id)
            record = active if req.policy is None else by_id.get(req.policy)
            if tag and record is not None:
                pending.append((n, image, tag, record))
        tags = {t.full_tag: t for t in image_q.get_tags(
            session, account_id=scope.account_id, full_tags=sorted({p[2] for p in pending}))}
        histories = image_q.tag_histories(
            session, tag_pks=[t.id for t in tags.values() if t.id is not None])
        feeds = vuln_q.feed_version(session)
        keyed: list[tuple[int, Image, str, Policy, str, str | None]] = []
        for n, image, tag, record in pending:
            req = requests[n]
            compiled = compiled_policy(record)
            # as _subject: relatives are key parts only for the gates that read them
            gates = compiled.gate_names
            chain = (ancestry(index, image.layers)
                     if req.base_digest or "ancestry" in gates else [])
            base = None
            if req.base_digest == AUTO:
                base = chain[-1] if chain else None
            elif req.base_digest:
                base = next((a for a in chain if a[1] == req.base_digest), None)
                if base is None:
                    continue  # an error: `check` names it
            tag_row = tags.get(tag)
            history = [h.image_pk for h in histories.get(tag_row.id or 0, [])] if tag_row else []
            previous = None
            if history and "tag_drift" in gates:
                if image.id in history:
                    at = history.index(image.id)
                    previous = history[at - 1] if at > 0 else None
                else:
                    previous = history[-1]
            key = cache_key(compiled, record.revision, image, tag, now,
                            ancestors=[a[1] for a in chain],
                            previous=digest_of.get(previous) if previous is not None else None,
                            feed_version=feeds, base=(base[1], base[3]) if base else None)
            keyed.append((n, image, tag, record, key, base[1] if base else None))
        latest = q.latest_evaluations(session, keys=[
            (image.id or 0, tag, record.id or 0) for _, image, tag, record, _, _ in keyed])
        for n, image, tag, record, key, _base_digest in keyed:
            found = latest.get((image.id or 0, tag, record.id or 0))
            if found is not None and found.cache_key == key:
                out[n] = CheckResult(image, tag, record, [StoredEvaluation(found, None)], True)
    for n, req in enumerate(requests):
        if out[n] is None:
            started = time.perf_counter()
            try:
                result = check(db, scope, req.digest, tag=req.tag or default_tag(
                    db, scope, req.digest), policy=req.policy, base_digest=req.base_digest,
                    detail=False, now=now)
            except ImagegateError as err:
                out[n] = err
                continue
            out[n] = result
            if timed is not None:
                timed(result, time.perf_counter() - started)
    return [r for r in out if r is not None]


def default_tag(db: Database, scope: Scope, digest: str) -> str | None:
    with db.read() as session:
        image = image_q.get_image(session, account_id=scope.account_id, digest=digest)
        if image is None or image.id is None:
            return None
        tags = image_q.tags_of_images(session, image_pks=[image.id])
        return tags[0].full_tag if tags else None


def reevaluate(db: Database, scope: Scope, ref: str, *, tag: str | None = None,
               policy: str | None = None, base_digest: str | None = None,
               now: datetime | None = None) -> CheckResult:
    """Evaluate afresh and store the result even when the stored one is still valid (it
    becomes the newest entry of the history)."""
    now = now or datetime.now(UTC)
    with db.read() as session:
        subject = _subject(session, scope, ref, tag, policy, base_digest, now)
        decision = evaluate(subject.compiled, _facts_for(subject, session), tag=subject.tag,
                            now=now)
        inherited = None
        if subject.base is not None:
            base_decision = evaluate(subject.compiled,
                                     image_evaluation_facts(session, subject.base),
                                     tag=subject.tag, now=now)
            inherited = {(f.gate, f.trigger, f.trigger_id) for f in base_decision.findings}
    evaluation = _evaluation(scope, subject, decision, now)
    with db.transaction() as session:
        _lock(session, db, subject)
        q.save_evaluation(session, evaluation=evaluation, findings=_rows(decision, inherited))
        return _result(session, subject, evaluation, False, False, reused=False)
