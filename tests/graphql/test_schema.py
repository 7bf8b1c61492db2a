"""schema.graphql at the top of the repository is what `strawberry export-schema` prints for
the code (scripts/schema regenerates it; it is never edited by hand)."""

import subprocess
import sys
from pathlib import Path

from app.api.graphql.schema import schema

ROOT = Path(__file__).resolve().parents[2]


def test_schema_graphql_has_not_drifted():
    strawberry = Path(sys.executable).parent / "strawberry"
    exported = subprocess.run(
        [str(strawberry), "export-schema", "app.api.graphql.schema:schema"], cwd=ROOT,
        capture_output=True, text=True, check=True).stdout
    committed = (ROOT / "schema.graphql").read_text(encoding="utf-8")
    assert committed.strip() == exported.strip(), (
        "schema.graphql is out of date: run scripts/schema")
    assert committed.strip() == schema.as_str().strip()


def test_the_schema_is_a_federation_2_subgraph_with_three_entities():
    sdl = schema.as_str()
    assert 'schema @link(url: "https://specs.apollo.dev/federation/v2' in sdl
    for entity in ('type Image @key(fields: "digest")', 'type Policy @key(fields: "id")',
                   'type Evaluation @key(fields: "id")'):
        assert entity in sdl
