"""Benchmark the one evaluator on raster-sized inputs (millions of cells).

Prints numbers; asserts nothing. Run from the repository root::

    .venv/bin/python bench/bench_evaluator.py [--cells 4000000] [--rounds 5]

For each case the evaluator (``siting.criteria.evaluator``) is timed against a plain
numpy baseline doing the bare comparison (``x <= thr`` with a NaN check), interleaved
round by round so that machine load hits both alike: wall time and CPU time (median of
the rounds) and peak traced memory (tracemalloc, one extra run each).

Cases: a numeric distance criterion (complete layer), the same on an incomplete layer
(coverage gap: ``bias="upper"``), a municipality text attribute gathered through items
(the surface's ``Indexed`` path: 290 items -> cells), the verdict of a 6-criterion
table, and the soft value through a linear value function.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from siting.criteria.evaluator import Evidence, hard_codes, row_verdict, soft_values  # noqa: E402
from siting.criteria.profiles import HardCriterion, SoftCriterion  # noqa: E402
from siting.criteria.valuefn import parse_value_fn  # noqa: E402


def _time(fn: Callable[[], object]) -> tuple[float, float]:
    w0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w0, time.process_time() - c0


def _peak_mb(fn: Callable[[], object]) -> float:
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1e6


def _case(name: str, ours: Callable[[], object], base: Callable[[], object],
          rounds: int) -> None:
    walls: dict[str, list[float]] = {"evaluator": [], "baseline": []}
    cpus: dict[str, list[float]] = {"evaluator": [], "baseline": []}
    for _ in range(rounds):  # interleaved
        for label, fn in (("evaluator", ours), ("baseline", base)):
            w, c = _time(fn)
            walls[label].append(w)
            cpus[label].append(c)
    for label, fn in (("evaluator", ours), ("baseline", base)):
        print(f"{name:<34} {label:<9} wall {statistics.median(walls[label]) * 1e3:8.1f} ms  "
              f"cpu {statistics.median(cpus[label]) * 1e3:8.1f} ms  "
              f"peak {_peak_mb(fn):7.1f} MB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cells", type=int, default=4_000_000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    n = args.cells
    dist = rng.uniform(0, 30_000, n)
    dist[rng.random(n) < 0.01] = np.nan
    near = HardCriterion("near", "d", "<=", 8000.0, "")
    gap = Evidence("d", layer_id="substations", bias="upper")
    print(f"{n:,} cells, {args.rounds} interleaved rounds")

    def plain() -> np.ndarray:
        with np.errstate(invalid="ignore"):
            ok = dist <= 8000.0
        return np.where(np.isnan(dist), -1, ok.astype(np.int8))

    _case("distance <= 8 km (complete)", lambda: hard_codes(near, dist), plain, args.rounds)
    _case("distance <= 8 km (coverage gap)", lambda: hard_codes(near, dist, gap), plain,
          args.rounds)
    items = np.array([f"SE{i % 4 + 1}" for i in range(290)], dtype=object)
    index = rng.integers(-1, 290, n)
    price = HardCriterion("pa", "p", "in", ("SE1", "SE2"), "")

    def gathered() -> np.ndarray:
        per = hard_codes(price, items)
        return np.append(per, np.int8(-1))[np.where(index >= 0, index, per.size)]

    def gathered_plain() -> np.ndarray:
        per = np.isin(items, ["SE1", "SE2"]).astype(np.int8)
        return np.append(per, np.int8(-1))[np.where(index >= 0, index, per.size)]

    _case("price area in (SE1, SE2) via items", gathered, gathered_plain, args.rounds)
    codes = rng.choice(np.array([1, 0, -1], dtype=np.int8), size=(n, 6), p=[0.8, 0.1, 0.1])
    _case("verdict of 6 criteria", lambda: row_verdict(codes),
          lambda: np.where((codes == 0).any(axis=1), 0, 1), args.rounds)
    fn = parse_value_fn({"kind": "linear", "x0": 20000, "x1": 0}, "bench", "soft", [])
    soft = SoftCriterion("s", "d", 1.0, fn, "")  # type: ignore[arg-type]

    def soft_plain() -> np.ndarray:
        return np.nan_to_num(np.clip((20000 - dist) / 20000, 0, 1))

    _case("soft linear value", lambda: soft_values(soft, dist), soft_plain, args.rounds)


if __name__ == "__main__":
    main()
