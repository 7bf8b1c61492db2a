"""tag_drift gate (Enterprise): packages added, removed or modified since the previous image
with the evaluated tag."""

import pytest

from app.engine import Facts, Package
from tests.engine.helpers import fire, image, messages

SINCE = "since the previous image with this tag"
BEFORE = (
    Package("openssl", "3.0.11-1", "dpkg"),
    Package("curl", "7.88.1-10", "dpkg"),
    Package("lodash", "4.17.20", "npm"),
    Package("lodash", "4.17.20", "npm", location="/other"),  # the same version twice
    Package("telnet", "0.17-44", "dpkg"),
)
AFTER = (
    Package("openssl", "3.0.13-1", "dpkg"),
    Package("curl", "7.88.1-10", "dpkg"),
    Package("lodash", "4.17.21", "npm"),
    Package("left-pad", "1.3.0", "npm"),
    Package("jq", "1.6-2.1", "dpkg"),
)


def facts(previous=BEFORE) -> Facts:
    return Facts(image(packages=AFTER), previous_tag_packages=previous)


@pytest.mark.parametrize(("trigger", "params", "expected"), [
    ("packages_added", {}, [f"Package left-pad-1.3.0 (npm) was added {SINCE}",
                            f"Package jq-1.6-2.1 (dpkg) was added {SINCE}"]),
    ("packages_added", {"package_type": "dpkg"}, [f"Package jq-1.6-2.1 (dpkg) was added {SINCE}"]),
    ("packages_added", {"package_type": "NPM"},
     [f"Package left-pad-1.3.0 (npm) was added {SINCE}"]),
    ("packages_removed", {}, [f"Package telnet-0.17-44 (dpkg) was removed {SINCE}"]),
    ("packages_removed", {"package_type": "npm"}, []),
    ("packages_modified", {}, [
        f"Package openssl (dpkg) changed from 3.0.11-1 to 3.0.13-1 {SINCE}",
        f"Package lodash (npm) changed from 4.17.20 to 4.17.21 {SINCE}"]),
    ("packages_modified", {"package_type": "npm"},
     [f"Package lodash (npm) changed from 4.17.20 to 4.17.21 {SINCE}"]),
    ("packages_modified", {"package_type": "java"}, []),
])
def test_tag_drift(trigger, params, expected):
    assert messages(fire("tag_drift", trigger, facts(), **params)) == expected


@pytest.mark.parametrize("trigger", ["packages_added", "packages_removed", "packages_modified"])
def test_no_previous_image_no_findings(trigger):
    assert fire("tag_drift", trigger, facts(previous=None)) == []


def test_an_empty_previous_image_adds_everything():
    assert len(fire("tag_drift", "packages_added", facts(previous=()))) == len(AFTER)
