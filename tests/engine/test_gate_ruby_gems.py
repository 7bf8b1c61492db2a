"""ruby_gems gate: Anchore's vectors (tests/unit/.../gates/test_gems.py)."""

from datetime import timedelta

import pytest

from app.engine import Facts, FeedGroup, FeedState, Package, PackageMetadata
from tests.engine.helpers import NOW, fire, image, messages

FEED = {m.name: m for m in (
    PackageMetadata("rails", "6.0.3.4", ("1.0.0", "2.0.1", "3.0.2", "6.0.3.4")),
    PackageMetadata("nokogiri", "1.4.4.1", ("1.0.5", "1.0.6", "1.2.7", "1.4.4.1")),
    PackageMetadata("builder", "3.2.4",
                    ("1.1.0", "1.2.3", "1.2.4", "2.0.0", "2.1.1", "2.1.2", "3.2.4")),
)}
GEMS = (
    Package("rails", "6.0.3.4", "gem"),  # latest and official
    Package("nokogiri", "1.0.5", "gem"),  # official but not latest
    Package("builder", "3.3.rc1", "gem"),  # neither latest nor official
    Package("unoffical_test", "3.0", "gem"),  # not in the feed
    Package("yarn", "1.22.10", "npm"),
)
SYNCED = {"gem": FeedGroup("gem", last_sync=NOW - timedelta(days=1))}


def facts(packages=GEMS, feed=FEED, groups=SYNCED) -> Facts:
    return Facts(image(packages=packages), feeds=FeedState(groups=groups, gem_packages=feed))


@pytest.mark.parametrize(("trigger", "params", "expected"), [
    ("newer_version_found_in_feed", {}, [
        "Package (nokogiri) version (1.0.5) installed but is not the latest version (1.4.4.1)",
        "Package (builder) version (3.3.rc1) installed but is not the latest version (3.2.4)"]),
    ("not_found_in_feed", {}, [
        "GEMNOTOFFICIAL Package (unoffical_test) in container but not in official GEM feed."]),
    ("version_not_found_in_feed", {}, [
        "GEMBADVERSION Package (builder) version (3.3.rc1) installed but version is not in the "
        "official feed for this package (['1.1.0', '1.2.3', '1.2.4', '2.0.0', '2.1.1', '2.1.2', "
        "'3.2.4'])"]),
    ("blacklist", {"name": "rails"}, ["Gem Package is blacklisted: rails"]),
    ("blacklist", {"name": "test-not-present"}, []),
    ("blacklist", {"name": "rails", "version": "6.0.3.4"},
     ["Gem Package is blacklisted: rails-6.0.3.4"]),
    ("blacklist", {"name": "rails", "version": "5.0.1"}, []),
    ("blacklist", {"name": "yarn"}, []),
    ("feed_data_unavailable", {}, []),
])
def test_gem_triggers(trigger, params, expected):
    assert messages(fire("ruby_gems", trigger, facts(), **params)) == expected


def test_feed_data_unavailable():
    assert messages(fire("ruby_gems", "feed_data_unavailable", facts(groups={}))) == [
        "Gem packages are present but the anchore gem feed is not available - will be unable "
        "to perform checks that require feed data"]


def test_feed_triggers_need_both_sides():
    assert fire("ruby_gems", "not_found_in_feed", facts(feed={})) == []
    assert fire("ruby_gems", "not_found_in_feed", facts(packages=())) == []
