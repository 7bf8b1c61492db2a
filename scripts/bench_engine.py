#!/usr/bin/env python3
"""Engine benchmark (issue 2): a large image against a policy with one rule for every trigger,
and the vulnerabilities `package` rule against the same rule in Rego (regopy), side by side.

    .venv/bin/python scripts/bench_engine.py [--runs 15] [--rego-runs 5] [--classic-rego]
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.engine import compile_policy, evaluate
from app.engine.gates import GATES
from scripts.benchdata import EVERY_TRIGGER, NOW, every_trigger_policy, large_image

TAG = "docker.io/example/big:1.0"
PACKAGE_RULE = {"package_type": "all", "severity_comparison": ">=", "severity": "medium"}

# The same rule in Rego, as a team running OPA over scanner output would write it. The array
# comprehension is the fastest form we found for regopy; `--classic-rego` times the classic
# `deny[msg] { ... }` partial set too (it is quadratic in regopy: a minute for 20,000 matches).
REGO_COMMON = r"""
package gate

non_os := {"java", "python", "npm", "gem", "maven", "js", "composer", "nuget", "binary", "go"}
sev_rank := {"unknown": 0, "negligible": 1, "low": 2, "medium": 3, "high": 4, "critical": 5}

pkg_class(m) = "non-os" { non_os[lower(m.package_type)] } else = "os"

pkg_label(m) = m.package_location { pkg_class(m) == "non-os" } else = m.package_name

fix_text(m) = s {
  count(m.fix_versions) > 0
  s := concat("", ["(fixed in: ", concat(", ", m.fix_versions), ")"])
} else = ""

tail(m, back) = s {
  parts := split(m.package_location, "/")
  count(parts) >= back
  s := parts[count(parts) - back]
} else = ""

segment(m) = s { m.package_type == "java"; s := tail(m, 1) }
  else = s { m.package_type == "gem"; s := tail(m, 1) }
  else = s { m.package_type == "npm"; s := tail(m, 2) }
  else = ""

key(m) = m.package_name { pkg_class(m) == "os" }
  else = s { s := segment(m); s != "" }
  else = concat("-", [m.package_name, m.package_version])

matching(m) {
  sev_rank[lower(m.severity)] >= sev_rank["medium"]
  not m.will_not_fix
}

finding(m) = [id, msg] {
  id := concat("+", [m.vulnerability_id, key(m)])
  msg := concat("", [upper(m.severity), " Vulnerability found in ", pkg_class(m),
                     " package type (", m.package_type, ") - ", pkg_label(m), " ",
                     fix_text(m), "(", m.vulnerability_id, " - ", m.link, ")"])
}
"""
REGO_FAST = REGO_COMMON + """
findings := [f | m := input.matches[_]; matching(m); f := finding(m)]
"""
REGO_CLASSIC = REGO_COMMON + """
deny[f] { m := input.matches[_]; matching(m); f := finding(m) }
"""


def timed(fn, runs):
    times, result = [], None
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def rego_runner(module: str, query: str, matches: list[dict]):
    from regopy import Input, Interpreter

    rego = Interpreter()
    rego.add_module("gate", module)

    def run():
        rego.set_input(Input({"matches": matches}))
        output = rego.query(query)
        value = output.results[0].expressions[0]
        rows = value if isinstance(value, list) else [json.loads(k) for k in value]
        return {(row[0], row[1]) for row in rows}

    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--rego-runs", type=int, default=5)
    parser.add_argument("--classic-rego", action="store_true")
    args = parser.parse_args()

    build_start = time.perf_counter()
    facts = large_image()
    print(f"facts: {len(facts.image.packages)} packages, {len(facts.vulnerabilities)} matches, "
          f"{len(facts.image.files or ())} files, {len(facts.image.secret_matches)} secret hits "
          f"(built in {time.perf_counter() - build_start:.1f} s)")

    covered = {(g, t) for g, t, _ in EVERY_TRIGGER}
    missing = {(g.name, t) for g in GATES.values() for t in g.triggers} - covered
    assert not missing, f"the bench policy lacks a rule for {sorted(missing)}"
    policy = compile_policy(every_trigger_policy())
    assert not policy.problems, policy.problems

    whole, decision = timed(lambda: evaluate(policy, facts, tag=TAG, now=NOW), args.runs)
    assert not [p for p in decision.problems if p.severity == "error"], decision.problems
    fired = {f.trigger for f in decision.findings}
    print(f"whole policy: {len(policy.document.rule_sets[0].rules)} rules, "
          f"{len(decision.findings)} findings from {len(fired)} triggers, "
          f"final action {decision.final_action.label}")

    single = compile_policy({
        "id": "p", "version": "2", "rule_sets": [{"id": "rs", "name": "rs", "version": "2",
        "rules": [{"id": "r", "gate": "vulnerabilities", "trigger": "package", "action": "STOP",
                   "params": [{"name": k, "value": v} for k, v in PACKAGE_RULE.items()]}]}],
        "mappings": [{"id": "m", "name": "m", "registry": "*", "repository": "*",
                      "image": {"type": "tag", "value": "*"}, "rule_set_ids": ["rs"],
                      "allowlist_ids": []}]})
    ours_time, ours = timed(lambda: {(f.trigger_id, f.message) for f in evaluate(
        single, facts, tag=TAG, now=NOW).findings}, args.runs)

    matches = [{"vulnerability_id": m.vulnerability_id, "severity": m.severity,
                "package_name": m.package_name, "package_version": m.package_version,
                "package_type": m.package_type, "package_location": m.package_location,
                "link": m.link, "fix_versions": list(m.fix_versions),
                "will_not_fix": m.will_not_fix} for m in facts.vulnerabilities]
    rego = rego_runner(REGO_FAST, "data.gate.findings", matches)
    rego_result = rego()
    assert rego_result == ours, (
        f"Rego and imagegate disagree: {len(rego_result ^ ours)} findings differ, e.g. "
        f"{sorted(rego_result ^ ours)[:2]}")
    rego_time, _ = timed(rego, args.rego_runs)

    print()
    print(f"{'measure':54} {'p50':>10}  target")
    print(f"{'whole evaluation, one rule per trigger':54} {whole * 1000:8.1f} ms  <= 200 ms")
    print(f"{'vulnerabilities/package over 20,000 matches':54} {ours_time * 1000:8.1f} ms")
    print(f"{'same rule in Rego (regopy, array comprehension)':54} {rego_time * 1000:8.1f} ms")
    label = f"speed-up over Rego (same {len(ours)} findings)"
    print(f"{label:54} {rego_time / ours_time:8.1f} x   >= 2 x")
    if args.classic_rego:
        classic = rego_runner(REGO_CLASSIC, "data.gate.deny", matches)
        classic_time, classic_result = timed(classic, 1)
        assert classic_result == ours
        print(f"{'same rule in Rego, classic deny[msg] { ... }':54} "
              f"{classic_time * 1000:8.1f} ms  ({classic_time / ours_time:.0f} x)")
    ok = whole <= 0.200 and rego_time / ours_time >= 2
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
