"""distro gate (Enterprise): deny by distribution and version."""

import pytest

from app.engine import Distro
from tests.engine.helpers import decide, fire, image, messages, policy, rule


@pytest.mark.parametrize(("distro", "params", "expected"), [
    (Distro("debian", "9"), {"distro": "debian", "version": "10", "check": "<"},
     ["Distro debian 9 is denied by policy (debian < 10)"]),
    (Distro("debian", "10"), {"distro": "debian", "version": "9", "check": "<"}, []),
    (Distro("debian", "10"), {"distro": "debian", "version": "9", "check": ">"},
     ["Distro debian 10 is denied by policy (debian > 9)"]),
    (Distro("debian", "12"), {"distro": "debian", "version": "12"},
     ["Distro debian 12 is denied by policy (debian = 12)"]),
    (Distro("debian", "12"), {"distro": "debian", "version": "12.0", "check": "="},
     ["Distro debian 12 is denied by policy (debian = 12.0)"]),
    (Distro("debian", "12"), {"distro": "debian", "version": "12", "check": "!="}, []),
    (Distro("debian", "12"), {"distro": "debian", "version": "11", "check": "!="},
     ["Distro debian 12 is denied by policy (debian != 11)"]),
    (Distro("alpine", "3.18.4"), {"distro": "alpine", "version": "3.9", "check": ">="},
     ["Distro alpine 3.18.4 is denied by policy (alpine >= 3.9)"]),
    (Distro("alpine", "3.18.4"), {"distro": "alpine", "version": "3.18.4", "check": "<="},
     ["Distro alpine 3.18.4 is denied by policy (alpine <= 3.18.4)"]),
    (Distro("alpine", "3.18.4"), {"distro": "alpine", "version": "3.18", "check": "<="}, []),
    (Distro("centos", "7"), {"distro": "centos"},
     ["Distro centos 7 is denied by policy (centos, any version)"]),
    (Distro("centos", "7"), {"distro": "CentOS"},
     ["Distro centos 7 is denied by policy (CentOS, any version)"]),
    (Distro("rhel", "7"), {"distro": "centos"}, []),
    (Distro("debian", "trixie"), {"distro": "debian", "version": "12", "check": "<"}, []),
    (Distro("debian", "trixie"), {"distro": "debian", "version": "trixie"},
     ["Distro debian trixie is denied by policy (debian = trixie)"]),
    (None, {"distro": "debian"}, []),
])
def test_deny(distro, params, expected):
    assert messages(fire("distro", "deny", image(distro=distro), **params)) == expected


@pytest.mark.parametrize("params", [
    {"distro": "debian", "check": "<"},  # a check needs a version
    {"distro": "debian", "version": "bookworm", "check": "<"},  # ordering needs numbers
    {"distro": "debian", "version": "9", "check": "~"},
    {"version": "9"},
])
def test_bad_params_are_policy_problems(params):
    decision = decide(policy([rule("distro", "deny", **params)]), image(distro=Distro("d", "1")))
    assert [p.problem_type for p in decision.problems] == ["ParameterValueInvalidError"]
