"""`vulnerabilities`: the image's vulnerability matches and the state of the feeds behind them.

The `package` rule runs over every match of an image (tens of thousands for big images), so
its parameters are read once per rule, the matches are classified once per evaluation, and a
match is dropped by the first test it fails, in Anchore's order.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.engine.facts import Cvss, VulnerabilityMatch
from app.engine.gate import Args, Firing, Gate, Scope, TriggerError
from app.engine.params import BoolParam, EnumParam, FloatParam, IntParam, ListParam, RegexParam

SEVERITIES = ("unknown", "negligible", "low", "medium", "high", "critical")
_SEVERITY_INDEX = {name: index for index, name in enumerate(SEVERITIES)}
COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq, "!=": operator.ne, "<": operator.lt, ">": operator.gt,
    "<=": operator.le, ">=": operator.ge,
}
_DAY = 86400
_NO_SCORES = (-1.0, -1.0, -1.0)


@dataclass(frozen=True, slots=True)
class Row:
    """A match with what every rule asks of it first, worked out once per evaluation."""

    match: VulnerabilityMatch
    severity: int  # index in SEVERITIES; -1 when the match's severity is not one of them
    non_os: bool
    fixed_in: str | None  # the fix versions as Anchore prints them, None without a fix


@dataclass(frozen=True, slots=True)
class Vulnerabilities:
    scope: Scope
    rows: tuple[Row, ...]


def prepare(scope: Scope) -> Vulnerabilities:
    severities: dict[str, int] = {}
    classes: dict[str, bool] = {}
    rows = []
    for match in scope.facts.vulnerabilities:
        severity = severities.get(match.severity)
        if severity is None:
            # An empty severity counts as unknown, as in Anchore.
            severity = _SEVERITY_INDEX.get(match.severity.lower(), -1) if match.severity else 0
            severities[match.severity] = severity
        non_os = classes.get(match.package_type)
        if non_os is None:
            non_os = classes[match.package_type] = not match.is_os
        fixes = match.fix_versions
        fixed_in = (", ".join([v for v in fixes if v]) or None) if fixes else None
        rows.append(Row(match, severity, non_os, fixed_in))
    return Vulnerabilities(scope, tuple(rows))


gate = Gate("vulnerabilities", "CVE/Vulnerability checks.", prepare=prepare)


def _epoch_seconds(moment: datetime) -> int:
    """Whole seconds since the epoch (Anchore truncates with calendar.timegm); naive is UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return math.floor(moment.timestamp())


def _utc_date(moment: datetime) -> str:
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.date().isoformat()


def _v3_maxima(scores: tuple[Cvss, ...]) -> tuple[float, float, float]:
    """The highest CVSS v3 base, exploitability and impact scores; -1.0 each when none."""
    found = None
    for s in scores:
        if s.version.startswith("3"):
            if found is None:
                found = [s.base_score, s.exploitability_score, s.impact_score]
                continue
            if s.base_score > found[0]:
                found[0] = s.base_score
            if s.exploitability_score > found[1]:
                found[1] = s.exploitability_score
            if s.impact_score > found[2]:
                found[2] = s.impact_score
    return _NO_SCORES if found is None else (found[0], found[1], found[2])


def _trigger_key(match: VulnerabilityMatch, non_os: bool) -> str:
    """The package part of the trigger id: Anchore's `trigger_fname`."""
    if not non_os:
        return match.package_name
    key = None
    parts = match.package_location.split("/") if match.package_location else []
    if match.package_type in ("java", "gem"):
        key = parts[-1] if parts else None
    elif match.package_type == "npm":
        key = parts[-2] if len(parts) >= 2 else None
    return key or f"{match.package_name}-{match.package_version}"


ScoreCheck = tuple[int, str, Callable[..., bool], float]


def _score_checks(args: Args, prefix: str) -> list[ScoreCheck]:
    """(score index, parameter name, comparison, threshold) for each score param set."""
    checks = []
    for index, score in enumerate(("base_score", "exploitability_score", "impact_score")):
        name = f"{prefix}cvss_v3_{score}"
        threshold = args.get(name)
        if threshold is not None:
            checks.append((index, name, COMPARISONS[args.get(name + "_comparison", ">=")],
                           threshold))
    return checks


def _passing(checks: list[ScoreCheck], found: tuple[float, float, float]
             ) -> list[tuple[str, float]] | None:
    """The (name, score) of each check, or None when one of them fails."""
    matched = []
    for index, name, compare, threshold in checks:
        if not compare(found[index], threshold):
            return None
        matched.append((name, found[index]))
    return matched


def _score_message(found: list[tuple[str, float]]) -> str:
    # Anchore prints a score when it is truthy: -1.0 prints, 0.0 does not.
    parts = [f"{name}={value}" for name, value in found if value]
    return f"({' '.join(parts)})" if parts else ""


def _comparison(name: str, what: str, default: str) -> EnumParam:
    return EnumParam(name, f"The type of comparison to perform for {what} evaluation "
                     f"(default '{default}').", ">", values=tuple(COMPARISONS))


PACKAGE_PARAMS = (
    EnumParam("package_type", "Only trigger for specific package type: 'os' for distro "
              "packages, 'non-os' for language and binary packages, or 'all'.", "all", True,
              values=("all", "os", "non-os")),
    _comparison("severity_comparison", "severity", ">"),
    EnumParam("severity", "Severity to compare against (default 'unknown').", "high",
              values=SEVERITIES),
    _comparison("cvss_v3_base_score_comparison", "CVSS v3 base score", ">="),
    FloatParam("cvss_v3_base_score", "CVSS v3 base score (NVD) to compare against.", "5.0"),
    _comparison("cvss_v3_exploitability_score_comparison",
                "CVSS v3 exploitability sub score", ">="),
    FloatParam("cvss_v3_exploitability_score",
               "CVSS v3 exploitability sub score (NVD) to compare against.", "5.0"),
    _comparison("cvss_v3_impact_score_comparison", "CVSS v3 impact sub score", ">="),
    FloatParam("cvss_v3_impact_score", "CVSS v3 impact sub score (NVD) to compare against.",
               "5.0"),
    BoolParam("fix_available", "If present, the fix availability for the vulnerability record "
              "must match the value of this parameter.", "true"),
    BoolParam("vendor_only", "If true (the default), skip vulnerabilities the vendor has "
              "marked as won't fix.", "true"),
    IntParam("max_days_since_creation", "If provided, the vulnerability must have been "
             "detected in the image at least this many days ago to trigger.", "7"),
    IntParam("max_days_since_fix", "If provided (only evaluated when fix_available is also "
             "set to true), the fix must have been first observed at least this many days "
             "ago to trigger.", "30"),
    _comparison("vendor_cvss_v3_base_score_comparison", "vendor CVSS v3 base score", ">="),
    FloatParam("vendor_cvss_v3_base_score", "Vendor CVSS v3 base score to compare against.",
               "5.0"),
    _comparison("vendor_cvss_v3_exploitability_score_comparison",
                "vendor CVSS v3 exploitability sub score", ">="),
    FloatParam("vendor_cvss_v3_exploitability_score",
               "Vendor CVSS v3 exploitability sub score to compare against.", "5.0"),
    _comparison("vendor_cvss_v3_impact_score_comparison", "vendor CVSS v3 impact sub score",
                ">="),
    FloatParam("vendor_cvss_v3_impact_score",
               "Vendor CVSS v3 impact sub score to compare against.", "5.0"),
    RegexParam("package_path_exclude", "A regular expression matched against the start of a "
               "non-os package's path; matching packages are skipped.", r".*test\.jar*"),
)


@gate.trigger("package", "Triggers if a found vulnerability in an image meets the comparison "
              "criteria.", PACKAGE_PARAMS)
def package(view: Vulnerabilities, args: Args) -> Iterator[Firing]:
    wanted = args.get("package_type")
    only_os, only_non_os = wanted == "os", wanted == "non-os"
    severity_ok = COMPARISONS[args.get("severity_comparison", ">")]
    severity_limit = _SEVERITY_INDEX[args.get("severity", "unknown")]
    exclude = args.get("package_path_exclude")
    excluded = re.compile(exclude).match if exclude is not None else None
    vendor_only = args.get("vendor_only", True)
    fix_available = args.get("fix_available")
    now = view.scope.now.timestamp()
    creation_days = args.get("max_days_since_creation")
    created_before = now - creation_days * _DAY if creation_days is not None else None
    fix_days = args.get("max_days_since_fix")
    fixed_before = now - fix_days * _DAY if fix_days is not None and fix_available else None
    nvd_checks = _score_checks(args, "")
    vendor_checks = _score_checks(args, "vendor_")

    for row in view.rows:
        non_os = row.non_os
        if (only_os and non_os) or (only_non_os and not non_os):
            continue
        m = row.match
        if row.severity < 0:
            raise TriggerError(f"vulnerability {m.vulnerability_id} has an unknown severity "
                               f"{m.severity!r}; expected one of {', '.join(SEVERITIES)}")
        if not severity_ok(row.severity, severity_limit):
            continue
        if excluded is not None and non_os and excluded(m.package_location) is not None:
            continue
        if vendor_only and m.will_not_fix:
            continue
        fixed_in = row.fixed_in
        times = []
        if created_before is not None:
            if m.detected_at is None:
                raise TriggerError(f"vulnerability {m.vulnerability_id} in "
                                   f"{m.package_name} has no detection time")
            if _epoch_seconds(m.detected_at) > created_before:
                continue
            times.append(f"max_days_since_creation={_utc_date(m.detected_at)}")
        if fixed_before is not None and fixed_in is not None and m.fix_observed_at:
            if _epoch_seconds(m.fix_observed_at) > fixed_before:
                continue
            times.append(f"max_days_since_fix={_utc_date(m.fix_observed_at)}")
        scores = ""
        if nvd_checks:
            matched = _passing(nvd_checks, _v3_maxima(m.cvss if m.is_nvd else m.nvd_cvss))
            if matched is None:
                continue
            scores = _score_message(matched)
        if fix_available is not None and fix_available != (fixed_in is not None):
            continue
        vendor_scores = ""
        if vendor_checks:
            matched = _passing(vendor_checks, _NO_SCORES if m.is_nvd else _v3_maxima(m.cvss))
            if matched is None:
                continue
            vendor_scores = _score_message(matched)
        fix = f"(fixed in: {fixed_in})" if fixed_in else ""
        time = f"({' '.join(times)})" if times else ""
        yield Firing(
            f"{m.severity.upper()} Vulnerability found in {'non-os' if non_os else 'os'} "
            f"package type ({m.package_type}) - "
            f"{m.package_location if non_os else m.package_name} "
            f"{fix}{scores}{time}{vendor_scores}({m.vulnerability_id} - {m.link})",
            instance_id=f"{m.vulnerability_id}+{_trigger_key(m, non_os)}")


@gate.trigger(
    "stale_feed_data",
    "Triggers if the CVE data for the image's distro is older than the window specified by "
    "the parameter MAXAGE (unit is number of days).",
    [IntParam("max_days_since_sync", "Fire the trigger if the last sync was more than this "
              "number of days ago.", "10", True)],
)
def stale_feed_data(view: Vulnerabilities, args: Args) -> Iterator[Firing]:
    max_age = args.get("max_days_since_sync")
    distro = view.scope.image.distro
    groups = view.scope.facts.feeds.groups
    last_sync = None
    if distro is not None:
        # As Anchore: the last of the distro's namespaces that has a feed group decides.
        for namespace in distro.like_namespaces:
            group = groups.get(namespace)
            if group is not None:
                last_sync = group.last_sync
    message = f"The vulnerability feed for this image distro is older than MAXAGE ({max_age}) days"
    try:
        if last_sync is None or (
                _epoch_seconds(last_sync) < view.scope.now.timestamp() - max_age * _DAY):
            yield Firing(message)
    except (TypeError, ValueError, OverflowError, AttributeError) as err:
        yield Firing(f"Cannot perform data feed up-to-date check - message from server: {err}")


@gate.trigger(
    "vulnerability_data_unavailable",
    "Triggers if vulnerability data is unavailable for the image's distro packages such as "
    "rpms or dpkg. Non-OS packages like npms and java are not considered in this evaluation.",
)
def vulnerability_data_unavailable(view: Vulnerabilities, args: Args) -> Iterator[Firing]:
    distro = view.scope.image.distro
    groups = view.scope.facts.feeds.groups
    if distro is not None and any(ns in groups for ns in distro.like_namespaces):
        return
    # Anchore prints its image's distro_namespace: None unless both name and version are set.
    namespace = distro.namespace if distro is not None and distro.name and distro.version \
        else None
    yield Firing(f"Distro-specific feed data not found for distro namespace: {namespace}. "
                 "Cannot perform CVE scan OS/distro packages")


@gate.trigger(
    "blacklist",
    "Triggers if any of a list of specified vulnerabilities has been detected in the image.",
    [
        ListParam("vulnerability_ids", "List of vulnerability IDs, will cause the trigger to "
                  "fire if any are detected.", "CVE-2019-1234", True),
        BoolParam("vendor_only", "If set to True (the default), discard matches against this "
                  "vulnerability if vendor has marked as will not fix in the vulnerability "
                  "record.", "true"),
    ],
    aliases=("denylist",),
)
def blacklist(view: Vulnerabilities, args: Args) -> Iterator[Firing]:
    vendor_only = args.get("vendor_only", True)
    present = {row.match.vulnerability_id for row in view.rows
               if not (vendor_only and row.match.will_not_fix)}
    found = [vid for vid in args.get("vulnerability_ids") if vid in present]
    if found:
        # Python's list repr, as Anchore formats it: ['CVE-1', 'CVE-2'].
        yield Firing(f"Blacklisted vulnerabilities detected: {found}")
