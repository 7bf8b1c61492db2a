"""dockerfile gate: Anchore's own vectors (tests/unit/.../gates/test_dockerfile.py)."""

import pytest

from tests.engine.helpers import fire, image, messages

DOCKERFILE = "FROM ubuntu:18.04\nUSER admin\nCOPY . /app\nRUN make /app\nCMD python /app/app.py\n" \
             "EXPOSE 3000\n"
ACTUAL = image(dockerfile_mode="Actual", dockerfile=DOCKERFILE)


@pytest.mark.parametrize(("trigger", "params", "mode", "expected"), [
    ("no_dockerfile_provided", {}, "Actual", []),
    ("no_dockerfile_provided", {}, "Guessed", ["Image was not analyzed with an actual Dockerfile"]),
    ("no_dockerfile_provided", {}, None, ["Image was not analyzed with an actual Dockerfile"]),
    ("effective_user", {"users": "testUser,admin", "type": "blacklist"}, "Actual",
     ["User admin found as effective user, which is explicity not allowed"]),
    ("effective_user", {"users": "testUser", "type": "blacklist"}, "Actual", []),
    ("effective_user", {"users": "admin", "type": "whitelist"}, "Actual", []),
    ("effective_user", {"users": "root", "type": "allowlist"}, "Actual",
     ["User admin found as effective user, which is not on the allowed list"]),
    ("effective_user", {"users": "admin", "type": "denylist"}, "Actual",
     ["User admin found as effective user, which is explicity not allowed"]),
    ("exposed_ports", {"ports": "2800,3000", "type": "blacklist"}, "Actual",
     ["Dockerfile exposes port (3000) which is in policy file DENIEDPORTS list"]),
    ("exposed_ports", {"ports": "2800", "type": "blacklist"}, "Actual", []),
    ("exposed_ports", {"ports": "3000", "type": "whitelist"}, "Actual", []),
    ("exposed_ports", {"ports": "2800,3001", "type": "whitelist"}, "Actual",
     ["Dockerfile exposes port (3000) which is not in policy file ALLOWEDPORTS list"]),
    ("exposed_ports", {"ports": "3000", "type": "blacklist", "actual_dockerfile_only": "true"},
     "Guessed", []),
    ("instruction", {"instruction": "COPY", "check": "=", "value": ". /app"}, "Actual",
     ["Dockerfile directive 'COPY' check '=' matched against '. /app' for line '. /app'"]),
    ("instruction", {"instruction": "COPY", "check": "!=", "value": ". /app"}, "Actual", []),
    ("instruction", {"instruction": "COPY", "check": "exists"}, "Actual",
     ["Dockerfile directive 'COPY' check 'exists' matched against '' for line '. /app'"]),
    ("instruction", {"instruction": "VOLUME", "check": "not_exists"}, "Actual",
     ["Dockerfile directive 'VOLUME' not found, matching condition 'not_exists' check"]),
    ("instruction", {"instruction": "COPY", "check": "not_exists"}, "Actual", []),
    ("instruction", {"instruction": "COPY", "check": "like", "value": ". /"}, "Actual",
     ["Dockerfile directive 'COPY' check 'like' matched against '. /' for line '. /app'"]),
    ("instruction", {"instruction": "COPY", "check": "like", "value": ". /usr/local/bin"},
     "Actual", []),
    ("instruction", {"instruction": "COPY", "check": "not_like", "value": ". /usr"}, "Actual",
     ["Dockerfile directive 'COPY' check 'not_like' matched against '. /usr' for line '. /app'"]),
    ("instruction", {"instruction": "COPY", "check": "in", "value": "x, . /app"}, "Actual",
     ["Dockerfile directive 'COPY' check 'in' matched against 'x, . /app' for line '. /app'"]),
    ("instruction", {"instruction": "COPY", "check": "=", "value": "."}, None, []),
    ("instruction", {"instruction": "COPY", "check": "exists", "actual_dockerfile_only": "true"},
     "Guessed", []),
])
def test_dockerfile_trigger(trigger, params, mode, expected):
    facts = image(dockerfile_mode=mode, dockerfile=DOCKERFILE)
    assert messages(fire("dockerfile", trigger, facts, **params)) == expected


@pytest.mark.parametrize(("dockerfile", "params", "expected_id"), [
    ("FROM scratch\n", {"instruction": "HEALTHCHECK", "check": "not_exists"},
     "41cb7cdf04850e33a11f80c42bf660b3"),
])
def test_instruction_trigger_id(dockerfile, params, expected_id):
    [finding] = fire("dockerfile", "instruction", image(dockerfile_mode="Guessed",
                                                        dockerfile=dockerfile), **params)
    assert finding.trigger_id == expected_id


def test_exposed_ports_vector():
    facts = image(dockerfile_mode="Guessed", dockerfile="FROM x\nEXPOSE 22 8080/tcp\n")
    [finding] = fire("dockerfile", "exposed_ports", facts, ports="22", type="blacklist")
    assert finding.trigger_id == "cc05c35507995b4a657b63f9b0baa281"
    assert finding.message == (
        "Dockerfile exposes port (22) which is in policy file DENIEDPORTS list")


def test_no_dockerfile_id():
    [finding] = fire("dockerfile", "no_dockerfile_provided", image(dockerfile_mode="Guessed"))
    assert finding.trigger_id == "b00b22232c1902075263067d2d2b8eea"


def test_continuation_lines_are_not_joined():
    facts = image(dockerfile_mode="Actual", dockerfile="FROM x\nRUN apt-get update && \\\n"
                  "    apt-get install -y curl\n")
    assert messages(fire("dockerfile", "instruction", facts, instruction="RUN",
                         check="exists")) == [
        "Dockerfile directive 'RUN' check 'exists' matched against '' for line "
        "'apt-get update && \\'"]


def test_always():
    [finding] = fire("always", "always", image())
    assert (finding.trigger_id, finding.message) == ("always", "Unconditional trigger match")
