"""Every gate, trigger and parameter describes itself: the policy-spec API serves these."""

import pytest

from app.engine import describe_gates

GATES = {gate["name"]: gate for gate in describe_gates()}


@pytest.mark.parametrize("name", ["files", "passwd_file", "secret_scans", "retrieved_files",
                                  "malware", "licenses", "metadata"])
def test_described(name):
    gate = GATES[name]
    assert gate["state"] == "active" and gate["description"].strip()
    assert gate["triggers"]
    for trigger in gate["triggers"]:
        assert trigger["description"].strip(), trigger["name"]
        for param in trigger["parameters"]:
            assert param["description"].strip(), (trigger["name"], param["name"])
            assert param["example"], (trigger["name"], param["name"])
            assert param["validator"]["type"], (trigger["name"], param["name"])
