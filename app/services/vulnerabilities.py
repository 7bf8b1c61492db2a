"""An image's vulnerabilities: matched from the stored feeds, or attached from Grype; and
what the engine reads of them."""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from app.catalog import vulnerabilities as q
from app.catalog.db import Database
from app.catalog.models import Image, ImageVulnerability
from app.engine import Cvss, FeedGroup, FeedState, VulnerabilityMatch
from app.engine.facts import NON_OS_PACKAGE_TYPES
from app.engine.timestamps import iso
from app.errors import InvalidInputError
from app.services.accounts import Scope

if TYPE_CHECKING:
    from app.analysis import ImageAnalysis
    from app.vulns import matcher

# app.vulns is imported where records are matched or versions compared: a check that reuses
# its stored evaluation (the CI gate's common case) never loads it.

OSV_LINK = "https://osv.dev/vulnerability/"


def _packages(analysis: ImageAnalysis) -> list[matcher.Package]:
    from app.vulns import matcher

    return [matcher.Package(name=p.name, version=p.version, type=p.type, source=p.source,
                            purl=p.purl, location=p.location) for p in analysis.packages]


def _distro(analysis: ImageAnalysis) -> matcher.Distro | None:
    from app.vulns import matcher

    d = analysis.distro
    return matcher.Distro(d.id, d.version_id) if d else None


def _cvss(scores: Iterable[Any]) -> list[dict[str, Any]]:
    return [{"version": s.version, "vector": s.vector, "base_score": s.base_score,
             "exploitability_score": -1.0 if s.exploitability_score is None
             else s.exploitability_score,
             "impact_score": -1.0 if s.impact_score is None else s.impact_score}
            for s in scores]


def match_rows(session: Session, analysis: ImageAnalysis) -> list[dict[str, Any]]:
    """The image's matches against the stored records (without detection times)."""
    from app.vulns import matcher
    from app.vulns.osv import parse_record

    packages, distro = _packages(analysis), _distro(analysis)
    documents = q.record_documents(session, names=matcher.lookup_names(packages, distro))
    index = matcher.Index(parse_record(json.loads(zlib.decompress(d))) for d in documents)
    rows = []
    for m in index.match(packages, distro):
        scores = _cvss(m.cvss)
        rows.append({
            "vulnerability_id": m.vulnerability_id, "aliases": list(m.aliases),
            "severity": m.severity, "package_name": m.package.name,
            "package_version": m.package.version, "package_type": m.package.type,
            "package_location": m.package.location or "", "link": m.link,
            "feed_group": m.feed_group, "cvss": scores,
            # OSV records carry the NVD (or GHSA) scores themselves; there is no separate
            # NVD feed, so they serve as both.
            "nvd_cvss": scores, "fix_versions": list(m.fix_versions), "will_not_fix": False,
            "published": m.published, "source": "osv"})
    return rows


def _key(row: dict[str, Any]) -> tuple[str, str, str, str]:
    return (row["vulnerability_id"], row["package_name"], row["package_version"],
            row["package_location"])


def _stored_key(row: ImageVulnerability) -> tuple[str, str, str, str]:
    return row.vulnerability_id, row.package_name, row.package_version, row.package_location


def store_matches(session: Session, image: Image, rows: list[dict[str, Any]],
                  now: datetime) -> bool:
    """Replace the image's matches, keeping when each was first detected and when its fix
    was first observed. True when the set of matches changed."""
    assert image.id is not None
    old = {_stored_key(v): v for v in q.image_vulnerabilities(session, image_pk=image.id)}
    for row in rows:
        before = old.get(_key(row))
        row["detected_at"] = before.detected_at if before else now
        if before is not None and before.fix_versions:
            row["fix_observed_at"] = before.fix_observed_at
        else:
            row["fix_observed_at"] = now if row["fix_versions"] else None
    digest = hashlib.sha256(json.dumps(sorted(
        [[*_key(r), r["severity"], r["fix_versions"]] for r in rows]),
        default=str).encode()).hexdigest()
    q.replace_image_vulnerabilities(session, image_pk=image.id, rows=rows)
    changed = digest != image.vulns_hash
    image.vulns_hash = digest
    session.add(image)
    return changed


def match_image(session: Session, image: Image, analysis: ImageAnalysis,
                now: datetime) -> bool:
    """Match an image against the feeds (images with a Grype report keep theirs)."""
    if image.vulns_source == "grype":
        return False
    return store_matches(session, image, match_rows(session, analysis), now)


# ------------------------------------------------------------------------------ Grype


def _grype_severity(word: str) -> str:
    word = (word or "").lower()
    return word if word in ("negligible", "low", "medium", "high", "critical") else "unknown"


def _grype_cvss(items: Any) -> list[dict[str, Any]]:
    out = []
    for item in items or []:
        metrics = item.get("metrics") or {}
        out.append({"version": str(item.get("version", "")), "vector": item.get("vector", ""),
                    "base_score": float(metrics.get("baseScore", -1.0)),
                    "exploitability_score": float(metrics.get("exploitabilityScore", -1.0)),
                    "impact_score": float(metrics.get("impactScore", -1.0))})
    return out


def grype_rows(document: Any, source: str = "grype report") -> list[dict[str, Any]]:
    """Grype's `-o json` matches as rows, used as they are."""
    if not isinstance(document, dict) or not isinstance(document.get("matches"), list):
        raise InvalidInputError(f"{source}: not a Grype JSON report (no 'matches' list)")
    rows, seen = [], set()
    for i, match in enumerate(document["matches"]):
        try:
            vuln, artifact = match["vulnerability"], match["artifact"]
            fix = vuln.get("fix") or {}
            locations = artifact.get("locations") or []
            nvd = [c for related in match.get("relatedVulnerabilities") or []
                   if str(related.get("namespace", "")).startswith("nvd")
                   for c in _grype_cvss(related.get("cvss"))]
            row = {
                "vulnerability_id": str(vuln["id"]),
                "aliases": [str(r["id"]) for r in match.get("relatedVulnerabilities") or []
                            if r.get("id") and r.get("id") != vuln["id"]],
                "severity": _grype_severity(vuln.get("severity", "")),
                "package_name": str(artifact["name"]),
                "package_version": str(artifact["version"]),
                "package_type": {"deb": "dpkg", "java-archive": "java", "go-module": "go",
                                 "python": "python"}.get(artifact.get("type", ""),
                                                         str(artifact.get("type", ""))),
                "package_location": str(locations[0].get("path", "")) if locations else "",
                "link": str(vuln.get("dataSource") or ""),
                "feed_group": str(vuln.get("namespace", "")),
                "cvss": _grype_cvss(vuln.get("cvss")), "nvd_cvss": nvd,
                "fix_versions": [str(v) for v in fix.get("versions") or []],
                "will_not_fix": fix.get("state") == "wont-fix", "published": None,
                "source": "grype"}
        except (KeyError, TypeError, AttributeError, ValueError) as err:
            raise InvalidInputError(f"{source}: matches[{i}] is not a Grype match: "
                                    f"{type(err).__name__}: {err}") from None
        if _key(row) not in seen:  # grype lists one match per matcher; keep one
            seen.add(_key(row))
            rows.append(row)
    return rows


def attach_grype(db: Database, scope: Scope, ref: str, report: str | Path) -> int:
    """Use a Grype JSON report as the image's vulnerabilities (feed imports then leave
    them alone). Returns how many matches were stored."""
    from app.services.images import resolve_image

    scope.require_write()
    path = Path(report)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise InvalidInputError(f"{path}: cannot read a Grype report: {err}") from None
    rows = grype_rows(document, str(path))
    with db.transaction() as session:
        image, _ = resolve_image(session, scope, ref)
        image.vulns_source = "grype"
        store_matches(session, image, rows, datetime.now(UTC))
    return len(rows)


# Anchore's vulnerability types (GET /v1/images/{digest}/vuln/{type}).
VULN_TYPES = ("os", "non-os", "all")


def image_vulnerabilities(db: Database, scope: Scope, ref: str, *, vuln_type: str = "all",
                          vendor_only: bool = True) -> tuple[Image, list[ImageVulnerability]]:
    """An image's stored matches of one type (`os`, `non-os` or `all`); `vendor_only` leaves
    out what the vendor will not fix, as Anchore's vuln views do."""
    from app.services.images import resolve_image

    if vuln_type not in VULN_TYPES:
        raise InvalidInputError(f"vulnerability type must be one of {', '.join(VULN_TYPES)}, "
                                f"not {vuln_type!r}")
    with db.read() as session:
        image, _ = resolve_image(session, scope, ref)
        assert image.id is not None
        rows = []
        for row in q.image_vulnerabilities(session, image_pk=image.id):
            is_os = row.package_type.lower() not in NON_OS_PACKAGE_TYPES
            if vuln_type != "all" and is_os != (vuln_type == "os"):
                continue
            if vendor_only and row.will_not_fix:
                continue
            rows.append(row)
        return image, rows


def vulnerability_listing(db: Database, scope: Scope, ref: str, *, vuln_type: str = "all",
                          vendor_only: bool = True) -> tuple[Image, list[dict[str, Any]]]:
    """An image's stored matches of one type as Anchore's vuln view lists them (the REST
    answer and the CLI's JSON are this list)."""
    image, rows = image_vulnerabilities(db, scope, ref, vuln_type=vuln_type,
                                        vendor_only=vendor_only)
    rows.sort(key=lambda r: (r.package_name, r.package_version, r.vulnerability_id))
    return image, [vulnerability_record(r) for r in rows]


def vulnerability_record(row: ImageVulnerability) -> dict[str, Any]:
    """One match as Anchore's vuln view lists it (the fields anchore-cli reads, and more)."""
    scores = [{"base_score": c.get("base_score", -1.0),
               "exploitability_score": c.get("exploitability_score", -1.0),
               "impact_score": c.get("impact_score", -1.0)} for c in row.cvss or []]
    return {
        "vuln": row.vulnerability_id, "package": f"{row.package_name}-{row.package_version}",
        "package_name": row.package_name, "package_version": row.package_version,
        "package_type": row.package_type, "package_path": row.package_location or "pkgdb",
        "severity": row.severity.capitalize(),
        "fix": ", ".join(row.fix_versions) if row.fix_versions else "None",
        "url": row.link, "feed": row.source, "feed_group": row.feed_group,
        "will_not_fix": row.will_not_fix,
        "nvd_data": [{"id": alias, "cvss_v3": scores[0] if scores else {}}
                     for alias in [row.vulnerability_id, *row.aliases]
                     if alias.startswith("CVE-")],
        "vendor_data": [], "detected_at": iso(row.detected_at),
    }


# ----------------------------------------------------------------- for the engine


def engine_matches(rows: Iterable[ImageVulnerability]) -> tuple[VulnerabilityMatch, ...]:
    def scores(items: list[dict[str, Any]]) -> tuple[Cvss, ...]:
        return tuple(Cvss(str(c.get("version", "")), float(c.get("base_score", -1.0)),
                          float(c.get("exploitability_score", -1.0)),
                          float(c.get("impact_score", -1.0))) for c in items or [])

    return tuple(VulnerabilityMatch(
        vulnerability_id=r.vulnerability_id, severity=r.severity, package_name=r.package_name,
        package_version=r.package_version, package_type=r.package_type,
        package_location=r.package_location,
        link=r.link or OSV_LINK + r.vulnerability_id, feed_group=r.feed_group,
        cvss=scores(r.cvss), nvd_cvss=scores(r.nvd_cvss), fix_versions=tuple(r.fix_versions),
        will_not_fix=r.will_not_fix, fix_observed_at=r.fix_observed_at,
        detected_at=r.detected_at) for r in rows)


def feed_state(session: Session, image: Image) -> FeedState:
    """The feed groups, each under its OSV name, and the image's distro feed also under the
    image's own namespace (`debian:12`), which is where the feed gates look."""
    groups = {g.name: FeedGroup(g.name, g.last_sync, g.record_count)
              for g in q.feed_groups(session)}
    if image.distro:
        from app.vulns import matcher

        key = matcher.distro_ecosystem(matcher.Distro(image.distro, image.distro_version or ""))
        if key is not None:
            base, release = key
            for name, group in list(groups.items()):
                if group.record_count and matcher.ecosystem_key(name) == (base, release):
                    groups[f"{image.distro}:{image.distro_version}"] = group
                    break
    return FeedState(groups=groups)


def version_comparator(package_type: str, a: str, b: str) -> int:
    """Ecosystem-aware comparison for the engine's packages gate (generic fallback)."""
    ecosystem = {"dpkg": "Debian", "apk": "Alpine", "rpm": "Red Hat", "python": "PyPI",
                 "npm": "npm", "gem": "RubyGems", "java": "Maven", "go": "Go"}.get(
        package_type.lower())
    if ecosystem is not None:
        from app.vulns.versions import UnknownEcosystem, UnparsableVersion, compare

        try:
            return compare(ecosystem, a, b)
        except (UnparsableVersion, UnknownEcosystem):
            pass
    from app.engine.versions import compare_versions

    return compare_versions(a, b)
