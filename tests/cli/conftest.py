"""CLI tests: every command runs against its own IMAGEGATE_HOME (a tmp dir) with real
docker-archives built in the test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.cli import main
from tests.analysis.builders import D, F, docker_archive

ROOT = Path(__file__).resolve().parents[2]
OS_RELEASE = 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12"\n'
DPKG_STATUS = ("Package: bash\nStatus: install ok installed\nPriority: required\n"
               "Architecture: amd64\nVersion: 5.2.15-2+b2\n\n"
               "Package: tzdata\nStatus: install ok installed\nArchitecture: all\n"
               "Version: 2024a-0+deb12u1\n\n")
BASE = [D("etc"), F("etc/os-release", OS_RELEASE),
        F("etc/passwd", "root:x:0:0:root:/root:/bin/bash\n"), D("usr"), D("usr/bin"),
        F("usr/bin/passwd", b"\x7fELF", 0o4755), D("var"), D("var/lib"), D("var/lib/dpkg"),
        F("var/lib/dpkg/status", DPKG_STATUS)]
CHILD = [D("app"), F("app/run.sh", "#!/bin/sh\n", 0o755),
         F("usr/bin/newgrp", b"\x7fELF", 0o4755)]
ENV_NAMES = ("IMAGEGATE_URL", "IMAGEGATE_DATABASE_URL", "IMAGEGATE_ACCOUNT", "NO_COLOR",
             "IMAGEGATE_ADMIN_PASSWORD", "IMAGEGATE_USERNAME", "IMAGEGATE_PASSWORD",
             "IMAGEGATE_API_KEY", "IMAGEGATE_INSECURE_REGISTRIES", "IMAGEGATE_REGISTRY_USERNAME",
             "IMAGEGATE_REGISTRY_PASSWORD")


def rule(rule_id, gate, trigger, action, **params):
    return {"id": rule_id, "gate": gate, "trigger": trigger, "action": action,
            "params": [{"name": k, "value": v} for k, v in params.items()]}


def strict_policy(policy_id="strict-ci", name="Strict CI"):
    """STOP on SUID files, WARN without a HEALTHCHECK; `*-dev` tags get only the WARN."""
    return {
        "id": policy_id, "name": name, "version": "2",
        "rule_sets": [
            {"id": "strict", "name": "strict", "version": "2", "rules": [
                rule("suid", "files", "suid_or_guid_set", "STOP"),
                rule("health", "dockerfile", "instruction", "WARN", instruction="HEALTHCHECK",
                     check="not_exists")]},
            {"id": "lenient", "name": "lenient", "version": "2", "rules": [
                rule("health", "dockerfile", "instruction", "WARN", instruction="HEALTHCHECK",
                     check="not_exists")]}],
        "allowlists": [{"id": "al", "name": "exceptions", "version": "2", "items": []}],
        "mappings": [
            {"id": "dev", "name": "dev", "registry": "*", "repository": "*",
             "image": {"type": "tag", "value": "*-dev"}, "rule_set_ids": ["lenient"],
             "allowlist_ids": []},
            {"id": "all", "name": "all", "registry": "*", "repository": "*",
             "image": {"type": "tag", "value": "*"}, "rule_set_ids": ["strict"],
             "allowlist_ids": ["al"]}]}


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


class Cli:
    def __init__(self, capsys: pytest.CaptureFixture[str], home: Path, tmp: Path) -> None:
        self.capsys, self.home, self.tmp = capsys, home, tmp

    def __call__(self, *argv: str) -> Result:
        self.capsys.readouterr()
        try:
            code = main(list(argv))
        except SystemExit as exit_:  # argparse: usage errors, --help
            code = int(exit_.code or 0)
        out, err = self.capsys.readouterr()
        return Result(code, out, err)

    def process(self, *argv: str, env: dict[str, str] | None = None,
                cwd: Path | None = None) -> Result:
        """The real command in a child process (exit codes and stderr as CI sees them)."""
        full = {**os.environ, "IMAGEGATE_HOME": str(self.home), **(env or {})}
        done = subprocess.run([sys.executable, "-m", "app.cli", *argv], capture_output=True,
                              text=True, env=full, cwd=cwd or ROOT, timeout=120, check=False)
        return Result(done.returncode, done.stdout, done.stderr)

    def write_policy(self, document: dict, name: str = "policy.json") -> str:
        path = self.tmp / name
        path.write_text(json.dumps(document), encoding="utf-8")
        return str(path)


@pytest.fixture
def cli(capsys, tmp_path, monkeypatch) -> Cli:
    home = tmp_path / "home"
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("IMAGEGATE_HOME", str(home))
    return Cli(capsys, home, tmp_path)


@dataclass
class Images:
    base: str  # archive paths
    app: str
    dev: str


@pytest.fixture
def archives(tmp_path) -> Images:
    base = docker_archive(str(tmp_path / "base.tar"), [BASE], tags=("example/base:12",))
    app = docker_archive(str(tmp_path / "app.tar"), [BASE, CHILD], tags=("example/app:1.0",))
    dev = docker_archive(str(tmp_path / "dev.tar"), [BASE, CHILD, [F("app/dev", "1")]],
                         tags=())
    return Images(base.path, app.path, dev.path)


@pytest.fixture
def loaded(cli, archives) -> Cli:
    """A catalog with the base and app images and the strict policy active."""
    assert cli("image", "add", archives.base).code == 0
    assert cli("image", "add", archives.app).code == 0
    assert cli("policy", "add", cli.write_policy(strict_policy()), "--activate").code == 0
    return cli
