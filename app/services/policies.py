"""Policy use cases: validate, store, activate, resolve and delete policies."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from sqlmodel import Session

from app.catalog import policies as q
from app.catalog.db import Database
from app.catalog.models import Policy
from app.engine import V2, Problem, compile_policy, describe_gates, write_document
from app.engine.document import read_document
from app.errors import InvalidInputError, NotFoundError, PolicyInvalidError
from app.services.accounts import Scope


@dataclass(frozen=True)
class Validation:
    """Anchore's `{valid, validation_details}`: strict, so end-of-life rules are errors."""

    valid: bool
    problems: tuple[Problem, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"valid": self.valid,
                "validation_details": [p.to_dict() | {"location": p.location}
                                       for p in self.problems]}


def validate_document(document: Any) -> Validation:
    compiled = compile_policy(document)
    return Validation(compiled.valid, compiled.problems)


def read_document_file(path: str | Path) -> Any:
    """The parsed JSON of a policy file, or an InvalidInputError naming the file and line."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as err:
        raise InvalidInputError(f"{path}: cannot read policy file: {err.strerror}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise InvalidInputError(
            f"{path}:{err.lineno}:{err.colno}: not valid JSON: {err.msg}") from None


# ------------------------------------------------------------------ stored policies

DEFAULT_POLICY_FILE = "anchore-default-policy-v2.json"


def canonical_revision(document: Any) -> str:
    """A revision hash that ignores key order and whitespace."""
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def default_policy_document() -> dict[str, Any]:
    data = resources.files("app.data") / "policies" / DEFAULT_POLICY_FILE
    return json.loads(data.read_text(encoding="utf-8"))


def _new_record(account_id: int, document: dict[str, Any], now: datetime) -> Policy:
    return Policy(account_id=account_id, policy_id=document["id"], name=document.get("name"),
                  description=document.get("description") or document.get("comment"),
                  format_version=str(document["version"]), document=document,
                  revision=canonical_revision(document), active=False, created_at=now,
                  updated_at=now)


def install_default_policy(session: Session, *, account_id: int, now: datetime) -> Policy:
    """Give a new account Anchore's default policy, active (as Anchore does)."""
    record = q.save_policy(session, policy=_new_record(account_id, default_policy_document(),
                                                       now))
    assert record.id is not None
    q.set_active(session, account_id=account_id, policy_pk=record.id)
    record.active = True
    return record


def add_policy(db: Database, scope: Scope, document: Any, *, activate: bool = False) -> Policy:
    """Store a policy (a new one, or a new revision of one with the same id). Invalid
    documents are refused with every problem listed; nothing is stored."""
    scope.require_write()
    result = validate_document(document)
    if not result.valid:
        raise PolicyInvalidError(
            f"policy is invalid ({len(result.problems)} problem"
            f"{'s' if len(result.problems) != 1 else ''}): "
            + "; ".join(p.details for p in result.problems if p.severity == "error"),
            list(result.problems))
    document = dict(document)
    document.setdefault("id", str(uuid.uuid4()))
    if not isinstance(document["id"], str) or not document["id"]:
        raise InvalidInputError("policy id must be a non-empty string")
    now = datetime.now(UTC)
    with db.transaction() as session:
        record = q.get_policy(session, account_id=scope.account_id,
                              policy_id=document["id"])
        if record is None:
            record = _new_record(scope.account_id, document, now)
            record.active = q.get_active_policy(session, account_id=scope.account_id) is None
        else:
            fresh = _new_record(scope.account_id, document, now)
            for name in ("name", "description", "format_version", "document", "revision"):
                setattr(record, name, getattr(fresh, name))
            record.updated_at = now
        q.save_policy(session, policy=record)
        assert record.id is not None
        if activate or record.active:
            q.set_active(session, account_id=scope.account_id, policy_pk=record.id)
            record.active = True
        return record


def list_policies(db: Database, scope: Scope) -> list[Policy]:
    with db.read() as session:
        return q.list_policies(session, account_id=scope.account_id)


def resolve_policy(session: Session, scope: Scope, id_or_name: str | None) -> Policy:
    """By id, else by name (which must be unique), else the active policy when None."""
    if id_or_name is None:
        record = q.get_active_policy(session, account_id=scope.account_id)
        if record is None:
            raise NotFoundError(f"account '{scope.account_name}' has no active policy")
        return record
    record = q.get_policy(session, account_id=scope.account_id, policy_id=id_or_name)
    if record is not None:
        return record
    named = q.find_policies_by_name(session, account_id=scope.account_id, name=id_or_name)
    if len(named) == 1:
        return named[0]
    if len(named) > 1:
        raise InvalidInputError(f"{len(named)} policies are named '{id_or_name}': use an id "
                                f"({', '.join(p.policy_id for p in named)})")
    raise NotFoundError(f"policy '{id_or_name}' not found")


def get_policy(db: Database, scope: Scope, id_or_name: str | None = None) -> Policy:
    with db.read() as session:
        return resolve_policy(session, scope, id_or_name)


def activate_policy(db: Database, scope: Scope, id_or_name: str) -> Policy:
    scope.require_write()
    with db.transaction() as session:
        record = resolve_policy(session, scope, id_or_name)
        assert record.id is not None
        q.set_active(session, account_id=scope.account_id, policy_pk=record.id)
        record.active = True
        return record


def delete_policy(db: Database, scope: Scope, id_or_name: str) -> None:
    """Delete a policy and its stored evaluations; the active policy cannot be deleted."""
    scope.require_write()
    with db.transaction() as session:
        record = resolve_policy(session, scope, id_or_name)
        if record.active:
            raise InvalidInputError(f"policy '{record.policy_id}' is the active policy: "
                                    "activate another one before deleting it")
        q.delete_policy(session, policy=record)


def gate_catalogue() -> list[dict[str, Any]]:
    """Every gate, trigger and parameter the engine knows (`describe_gates`)."""
    return describe_gates()


def document_v2(policy: Policy) -> dict[str, Any]:
    """A stored policy's document in the v2 shape (rule_sets, allowlists, mappings...),
    whichever format it was submitted in; the stored document when it cannot be read."""
    doc, _problems = read_document(policy.document)
    return write_document(doc, V2) if doc is not None else dict(policy.document)
