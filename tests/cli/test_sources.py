"""One-step checks of sources beyond archives: an SBOM file, and a reference pulled from a real
registry (Debian's docker-registry on loopback, the analysis tests' session fixture)."""

from __future__ import annotations

from pathlib import Path

from tests.analysis.registry_server import htpasswd, start_registry
from tests.analysis.test_registry import USERS, setup  # noqa: F401 - the registry fixture

SYFT = Path(__file__).resolve().parents[1] / "analysis" / "data" / "syft-alpine-3.19.json"


def test_one_step_check_of_an_sbom(cli):
    result = cli("image", "check", str(SYFT), "-o", "json", "--detail")
    assert result.code == 0, result.err
    model = result.json()
    assert model["tag"] == "docker.io/alpine:3.19"
    [image] = cli("image", "list", "-o", "json").json()
    assert image["source"] == "syft-json" and image["digest"] == model["image"]["digest"]
    packages = cli("image", "content", "alpine:3.19", "os", "-o", "json").json()
    assert "alpine-baselayout" in {p["package"] for p in packages}
    again = cli("image", "check", str(SYFT), "-t", "example/alpine:sbom", "-f")
    assert again.code == 0 and again.out.startswith("PASS  docker.io/example/alpine:sbom")


def test_one_step_check_of_a_registry_reference(cli, setup):  # noqa: F811
    plain = cli("image", "check", setup.ref)
    assert plain.code == 2 and "could not be analyzed from its registry" in plain.err
    host = setup.registry.host
    result = cli("image", "check", setup.ref, "--insecure-registry", host, "--detail", "-o",
                 "json")
    assert result.code == 0, result.err
    assert result.json()["tag"] == setup.ref
    [image] = cli("image", "list", "-o", "json").json()
    assert (image["source"], image["tags"]) == ("registry", [setup.ref])
    # now in the catalog: no pull, the stored evaluation is reused
    again = cli("image", "check", setup.ref, "-o", "json")
    assert again.json()["evaluations"][0]["id"] == result.json()["evaluations"][0]["id"]
    added = cli("image", "add", f"{host}/test/app:1.0", "--insecure-registry", host,
                "--tag", "example/mirror:1")
    assert added.code == 0 and "docker.io/example/mirror:1" in added.out


def test_registry_credentials_and_hosts_come_from_the_environment(cli, setup, monkeypatch):  # noqa: F811
    path = htpasswd(setup.work / "cli-htpasswd", USERS)
    registry = start_registry(setup.work / "cli-basic-registry", setup.storage,
                              auth={"htpasswd": {"realm": "basic-realm", "path": str(path)}})
    try:
        ref = f"{registry.host}/test/app:1.0"
        monkeypatch.setenv("IMAGEGATE_INSECURE_REGISTRIES", f"other.example:5000,{registry.host}")
        refused = cli("image", "check", ref)
        assert refused.code == 2 and "asks for a username and password" in refused.err
        monkeypatch.setenv("IMAGEGATE_REGISTRY_USERNAME", "alice")
        monkeypatch.setenv("IMAGEGATE_REGISTRY_PASSWORD", "wonderland")
        passed = cli("image", "check", ref, "-o", "json")
        assert passed.code == 0, passed.err
        assert passed.json()["tag"] == ref
    finally:
        registry.stop()
