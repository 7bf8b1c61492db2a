"""What the `npms` and `ruby_gems` gates share: the image's packages of one type, grouped by
name, beside the packages-feed records of those names (Anchore's legacy "packages" feed)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from app.engine.facts import PackageMetadata
from app.engine.gate import Scope


@dataclass(frozen=True, slots=True)
class FeedPackages:
    # name -> installed versions, in image order (a version installed twice appears twice)
    installed: dict[str, list[str]]
    # the feed records of the installed names; empty when the feed knows none of them
    matched: dict[str, PackageMetadata]
    feed_synced: bool  # the feed group has been synced at least once


def feed_packages(scope: Scope, package_type: str, feed: Mapping[str, PackageMetadata],
                  group: str) -> FeedPackages:
    installed: dict[str, list[str]] = {}
    for pkg in scope.image.packages:
        if pkg.type == package_type:
            installed.setdefault(pkg.name, []).append(pkg.version)
    matched = {name: feed[name] for name in installed if name in feed}
    synced = scope.facts.feeds.groups.get(group)
    return FeedPackages(installed, matched, bool(synced and synced.last_sync))


def not_latest(view: FeedPackages) -> list[tuple[str, str, str]]:
    """(name, version, latest) for each installed version of a feed package that is not the
    feed's latest. Nothing when either side is empty, as in Anchore."""
    if not view.matched or not view.installed:
        return []
    return [(name, v, view.matched[name].latest) for name, versions in view.installed.items()
            if name in view.matched for v in versions if v and v != view.matched[name].latest]


def not_in_feed(view: FeedPackages) -> list[str]:
    if not view.matched or not view.installed:
        return []
    return [name for name in view.installed if name not in view.matched]


def bad_versions(view: FeedPackages) -> list[tuple[str, str, str]]:
    """(name, version, the feed's versions as Anchore prints them) for each distinct installed
    version the feed does not list. Anchore iterates a set here (arbitrary order); this takes
    image order."""
    if not view.matched or not view.installed:
        return []
    out = []
    for name, versions in view.installed.items():
        meta = view.matched.get(name)
        if meta is None:
            continue
        known = set(meta.versions)
        listing = str(list(meta.versions))  # the Python list repr of versions_json
        for v in dict.fromkeys(versions):
            if v not in known:
                out.append((name, v, listing))
    return out


def denied(view: FeedPackages, name: str, version: str | None) -> str | None:
    """The 'name' or 'name-version' a deny rule names, when it is installed."""
    if not view.installed or name not in view.installed:
        return None
    if version is None:
        return name
    if version and version in view.installed[name]:
        return f"{name}-{version}"
    return None
