"""How robust is a ranking? Weight Monte Carlo (SMAA) and one-at-a-time weight sweeps.

Numeric core only: criterion values in 0..1 in, arrays out; no geometry.

* :func:`rank_acceptability` draws weight vectors from a Dirichlet distribution
  centred on the profile's weights (or uniformly on the simplex when no
  weights are given, as in SMAA-2, Lahdelma & Salminen 2001) and counts how
  often each alternative takes each rank. Sites failing a hard criterion are
  always ranked below every passing site.
* :func:`weight_sweep` moves one weight at a time from 0 to 1, rescaling the
  others proportionally, and reports how far it may move down and up before
  the top-ranked site changes, and which site would take over. For the
  weighted sum the scores are linear in the moved weight, so the breakpoints
  are exact; for TOPSIS and the cautious aggregation they are found on a grid
  refined by bisection.

Examples
--------
>>> v = np.array([[0.9, 0.2], [0.5, 0.5], [0.1, 0.9]])
>>> ra = rank_acceptability(v, [0.5, 0.5], n_draws=500, seed=1)
>>> ra.acceptability.sum(axis=1).round(6).tolist()
[1.0, 1.0, 1.0]
>>> sw = weight_sweep(v, [0.5, 0.5])
>>> int(sw.top), round(float(sw.lower[0]), 4), int(sw.lower_takeover[0])
(0, 0.4667, 2)
>>> float(sw.upper[0]), int(sw.upper_takeover[0])
(1.0, -1)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from siting.core.errors import Problem, ScoringError
from siting.criteria.mcda import METHODS, aggregate, rank_desc

__all__ = [
    "DEFAULT_CONCENTRATION",
    "RankAcceptability",
    "WeightSweep",
    "rank_acceptability",
    "sweep_curve",
    "weight_sweep",
]

#: Dirichlet concentration: with weights ``w`` the draws have mean ``w`` and standard
#: deviation ``sqrt(w (1 - w) / (c + 1))``, e.g. 0.2 +- 0.056 for ``c = 50``.
DEFAULT_CONCENTRATION = 50.0

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
_FAIL_OFFSET = 2.0  # scores lie in 0..1; failing sites are pushed below every passing one


@dataclass(frozen=True)
class RankAcceptability:
    """Result of :func:`rank_acceptability`.

    Attributes
    ----------
    acceptability : ndarray, shape (n_alt, max_rank)
        ``acceptability[i, r]``: share of draws in which alternative ``i`` took
        rank ``r + 1``. Rows sum to 1 when ``max_rank == n_alt``.
    p_first, p_top3 : ndarray, shape (n_alt,)
        Probability of rank 1 and of a rank within the top 3.
    p_beyond : ndarray, shape (n_alt,)
        Probability of a rank worse than ``max_rank`` (0 when the matrix is full).
    central_weights : ndarray, shape (n_alt, n_crit)
        Mean weight vector of the draws in which the alternative ranked first
        (SMAA central weight vector); NaN rows for alternatives never first.
    n_draws : int
    method : str
    """

    acceptability: FloatArray
    p_first: FloatArray
    p_top3: FloatArray
    p_beyond: FloatArray
    central_weights: FloatArray
    n_draws: int
    method: str


@dataclass(frozen=True)
class WeightSweep:
    """Result of :func:`weight_sweep`, one entry per criterion.

    Attributes
    ----------
    top : int
        Index of the top-ranked passing alternative at the given weights (-1 if none).
    weights : ndarray
        The normalised starting weights.
    lower, upper : ndarray
        The range of each criterion's (normalised) weight within which ``top``
        stays first, the other weights rescaled proportionally.
    lower_takeover, upper_takeover : ndarray of int
        The alternative that becomes first just beyond ``lower`` / ``upper``;
        -1 when ``top`` stays first all the way to 0 / 1.
    exact : bool
        True for the weighted sum (analytic breakpoints).
    """

    top: int
    weights: FloatArray
    lower: FloatArray
    upper: FloatArray
    lower_takeover: IntArray
    upper_takeover: IntArray
    exact: bool

    def records(self, names: list[str] | None = None) -> list[dict[str, Any]]:
        """One dict per criterion (for tables in the app and reports)."""
        names = names or [str(j) for j in range(self.weights.shape[0])]
        return [
            {"criterion": names[j], "weight": float(self.weights[j]),
             "lower": float(self.lower[j]), "upper": float(self.upper[j]),
             "lower_takeover": int(self.lower_takeover[j]),
             "upper_takeover": int(self.upper_takeover[j])}
            for j in range(self.weights.shape[0])
        ]


def _validate(values: ArrayLike, weights: ArrayLike | None, passes: ArrayLike | None,
              method: str) -> tuple[FloatArray, FloatArray | None, NDArray[np.bool_]]:
    src = "sensitivity"
    x = np.asarray(values, dtype=float)
    problems: list[str] = []
    if x.ndim != 2 or x.shape[1] == 0:
        raise ScoringError.single(src, f"values must be a 2-D matrix with at least one "
                                  f"criterion, got shape {x.shape}")
    if method not in METHODS:
        problems.append(f"unknown method {method!r}; use one of {', '.join(METHODS)}")
    if not np.all(np.isfinite(x)):
        problems.append("values contain NaN or infinite numbers")
    elif x.size and (x.min() < 0 or x.max() > 1):
        problems.append(f"values must lie in 0..1, got {x.min():g}..{x.max():g}")
    w = None
    if weights is not None:
        w = np.asarray(weights, dtype=float)
        if w.shape != (x.shape[1],):
            problems.append(f"{x.shape[1]} criteria but weights of shape {w.shape}")
        elif not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
            problems.append("weights must be finite, non-negative and not all zero")
        else:
            w = w / w.sum()
    ok = np.ones(x.shape[0], dtype=bool) if passes is None else np.asarray(passes, dtype=bool)
    if ok.shape != (x.shape[0],):
        problems.append(f"passes must have one flag per alternative ({x.shape[0]})")
    if problems:
        raise ScoringError.from_problems("Cannot run the sensitivity analysis",
                                         [Problem(src, "", "", p) for p in problems])
    return x, w, ok


class _BatchScorer:
    """Scores for batches of weight vectors ``w`` (m, n_crit) -> (m, n_alt).

    What does not depend on the weights (TOPSIS's normalised distances to the
    ideal and anti-ideal per criterion) is computed once. One row per draw keeps
    each draw's scores contiguous for the partial sort.
    """

    def __init__(self, x: FloatArray, method: str) -> None:
        self.x = x
        self.method = method
        self.xt = np.ascontiguousarray(x.T)
        if method == "topsis":
            norm = np.sqrt((x * x).sum(axis=0))
            r = x / np.where(norm > 0, norm, 1.0)
            self.to_best = np.ascontiguousarray(((r - r.max(axis=0)) ** 2).T)
            self.to_worst = np.ascontiguousarray(((r - r.min(axis=0)) ** 2).T)

    def __call__(self, w: FloatArray) -> FloatArray:
        x = self.x
        if self.method == "weighted_sum":
            return w @ x.T
        if self.method == "topsis":
            w2 = w * w
            d_plus = np.sqrt(w2 @ self.to_best)
            d_minus = np.sqrt(w2 @ self.to_worst)
            denom = d_plus + d_minus
            out = np.full_like(denom, 0.5)
            np.divide(d_minus, denom, out=out, where=denom > 0)
            return out
        # weighted minimum, one criterion at a time over all draws of the batch
        floor = 1.0 - w / w.max(axis=1, keepdims=True)  # (m, n_crit)
        out = np.maximum(floor[:, :1], self.xt[0][None, :])
        for j in range(1, x.shape[1]):
            np.minimum(out, np.maximum(floor[:, j:j + 1], self.xt[j][None, :]), out=out)
        return out


def rank_acceptability(
    values: ArrayLike,
    weights: ArrayLike | None = None,
    *,
    n_draws: int = 2000,
    concentration: float = DEFAULT_CONCENTRATION,
    seed: int = 0,
    passes: ArrayLike | None = None,
    method: str = "weighted_sum",
    max_rank: int | None = None,
    chunk_size: int = 256,
) -> RankAcceptability:
    """Rank acceptability under uncertain weights (SMAA-style Monte Carlo).

    Parameters
    ----------
    values : array_like, shape (n_alt, n_crit)
        Criterion values in 0..1 (value-function outputs).
    weights : array_like, optional
        Centre of the Dirichlet weight distribution; None draws uniformly on the simplex.
        Criteria with weight 0 stay at 0.
    n_draws : int
        Number of weight vectors.
    concentration : float
        Dirichlet concentration (larger = closer to ``weights``), see
        :data:`DEFAULT_CONCENTRATION`.
    seed : int
        Seed of the random generator (results are reproducible).
    passes : array_like of bool, optional
        Hard-criteria result; failing alternatives always rank below passing ones.
    method : {"weighted_sum", "topsis", "cautious"}
        The aggregation applied to every draw.
    max_rank : int, optional
        Ranks to tabulate; default ``min(n_alt, 100)`` (the full matrix for small problems).
    chunk_size : int
        Draws scored per batch (bounds memory at ``n_alt * chunk_size`` floats).

    Returns
    -------
    RankAcceptability

    Raises
    ------
    ScoringError
        On bad shapes, values outside 0..1 or invalid weights.
    """
    x, w, ok = _validate(values, weights, passes, method)
    n_alt, n_crit = x.shape
    if n_draws < 1 or concentration <= 0:
        raise ScoringError.single("sensitivity", "n_draws and concentration must be positive")
    if n_alt == 0:
        empty = np.zeros((0, 0))
        return RankAcceptability(empty, np.zeros(0), np.zeros(0), np.zeros(0),
                                 np.zeros((0, n_crit)), int(n_draws), method)
    k = min(n_alt, 100 if max_rank is None else max(int(max_rank), 1))
    k3 = min(n_alt, max(k, 3))
    rng = np.random.default_rng(seed)
    active = np.ones(n_crit, dtype=bool) if w is None else w > 0
    alpha = np.ones(int(active.sum())) if w is None else concentration * w[active]
    counts = np.zeros(n_alt * k3, dtype=np.int64)
    cw_sum = np.zeros((n_alt, n_crit))
    penalty = np.where(ok, 0.0, _FAIL_OFFSET)[None, :]
    # Pruning: the k-th best among a few strong alternatives bounds each draw's true k-th
    # best, so only alternatives beating that bound in some draw need the partial sort.
    scorer = _BatchScorer(x, method)
    centre = np.full((1, n_crit), 1.0 / n_crit) if w is None else w[None, :]
    scout = _top_k(penalty - scorer(centre), min(n_alt, 4 * k3))[0]
    done = 0
    while done < n_draws:
        m = min(chunk_size, n_draws - done)
        draws = np.zeros((m, n_crit))
        draws[:, active] = rng.dirichlet(alpha, size=m)
        neg = penalty - scorer(draws)  # smaller is better
        top = _top_k_pruned(neg, k3, scout)  # (m, k3)
        pos = top * k3 + np.arange(k3)[None, :]
        counts += np.bincount(pos.ravel(), minlength=n_alt * k3)
        np.add.at(cw_sum, top[:, 0], draws)
        done += m
    counts_2d = counts.reshape(n_alt, k3)
    table = counts_2d / n_draws
    beyond = (n_draws - counts_2d[:, :k].sum(axis=1)) / n_draws  # exact: integer counts
    wins = table[:, 0] * n_draws
    with np.errstate(invalid="ignore", divide="ignore"):
        central = np.where(wins[:, None] > 0, cw_sum / np.maximum(wins, 1)[:, None], np.nan)
    acc = table[:, :k]
    return RankAcceptability(
        acceptability=acc, p_first=table[:, 0].copy(), p_top3=table[:, :3].sum(axis=1),
        p_beyond=beyond, central_weights=central,
        n_draws=int(n_draws), method=method)


def _top_k_pruned(neg: FloatArray, k: int, scout: IntArray) -> IntArray:
    """:func:`_top_k` restricted to alternatives that can reach the top ``k`` in some row."""
    n = neg.shape[1]
    if k >= n or scout.size < k:
        return _top_k(neg, k)
    bound = np.partition(neg[:, scout], k - 1, axis=1)[:, k - 1]
    cand = np.flatnonzero((neg <= bound[:, None]).any(axis=0))
    if cand.size >= n // 2:
        return _top_k(neg, k)
    return cand[_top_k(neg[:, cand], k)]


def _top_k(neg: FloatArray, k: int) -> IntArray:
    """Indices of the ``k`` smallest entries per row, in order; ties by index.

    Ties at the k-th place are resolved by index too (a plain ``argpartition``
    would pick among tied entries arbitrarily).
    """
    m, n = neg.shape
    if k >= n:
        return np.argsort(neg, axis=1, kind="stable")
    kth = np.partition(neg, k - 1, axis=1)[:, k - 1]
    rows, cols = np.nonzero(neg <= kth[:, None])  # at least k per row
    order = np.lexsort((cols, neg[rows, cols], rows))
    rows, cols = rows[order], cols[order]
    pos = np.arange(rows.size) - np.searchsorted(rows, np.arange(m))[rows]
    return cols[pos < k].reshape(m, k)


def _others(w: FloatArray, j: int) -> FloatArray:
    """Share of each other criterion when criterion ``j`` moves (zero at ``j``)."""
    u = w.copy()
    u[j] = 0.0
    total = u.sum()
    if total > 0:
        return u / total
    u[:] = 1.0
    u[j] = 0.0
    return u / max(u.sum(), 1.0)


def _moved(w: FloatArray, j: int, t: float) -> FloatArray:
    out = (1.0 - t) * _others(w, j)
    out[j] = t
    return out


def _top(x: FloatArray, w: FloatArray, ok: NDArray[np.bool_], method: str) -> int:
    scores = aggregate(x, w, method) - np.where(ok, 0.0, _FAIL_OFFSET)
    return int(np.argmin(rank_desc(scores)))


def weight_sweep(
    values: ArrayLike,
    weights: ArrayLike,
    passes: ArrayLike | None = None,
    *,
    method: str = "weighted_sum",
    grid_points: int = 201,
    tol: float = 1e-7,
) -> WeightSweep:
    """Weight tolerance per criterion: how far it may move before the top site changes.

    Parameters
    ----------
    values : array_like, shape (n_alt, n_crit)
        Criterion values in 0..1.
    weights : array_like, shape (n_crit,)
        Starting weights (normalised internally).
    passes : array_like of bool, optional
        Only passing alternatives compete for the top.
    method : {"weighted_sum", "topsis", "cautious"}
        Weighted sum is solved exactly; the others on a grid of ``grid_points``
        refined by bisection to ``tol`` (a change that reverts between two grid
        points can be missed).

    Returns
    -------
    WeightSweep
    """
    x, w, ok = _validate(values, weights, passes, method)
    assert w is not None
    n_crit = x.shape[1]
    lower, upper = np.zeros(n_crit), np.ones(n_crit)
    lo_t, up_t = np.full(n_crit, -1, dtype=np.int64), np.full(n_crit, -1, dtype=np.int64)
    if ok.sum() == 0:
        return WeightSweep(-1, w, lower, upper, lo_t, up_t, method == "weighted_sum")
    top = _top(x, w, ok, method)
    if ok.sum() == 1:
        return WeightSweep(top, w, lower, upper, lo_t, up_t, method == "weighted_sum")
    for j in range(n_crit):
        if method == "weighted_sum":
            res = _sweep_exact(x, w, ok, j, top)
        else:
            res = _sweep_search(x, w, ok, j, top, method, grid_points, tol)
        lower[j], lo_t[j], upper[j], up_t[j] = res
    return WeightSweep(top, w, lower, upper, lo_t, up_t, method == "weighted_sum")


def _sweep_exact(x: FloatArray, w: FloatArray, ok: NDArray[np.bool_], j: int, top: int
                 ) -> tuple[float, int, float, int]:
    t0 = float(w[j])
    a = x[:, j]
    b = x @ _others(w, j)
    c = (b - b[top])  # difference at t = 0
    g = (a - b) - (a[top] - b[top])  # slope in t
    cand = ok.copy()
    cand[top] = False
    with np.errstate(divide="ignore", invalid="ignore"):
        t_star = np.where(g != 0, -c / g, np.nan)
    lo, lo_alt, hi, hi_alt = 0.0, -1, 1.0, -1
    down = cand & (g < 0) & (t_star <= t0 + 1e-12) & (t_star >= 0)
    if down.any():
        idx = np.flatnonzero(down)
        best = idx[np.argmax(t_star[idx])]
        lo, lo_alt = float(min(t_star[best], t0)), int(best)
    up = cand & (g > 0) & (t_star >= t0 - 1e-12) & (t_star <= 1)
    if up.any():
        idx = np.flatnonzero(up)
        best = idx[np.argmin(t_star[idx])]
        hi, hi_alt = float(max(t_star[best], t0)), int(best)
    return lo, lo_alt, hi, hi_alt


def _sweep_search(x: FloatArray, w: FloatArray, ok: NDArray[np.bool_], j: int, top: int,
                  method: str, grid_points: int, tol: float) -> tuple[float, int, float, int]:
    t0 = float(w[j])

    def winner(t: float) -> int:
        return _top(x, _moved(w, j, t), ok, method)

    def side(grid: FloatArray) -> tuple[float, int]:
        inside = t0
        for t in grid:
            who = winner(float(t))
            if who != top:
                lo_t, hi_t = inside, float(t)
                while abs(hi_t - lo_t) > tol:
                    mid = 0.5 * (lo_t + hi_t)
                    if winner(mid) == top:
                        lo_t = mid
                    else:
                        hi_t = mid
                return lo_t, winner(hi_t)
            inside = float(t)
        return float(grid[-1]) if grid.size else t0, -1

    full = np.linspace(0.0, 1.0, grid_points)
    lo, lo_alt = side(full[full < t0][::-1])
    hi, hi_alt = side(full[full > t0])
    if lo_alt == -1:
        lo = 0.0
    if hi_alt == -1:
        hi = 1.0
    return lo, lo_alt, hi, hi_alt


def sweep_curve(
    values: ArrayLike,
    weights: ArrayLike,
    criterion: int,
    *,
    n_points: int = 101,
    method: str = "weighted_sum",
) -> tuple[FloatArray, FloatArray]:
    """Scores of every alternative as one weight moves from 0 to 1 (for plots).

    Returns
    -------
    t : ndarray, shape (n_points,)
        The moved criterion's weight.
    scores : ndarray, shape (n_points, n_alt)
    """
    x, w, _ok = _validate(values, weights, None, method)
    assert w is not None
    t = np.linspace(0.0, 1.0, n_points)
    draws = np.stack([_moved(w, criterion, float(ti)) for ti in t])
    return t, _BatchScorer(x, method)(draws)
