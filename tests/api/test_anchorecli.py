"""The real anchore-cli 0.9.3, in its own virtualenv, against the live server: the commands a
CI pipeline runs, with their exit codes, and never the client's "failed to format output"."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.api.conftest import Live, add_account, policy_doc, upload

VERSION = "0.9.3"
CACHE = Path(tempfile.gettempdir()) / f"imagegate-anchorecli-{VERSION}"
RUN = ("import sys; from anchorecli.cli import main_entry; sys.argv[0] = 'anchore-cli'; "
       "sys.exit(main_entry())")
FORMAT_WARNING = "WARNING: failed to format output"


def _works(python: Path) -> bool:
    return python.exists() and subprocess.run(
        [python, "-c", "import anchorecli.cli"], capture_output=True).returncode == 0


@pytest.fixture(scope="session")
def anchore_cli() -> Path:
    """anchorecli==0.9.3 installed as released (spec §1: Cython < 3 for PyYAML 5.4.1's
    build), cached under the temp dir across runs; its interpreter."""
    CACHE.mkdir(parents=True, exist_ok=True)
    python = CACHE / "venv" / "bin" / "python"
    with open(CACHE / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _works(python):
            return python
        building = CACHE / f"venv.{os.getpid()}"
        shutil.rmtree(building, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", building], check=True)
        constraint = CACHE / "cython-constraint.txt"
        constraint.write_text("cython<3\n")
        env = {**os.environ, "PIP_CONSTRAINT": str(constraint),
               "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
        subprocess.run([building / "bin" / "python", "-m", "pip", "install", "-q",
                        f"anchorecli=={VERSION}"], check=True, env=env)
        shutil.rmtree(CACHE / "venv", ignore_errors=True)
        building.rename(CACHE / "venv")  # run through `python -c`: no script shebangs
    assert _works(python)
    return python


def test_anchore_cli_pipeline(live: Live, archives, anchore_cli: Path, tmp_path: Path) -> None:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path),
           "ANCHORE_CLI_URL": f"{live.url}/v1", "ANCHORE_CLI_USER": "cli",
           "ANCHORE_CLI_PASS": "cli-pw"}
    add_account(live.db, "cli", {"cli": "user"})

    def cli(*args: str, code: int = 0) -> str:
        done = subprocess.run([anchore_cli, "-c", RUN, *args], env=env, capture_output=True,
                              text=True, timeout=120)
        out = done.stdout + done.stderr
        assert FORMAT_WARNING not in out, out
        assert done.returncode == code, f"anchore-cli {' '.join(args)} -> " \
            f"{done.returncode}:\n{out}"
        return done.stdout

    assert "Service apiext" in cli("system", "status")
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps(policy_doc()))
    assert "Policy ID: checks" in cli("policy", "add", str(policy))
    assert "Success: checks activated" in cli("policy", "activate", "checks")
    listed = cli("policy", "list")
    assert "checks" in listed and "True" in listed
    assert '"rule_sets"' in cli("policy", "get", "checks", "--detail")

    # No registry source yet: upload the archive, then `image add` of the known tag answers
    # with the existing record, as Anchore does.
    record = upload(live.client("cli", "cli-pw"), archives.child, "example/app:1.0",
                    "example/app:1.0-dev")[0]
    digest = record["imageDigest"]
    added = cli("image", "add", "example/app:1.0")
    assert f"Image Digest: {digest}" in added and "Analysis Status: analyzed" in added
    assert "Distro: debian" in added and "Full Tag: docker.io/example/app:1.0" in added
    assert "analyzed" in cli("image", "wait", "example/app:1.0", "--timeout", "30")
    assert "analyzed" in cli("image", "wait", digest, "--timeout", "30")
    listing = cli("image", "list")
    assert "docker.io/example/app:1.0 " in listing and digest in listing
    assert digest in cli("image", "get", "example/app:1.0")
    assert "/usr/bin/newgrp" in cli("image", "content", "example/app:1.0", "files")
    assert "all: available" in cli("image", "vuln", "example/app:1.0")
    cli("image", "vuln", "example/app:1.0", "all")
    cli("image", "metadata", "example/app:1.0", "dockerfile")
    assert "Username: cli" in cli("account", "whoami")

    failed = cli("evaluate", "check", "example/app:1.0", "--detail", code=1)
    assert "Status: fail" in failed and "suid_or_guid_set" in failed
    assert f"Image Digest: {digest}" in failed and "Final Action: stop" in failed
    passed = cli("evaluate", "check", "example/app:1.0-dev", "--detail")
    assert "Status: pass" in passed and "instruction" in passed
    cli("evaluate", "check", digest, "--tag", "example/app:1.0", code=1)
    raw = json.loads(cli("--json", "evaluate", "check", "example/app:1.0", "--detail",
                         code=1))
    assert raw[0][digest]["docker.io/example/app:1.0"][0]["status"] == "fail"
    assert cli("evaluate", "check", "example/app:1.0", "--show-history", code=1)
    assert "could not access" in cli("--p", "wrong", "image", "list", code=2)
