#!/usr/bin/env python3
"""GraphQL benchmark (issue 6): 100 analyzed images with 100 findings each; one GraphQL query
for all their latest evaluations with every finding, against fetching the same evaluations
with `GET /v2/images/{digest}/check` one after another on one keep-alive connection, in the
same run, on the same `uvicorn` server (a subprocess on a loopback socket bound to port 0).

    .venv/bin/python scripts/bench_graphql.py [--images 100] [--findings 100] [--runs 15]
        [--database-url URL_OF_AN_EMPTY_DATABASE | --postgres [SERVER_URL]]

`--postgres` creates a database of its own on that server (default: the test server) and
drops it afterwards.

Targets: GraphQL p50 <= 1 s, and <= 1.5x the REST loop. When the REST route is not served
(it is written in another issue), the comparison is reported as pending.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.catalog.db import Database
from app.catalog.schema import migrate
from app.services import accounts, images, policies
from tests.analysis.builders import D, F, docker_archive

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench"
POLICY = {
    "id": "bench", "name": "bench", "version": "2",
    "rule_sets": [{"id": "suid", "name": "suid", "version": "2", "rules": [
        {"id": "suid", "gate": "files", "trigger": "suid_or_guid_set", "action": "STOP",
         "params": []}]}],
    "allowlists": [],
    "mappings": [{"id": "all", "name": "all", "registry": "*", "repository": "*",
                  "image": {"type": "tag", "value": "*"}, "rule_set_ids": ["suid"],
                  "allowlist_ids": []}],
}
QUERY = """query Latest { images(filter: {repository: "bench/app"}, first: 1000) {
  totalCount nodes { digest
    evaluation { id status finalAction finalActionReason evaluatedAt numberOfFindings
      findings(first: 1000) { totalCount nodes {
        triggerId gate trigger message action policyId ruleId recommendation allowlisted
        allowlistMatch { id name matchedRuleId } inheritedFromBase } } } } } }"""


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux): load-independent, unlike wall
    time on a shared machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def populate(db: Database, work: Path, count: int, findings: int) -> list[tuple[str, str]]:
    """`count` images, each with `findings` setuid files: (digest, tag) of each."""
    accounts.init_admin(db, password=PASSWORD)
    scope = accounts.scope_for(db, accounts.authenticate_password(
        db, username="admin", password=PASSWORD))
    policies.add_policy(db, scope, POLICY, activate=True)
    subjects = []
    for n in range(count):
        layer = [D("etc"), F("etc/os-release", 'ID=debian\nVERSION_ID="12"\n'),
                 D("usr"), D("usr/bin"), F("usr/bin/id", str(n))]
        layer += [F(f"usr/bin/tool{i}", b"\x7fELF" + str(n).encode(), 0o4755)
                  for i in range(findings)]
        tag = f"bench/app:{n}"
        built = docker_archive(str(work / f"image{n}.tar"), [layer], tags=(tag,))
        record = images.add_image(db, scope, images.analyze_source(built.path))
        subjects.append((record.image.digest, f"docker.io/{tag}"))
    return subjects


def serve(database_url: str, home: Path) -> tuple[subprocess.Popen[bytes], str]:
    # uvicorn binds the port itself: a socket handed over with --fd is taken for a Unix
    # socket, so TCP_NODELAY is never set and every response waits out a delayed ACK (40 ms).
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = dict(os.environ, IMAGEGATE_DATABASE_URL=database_url, IMAGEGATE_HOME=str(home))
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.api:create_app", "--factory", "--host",
         "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log"],
        cwd=ROOT, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return process, url
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            raise SystemExit("the server did not start")
        time.sleep(0.1)


def graphql_run(client: httpx.Client, count: int, findings: int) -> float:
    started = time.perf_counter()
    response = client.post("/graphql", json={"query": QUERY})
    spent = time.perf_counter() - started
    body = response.json()
    assert response.status_code == 200 and not body.get("errors"), body.get("errors")
    nodes = body["data"]["images"]["nodes"]
    assert len(nodes) == count, len(nodes)
    assert all(len(n["evaluation"]["findings"]["nodes"]) == findings for n in nodes)
    return spent


def rest_run(client: httpx.Client, subjects: list[tuple[str, str]]) -> float:
    started = time.perf_counter()
    for digest, tag in subjects:
        response = client.get(f"/v2/images/{digest}/check", params={"tag": tag})
        assert response.status_code == 200, response.text[:300]
    return time.perf_counter() - started


def rest_served(client: httpx.Client, digest: str, tag: str) -> bool:
    return client.get(f"/v2/images/{digest}/check", params={"tag": tag}).status_code == 200


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=100)
    parser.add_argument("--findings", type=int, default=100)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--database-url", help="an empty database (default: a SQLite file "
                                               "in a temporary directory)")
    parser.add_argument("--postgres", metavar="SERVER_URL", nargs="?",
                        const="postgresql://postgres@127.0.0.1:5432/test",
                        help="a new database on this PostgreSQL server, dropped afterwards")
    args = parser.parse_args()
    if args.postgres:
        from tests.conftest import drop_postgres_database, postgres_database

        os.environ["IMAGEGATE_TEST_POSTGRES_URL"] = args.postgres
        args.database_url = postgres_database(f"imagegate_bench_graphql_{os.getpid()}")
        try:
            return bench(args)
        finally:
            drop_postgres_database(args.database_url)
    return bench(args)


def bench(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="bench-graphql-") as tmp:
        work = Path(tmp)
        url = args.database_url or f"sqlite:///{work / 'imagegate.db'}"
        db = Database(url)
        migrate(db)
        started = time.perf_counter()
        subjects = populate(db, work, args.images, args.findings)
        db.dispose()
        print(f"{args.images} images with {args.findings} findings each added in "
              f"{time.perf_counter() - started:.1f}s ({db.url.split(':')[0]})")
        process, base = serve(url, work / "home")
        try:
            with httpx.Client(base_url=base, auth=("admin", PASSWORD), timeout=120) as client:
                first = graphql_run(client, args.images, args.findings)  # evaluates, stores
                print(f"first query (evaluates and stores all): {first * 1000:.0f} ms")
                with_rest = rest_served(client, *subjects[0])
                graphql, rest, graphql_cpu, rest_cpu = [], [], [], []
                for _ in range(args.runs):
                    cpu = cpu_seconds(process.pid)
                    graphql.append(graphql_run(client, args.images, args.findings))
                    graphql_cpu.append(cpu_seconds(process.pid) - cpu)
                    if with_rest:
                        cpu = cpu_seconds(process.pid)
                        rest.append(rest_run(client, subjects))
                        rest_cpu.append(cpu_seconds(process.pid) - cpu)
        finally:
            process.terminate()
            process.wait(10)
    print("GraphQL runs (ms):", " ".join(f"{t * 1000:.0f}" for t in graphql))
    p50 = statistics.median(graphql)
    print(f"GraphQL, one query for {args.images} latest evaluations with all findings: "
          f"p50 {p50 * 1000:.0f} ms, min {min(graphql) * 1000:.0f} ms, "
          f"max {max(graphql) * 1000:.0f} ms over {args.runs} runs "
          f"(target <= 1000 ms: {'met' if p50 <= 1 else 'NOT met'}); server CPU p50 "
          f"{statistics.median(graphql_cpu) * 1000:.0f} ms; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    if not with_rest:
        print("REST comparison pending: GET /v2/images/{digest}/check is not served by this "
              "build (another issue writes it)")
        return 0
    rest_p50 = statistics.median(rest)
    ratio = p50 / rest_p50
    print(f"REST, {args.images} sequential GET /v2/images/{{digest}}/check on one keep-alive "
          f"connection: p50 {rest_p50 * 1000:.0f} ms; server CPU p50 "
          f"{statistics.median(rest_cpu) * 1000:.0f} ms")
    print(f"GraphQL / REST = {ratio:.2f} (target <= 1.5: {'met' if ratio <= 1.5 else 'NOT met'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
