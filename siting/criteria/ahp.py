"""Analytic Hierarchy Process: weights from a pairwise comparison matrix.

Saaty's method: the weights are the normalised principal eigenvector of the
positive reciprocal matrix ``A`` (``a_ij`` = how much more important criterion
*i* is than *j*, ``a_ji = 1 / a_ij``); the consistency index is
``CI = (lambda_max - n) / (n - 1)`` and the consistency ratio ``CR = CI / RI(n)``
with Saaty's random index. Judgements with ``CR > 0.10`` are conventionally
revised before use; :func:`most_inconsistent_pair` names the judgement that
deviates most from the ratio its weights imply, which is the one to revisit.

Pure numpy, no validation beyond what the maths needs; :mod:`siting.criteria.profiles`
validates matrices read from files.

Examples
--------
>>> w, cr = ahp_weights([[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]])
>>> [round(float(x), 3) for x in w]
[0.637, 0.258, 0.105]
>>> round(cr, 3)
0.033
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "CR_LIMIT",
    "RANDOM_INDEX",
    "ahp_weights",
    "consistency_ratio",
    "is_reciprocal",
    "most_inconsistent_pair",
    "random_index",
]

#: Saaty's conventional upper limit for an acceptable consistency ratio.
CR_LIMIT = 0.10

#: Saaty's random consistency index RI(n) for n = 1..15 (Saaty 1980/1990).
RANDOM_INDEX: tuple[float, ...] = (
    0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59,
)


def random_index(n: int) -> float:
    """Saaty's random index for an ``n x n`` matrix (the last tabulated value beyond 15)."""
    if n < 1:
        raise ValueError("n must be at least 1")
    return RANDOM_INDEX[min(n, len(RANDOM_INDEX)) - 1]


def is_reciprocal(matrix: ArrayLike, rtol: float = 0.01) -> bool:
    """True when ``a_ij * a_ji == 1`` (within ``rtol``) and the diagonal is 1.

    A relative tolerance of 1 % accepts judgements typed as ``0.333`` for 1/3.
    """
    a = np.asarray(matrix, dtype=float)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or np.any(a <= 0):
        return False
    return bool(np.allclose(a * a.T, 1.0, rtol=rtol, atol=0.0))


def _principal(a: NDArray[np.float64]) -> tuple[NDArray[np.float64], float]:
    vals, vecs = np.linalg.eig(a)
    k = int(np.argmax(vals.real))
    vec = np.abs(vecs[:, k].real)
    return vec / vec.sum(), float(vals[k].real)


def consistency_ratio(matrix: ArrayLike) -> float:
    """Saaty's consistency ratio ``CR = CI / RI``; 0 for ``n <= 2``."""
    return ahp_weights(matrix)[1]


def ahp_weights(matrix: ArrayLike) -> tuple[NDArray[np.float64], float]:
    """Weights and consistency ratio of a pairwise comparison matrix.

    Parameters
    ----------
    matrix : array_like, shape (n, n)
        Positive reciprocal matrix of judgements (Saaty's 1-9 scale).

    Returns
    -------
    weights : ndarray, shape (n,)
        Normalised principal eigenvector (sums to 1).
    cr : float
        Consistency ratio; ``0.0`` for ``n <= 2`` (always consistent).
    """
    a = np.asarray(matrix, dtype=float)
    n = a.shape[0]
    if n == 1:
        return np.ones(1), 0.0
    weights, lam = _principal(a)
    if n <= 2:
        return weights, 0.0
    ci = (lam - n) / (n - 1)
    return weights, float(max(ci, 0.0) / random_index(n))


def most_inconsistent_pair(
    matrix: ArrayLike, weights: ArrayLike | None = None
) -> tuple[int, int, float, float]:
    """The judgement that deviates most from the ratio its weights imply.

    Parameters
    ----------
    matrix : array_like, shape (n, n)
        Pairwise comparison matrix.
    weights : array_like, optional
        Weights derived from it; computed when omitted.

    Returns
    -------
    i, j : int
        Row and column of the judgement (``i < j``).
    judged : float
        The judgement ``a_ij`` as given.
    implied : float
        The ratio ``w_i / w_j`` the weights imply.
    """
    a = np.asarray(matrix, dtype=float)
    w = ahp_weights(a)[0] if weights is None else np.asarray(weights, dtype=float)
    implied = w[:, None] / w[None, :]
    dev = np.abs(np.log(a / implied))
    dev[np.tril_indices(a.shape[0])] = -1.0
    i, j = np.unravel_index(int(np.argmax(dev)), dev.shape)
    return int(i), int(j), float(a[i, j]), float(implied[i, j])
