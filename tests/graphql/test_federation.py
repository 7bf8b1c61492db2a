"""The schema is an Apollo Federation 2 subgraph: `@apollo/composition` (from the npm
registry, installed by the test into a temporary directory) composes the SDL that our
`_service { sdl }` serves with a second subgraph that references Image by digest."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.graphql.conftest import data

COMPOSE = Path(__file__).parent / "federation" / "compose.js"


@pytest.fixture(scope="session")
def composition(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("node") is None or shutil.which("npm") is None:
        if os.environ.get("CI"):
            pytest.fail("node and npm are needed to run @apollo/composition (.ci/run "
                        "installs Debian's)")
        pytest.skip("node and npm are needed to run @apollo/composition")
    root = tmp_path_factory.mktemp("composition")
    (root / "package.json").write_text(json.dumps({"private": True}))
    subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error",
                    "@apollo/composition@2", "graphql@16"], cwd=root, check=True,
                   capture_output=True, timeout=300)
    shutil.copy(COMPOSE, root / "compose.js")
    return root


@pytest.mark.slow
def test_apollo_composition_composes_our_subgraph(composition, images_added):
    with images_added.client() as client:
        sdl = data(client, "{ _service { sdl } }")["_service"]["sdl"]
    path = composition / "imagegate.graphql"
    path.write_text(sdl)
    run = subprocess.run(["node", "compose.js", str(path)], cwd=composition,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    supergraph = run.stdout
    assert "join__type(graph: IMAGEGATE, key: \"digest\")" in supergraph
    assert "join__type(graph: DEPLOYMENTS, key: \"digest\")" in supergraph
    for entity in ("type Image", "type Policy", "type Evaluation", "type Deployment"):
        assert entity in supergraph


@pytest.mark.slow
def test_entities_resolve_images_policies_and_evaluations(images_added):
    s = images_added
    digest = s.added["child"].digest
    with s.client() as client:
        evaluation = data(client, "query($d: String!) { image(digest: $d) { evaluation { id } } }",
                          {"d": digest})["image"]["evaluation"]
        found = data(client, """query($r: [_Any!]!) { _entities(representations: $r) {
            __typename
            ... on Image { digest tags { fullTag } }
            ... on Policy { id name }
            ... on Evaluation { id status imageDigest } } }""", {"r": [
            {"__typename": "Image", "digest": digest},
            {"__typename": "Policy", "id": "gql"},
            {"__typename": "Evaluation", "id": evaluation["id"]},
            {"__typename": "Image", "digest": "sha256:" + "0" * 64}]})["_entities"]
    assert found[0] == {"__typename": "Image", "digest": digest,
                        "tags": [{"fullTag": "docker.io/example/app:1.0"}]}
    assert found[1] == {"__typename": "Policy", "id": "gql", "name": "gql"}
    assert found[2] == {"__typename": "Evaluation", "id": evaluation["id"], "status": "fail",
                        "imageDigest": digest}
    assert found[3] is None
