"""One-step checks of sources beyond archives: an SBOM file, and a reference pulled from a real
registry (Debian's docker-registry on loopback, the analysis tests' session fixture)."""

from __future__ import annotations

from pathlib import Path

from tests.analysis.test_registry import setup  # noqa: F401 - the registry fixture

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
