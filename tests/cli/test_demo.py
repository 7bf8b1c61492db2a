"""`imagegate demo` on a fresh machine: the embedded catalog, the bundled data, a Fail."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def test_demo_checks_the_bundled_image(tmp_path):
    env = {**os.environ, "IMAGEGATE_HOME": str(tmp_path / "home"), "NO_COLOR": "1"}
    env.pop("IMAGEGATE_DATABASE_URL", None)
    env.pop("IMAGEGATE_URL", None)
    run = subprocess.run([sys.executable, "-m", "app.cli", "demo", "--no-serve"], cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == "FAIL  docker.io/imagegate/demo:1.0"
    assert "Dockerfile exposes port (22) which is in policy file DENIEDPORTS list" in run.stdout
    assert "inherited from base" in run.stdout and "not in base" in run.stdout
    assert "141 records read: 141 new" in run.stderr
    assert (tmp_path / "home" / "imagegate.db").exists()
    assert all(len(line) <= 80 for line in lines)
