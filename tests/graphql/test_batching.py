"""Batching: the same query for 1, 10 and 100 images runs the same number of SQL statements
(dataloaders per request; stored evaluations read for all images at once)."""

from __future__ import annotations

import pytest

from tests.graphql.conftest import BASE, D, F, data

pytestmark = pytest.mark.slow

QUERY = """{ images(filter: {repository: "bench/app"}, first: 1000) { totalCount edges { node {
  digest distro tags { fullTag history { digest } }
  base { digest tags { fullTag } }
  packages(first: 5) { totalCount edges { node { name } } }
  vulnerabilities { totalCount edges { node { vulnerabilityId severity } } }
  evaluation(baseDigest: "auto") {
    id status finalAction numberOfFindings imageDigest
    policy { id name }
    findings { totalCount edges { node { triggerId gate trigger message action inheritedFromBase
      allowlistMatch { id } } } }
    findingsByGate { gate count triggers { trigger count } }
  }
  evaluations { totalCount }
} } } }"""


def statements_for(server, client) -> int:
    """SQL statements of QUERY once its evaluations are stored (the first run evaluates)."""
    data(client, QUERY)
    before = server.db.statements.count
    answer = data(client, QUERY)
    spent = server.db.statements.count - before
    for edge in answer["images"]["edges"]:
        node = edge["node"]
        assert node["base"]["digest"] == server.added["base"].digest
        assert node["evaluation"]["numberOfFindings"] == 3
        assert node["evaluation"]["findings"]["totalCount"] == 3
    return spent


def metric(client, name: str) -> float:
    for line in client.get("/metrics").text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"{name} not in /metrics")


def test_statements_do_not_grow_with_the_number_of_images(server):
    server.add("base", [BASE], ("bench/base:1",))
    counts = {}
    added = 0
    with server.client() as client:
        data(client, "{ gates { name } }")  # authenticate once (credentials are cached)
        for total in (1, 10, 100):
            for n in range(added, total):
                layer = [D("app"), F("app/id", str(n)), F(f"app/tool{n}", b"\x7fELF", 0o4755)]
                server.add(f"app{n}", [BASE, layer], (f"bench/app:{n}",))
            added = total
            counts[total] = statements_for(server, client)
            assert data(client, QUERY)["images"]["totalCount"] == total
        before = metric(client, "imagegate_sql_statements_total")
        data(client, QUERY)
        after = metric(client, "imagegate_sql_statements_total")
    print(f"SQL statements per query for 1, 10, 100 images: {counts}")
    assert counts[1] == counts[10] == counts[100], counts
    assert after - before == counts[100]
    assert counts[100] <= 40  # a fixed handful per loader (SQLite counts its BEGINs)
