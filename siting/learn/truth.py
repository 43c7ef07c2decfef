"""Known-truth check: simulate cases from known weights and see whether learning recovers them.

The simulation draws ``n_cases`` cases with six criterion values uniform on
0..1 (so every criterion has the same spread and standardised coefficients
are proportional to the true weights), and lets a case be won with
probability ``sigmoid(slope * (w_true @ v - mean))``. The learner gets flat
expert weights (an uninformative prior), fits, and its suggested weights are
compared with the true ones by Spearman rank correlation; the cross-validated
Brier score is compared with the constant predictor's.

Examples
--------
>>> out = known_truth_check(n_cases=300, seed=0)
>>> out["spearman"] >= 0.9 and out["brier"] < out["brier_baseline"]
True
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from siting.learn.features import build_features, spec_from_mappings
from siting.learn.learner import learn

__all__ = ["TRUE_WEIGHTS", "known_truth_check", "simulate_cases"]

#: The weights the simulation uses (sum 1, clearly separated ranks).
TRUE_WEIGHTS: dict[str, float] = {
    "grid": 0.36,
    "labour": 0.25,
    "rail": 0.17,
    "port": 0.11,
    "housing": 0.07,
    "schools": 0.04,
}


def simulate_cases(
    n_cases: int, seed: int = 0, *, slope: float = 24.0, weights: dict[str, float] | None = None
) -> pd.DataFrame:
    """A synthetic case frame (``case_id``, ``outcome``, ``value_<feature>``).

    Parameters
    ----------
    n_cases : int
    seed : int
    slope : float
        Log-odds per unit of the weighted value sum; larger = less noise.
    weights : dict, optional
        True weights (default :data:`TRUE_WEIGHTS`).
    """
    w = weights or TRUE_WEIGHTS
    rng = np.random.default_rng(seed)
    names = list(w)
    values = rng.uniform(0.0, 1.0, size=(n_cases, len(names)))
    wv = np.array([w[k] for k in names])
    eta = slope * (values @ wv - 0.5 * wv.sum())
    won = rng.uniform(size=n_cases) < 1.0 / (1.0 + np.exp(-eta))
    frame = pd.DataFrame(values, columns=[f"value_{k}" for k in names])
    frame.insert(0, "outcome", np.where(won, "won", "lost"))
    frame.insert(0, "case_id", [f"SIM-{i:04d}" for i in range(n_cases)])
    return frame


def known_truth_check(n_cases: int = 300, seed: int = 0, **options: Any) -> dict[str, Any]:
    """Fit on simulated cases and compare suggested with true weights.

    Parameters
    ----------
    n_cases : int
    seed : int
    **options
        Passed to :func:`siting.learn.learn` (defaults here favour speed:
        ``n_boot=50``, ``n_repeats=3``, ``compare_trees=False``; the pull
        toward the flat expert weights is chosen by cross-validation,
        ``prior_strength="cv"``).

    Returns
    -------
    dict
        ``spearman`` (suggested vs true weights), ``brier``,
        ``brier_baseline``, ``cv_auc``, ``true_weights``,
        ``suggested_weights``, ``n_cases``, ``n_won``, ``prior_strength``, ``passed``
        (Spearman >= 0.9 and Brier < baseline).
    """
    from scipy.stats import spearmanr

    frame = simulate_cases(n_cases, seed)
    spec = spec_from_mappings(
        dict.fromkeys(TRUE_WEIGHTS, 1.0), include_soft_factors=False, profile_id="known_truth"
    )
    opts: dict[str, Any] = {
        "n_boot": 50, "n_repeats": 3, "compare_trees": False, "seed": seed,
        "prior_strength": "cv",
    }
    opts.update(options)
    result = learn(build_features(frame, spec), **opts)
    names = list(TRUE_WEIGHTS)
    sugg = np.array([result.suggested_weights.get(k, np.nan) for k in names])
    true = np.array([TRUE_WEIGHTS[k] for k in names])
    rho = float(spearmanr(np.nan_to_num(sugg, nan=0.0), true).statistic)
    return {
        "spearman": rho,
        "brier": result.brier,
        "brier_baseline": result.brier_baseline,
        "cv_auc": result.cv_auc,
        "true_weights": dict(TRUE_WEIGHTS),
        "suggested_weights": {k: float(v) for k, v in zip(names, sugg, strict=True)},
        "n_cases": result.n_cases,
        "n_won": result.n_won,
        "prior_strength": result.prior_strength,
        "passed": bool(rho >= 0.9 and result.brier < result.brier_baseline),
    }
