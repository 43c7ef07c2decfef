"""Benchmark real Sweden (``sweden_open``): comparison, candidate sites, backtest.

Targets (issue 10, CPU time on the 2-core machine):

1. ``compare``: all 290 municipalities for one profile at 1 km <= 20 s;
2. ``sites``: candidate areas + brownfield sites and their metrics (scored) for one
   municipality (Skellefteå) at 100 m <= 5 s;
3. ``backtest``: one profile over the outcome log's real seed cases <= 60 s.

Every case runs in a fresh subprocess; the timed figure is the CPU time of the
work itself (data already loaded), with the whole process's CPU time beside it and
a plain baseline (``load_*``: loading the same layers only) interleaved so the
cost of the computation itself is visible. Rounds alternate the cases. Peak RSS is
the largest child so far (``RUSAGE_CHILDREN``), an upper bound for each case.

Usage::

    .venv/bin/python bench/bench_real.py [--profile battery_plant] [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGETS_S = {"compare": 20.0, "sites": 5.0, "backtest": 60.0}

_IMPORTS = ("import time; from siting.data.layers import load_layerset; "
            "from siting.criteria.profiles import load_profile; ")
#: name -> (setup, timed work); the work's own CPU time is printed by the child.
_CASES = {
    "load_all": ("", "ls = load_layerset('sweden_open')"),
    "compare": ("from siting.compare import compare_region; p = load_profile('{p}'); "
                "ls = load_layerset('sweden_open')",
                "compare_region(p, ls, resolution_m=1000)"),
    "load_one": ("", "ls = load_layerset('sweden_open', region='Skellefteå')"),
    "sites": ("from siting.surface.candidate_sites import candidate_sites; "
              "from siting.scoring import evaluate; p = load_profile('{p}'); "
              "ls = load_layerset('sweden_open', region='Skellefteå')",
              "evaluate(candidate_sites(p, ls, resolution_m=100), p, ls)"),
    "backtest": ("from siting.backtest import backtest, cases_frame; "
                 "from siting.outcomes.seed import real_cases; p = load_profile('{p}'); "
                 "ls = load_layerset('sweden_open'); cases = cases_frame(real_cases())",
                 "backtest(p, ls, cases, resolution_m=1000)"),
}


def _run(setup: str, work: str) -> dict[str, float]:
    code = (f"{_IMPORTS}{setup}\nt0 = time.process_time(); w0 = time.perf_counter()\n{work}\n"
            "print(time.process_time() - t0, time.perf_counter() - w0)")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=REPO,
                         capture_output=True, text=True).stdout.split()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"cpu_s": float(out[-2]), "wall_s": float(out[-1]),
            "process_cpu_s": (after.ru_utime - before.ru_utime)
            + (after.ru_stime - before.ru_stime),
            "peak_mb": after.ru_maxrss / 1024.0}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profile", default="battery_plant")
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    results: dict[str, list[dict[str, float]]] = {k: [] for k in _CASES}
    for _ in range(args.rounds):
        for name, code in _CASES.items():
            setup, work = code
            results[name].append(_run(setup.format(p=args.profile), work))
    print(f"profile {args.profile}, load average {os.getloadavg()[0]:.1f}")
    summary = {}
    for name, runs in results.items():
        best = min(runs, key=lambda r: r["cpu_s"])
        target = TARGETS_S.get(name)
        ok = "" if target is None else (" ok" if best["cpu_s"] <= target else " OVER TARGET")
        print(f"{name:9} cpu {best['cpu_s']:6.2f} s  wall {best['wall_s']:6.2f} s  "
              f"(whole process incl. imports and loading: cpu {best['process_cpu_s']:6.2f} s)  "
              f"peak<= {best['peak_mb']:7.0f} MB" + (f"  target {target:g} s{ok}" if target else ""))
        summary[name] = {k: round(v, 3) for k, v in best.items()}
    print(json.dumps({"bench": "real", "profile": args.profile, **summary}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
