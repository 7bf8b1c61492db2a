"""Builders for small OSV records in tests."""

from __future__ import annotations

from typing import Any

from app.vulns.osv import Record, parse_record


def osv(rid: str, ecosystem: str, name: str, *events: tuple[str, str],
        range_type: str = "ECOSYSTEM", versions: list[str] | None = None,
        aliases: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    """One OSV record (as decoded JSON) with one affected entry and one range."""
    affected: dict[str, Any] = {
        "package": {"ecosystem": ecosystem, "name": name},
        "ranges": [{"type": range_type, "events": [{k: v} for k, v in events]}] if events else [],
    }
    if versions is not None:
        affected["versions"] = versions
    return {
        "id": rid,
        "modified": "2024-01-01T00:00:00Z",
        "published": "2023-06-01T12:00:00Z",
        "aliases": aliases or [],
        "affected": [affected],
        **extra,
    }


def record(*args: Any, **kwargs: Any) -> Record:
    return parse_record(osv(*args, **kwargs))
