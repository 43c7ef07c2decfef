"""Backtest: does a profile rank the places that actually won near the top?

For every decided case (``won``/``lost``) of the profile's industry in the
outcome log, :func:`backtest` finds the percentile at which the profile ranks
the case's municipality among all compared municipalities (or, for a case with
a site geometry, the site's score among the municipalities' scores).

The percentile is the mid-rank from the top: ``(rank - 0.5) / n`` with tied
scores sharing their mean rank, so 0 is the very top, 1 the bottom and 0.5
what chance gives. The winners' mean percentile is reported with a bootstrap
95 % interval and the number of cases; losers side by side.

Learned weights are judged out of sample (leave one case out): the soft
criteria's values (0..1) at each municipality's representative point form a
matrix; for each decided case, weights are learned from the *other* cases
with the project's one learner (the sign-constrained logistic model of
:mod:`siting.learn.models`, shrunk toward the profile's weights; winners
against losers, or winners against all municipalities when no case was lost;
no evidence falls back to the profile's weights) and the held-out case's
percentile under those weights is recorded. The profile's own weights
are scored on the same matrix for a like-for-like comparison.

Examples
--------
>>> mid_rank_percentile(np.array([90.0, 50.0, 50.0, np.nan]))
array([0.125, 0.5  , 0.5  , 0.875])
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from siting.core.errors import ScoringError
from siting.learn.models import fit_shrunk_logit, suggested_weights_from_coef

__all__ = ["DECIDED", "BacktestResult", "backtest", "bootstrap_mean_ci", "cases_frame",
           "mid_rank_percentile"]

logger = logging.getLogger(__name__)

#: Outcomes that count as decided.
DECIDED = ("won", "lost")
#: Bootstrap draws for the interval of the mean percentile.
N_BOOT = 2000


def mid_rank_percentile(scores: np.ndarray) -> np.ndarray:
    """Percentile from the top (0 best, 1 worst) per score; ties share; NaN ranks last."""
    s = np.where(np.isfinite(scores), scores, -np.inf)
    ranks = pd.Series(-s).rank(method="average").to_numpy()
    return (ranks - 0.5) / len(s)


def bootstrap_mean_ci(values: np.ndarray, *, n_boot: int = N_BOOT, seed: int = 0,
                      level: float = 0.95) -> tuple[float, float]:
    """Percentile-bootstrap interval of the mean (NaN for fewer than 2 values).

    >>> bootstrap_mean_ci(np.array([0.1, 0.1, 0.1]))
    (0.1, 0.1)
    """
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if len(v) < 2:
        return (float("nan"), float("nan"))
    rng = np.random.default_rng(seed)
    means = v[rng.integers(0, len(v), size=(n_boot, len(v)))].mean(axis=1)
    lo, hi = np.quantile(means, [(1 - level) / 2, 1 - (1 - level) / 2])
    return (round(float(lo), 10), round(float(hi), 10))


def cases_frame(cases: Iterable[Any]) -> pd.DataFrame:
    """Outcome-log cases (:class:`siting.outcomes.case.Case`) as a frame for :func:`backtest`."""
    rows = [{"case_id": c.case_id, "kommunkod": c.kommunkod, "outcome": c.outcome,
             "industry": c.industry, "geometry_wkt": c.geometry_wkt, "title": c.title}
            for c in cases]
    return pd.DataFrame(rows, columns=["case_id", "kommunkod", "outcome", "industry",
                                       "geometry_wkt", "title"])


@dataclasses.dataclass(frozen=True)
class BacktestResult:
    """Per-case percentiles and the summary figures of one profile's backtest."""

    profile_id: str
    catalog_id: str
    cases: pd.DataFrame
    summary: dict[str, Any]

    def to_json(self) -> str:
        """The summary and the cases as JSON text."""
        rows = json.loads(self.cases.to_json(orient="records"))
        return json.dumps({"profile": self.profile_id, "catalog": self.catalog_id,
                           **self.summary, "cases": rows}, ensure_ascii=False, indent=2)


def _learned_weights(values: np.ndarray, labels: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """Weights from the project's one learner (:mod:`siting.learn.models`).

    The sign-constrained logistic model shrunk toward the profile's weights is
    fitted on the labelled rows (winners 1, losers 0). With winners only, they
    are contrasted with every row as background (classes balanced), as
    :func:`siting.learn.learn_presence_background` does. The suggested weights
    are the normalised positive coefficients; the profile's weights when
    nothing can be learned.
    """
    filled = np.nan_to_num(values, nan=0.0)
    won, lost = labels > 0, labels < 0
    sample_weight: np.ndarray | None = None
    if won.any() and lost.any():
        x, y = filled[won | lost], won[won | lost].astype(float)
    elif won.any():
        n_won, n_all = int(won.sum()), len(filled)
        x = np.vstack([filled[won], filled])
        y = np.r_[np.ones(n_won), np.zeros(n_all)]
        sample_weight = np.r_[np.full(n_won, n_all / n_won), np.ones(n_all)]
    else:
        return fallback
    signs = np.ones(values.shape[1])
    model = fit_shrunk_logit(x, y, fallback, signs, sample_weight=sample_weight)
    w = suggested_weights_from_coef(model.coef, signs)
    return fallback if np.isnan(w).any() else w


def _loo(values: np.ndarray, case_rows: np.ndarray, labels: np.ndarray,
         profile_w: np.ndarray) -> np.ndarray:
    """Held-out percentile of each case under weights learned from the other cases."""
    out = np.full(len(case_rows), np.nan)
    filled = np.nan_to_num(values, nan=0.0)
    for k in range(len(case_rows)):
        others = np.arange(len(case_rows)) != k
        row_labels = np.zeros(len(values))
        np.add.at(row_labels, case_rows[others], labels[others])
        w = _learned_weights(values, np.sign(row_labels), profile_w)
        out[k] = mid_rank_percentile(filled @ w)[case_rows[k]]
    return out


def _site_percentiles(cases: pd.DataFrame, profile: Any, layerset: Any,
                      scores: np.ndarray) -> pd.Series:
    """For cases with a site geometry: the site's score placed among the municipalities'."""
    import geopandas as gpd
    import shapely

    from siting.scoring import evaluate

    has = cases["geometry_wkt"].fillna("").astype(str).str.strip() != ""
    out = pd.Series(np.nan, index=cases.index)
    if not has.any():
        return out
    sel = cases[has]
    sites = gpd.GeoDataFrame({"site_id": sel["case_id"].astype(str).to_numpy(),
                              "kommunkod": sel["kommunkod"].astype(str).to_numpy()},
                             geometry=shapely.from_wkt(sel["geometry_wkt"].to_numpy()), crs=3006)
    res = evaluate(sites, profile, layerset)
    site_scores = np.where(res.passes.to_numpy(dtype=bool), res.scores.to_numpy(), np.nan)
    for idx, sc in zip(sel.index, site_scores, strict=True):
        out[idx] = float(mid_rank_percentile(np.append(scores, sc))[-1])
    return out


def backtest(profile: Any, layerset: Any, cases: pd.DataFrame, *,
             comparison: pd.DataFrame | None = None, resolution_m: float = 1000.0,
             seed: int = 0) -> BacktestResult:
    """Percentiles of the decided cases under ``profile``, winners vs losers, LOO weights.

    Parameters
    ----------
    profile : Profile
    layerset : LayerSet
        Loaded for all municipalities the cases should be ranked among.
    cases : DataFrame
        ``case_id``, ``kommunkod``, ``outcome``, ``industry`` (optional
        ``geometry_wkt`` in EPSG:3006); see :func:`cases_frame`. Only decided
        cases of the profile's industry in the study area are used.
    comparison : DataFrame, optional
        A precomputed :func:`siting.compare.compare_region` table (``kommunkod``,
        ``score``); computed at ``resolution_m`` when None.
    resolution_m : float
        Surface cell size for the comparison, metres.
    seed : int
        Bootstrap seed.

    Returns
    -------
    BacktestResult

    Raises
    ------
    ScoringError
        No decided case of the profile's industry in the study area.
    """
    from siting.compare import compare_region, municipality_sites
    from siting.scoring import evaluate

    study = [str(c) for c in layerset.region.kommunkoder]
    sel = cases[cases["outcome"].isin(DECIDED)
                & (cases["industry"].astype(str) == str(profile.industry))
                & cases["kommunkod"].astype(str).isin(study)].reset_index(drop=True)
    if not len(sel):
        raise ScoringError.single(
            "outcome log", f"no decided case of industry '{profile.industry}' in the study area",
            hint="add won/lost cases with a kommunkod to the outcome log, or widen --region")
    comp = comparison if comparison is not None else compare_region(
        profile, layerset, "all", resolution_m=resolution_m)
    comp = comp.set_index(comp["kommunkod"].astype(str)).reindex(study)
    scores = comp["score"].to_numpy(dtype=float)
    pct = mid_rank_percentile(scores)
    row_of = {c: i for i, c in enumerate(study)}
    case_rows = np.array([row_of[str(k)] for k in sel["kommunkod"]])
    out = sel[["case_id", "kommunkod", "outcome"]].copy()
    out["name"] = comp["name"].to_numpy()[case_rows]
    out["score"] = scores[case_rows]
    out["percentile"] = pct[case_rows]
    site_pct = _site_percentiles(sel, profile, layerset, scores) if "geometry_wkt" in sel else None
    out["unit"] = "municipality"
    if site_pct is not None and site_pct.notna().any():
        out.loc[site_pct.notna(), "percentile"] = site_pct[site_pct.notna()]
        out.loc[site_pct.notna(), "unit"] = "site"

    points = evaluate(municipality_sites(layerset.municipalities, study), profile, layerset)
    soft = list(points.evaluated_soft_ids)
    vals = points.values.reindex(columns=soft).to_numpy(dtype=float)
    pw = np.array([points.effective_weights.get(s, 0.0) for s in soft], dtype=float)
    pw = pw / pw.sum() if pw.sum() > 0 else np.full(len(soft), 1.0 / max(1, len(soft)))
    labels = np.where(out["outcome"].to_numpy() == "won", 1.0, -1.0)
    out["percentile_profile_points"] = mid_rank_percentile(
        np.nan_to_num(vals, nan=0.0) @ pw)[case_rows]
    out["percentile_learned_loo"] = _loo(vals, case_rows, labels, pw) if soft else np.nan
    summary = _summary(out, seed)
    summary.update(n_candidates=len(study), resolution_m=float(resolution_m),
                   criteria_learned=soft, chance=0.5)
    return BacktestResult(profile_id=str(profile.id), catalog_id=str(layerset.catalog.id),
                          cases=out, summary=summary)


def _summary(out: pd.DataFrame, seed: int) -> dict[str, Any]:
    won = out["outcome"] == "won"

    def block(col: str) -> dict[str, Any]:
        w = out.loc[won, col].to_numpy(dtype=float)
        lo, hi = bootstrap_mean_ci(w, seed=seed)
        losers = out.loc[~won, col].to_numpy(dtype=float)
        return {"winners_mean": float(np.mean(w)) if len(w) else None,
                "winners_ci95": [lo, hi], "n_winners": int(len(w)),
                "losers_mean": float(np.mean(losers)) if len(losers) else None,
                "n_losers": int(len(losers))}

    return {"profile_ranking": block("percentile"),
            "profile_weights_at_points": block("percentile_profile_points"),
            "learned_weights_loo": block("percentile_learned_loo")}
