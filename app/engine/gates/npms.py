"""`npms`: the image's npm packages against the npm packages feed."""

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
    return feed_packages(scope, "npm", scope.facts.feeds.npm_packages, "npm")


gate = Gate("npms", "NPM Checks", prepare=prepare)


@gate.trigger("newer_version_in_feed", "Triggers if an installed NPM is not the latest version "
              "according to NPM data feed.")
def newer_version_in_feed(view: FeedPackages, args: Args) -> Iterator[Firing]:
    for name, version, latest in not_latest(view):
        yield Firing(f"NPMNOTLATEST Package ({name}) version ({version}) installed but is not "
                     f"the latest version ({latest})")


@gate.trigger("unknown_in_feeds", "Triggers if an installed NPM is not in the official NPM "
              "database, according to NPM data feed.")
def unknown_in_feeds(view: FeedPackages, args: Args) -> Iterator[Firing]:
    for name in not_in_feed(view):
        yield Firing(f"NPMNOTOFFICIAL Package ({name}) in container but not in official NPM "
                     "feed.")


@gate.trigger("version_not_in_feeds", "Triggers if an installed NPM version is not listed in "
              "the official NPM feed as a valid version.")
def version_not_in_feeds(view: FeedPackages, args: Args) -> Iterator[Firing]:
    for name, version, versions in bad_versions(view):
        yield Firing(f"NPMBADVERSION Package ({name}) version ({version}) installed but version "
                     f"is not in the official feed for this package ({versions})")


@gate.trigger(
    "blacklisted_name_version",
    "Triggers if the evaluated image has an NPM package installed that matches the name and "
    "optionally a version specified in the parameters.",
    [
        StringParam("name", "Npm package name to deny.", "time_diff", True),
        StringParam("version", "Npm package version to deny specifically.", "0.2.9"),
    ],
)
def blacklisted_name_version(view: FeedPackages, args: Args) -> Iterator[Firing]:
    found = denied(view, args.get("name"), args.get("version"))
    if found:
        yield Firing(f"NPM Package is blacklisted: {found}")


@gate.trigger("feed_data_unavailable", "Triggers if the engine does not have access to the NPM "
              "data feed.")
def feed_data_unavailable(view: FeedPackages, args: Args) -> Iterator[Firing]:
    # As Anchore: fires whenever the feed has not been synced, npm packages present or not.
    if not view.feed_synced:
        yield Firing("NPM packages are present but the anchore npm feed is not available - will "
                     "be unable to perform checks that require feed data")
