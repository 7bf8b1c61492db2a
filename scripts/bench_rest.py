"""REST speed: `GET /v2/images/{digest}/check` for a cached evaluation with 50 findings, against
`GET /health` on the same server in the same run (`imagegate serve --workers 2`).

    .venv/bin/python -m scripts.bench_rest [--seconds 10] [--connections 32] [--workers 2]
        [--database-url URL | --postgres [SERVER_URL]] [--client wrk|httpx]
        [--no-response-cache]

Load comes from Debian's `wrk` when it is installed (`apt-get install wrk`), else from an
httpx async client in this process (which then limits the rate it can measure). Prints
requests/s of each, the ratio, p50/p99 latency and the error count. Targets: the check at
>= 40% of /health's rate, p99 <= 50 ms, zero errors."""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.analysis.builders import D, F, docker_archive

PASSWORD = "bench-pw"
FINDINGS = 50


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int


def build_image(path: Path) -> None:
    """An image with 50 setuid files: 50 findings of files/suid_or_guid_set."""
    layer = [D("etc"), F("etc/os-release", 'ID=debian\nVERSION_ID="12"\n'), D("usr"),
             D("usr/bin")] + [F(f"usr/bin/tool{i:02d}", b"\x7fELF", 0o4755)
                              for i in range(FINDINGS)]
    docker_archive(str(path), [layer], tags=("bench/app:1",))


POLICY = {"id": "bench", "name": "bench", "version": "2",
          "rule_sets": [{"id": "rs", "name": "rs", "version": "2", "rules": [
              {"id": "suid", "gate": "files", "trigger": "suid_or_guid_set", "action": "STOP",
               "params": []}]}],
          "allowlists": [],
          "mappings": [{"id": "m", "name": "m", "registry": "*", "repository": "*",
                        "image": {"type": "tag", "value": "*"}, "rule_set_ids": ["rs"],
                        "allowlist_ids": []}]}


def drop_database(server_url: str, url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from app.catalog.db import normalize_url

    name = make_url(url).database
    engine = create_engine(normalize_url(server_url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wrk(url: str, auth: str, seconds: int, connections: int) -> Result:
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency",
                          "-H", f"Authorization: {auth}", url],
                         capture_output=True, text=True, check=True).stdout

    def ms(label: str) -> float:
        match = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        assert match, out
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors += int(non2xx.group(1)) if non2xx else 0
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    return Result(rps, ms("50"), ms("99"), errors, requests)


async def _httpx(url: str, auth: str, seconds: int, connections: int) -> Result:
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(limits=limits, headers={"authorization": auth}) as client:
        deadline = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                try:
                    response = await client.get(url)
                    if response.status_code != 200:
                        errors += 1
                except httpx.HTTPError:
                    errors += 1
                latencies.append(time.perf_counter() - start)

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - began
    cuts = statistics.quantiles(latencies, n=100)
    return Result(len(latencies) / elapsed, cuts[49] * 1000, cuts[98] * 1000, errors,
                  len(latencies))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", help="default: a SQLite file in a temp dir")
    parser.add_argument("--postgres", metavar="SERVER_URL", nargs="?",
                        const="postgresql://postgres@127.0.0.1:5432/test",
                        help="use a new PostgreSQL database on this server (dropped after)")
    parser.add_argument("--no-response-cache", action="store_true",
                        help="IMAGEGATE_CHECK_CACHE_SECONDS=0: every check asks the service")
    parser.add_argument("--client", choices=("wrk", "httpx"),
                        default="wrk" if shutil.which("wrk") else "httpx")
    args = parser.parse_args()
    if args.postgres:
        from tests.conftest import postgres_database

        os.environ["IMAGEGATE_TEST_POSTGRES_URL"] = args.postgres
        args.database_url = postgres_database(f"imagegate_bench_{os.getpid()}")
    with tempfile.TemporaryDirectory(prefix="imagegate-bench-") as tmp:
        home = Path(tmp)
        archive = home / "bench.tar"
        build_image(archive)
        port = free_port()
        env = {**os.environ, "IMAGEGATE_HOME": str(home), "IMAGEGATE_ADMIN_PASSWORD": PASSWORD,
               "IMAGEGATE_DATABASE_URL": args.database_url or f"sqlite:///{home / 'ig.db'}"}
        if args.no_response_cache:
            env["IMAGEGATE_CHECK_CACHE_SECONDS"] = "0"
        subprocess.run([sys.executable, "-m", "app.cli", "admin", "init"], env=env, check=True,
                       capture_output=True)
        server = subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--port", str(port),
                                   "--workers", str(args.workers)], env=env)
        base = f"http://127.0.0.1:{port}"
        auth = "Basic " + base64.b64encode(f"admin:{PASSWORD}".encode()).decode()
        try:
            client = httpx.Client(base_url=base, headers={"authorization": auth}, timeout=60)
            for _ in range(300):
                try:
                    if client.get("/health").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            [record] = client.post("/v1/images", params={"tag": "bench/app:1"},
                                   content=archive.read_bytes(),
                                   headers={"content-type": "application/x-tar"}).json()
            client.post("/v1/policies", json=POLICY).raise_for_status()
            client.put("/v2/policies/bench?active=true").raise_for_status()
            check = f"/v2/images/{record['imageDigest']}/check?tag=bench/app:1"
            body = client.get(check).json()
            found = body["evaluations"][0]["number_of_findings"]
            assert found == FINDINGS, json.dumps(body)[:500]
            def load(path: str, seconds: int) -> Result:
                if args.client == "wrk":
                    return wrk(base + path, auth, seconds, args.connections)
                return asyncio.run(_httpx(base + path, auth, seconds, args.connections))

            load(check, 2)  # warm-up (discarded): every worker verifies the credentials once
            results = {name: load(path, args.seconds)
                       for name, path in (("/health", "/health"), ("check", check))}
        finally:
            server.terminate()
            server.wait(30)
            if args.postgres:
                drop_database(args.postgres, args.database_url)
    health, checked = results["/health"], results["check"]
    database = "postgresql" if args.database_url and "postgres" in args.database_url \
        else "sqlite"
    print(f"client={args.client} db={database} workers={args.workers} "
          f"connections={args.connections} "
          f"seconds={args.seconds} findings={FINDINGS} "
          f"response_cache={'off' if args.no_response_cache else 'on'}")
    for name, r in results.items():
        print(f"{name:8} {r.rps:9.1f} req/s  p50 {r.p50_ms:6.2f} ms  p99 {r.p99_ms:6.2f} ms  "
              f"errors {r.errors}  requests {r.requests}")
    ratio = checked.rps / health.rps
    print(f"ratio    {ratio:.1%} of /health (target >= 40%); check p99 {checked.p99_ms:.1f} ms "
          f"(target <= 50 ms); errors {checked.errors + health.errors} (target 0)")
    ok = ratio >= 0.4 and checked.p99_ms <= 50 and checked.errors + health.errors == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
