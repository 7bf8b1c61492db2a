"""Time `imagegate image check REF -o json` on an already analyzed image (embedded catalog),
the whole process, against `python -c pass` in the same run.

    .venv/bin/python scripts/bench_cli.py [--runs 15] [--budget-ms 600]

Exit 1 when the median wall time of the check is over the budget.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.analysis.builders import D, F, docker_archive  # noqa: E402

OS_RELEASE = 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12"\n'
LAYER = [D("etc"), F("etc/os-release", OS_RELEASE),
         F("etc/passwd", "root:x:0:0:root:/root:/bin/bash\n"), D("usr"), D("usr/bin"),
         *[F(f"usr/bin/tool{i}", b"\x7fELF" + bytes(i), 0o755) for i in range(200)]]
REF = "bench/app:1.0"


CPU: list[float] = []  # user + system seconds of each timed child, in order


def timed(argv: list[str], env: dict[str, str]) -> float:
    """Wall seconds of one run; its CPU seconds go to CPU."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--budget-ms", type=float, default=600.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="imagegate-bench-") as home:
        env = {**os.environ, "IMAGEGATE_HOME": home}
        env.pop("IMAGEGATE_URL", None)
        env.pop("IMAGEGATE_DATABASE_URL", None)
        archive = docker_archive(os.path.join(home, "app.tar"), [LAYER], tags=(REF,)).path
        cli = [sys.executable, "-m", "app.cli"]
        subprocess.run([*cli, "image", "add", archive], env=env, cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
        check = [*cli, "image", "check", REF, "-o", "json"]
        timed(check, env)  # the evaluation is stored: later runs reuse it
        baseline, checks, base_cpu, check_cpu = [], [], [], []
        for _ in range(args.runs):
            baseline.append(timed([sys.executable, "-c", "pass"], env))
            base_cpu.append(CPU[-1])
            checks.append(timed(check, env))
            check_cpu.append(CPU[-1])
    base_ms = statistics.median(baseline) * 1000
    check_ms = statistics.median(checks) * 1000
    print(f"python -c pass          median {base_ms:7.1f} ms  min {min(baseline) * 1000:7.1f} ms"
          f"  cpu {statistics.median(base_cpu) * 1000:7.1f} ms")
    print(f"image check -o json     median {check_ms:7.1f} ms  min {min(checks) * 1000:7.1f} ms"
          f"  cpu {statistics.median(check_cpu) * 1000:7.1f} ms  ({args.runs} runs)")
    print(f"load average            {os.getloadavg()[0]:.1f} on {os.cpu_count()} cpus")
    print(f"ratio check / baseline  {check_ms / base_ms:.1f}x  budget {args.budget_ms:.0f} ms: "
          f"{'ok' if check_ms <= args.budget_ms else 'OVER'}")
    return 0 if check_ms <= args.budget_ms else 1


if __name__ == "__main__":
    sys.exit(main())
