"""npms gate: Anchore's vectors (tests/unit/.../gates/test_npms.py)."""

from datetime import timedelta

import pytest

from app.engine import Facts, FeedGroup, FeedState, Package, PackageMetadata
from tests.engine.helpers import NOW, fire, image, messages

FEED = {m.name: m for m in (
    PackageMetadata("yarn", "1.22.10", ("0.1.0", "0.3", "0.5.2", "1.22.10")),
    PackageMetadata("jsonparse", "1.3.1", ("0.0.5", "0.0.4", "0.0.6", "1.1.0", "1.3.1")),
    PackageMetadata("ini", "1.3.5", ("1.3.0", "1.3.5", "1.2.0", "1.2.1")),
)}
NPMS = (
    Package("yarn", "1.22.10", "npm"),
    Package("jsonparse", "1.1.0", "npm"),
    Package("ini", "1.0.0", "npm"),
    Package("unofficial-test", "1.3.1", "npm"),
    Package("rails", "6.0.3.4", "gem"),  # other types are not npms
)
SYNCED = {"npm": FeedGroup("npm", last_sync=NOW - timedelta(days=1))}


def facts(packages=NPMS, feed=FEED, groups=SYNCED) -> Facts:
    return Facts(image(packages=packages), feeds=FeedState(groups=groups, npm_packages=feed))


@pytest.mark.parametrize(("trigger", "params", "expected"), [
    ("newer_version_in_feed", {}, [
        "NPMNOTLATEST Package (jsonparse) version (1.1.0) installed but is not the latest "
        "version (1.3.1)",
        "NPMNOTLATEST Package (ini) version (1.0.0) installed but is not the latest version "
        "(1.3.5)"]),
    ("unknown_in_feeds", {}, [
        "NPMNOTOFFICIAL Package (unofficial-test) in container but not in official NPM feed."]),
    ("version_not_in_feeds", {}, [
        "NPMBADVERSION Package (ini) version (1.0.0) installed but version is not in the "
        "official feed for this package (['1.3.0', '1.3.5', '1.2.0', '1.2.1'])"]),
    ("blacklisted_name_version", {"name": "yarn"}, ["NPM Package is blacklisted: yarn"]),
    ("blacklisted_name_version", {"name": "no-match"}, []),
    ("blacklisted_name_version", {"name": "ini", "version": "1.0.0"},
     ["NPM Package is blacklisted: ini-1.0.0"]),
    ("blacklisted_name_version", {"name": "ini", "version": "2.3.2"}, []),
    ("blacklisted_name_version", {"name": "rails"}, []),
    ("feed_data_unavailable", {}, []),
])
def test_npm_triggers(trigger, params, expected):
    assert messages(fire("npms", trigger, facts(), **params)) == expected


@pytest.mark.parametrize("trigger", ["newer_version_in_feed", "unknown_in_feeds",
                                     "version_not_in_feeds"])
def test_feed_triggers_need_both_sides(trigger):
    assert fire("npms", trigger, facts(feed={})) == []
    assert fire("npms", trigger, facts(packages=())) == []
    # The feed knows none of the installed names: Anchore's matched set is empty, so even
    # unknown_in_feeds stays silent.
    unrelated = {"left-pad": PackageMetadata("left-pad", "1.3.0", ("1.3.0",))}
    assert fire("npms", trigger, facts(feed=unrelated)) == []


def test_versions_installed_twice():
    twice = (Package("ini", "1.0.0", "npm", location="/a/node_modules/ini/package.json"),
             Package("ini", "1.0.0", "npm", location="/b/node_modules/ini/package.json"))
    assert len(fire("npms", "newer_version_in_feed", facts(packages=twice))) == 2
    assert len(fire("npms", "version_not_in_feeds", facts(packages=twice))) == 1


NO_FEED = ("NPM packages are present but the anchore npm feed is not available - will be "
           "unable to perform checks that require feed data")


@pytest.mark.parametrize(("groups", "packages", "expected"), [
    ({}, NPMS, [NO_FEED]),
    ({"npm": FeedGroup("npm")}, NPMS, [NO_FEED]),  # never synced
    (SYNCED, NPMS, []),
    ({}, (), [NO_FEED]),  # sic: Anchore fires without any npm installed
])
def test_feed_data_unavailable(groups, packages, expected):
    assert messages(fire("npms", "feed_data_unavailable",
                         facts(packages=packages, groups=groups))) == expected
