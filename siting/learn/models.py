"""The numeric models: a sign-constrained logistic model shrunk toward expert weights.

Pure numpy/scipy; no pandas, no profiles. Features arrive as a matrix of
criterion *values* (0..1, higher is better when the expected sign is +1).

The logistic model
------------------
Features are standardised (mean 0, standard deviation 1 over the fitting
cases) and the model is ``P(win) = sigmoid(b0 + z @ beta)``. The coefficients
minimise

    sum_i  w_i * logloss_i  +  lam * ||beta - s * w_expert||^2  +  alpha * ||beta||^2

over ``b0`` (free) and ``beta`` (each bounded to its expected sign: ``>= 0``
for +1, ``<= 0`` for -1, free for 0), with L-BFGS-B and the exact gradient.
``w_expert`` are the profile's weights (normalised to sum 1) times the
expected signs.

* ``s`` is the scale of the expert weights. Expert weights say how criteria
  compare, not how strongly they move the odds, so ``s`` is fitted from the
  data first: it is the size (L2 norm) of the data-only fit (``lam = 0``,
  same bounds and ridge), giving ``s * w_expert`` the same length as the
  coefficients the data alone would give. The prior then fixes the
  *direction* (the relative weights) and the data the overall strength.
  (Fitting ``s`` jointly with ``beta`` was rejected: the penalty can then be
  met by shrinking every coefficient toward 0, so with few, noisy cases the
  relative weights were not pulled toward the expert weights at all.)
* ``lam`` (``prior_strength``) is the pull toward the expert weights. It is
  held fixed while the log-loss is *summed* over cases, so the relative pull
  ``lam / n`` grows as the number of cases shrinks: with a dozen cases the
  relative weights stay close to the expert weights, with hundreds the data
  decide. With the default 10 the expert opinion counts about as much as
  some 40-50 well-balanced cases (logistic curvature is at most 1/4 per case
  and standardised features have unit variance).
  :func:`choose_prior_strength` picks it by cross-validated log-loss instead.
* ``alpha`` is a small ordinary ridge that keeps the fit finite when the
  classes are separable.

Because ``beta`` lives on standardised features, ``beta_j`` is the change in
log-odds per standard deviation of criterion j among the cases; the
*suggested weights* are the normalised positive parts of ``sign_j * beta_j``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit

if TYPE_CHECKING:  # pragma: no cover
    from sklearn.ensemble import RandomForestClassifier

__all__ = [
    "ShrunkLogit",
    "bootstrap_logits",
    "choose_prior_strength",
    "fit_shrunk_logit",
    "make_tree_ensemble",
    "suggested_weights_from_coef",
]

DEFAULT_PRIOR_STRENGTH = 10.0
DEFAULT_RIDGE_ALPHA = 1.0


@dataclass(frozen=True)
class ShrunkLogit:
    """A fitted sign-constrained logistic model on standardised features.

    Attributes
    ----------
    center, scale : ndarray, shape (p,)
        Standardisation of the value-scale features.
    intercept : float
    coef : ndarray, shape (p,)
        Coefficients per standard deviation (standardised coefficients).
    expert_scale : float
        The ``s`` multiplying the expert weights (0 without a prior).
    prior_strength, ridge_alpha : float
        The penalties used.
    converged : bool
        Whether L-BFGS-B reported success.
    """

    center: np.ndarray
    scale: np.ndarray
    intercept: float
    coef: np.ndarray
    expert_scale: float
    prior_strength: float
    ridge_alpha: float
    converged: bool

    @property
    def coef_per_value_unit(self) -> np.ndarray:
        """Coefficients per unit of the 0..1 value scale (``coef / scale``)."""
        return self.coef / self.scale

    def decision_function(self, x: np.ndarray) -> np.ndarray:
        """Log-odds of winning for value-scale rows ``x`` (n, p)."""
        z = (np.asarray(x, dtype=float) - self.center) / self.scale
        return self.intercept + z @ self.coef

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """Probability of winning (class 1) for value-scale rows ``x``."""
        return expit(self.decision_function(x))


def _standardise(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    center = x.mean(axis=0)
    scale = x.std(axis=0)
    scale = np.where(scale > 1e-12, scale, 1.0)
    return center, scale


def _bounds(signs: np.ndarray) -> list[tuple[float | None, float | None]]:
    bounds: list[tuple[float | None, float | None]] = [(None, None)]
    for sgn in signs:
        if sgn > 0:
            bounds.append((0.0, None))
        elif sgn < 0:
            bounds.append((None, 0.0))
        else:
            bounds.append((None, None))
    return bounds


def _fit_penalised(
    z: np.ndarray,
    y: np.ndarray,
    sw: np.ndarray,
    target: np.ndarray,
    lam: float,
    alpha: float,
    signs: np.ndarray,
) -> tuple[float, np.ndarray, bool]:
    """Minimise summed weighted log-loss + lam*|beta - target|^2 + alpha*|beta|^2."""
    p = z.shape[1]

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        b0, beta = theta[0], theta[1:]
        eta = b0 + z @ beta
        loss = float(np.sum(sw * (np.logaddexp(0.0, eta) - y * eta)))
        resid = sw * (expit(eta) - y)
        dev = beta - target
        value = loss + lam * float(dev @ dev) + alpha * float(beta @ beta)
        grad = np.empty_like(theta)
        grad[0] = resid.sum()
        grad[1:] = z.T @ resid + 2.0 * lam * dev + 2.0 * alpha * beta
        return value, grad

    prevalence = np.clip(np.average(y, weights=sw), 1e-6, 1 - 1e-6)
    theta0 = np.zeros(p + 1)
    theta0[0] = np.log(prevalence / (1 - prevalence))
    res = minimize(
        objective,
        theta0,
        jac=True,
        method="L-BFGS-B",
        bounds=_bounds(signs),
        options={"maxiter": 5000, "gtol": 1e-9},
    )
    # L-BFGS-B may stop on a relative-reduction criterion with success=False
    # ("ABNORMAL") at an optimum; judge convergence by the projected gradient.
    _, grad = objective(res.x)
    proj = grad.copy()
    for j, (lo, hi) in enumerate(_bounds(signs)):
        if lo is not None and res.x[j] <= lo + 1e-12:
            proj[j] = min(proj[j], 0.0)
        if hi is not None and res.x[j] >= hi - 1e-12:
            proj[j] = max(proj[j], 0.0)
    scale = max(1.0, float(np.sum(sw)))
    converged = bool(res.success or np.max(np.abs(proj)) <= 1e-4 * scale)
    return float(res.x[0]), res.x[1:].copy(), converged


def fit_shrunk_logit(
    x: np.ndarray,
    y: np.ndarray,
    expert_weights: np.ndarray,
    signs: np.ndarray,
    *,
    prior_strength: float = DEFAULT_PRIOR_STRENGTH,
    ridge_alpha: float = DEFAULT_RIDGE_ALPHA,
    sample_weight: np.ndarray | None = None,
) -> ShrunkLogit:
    """Fit the sign-constrained logistic model shrunk toward expert weights.

    Parameters
    ----------
    x : ndarray, shape (n, p)
        Feature values (no NaN; impute first).
    y : ndarray, shape (n,)
        1 = won (or presence), 0 = lost (or background).
    expert_weights : ndarray, shape (p,)
        Non-negative expert weights (normalised internally to sum 1; all
        zero means "no prior", i.e. plain ridge toward 0).
    signs : ndarray, shape (p,)
        Expected sign of each coefficient: +1, -1 or 0 (unconstrained).
    prior_strength : float
        ``lam`` in the objective (see the module docstring).
    ridge_alpha : float
        Ordinary ridge penalty ``alpha``.
    sample_weight : ndarray, optional
        Case weights in the log-loss (e.g. to balance presence and background).

    Returns
    -------
    ShrunkLogit
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n, p = x.shape
    sw = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    signs = np.asarray(signs, dtype=float)
    w = np.clip(np.asarray(expert_weights, dtype=float), 0.0, None)
    total = w.sum()
    use_prior = bool(total > 0 and prior_strength > 0)
    alpha = float(ridge_alpha)
    center, scale = _standardise(x)
    z = (x - center) / scale
    b0, beta, converged = _fit_penalised(z, y, sw, np.zeros(p), 0.0, alpha, signs)
    s = 0.0
    lam = 0.0
    if use_prior:
        w_dir = (w / total) * np.where(signs == 0, 1.0, signs)
        s = float(np.linalg.norm(beta) / np.linalg.norm(w_dir))
        lam = float(prior_strength)
        b0, beta, converged = _fit_penalised(z, y, sw, s * w_dir, lam, alpha, signs)
    return ShrunkLogit(
        center=center,
        scale=scale,
        intercept=b0,
        coef=beta,
        expert_scale=s,
        prior_strength=lam,
        ridge_alpha=alpha,
        converged=converged,
    )


def suggested_weights_from_coef(coef: np.ndarray, signs: np.ndarray) -> np.ndarray:
    """Normalised positive parts of the sign-adjusted standardised coefficients.

    Returns NaN everywhere when no coefficient is positive (above 1e-8 in
    total): there is nothing to suggest.
    """
    signs = np.where(np.asarray(signs) == 0, 1.0, np.asarray(signs, dtype=float))
    pos = np.clip(np.asarray(coef, dtype=float) * signs, 0.0, None)
    total = pos.sum()
    if total <= 1e-8:
        return np.full(pos.shape, np.nan)
    return pos / total


def bootstrap_logits(
    x: np.ndarray,
    y: np.ndarray,
    expert_weights: np.ndarray,
    signs: np.ndarray,
    *,
    n_boot: int,
    seed: int,
    prior_strength: float = DEFAULT_PRIOR_STRENGTH,
    ridge_alpha: float = DEFAULT_RIDGE_ALPHA,
    sample_weight: np.ndarray | None = None,
    groups: np.ndarray | None = None,
) -> list[ShrunkLogit]:
    """Refit the model on ``n_boot`` bootstrap resamples.

    Cases are resampled within each class, or whole groups with ``groups``
    (see :func:`siting.learn.validation.resample_indices`).
    """
    from siting.learn.validation import resample_indices

    rng = np.random.default_rng(seed)
    y = np.asarray(y)
    sw = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
    models = []
    for _ in range(n_boot):
        idx = resample_indices(y, rng, groups)
        models.append(
            fit_shrunk_logit(
                x[idx],
                y[idx],
                expert_weights,
                signs,
                prior_strength=prior_strength,
                ridge_alpha=ridge_alpha,
                sample_weight=None if sw is None else sw[idx],
            )
        )
    return models


def choose_prior_strength(
    x: np.ndarray,
    y: np.ndarray,
    expert_weights: np.ndarray,
    signs: np.ndarray,
    folds: Sequence[tuple[np.ndarray, np.ndarray]],
    *,
    grid: Sequence[float] = (0.5, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0),
    ridge_alpha: float = DEFAULT_RIDGE_ALPHA,
) -> tuple[float, dict[float, float]]:
    """Pick ``prior_strength`` from ``grid`` by cross-validated mean log-loss.

    Ties (within 1e-9) go to the larger value, i.e. the stronger pull toward
    the expert weights.

    Returns
    -------
    best : float
    losses : dict
        Mean out-of-fold log-loss per grid value.
    """
    y = np.asarray(y, dtype=float)
    losses: dict[float, float] = {}
    for lam in grid:
        total, count = 0.0, 0
        for train, test in folds:
            model = fit_shrunk_logit(
                x[train], y[train], expert_weights, signs,
                prior_strength=lam, ridge_alpha=ridge_alpha,
            )
            prob = np.clip(model.predict_proba(x[test]), 1e-12, 1 - 1e-12)
            yt = y[test]
            total += float(-np.sum(yt * np.log(prob) + (1 - yt) * np.log(1 - prob)))
            count += len(test)
        losses[float(lam)] = total / max(count, 1)
    best = min(losses, key=lambda k: (round(losses[k], 9), -k))
    return best, losses


def make_tree_ensemble(n_cases: int, seed: int) -> RandomForestClassifier:
    """A random forest sized for small case counts (the comparison model).

    Leaves hold at least 2 cases (3 from 60 cases) so the forest's
    probabilities are not all 0/1 on tiny samples.
    """
    from sklearn.ensemble import RandomForestClassifier

    return RandomForestClassifier(
        n_estimators=100,
        min_samples_leaf=2 if n_cases < 60 else 3,
        max_features="sqrt",
        random_state=seed,
        n_jobs=1,
    )
