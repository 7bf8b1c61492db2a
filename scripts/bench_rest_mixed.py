#!/usr/bin/env python3
"""REST under a mixed load (issue 7): for 60 s, checks (REST, and GraphQL that returns the
evaluation id), image uploads and policy changes at once against `imagegate serve --workers 2`
sharing PostgreSQL. Afterwards: no 5xx, every evaluation id a client was given is stored
(none lost), and no subject has two consecutive stored evaluations with the same key (none
duplicated).

    .venv/bin/python -m scripts.bench_rest_mixed [--seconds 60] [--checkers 8]
        [--postgres SERVER_URL | --sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import itertools
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx
from sqlalchemy import text

from app.catalog.db import Database
from scripts.bench_rest import PASSWORD, POLICY, build_image, drop_database, free_port
from tests.analysis.builders import D, F, docker_archive

LENIENT = {**POLICY, "id": "lenient", "name": "lenient",
           "rule_sets": [{**POLICY["rule_sets"][0], "rules": [
               {**POLICY["rule_sets"][0]["rules"][0], "action": "WARN"}]}]}


def archive(path: Path, n: int) -> bytes:
    docker_archive(str(path), [[D("etc"), F("etc/os-release", 'ID=debian\nVERSION_ID="12"\n'),
                                F(f"usr/bin/tool{n}", b"\x7fELF", 0o4755),
                                F(f"srv/unique-{n}", str(n))]], tags=(f"mixed/app{n}:1",))
    return path.read_bytes()


async def run(base: str, auth: str, seconds: float, checkers: int,
              work: Path) -> tuple[Counter[int], set[str], int, int]:
    statuses: Counter[int] = Counter()
    evaluation_ids: set[str] = set()
    subjects: list[tuple[str, str]] = []
    adds = policy_changes = 0
    headers = {"authorization": auth}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as client:
        first = archive(work / "a0.tar", 0)
        r = await client.post("/v1/images", params={"tag": "mixed/app0:1"}, content=first,
                              headers={"content-type": "application/x-tar"})
        subjects.append((r.json()[0]["imageDigest"], "docker.io/mixed/app0:1"))
        for doc in (POLICY, LENIENT):
            (await client.post("/v1/policies", json=doc)).raise_for_status()
        (await client.put("/v2/policies/bench?active=true")).raise_for_status()
        deadline = time.monotonic() + seconds
        rnd = random.Random(11)

        async def checker(n: int) -> None:
            while time.monotonic() < deadline:
                digest, tag = rnd.choice(subjects)
                policy = rnd.choice([None, "bench", "lenient"])
                if n % 2:
                    params = {"tag": tag, **({"policy_id": policy} if policy else {})}
                    response = await client.get(f"/v2/images/{digest}/check", params=params)
                else:
                    query = ("query($d: String!, $t: String, $p: String) { "
                             "evaluation(digest: $d, tag: $t, policyId: $p) { id status } }")
                    response = await client.post("/graphql", json={
                        "query": query, "variables": {"d": digest, "t": tag, "p": policy}})
                    if response.status_code == 200:
                        evaluation = (response.json().get("data") or {}).get("evaluation")
                        if evaluation:
                            evaluation_ids.add(evaluation["id"])
                statuses[response.status_code] += 1

        async def adder() -> None:
            nonlocal adds
            n = 1
            while time.monotonic() < deadline:
                body = await asyncio.to_thread(archive, work / f"a{n}.tar", n)
                tag = f"mixed/app{n}:1"
                response = await client.post("/v1/images", params={"tag": tag}, content=body,
                                             headers={"content-type": "application/x-tar"})
                statuses[response.status_code] += 1
                if response.status_code == 200:
                    subjects.append((response.json()[0]["imageDigest"], f"docker.io/{tag}"))
                    adds += 1
                n += 1

        async def policy_changer() -> None:
            nonlocal policy_changes
            n = 0
            while time.monotonic() < deadline:
                n += 1
                revised = {**LENIENT, "description": f"revision {n}"}
                for response in (await client.post("/v1/policies", json=revised),
                                 await client.put(f"/v2/policies/"
                                                  f"{'bench' if n % 2 else 'lenient'}"
                                                  "?active=true")):
                    statuses[response.status_code] += 1
                policy_changes += 1
                await asyncio.sleep(0.2)

        await asyncio.gather(*(checker(i) for i in range(checkers)), adder(), policy_changer())
    return statuses, evaluation_ids, adds, policy_changes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--checkers", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--sqlite", action="store_true", help="a SQLite file instead")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="imagegate-mixed-") as tmp:
        home = Path(tmp)
        if args.sqlite:
            url = f"sqlite:///{home / 'ig.db'}"
        else:
            from tests.conftest import postgres_database

            os.environ["IMAGEGATE_TEST_POSTGRES_URL"] = args.postgres
            url = postgres_database(f"imagegate_mixed_{os.getpid()}")
        build_image(home / "unused.tar")
        port = free_port()
        env = {**os.environ, "IMAGEGATE_HOME": str(home), "IMAGEGATE_ADMIN_PASSWORD": PASSWORD,
               "IMAGEGATE_DATABASE_URL": url}
        subprocess.run([sys.executable, "-m", "app.cli", "admin", "init"], env=env, check=True,
                       capture_output=True)
        server = subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--port",
                                   str(port), "--workers", str(args.workers)], env=env)
        base = f"http://127.0.0.1:{port}"
        auth = "Basic " + base64.b64encode(f"admin:{PASSWORD}".encode()).decode()
        try:
            for _ in range(300):
                try:
                    if httpx.get(f"{base}/health").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            started = time.monotonic()
            statuses, ids, adds, changes = asyncio.run(
                run(base, auth, args.seconds, args.checkers, home))
            elapsed = time.monotonic() - started
        finally:
            server.terminate()
            server.wait(30)
        db = Database(url)
        with db.engine.connect() as conn:
            stored = {row[0] for row in conn.execute(text("SELECT id FROM evaluation"))}
            rows = conn.execute(text("SELECT image_pk, tag, policy_pk, cache_key FROM evaluation "
                                     "ORDER BY image_pk, tag, policy_pk, pk")).all()
        db.dispose()
        if not args.sqlite:
            drop_database(args.postgres, url)
    duplicated = sum(1 for a, b in itertools.pairwise(rows) if a == b)
    lost = len(ids - stored)
    server_errors = sum(n for code, n in statuses.items() if code >= 500)
    print(f"mixed load: {elapsed:.0f} s, {args.workers} workers, "
          f"{'SQLite' if args.sqlite else 'PostgreSQL'}; {sum(statuses.values())} requests "
          f"({dict(sorted(statuses.items()))}), {adds} images added, {changes} policy changes")
    print(f"5xx {server_errors} (target 0); evaluations stored {len(stored)}, ids handed out "
          f"{len(ids)}, lost {lost} (target 0), duplicated {duplicated} (target 0)")
    return 0 if server_errors == 0 and lost == 0 and duplicated == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
