"""Benchmark the scoring engine on many candidate sites in Demolän.

Prints, for each shipped profile, the time to compute the metrics, the rest of
:func:`siting.scoring.evaluate` (hard criteria with reasons, values,
aggregation, table, provenance), one :meth:`SitingResult.rerank` (targets:
metrics <= 2 s and rerank <= 50 ms for 10 000 sites) and a 2 000-draw
sensitivity run.

Usage::

    .venv/bin/python bench/bench_scoring.py [--n 10000] [--profiles battery_plant,...]
"""

from __future__ import annotations

import argparse
import statistics
import time

from siting.criteria.profiles import load_profile
from siting.data.layers import load_layerset
from siting.demo import STUDY_AREA, demo_sites_large
from siting.scoring.sites import compute_metrics, evaluate, prepare_sites

TARGET_METRICS_S = 2.0
TARGET_RERANK_MS = 50.0


def _best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="number of sites (default 10000)")
    parser.add_argument("--profiles", default="battery_plant,steelworks,data_center")
    parser.add_argument("--draws", type=int, default=2000)
    args = parser.parse_args()

    t0 = time.perf_counter()
    ls = load_layerset("demo", region=list(STUDY_AREA))
    t_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    sites = demo_sites_large(args.n, seed=1)
    t_gen = time.perf_counter() - t0
    print(f"demo layers loaded in {t_load:.2f} s; {len(sites)} sites generated in {t_gen:.2f} s")
    prepared = prepare_sites(sites, ls)
    for pid in args.profiles.split(","):
        prof = load_profile(pid)
        t0 = time.perf_counter()
        metrics, missing, methods = compute_metrics(prepared, prof, ls)
        t_metrics = time.perf_counter() - t0
        t0 = time.perf_counter()
        res = evaluate(sites, prof, ls, metrics_cache=metrics)
        t_rest = time.perf_counter() - t0
        weights = {c.id: 1.0 for c in prof.soft}
        t_rerank = _best(lambda res=res, weights=weights: res.rerank(weights), 7)
        t0 = time.perf_counter()
        rep = res.sensitivity(n_draws=args.draws, seed=0)
        t_sens = time.perf_counter() - t0
        slowest = sorted(methods.items(), key=lambda kv: -kv[1].get("seconds", 0))[:3]
        ok = int(res.passes.sum())
        print(f"\n{pid}: {len(prof.metrics)} metrics, {len(prof.hard)} hard, "
              f"{len(prof.soft)} soft, {prof.aggregation}; {ok} of {len(res.table)} pass"
              f"{'; missing: ' + ', '.join(missing) if missing else ''}")
        print(f"  metrics          {t_metrics:8.3f} s   (target <= {TARGET_METRICS_S} s: "
              f"{'ok' if t_metrics <= TARGET_METRICS_S else 'MISSED'})")
        print("    slowest: " + ", ".join(f"{k} {v['seconds']:.3f} s" for k, v in slowest))
        print(f"  rest of evaluate {t_rest:8.3f} s   (criteria, reasons, table, provenance)")
        print(f"  rerank           {t_rerank * 1000:8.1f} ms  (target <= {TARGET_RERANK_MS} ms: "
              f"{'ok' if t_rerank * 1000 <= TARGET_RERANK_MS else 'MISSED'}; best of 7)")
        print(f"  sensitivity      {t_sens:8.3f} s   ({args.draws} draws; top P(rank 1) = "
              f"{statistics.fmean(sorted(rep.acceptability['p_rank1'])[-1:]):.3f})")


if __name__ == "__main__":
    main()
