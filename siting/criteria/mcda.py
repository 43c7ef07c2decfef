"""The numeric MCDA core: aggregation of criterion values into one score per site.

The core functions take numpy arrays and return numpy arrays, without checks
(in the spirit of scikit-criteria's ``topsis(matrix, objectives, weights)``);
:func:`aggregate` is the validating wrapper the scoring layer calls, raising
:class:`siting.core.errors.ScoringError` on bad input.

Conventions: ``values`` is an ``(n_alternatives, n_criteria)`` matrix. For
:func:`weighted_sum`, :func:`weighted_minimum` and :func:`owa` its entries are
value-function outputs in 0..1 (1 = best); :func:`topsis` accepts raw
performances with a benefit/cost flag per criterion. Weights are non-negative;
the functions normalise them to sum 1.

Examples
--------
>>> v = np.array([[1.0, 0.0], [0.5, 0.5]])
>>> weighted_sum(v, [3, 1]).tolist()
[0.75, 0.5]
>>> weighted_minimum(v, [1, 1]).tolist()
[0.0, 0.5]
>>> rank_desc([0.2, 0.9, 0.9, np.nan]).tolist()
[3, 1, 2, 4]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from siting.core.errors import Problem, ScoringError
from siting.criteria.ahp import ahp_weights

__all__ = [
    "METHODS",
    "Method",
    "aggregate",
    "ahp_weights",
    "owa",
    "rank_desc",
    "topsis",
    "weighted_minimum",
    "weighted_sum",
]

Method = Literal["weighted_sum", "topsis", "cautious"]
#: Aggregation methods a profile may name.
METHODS: tuple[Method, ...] = ("weighted_sum", "topsis", "cautious")

FloatArray = NDArray[np.float64]


def _normalised(weights: ArrayLike) -> FloatArray:
    w = np.asarray(weights, dtype=float)
    total: np.float64 = w.sum()
    return w / total


def weighted_sum(values: ArrayLike, weights: ArrayLike) -> FloatArray:
    """Additive value model: ``sum_j w_j * v_ij`` with weights normalised to sum 1.

    Parameters
    ----------
    values : array_like, shape (n_alt, n_crit)
        Criterion values in 0..1.
    weights : array_like, shape (n_crit,)
        Non-negative weights, not all zero.

    Returns
    -------
    ndarray, shape (n_alt,)
        Scores in 0..1.
    """
    return np.asarray(values, dtype=float) @ _normalised(weights)


def topsis(matrix: ArrayLike, weights: ArrayLike, benefit: ArrayLike | None = None) -> FloatArray:
    """TOPSIS closeness coefficient with vector normalisation (Hwang & Yoon 1981).

    Each column is divided by its Euclidean norm, multiplied by its weight; the
    score is ``d- / (d+ + d-)``, the relative closeness to the ideal point.
    Matches ``pymcdm.methods.TOPSIS(vector_normalization)`` and scikit-criteria's
    ``VectorScaler`` + ``TOPSIS``.

    Parameters
    ----------
    matrix : array_like, shape (n_alt, n_crit)
        Performances (any scale, non-negative).
    weights : array_like, shape (n_crit,)
        Non-negative weights.
    benefit : array_like of bool, shape (n_crit,), optional
        True where larger is better (default: all True).

    Returns
    -------
    ndarray, shape (n_alt,)
        Closeness coefficients in 0..1; 0.5 for every alternative when all are
        identical (both distances zero).
    """
    x = np.asarray(matrix, dtype=float)
    w = _normalised(weights)
    ben = np.ones(x.shape[1], dtype=bool) if benefit is None else np.asarray(benefit, dtype=bool)
    norm = np.sqrt((x * x).sum(axis=0))
    norm = np.where(norm > 0, norm, 1.0)
    v = x / norm * w
    best = np.where(ben, v.max(axis=0), v.min(axis=0))
    worst = np.where(ben, v.min(axis=0), v.max(axis=0))
    d_plus = np.sqrt(((v - best) ** 2).sum(axis=1))
    d_minus = np.sqrt(((v - worst) ** 2).sum(axis=1))
    denom = d_plus + d_minus
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom > 0, d_minus / np.where(denom > 0, denom, 1.0), 0.5)


def weighted_minimum(values: ArrayLike, weights: ArrayLike) -> FloatArray:
    """Cautious aggregation: the weighted minimum of Dubois & Prade (1986).

    ``min_j max(1 - w_j / max(w), v_ij)``: a site is as good as its weakest
    important criterion. A criterion with the largest weight counts fully, a
    zero-weight criterion not at all, and a criterion with half the largest
    weight can pull the score down to at most 0.5.

    Parameters
    ----------
    values : array_like, shape (n_alt, n_crit)
        Criterion values in 0..1.
    weights : array_like, shape (n_crit,)
        Non-negative importance weights, not all zero.

    Returns
    -------
    ndarray, shape (n_alt,)
        Scores in 0..1.
    """
    w = np.asarray(weights, dtype=float)
    w = w / w.max()
    scores: FloatArray = np.maximum(1.0 - w, np.asarray(values, dtype=float)).min(axis=1)
    return scores


def owa(values: ArrayLike, order_weights: ArrayLike) -> FloatArray:
    """Ordered weighted average (Yager 1988).

    Each row is sorted from best to worst and combined with ``order_weights``:
    ``[1, 0, ..., 0]`` is the maximum, ``[0, ..., 0, 1]`` the minimum (most
    cautious), equal order weights the plain mean.

    Parameters
    ----------
    values : array_like, shape (n_alt, n_crit)
        Criterion values in 0..1.
    order_weights : array_like, shape (n_crit,)
        Non-negative weights by position (best first), normalised to sum 1.

    Returns
    -------
    ndarray, shape (n_alt,)
    """
    ordered = -np.sort(-np.asarray(values, dtype=float), axis=1)
    return ordered @ _normalised(order_weights)


def rank_desc(scores: ArrayLike) -> NDArray[np.int64]:
    """Ranks with 1 = highest score; ties keep input order; NaN ranks last.

    Examples
    --------
    >>> rank_desc([0.5, 0.7, 0.5]).tolist()
    [2, 1, 3]
    """
    s = np.asarray(scores, dtype=float)
    key = np.where(np.isnan(s), np.inf, -s)
    order = np.argsort(key, kind="stable")
    ranks = np.empty(s.shape[0], dtype=np.int64)
    ranks[order] = np.arange(1, s.shape[0] + 1)
    return ranks


def aggregate(
    values: ArrayLike,
    weights: ArrayLike,
    method: str = "weighted_sum",
    benefit: Sequence[bool] | ArrayLike | None = None,
) -> FloatArray:
    """Validate the inputs, then aggregate with ``method``.

    Parameters
    ----------
    values : array_like, shape (n_alt, n_crit)
        Criterion values; in 0..1 for ``weighted_sum`` and ``cautious``.
    weights : array_like, shape (n_crit,)
        Non-negative finite weights, not all zero.
    method : {"weighted_sum", "topsis", "cautious"}
        ``cautious`` is :func:`weighted_minimum`.
    benefit : array_like of bool, optional
        TOPSIS only: True where larger is better (default all True).

    Returns
    -------
    ndarray, shape (n_alt,)

    Raises
    ------
    ScoringError
        On a shape mismatch, NaN/infinite values or weights, negative or all-zero
        weights, values outside 0..1 (weighted_sum/cautious) or an unknown method.
    """
    src = "aggregation"
    try:
        x = np.asarray(values, dtype=float)
        w = np.asarray(weights, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ScoringError.single(src, f"values and weights must be numeric ({exc})") from exc
    problems: list[str] = []
    if method not in METHODS:
        problems.append(f"unknown method {method!r}; use one of {', '.join(METHODS)}")
    if x.ndim != 2:
        problems.append(f"values must be a 2-D matrix (alternatives x criteria), got {x.ndim}-D")
    if w.ndim != 1:
        problems.append(f"weights must be a 1-D vector, got {w.ndim}-D")
    if x.ndim == 2 and w.ndim == 1 and x.shape[1] != w.shape[0]:
        problems.append(f"{x.shape[1]} criteria in values but {w.shape[0]} weights")
    if x.size and not np.all(np.isfinite(x)):
        n_bad = int((~np.isfinite(x)).sum())
        problems.append(f"{n_bad} value(s) are NaN or infinite; value functions map missing "
                        "data to 0 before aggregation")
    if not np.all(np.isfinite(w)):
        problems.append("weights contain NaN or infinite numbers")
    elif np.any(w < 0):
        problems.append(f"negative weight(s) at position(s) {np.flatnonzero(w < 0).tolist()}")
    elif w.size and w.sum() <= 0:
        problems.append("all weights are zero; give at least one criterion a positive weight")
    if method in ("weighted_sum", "cautious") and x.size and np.all(np.isfinite(x)) and (
        x.min() < 0 or x.max() > 1
    ):
        problems.append(f"{method} needs values in 0..1, got {x.min():g}..{x.max():g}")
    if method == "topsis" and benefit is not None and x.ndim == 2:
        b = np.asarray(benefit)
        if b.shape != (x.shape[1],):
            problems.append(f"benefit must have one flag per criterion ({x.shape[1]})")
    if problems:
        raise ScoringError.from_problems(
            "Cannot aggregate the criterion values",
            [Problem(src, "", "", msg) for msg in problems])
    if x.shape[0] == 0:
        return np.zeros(0)
    if method == "weighted_sum":
        return weighted_sum(x, w)
    if method == "topsis":
        return topsis(x, w, benefit)
    return weighted_minimum(x, w)
