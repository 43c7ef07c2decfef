"""Benchmark and calibration figures for siting.learn (prints numbers; not a test).

Usage::

    .venv/bin/python bench/bench_learn.py [--seeds 20] [--quick]

1. Known-truth check over many seeds: Spearman(suggested, true weights),
   pass rate (Spearman >= 0.9 and Brier < baseline), per prior setting.
2. Shrinkage curve: distance of the suggested weights to a *wrong* expert
   prior and to the truth as the number of cases grows.
3. Run time of ``learn`` (defaults, with the random forest) by case count,
   wall and CPU time.
4. The fictional demo outcome log: what the battery profile learns from it,
   next to the hidden rule that generated the demo outcomes.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from siting.learn import build_features, learn, spec_from_mappings
from siting.learn.models import fit_shrunk_logit, suggested_weights_from_coef
from siting.learn.truth import TRUE_WEIGHTS, known_truth_check, simulate_cases


def bench_known_truth(seeds: int) -> None:
    print(f"1. Known-truth check, n_cases=300, {len(TRUE_WEIGHTS)} features, {seeds} seeds")
    for prior in ("cv", 10.0, 0.5):
        rhos, passed, gains, t0 = [], 0, [], time.perf_counter()
        for seed in range(seeds):
            out = known_truth_check(n_cases=300, seed=seed, prior_strength=prior)
            rhos.append(out["spearman"])
            passed += out["passed"]
            gains.append(out["brier_baseline"] - out["brier"])
        dt = (time.perf_counter() - t0) / seeds
        print(f"   prior_strength={prior!s:>4}: Spearman min {min(rhos):.3f} "
              f"mean {np.mean(rhos):.3f}; pass {passed}/{seeds}; "
              f"Brier gain over baseline mean {np.mean(gains):.3f} (min {min(gains):.3f}); "
              f"{dt:.2f} s per check")
    out = known_truth_check()
    print("   seed 0 (default):", {k: round(v, 3) for k, v in out["suggested_weights"].items()},
          f"spearman {out['spearman']:.3f} brier {out['brier']:.3f} "
          f"baseline {out['brier_baseline']:.3f}")


def bench_shrinkage(seeds: int) -> None:
    true = np.array([6.0, 3.0, 0.5, 0.5])
    expert = np.array([0.1, 0.1, 0.4, 0.4])
    true_dir = true / true.sum()
    print("2. Shrinkage toward a wrong expert prior "
          f"(true direction {np.round(true_dir, 2).tolist()}, expert {expert.tolist()})")
    print(f"   {'n':>5} {'L1 to expert':>13} {'L1 to truth':>12}")
    for n in (12, 25, 50, 100, 300, 1000):
        d_exp, d_true = [], []
        for seed in range(seeds):
            rng = np.random.default_rng(seed)
            x = rng.uniform(0, 1, size=(n, 4))
            y = (rng.uniform(size=n) < 1 / (1 + np.exp(-(x - 0.5) @ true))).astype(int)
            if y.min() == y.max():
                continue
            with threadpool_limits(limits=1, user_api="blas"):
                model = fit_shrunk_logit(x, y, expert, np.ones(4))
            w = suggested_weights_from_coef(model.coef, np.ones(4))
            d_exp.append(np.abs(w - expert).sum())
            d_true.append(np.abs(w - true_dir).sum())
        print(f"   {n:>5} {np.mean(d_exp):>13.3f} {np.mean(d_true):>12.3f}")


def bench_runtime(sizes: tuple[int, ...]) -> None:
    print("3. learn() run time (defaults: 5x5 CV or LOO, 200 bootstrap refits, random forest)")
    spec = spec_from_mappings(dict.fromkeys(TRUE_WEIGHTS, 1.0), include_soft_factors=False)
    for n in sizes:
        table = build_features(simulate_cases(n, seed=1), spec)
        w0, c0 = time.perf_counter(), time.process_time()
        result = learn(table)
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        print(f"   n={n:>5} ({result.cv_scheme}): {wall:6.2f} s wall, {cpu:6.2f} s CPU; "
              f"AUC {result.cv_auc:.3f} vs forest {result.comparison[0].auc:.3f}")


def bench_demo() -> None:
    from siting.learn.adapters import spec_from_profile
    from siting.outcomes import cases_to_frame, demo_cases
    from siting.outcomes.seed import DEMO_RULE

    print("4. Fictional demo outcome log, battery_plant profile, all industries")
    frame = cases_to_frame(demo_cases())
    spec = spec_from_profile("battery_plant")
    result = learn(build_features(frame, spec))
    print(f"   {result.message_en}")
    print(f"   CV AUC {result.cv_auc:.3f} [{result.cv_auc_interval[0]:.2f}, "
          f"{result.cv_auc_interval[1]:.2f}], Brier {result.brier:.3f} vs baseline "
          f"{result.brier_baseline:.3f}; forest AUC {result.comparison[0].auc:.3f}")
    rows = pd.DataFrame({"expert": dict(result.expert_weights),
                         "suggested": dict(result.suggested_weights)})
    print("   " + rows.round(3).to_string().replace("\n", "\n   "))
    print("   hidden demo rule:", dict(DEMO_RULE))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="fewer seeds and sizes")
    args = parser.parse_args()
    seeds = 5 if args.quick else args.seeds
    bench_known_truth(seeds)
    bench_shrinkage(seeds)
    bench_runtime((50, 300) if args.quick else (50, 300, 1000))
    bench_demo()


if __name__ == "__main__":
    main()
