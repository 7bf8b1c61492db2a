"""metadata gate: Anchore's own vectors (tests/unit/.../gates/test_image_metadata.py)."""

import pytest

from app.engine import Distro
from app.engine.gates.metadata import size_bytes
from tests.engine.helpers import decide, fire, image, messages, policy, rule

LAYERS = tuple(f"sha256:{n * 64}" for n in "abcde")
IMAGE = image(size=141455360, distro=Distro("debian", "10"), architecture="amd64",
              layers=LAYERS)


def message(attribute, check, value, image_value):
    return (f"Attribute check for attribute: '{attribute}' check: '{check}' check_value: "
            f"'{value}' matched image value: '{image_value}'")


@pytest.mark.parametrize(("params", "expected"), [
    ({"attribute": "size", "check": ">", "value": "0"}, [message("size", ">", 0, 141455360)]),
    ({"attribute": "size", "check": "<", "value": "100000000"}, []),
    ({"attribute": "architecture", "check": "like", "value": "amd64"},
     [message("architecture", "like", "amd64", "amd64")]),
    ({"attribute": "architecture", "check": "not_like", "value": "amd64"}, []),
    ({"attribute": "os_type", "check": "not_exists", "value": ""},
     [message("os_type", "not_exists", "", None)]),
    ({"attribute": "distro", "check": "in", "value": "debian,centos"},
     [message("distro", "in", "debian,centos", "debian")]),
    ({"attribute": "distro", "check": "not_in", "value": "debian,centos"}, []),
    ({"attribute": "distro_version", "check": "=", "value": "10"},
     [message("distro_version", "=", "10", "10")]),
    ({"attribute": "distro_version", "check": "!=", "value": "10"}, []),
    ({"attribute": "like_distro", "check": "exists", "value": ""},
     [message("like_distro", "exists", "", "debian")]),
    ({"attribute": "layer_count", "check": ">=", "value": "5"},
     [message("layer_count", ">=", 5, 5)]),
    ({"attribute": "layer_count", "check": ">", "value": "5"}, []),
    # Beyond Anchore's vectors, from its code:
    ({"attribute": "size", "check": ">", "value": "100mb"},  # units are powers of 1024
     [message("size", ">", 104857600, 141455360)]),
    ({"attribute": "size", "check": "<=", "value": "1gb"},
     [message("size", "<=", 1073741824, 141455360)]),
    ({"attribute": "size", "check": "=", "value": "138140kb"},
     [message("size", "=", 141455360, 141455360)]),
    ({"attribute": "size", "check": ">", "value": "1tb"}, []),
    ({"attribute": "layer_count", "check": "=", "value": " 5 "},
     [message("layer_count", "=", 5, 5)]),
    ({"attribute": "size", "check": "exists", "value": "7"},
     [message("size", "exists", 7, 141455360)]),
    ({"attribute": "distro", "check": "exists"}, [message("distro", "exists", None, "debian")]),
    ({"attribute": "layer_count", "check": "exists"}, [message("layer_count", "exists", "", 5)]),
    ({"attribute": "size", "check": "not_exists"}, []),
    ({"attribute": "distro", "check": "="}, []),  # no value: the comparison is skipped
    ({"attribute": "distro", "check": "=", "value": ""}, []),
    ({"attribute": "distro_version", "check": ">", "value": "9"}, []),  # text: "10" < "9"
    ({"attribute": "distro", "check": "like", "value": "deb"},  # re.match: start anchored
     [message("distro", "like", "deb", "debian")]),
    ({"attribute": "distro", "check": "like", "value": "bian"}, []),
    ({"attribute": "distro", "check": "not_in", "value": " ubuntu , alpine "},
     [message("distro", "not_in", " ubuntu , alpine ", "debian")]),
    ({"attribute": "os_type", "check": "!=", "value": "linux"},
     [message("os_type", "!=", "linux", None)]),
    ({"attribute": "os_type", "check": "not_in", "value": "linux"},
     [message("os_type", "not_in", "linux", None)]),
])
def test_attribute(params, expected):
    assert messages(fire("metadata", "attribute", IMAGE, **params)) == expected


@pytest.mark.parametrize(("distro", "expected"), [
    (Distro("ubuntu", "22.04", ("debian",)), "debian"),
    (Distro("rocky", "9", ("rhel", "centos", "fedora")), "rhel,centos,fedora"),
    (Distro("alpine", "3.19"), "alpine"),  # no ID_LIKE: the distro itself
])
def test_like_distro(distro, expected):
    [finding] = fire("metadata", "attribute", image(distro=distro), attribute="like_distro",
                     check="exists")
    assert finding.message.endswith(f"matched image value: '{expected}'")


@pytest.mark.parametrize(("text", "size"), [("0", 0), ("10", 10), ("1kb", 1024),
                                            ("2MB", 2097152), ("3gb", 3 * 1024**3),
                                            ("1tb", 1024**4)])
def test_size_bytes(text, size):
    assert size_bytes(text) == size


@pytest.mark.parametrize("params", [
    {"attribute": "foo", "check": ">", "value": "200"},
    {"attribute": "size", "check": "!", "value": "200"},
    {"attribute": "size", "check": "!=", "value": "test"},
    {"attribute": "size", "check": "!=", "value": 32},
    {"attribute": "size", "check": ">", "value": "1MB"},  # Anchore's validator: lower case
    {"attribute": "size", "check": ">", "value": "1pb"},
    {"attribute": "size", "check": "exists", "value": ""},
    {"attribute": "layer_count", "check": ">", "value": "five"},
    {"attribute": "layer_count", "check": ">", "value": "-1"},
    {"attribute": "layer_count", "check": "in", "value": "5"},  # Anchore failed evaluating
    {"attribute": "size", "check": "like", "value": "1"},
    {"attribute": "distro", "check": "like", "value": "deb(ian"},
    {"check": "exists"},
    {"attribute": "size"},
])
def test_bad_params_are_policy_problems(params):
    document = policy([{"id": "r-1", "gate": "metadata", "trigger": "attribute",
                        "action": "STOP",
                        "params": [{"name": k, "value": v} for k, v in params.items()]}])
    decision = decide(document, IMAGE)
    assert decision.problems
    assert all(p.problem_type == "ParameterValueInvalidError" for p in decision.problems)
    assert all("rule_sets[0].rules[0].params" in p.details for p in decision.problems)
    assert decision.final_action.label == "stop" and not decision.findings


@pytest.mark.parametrize(("attribute", "check"), [("architecture", ">"), ("os_type", "like"),
                                                  ("distro", "<=")])
def test_comparing_an_unknown_value_is_an_evaluation_problem(attribute, check):
    decision = decide(policy([rule("metadata", "attribute", attribute=attribute, check=check,
                                   value="x")]), image())
    [problem] = decision.problems
    assert problem.problem_type == "TriggerEvaluationError"
    assert "rule_sets[0].rules[0]" in problem.details
    assert decision.final_action.label == "stop"


def test_sbom_only_image_is_evaluated():
    facts = image(size=10, layers=LAYERS, files=None)
    decision = decide(policy([rule("metadata", "attribute", attribute="layer_count", check="=",
                                   value="5")]), facts)
    assert not decision.problems and len(decision.findings) == 1
