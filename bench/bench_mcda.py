"""Benchmark of the MCDA core and the SMAA-style sensitivity analysis.

Prints timings for the brief's target size (2000 weight draws x 10 000
alternatives) and ratios against a per-draw loop over pymcdm, the peer
implementation. Run: ``.venv/bin/python bench/bench_mcda.py``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from pymcdm.methods import TOPSIS, WSM
from pymcdm.normalizations import vector_normalization

from siting.criteria.mcda import topsis, weighted_sum
from siting.scoring.sensitivity import rank_acceptability, weight_sweep

N_ALT, N_CRIT, N_DRAWS = 10_000, 13, 2_000


def _identity(col: np.ndarray, cost: bool = False) -> np.ndarray:  # noqa: ARG001
    """pymcdm normalisation that leaves values (already 0..1) as they are."""
    return col


def _time(fn: Callable[[], object], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    rng = np.random.default_rng(0)
    values = rng.random((N_ALT, N_CRIT))
    weights = rng.dirichlet(np.ones(N_CRIT))
    passes = rng.random(N_ALT) > 0.3
    types = np.ones(N_CRIT, dtype=int)
    print(f"matrix {N_ALT} alternatives x {N_CRIT} criteria, {passes.sum()} passing")

    ours = _time(lambda: topsis(values, weights))
    peer = _time(lambda: TOPSIS(vector_normalization)(values, weights, types))
    print(f"TOPSIS once:        siting {ours * 1e3:7.2f} ms | pymcdm {peer * 1e3:7.2f} ms "
          f"| ratio {peer / ours:5.1f}x")
    wsm = WSM(normalization_function=_identity)
    ours = _time(lambda: weighted_sum(values, weights))
    peer = _time(lambda: wsm(values, weights, types))
    print(f"weighted sum once:  siting {ours * 1e3:7.2f} ms | pymcdm {peer * 1e3:7.2f} ms "
          f"| ratio {peer / ours:5.1f}x")

    for method in ("weighted_sum", "topsis", "cautious"):
        for max_rank in (10, 100):
            secs = _time(lambda m=method, k=max_rank: rank_acceptability(
                values, weights, n_draws=N_DRAWS, passes=passes, method=m, max_rank=k),
                repeat=1)
            print(f"rank_acceptability {method:12s} {N_DRAWS} draws, max_rank={max_rank:3d}: "
                  f"{secs:6.2f} s")

    # Peer: the obvious loop, one pymcdm call and one argsort per draw (timed on 100 draws).
    draws = rng.dirichlet(50 * weights, size=100)
    t0 = time.perf_counter()
    for w in draws:
        s = TOPSIS(vector_normalization)(values, w, types)
        np.argsort(-s, kind="stable")
    loop = (time.perf_counter() - t0) / 100 * N_DRAWS
    batch = _time(lambda: rank_acceptability(values, weights, n_draws=N_DRAWS, passes=passes,
                                             method="topsis", max_rank=10), repeat=1)
    print(f"TOPSIS SMAA: batch {batch:6.2f} s | pymcdm loop (extrapolated) {loop:6.2f} s "
          f"| ratio {loop / batch:5.1f}x")

    secs = _time(lambda: weight_sweep(values, weights, passes))
    print(f"weight_sweep weighted_sum (exact), {N_CRIT} criteria: {secs * 1e3:7.2f} ms")
    small = values[:500]
    secs = _time(lambda: weight_sweep(small, weights, passes[:500], method="topsis"), repeat=1)
    print(f"weight_sweep topsis (grid+bisection), 500 alternatives: {secs:6.2f} s")


if __name__ == "__main__":
    main()
