"""`ruby_gems`: the image's gems against the gem packages feed."""

from __future__ import annotations

from collections.abc import Iterator

from app.engine.gate import Args, Firing, Gate, Scope
from app.engine.gates.package_feed import (
    FeedPackages,
    bad_versions,
    denied,
    feed_packages,
    not_in_feed,
    not_latest,
)
from app.engine.params import StringParam


def prepare(scope: Scope) -> FeedPackages:
    return feed_packages(scope, "gem", scope.facts.feeds.gem_packages, "gem")


gate = Gate("ruby_gems", "Ruby Gem Checks", prepare=prepare)


@gate.trigger("newer_version_found_in_feed", "Triggers if an installed GEM is not the latest "
              "version according to GEM data feed.")
def newer_version_found_in_feed(view: FeedPackages, args: Args) -> Iterator[Firing]:
    for name, version, latest in not_latest(view):
        # No GEMNOTLATEST prefix: Anchore's message has none.
        yield Firing(f"Package ({name}) version ({version}) installed but is not the latest "
                     f"version ({latest})")


@gate.trigger("not_found_in_feed", "Triggers if an installed GEM is not in the official GEM "
              "database, according to GEM data feed.")
def not_found_in_feed(view: FeedPackages, args: Args) -> Iterator[Firing]:
    for name in not_in_feed(view):
        yield Firing(f"GEMNOTOFFICIAL Package ({name}) in container but not in official GEM "
                     "feed.")


@gate.trigger("version_not_found_in_feed", "Triggers if an installed GEM version is not listed "
              "in the official GEM feed as a valid version.")
def version_not_found_in_feed(view: FeedPackages, args: Args) -> Iterator[Firing]:
    for name, version, versions in bad_versions(view):
        yield Firing(f"GEMBADVERSION Package ({name}) version ({version}) installed but version "
                     f"is not in the official feed for this package ({versions})")


@gate.trigger(
    "blacklist",
    "Triggers if the evaluated image has a GEM package installed that matches the specified "
    "name and version.",
    [
        StringParam("name", "Gem name to deny.", "time_diff", True),
        StringParam("version", "Optional version to deny specifically.", "0.2.9"),
    ],
)
def blacklist(view: FeedPackages, args: Args) -> Iterator[Firing]:
    found = denied(view, args.get("name"), args.get("version"))
    if found:
        yield Firing(f"Gem Package is blacklisted: {found}")


@gate.trigger("feed_data_unavailable", "Triggers if anchore does not have access to the GEM "
              "data feed.")
def feed_data_unavailable(view: FeedPackages, args: Args) -> Iterator[Firing]:
    # As Anchore: fires whenever the feed has not been synced, gems present or not.
    if not view.feed_synced:
        yield Firing("Gem packages are present but the anchore gem feed is not available - will "
                     "be unable to perform checks that require feed data")
