"""Evaluate candidate sites against a profile: metrics, hard criteria, soft values, score, rank.

This is the glue between the metrics library (:mod:`siting.metrics`), the
profiles (:mod:`siting.profiles`) and the MCDA core (:mod:`siting.mcda`), kept
small so the app, CLI and reports can share it. The expensive part (the
metrics table) is computed once; :meth:`Evaluation.rerank` re-weights in
milliseconds, which is what interactive weight sliders need.

Conventions
-----------
* A metric whose layer type is missing from the LayerSet is *not evaluated*:
  the metric is not computed, hard criteria on it are skipped and soft
  criteria on it contribute 0; all of them are listed in ``not_evaluated``.
* A hard criterion whose metric value is NaN for a site fails that site with
  a "no data" reason (a decision tool must not pass what it cannot check).
* A NaN metric gives value 0 for soft criteria and is flagged in ``no_data``.
* Failing sites keep a score (for information) but get no rank; passing sites
  are ranked 1..k by score.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from siting import mcda
from siting.errors import ScoringError, SitingError
from siting.i18n import format_number, t

__all__ = ["Evaluation", "compute_metrics_table", "evaluate", "evaluate_layerset"]

#: Signature of the metric dispatcher: (kind, sites, layerset, params) -> Series.
MetricFn = Callable[[str, gpd.GeoDataFrame, Any, Mapping[str, Any]], pd.Series]


def _default_metric_fn() -> MetricFn:
    from siting.metrics.registry import compute_metric

    return compute_metric


def _is_missing_layer(exc: Exception) -> bool:
    return type(exc).__name__ == "MissingLayer"


def compute_metrics_table(
    sites: gpd.GeoDataFrame,
    profile: Any,
    layerset: Any,
    *,
    metric_fn: MetricFn | None = None,
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Compute every metric of a profile for the sites.

    Returns
    -------
    (DataFrame, tuple of str)
        The metrics table (index = ``sites.index``, one column per metric id,
        text metrics as object columns) and the ids of metrics not evaluated
        because their layer is missing.
    """
    fn = metric_fn or _default_metric_fn()
    cols: dict[str, pd.Series] = {}
    missing: list[str] = []
    for spec in profile.metrics:
        try:
            series = fn(spec.kind, sites, layerset, dict(spec.params))
        except SitingError as exc:
            if _is_missing_layer(exc):
                missing.append(spec.id)
                continue
            raise
        cols[spec.id] = pd.Series(series, index=sites.index, name=spec.id)
    table = pd.DataFrame(cols, index=sites.index)
    return table, tuple(missing)


@dataclass(frozen=True)
class Evaluation:
    """Scores, ranks, pass/fail with reasons and contributions for a set of sites.

    Attributes
    ----------
    sites : GeoDataFrame
        The candidate sites (EPSG:3006), index kept.
    profile : Profile
        The profile evaluated (with the weights in use).
    metrics : DataFrame
        Raw metric values, sites x metric ids.
    not_evaluated : tuple of str
        Metric ids not evaluated (layer missing).
    hard : DataFrame
        Boolean pass table, sites x hard-criterion ids (evaluated ones only).
    values : DataFrame
        Soft-criterion values 0..1, sites x soft ids.
    no_data : DataFrame
        True where a soft criterion's metric was NaN.
    weights : dict
        Normalised soft weights in use.
    scores : Series
        Aggregated score per site (0..1).
    """

    sites: gpd.GeoDataFrame
    profile: Any
    metrics: pd.DataFrame
    not_evaluated: tuple[str, ...]
    hard: pd.DataFrame
    values: pd.DataFrame
    no_data: pd.DataFrame
    weights: Mapping[str, float]
    scores: pd.Series

    @property
    def passes(self) -> pd.Series:
        """True where the site meets every evaluated hard criterion."""
        if self.hard.shape[1] == 0:
            return pd.Series(True, index=self.sites.index, name="passes")
        return self.hard.all(axis=1).rename("passes")

    @property
    def ranks(self) -> pd.Series:
        """Rank 1..k among passing sites (by score); <NA> for failing sites."""
        ok = self.passes.to_numpy()
        ranks = pd.Series(pd.NA, index=self.sites.index, dtype="Int64", name="rank")
        if ok.any():
            r = mcda.rank_desc(self.scores.to_numpy()[ok])
            ranks[ok] = r
        return ranks

    @property
    def contributions(self) -> pd.DataFrame:
        """Weighted contribution of each soft criterion (weighted sum: sums to the score)."""
        w = pd.Series(self.weights, dtype=float).reindex(self.values.columns).fillna(0.0)
        return self.values.mul(w, axis=1)

    def reasons(self, lang: str = "sv") -> pd.Series:
        """Failure reasons per site (a tuple of strings, empty when the site passes)."""
        metric_by_id = {m.id: m for m in self.profile.metrics}
        out: list[tuple[str, ...]] = [() for _ in range(len(self.sites))]
        for crit in self.profile.hard:
            if crit.id not in self.hard.columns:
                continue
            ok = self.hard[crit.id].to_numpy()
            vals = self.metrics[crit.metric].to_numpy()
            for i in np.flatnonzero(~ok):
                out[i] = (*out[i], _reason(crit, vals[i], metric_by_id.get(crit.metric), lang))
        return pd.Series(out, index=self.sites.index, name="reasons", dtype=object)

    def rerank(self, weights: Mapping[str, float]) -> Evaluation:
        """A copy scored with new soft weights (normalised; unknown ids ignored).

        Raises
        ------
        ScoringError
            When the weights are negative or all zero.
        """
        w = _normalise({k: float(weights.get(k, 0.0)) for k in self.values.columns})
        profile = self.profile
        if hasattr(profile, "with_weights"):
            profile = profile.with_weights(w)
        scores = _aggregate(self.values, w, getattr(self.profile, "aggregation", "weighted_sum"))
        return replace(self, profile=profile, weights=w, scores=scores)

    def table(self, lang: str = "sv") -> pd.DataFrame:
        """One row per site: id, name, kommunkod, area, score, rank, passes, reasons, metrics."""
        s = self.sites
        df = pd.DataFrame(index=s.index)
        df["site_id"] = s["site_id"].astype(str) if "site_id" in s else s.index.astype(str)
        df["name"] = s.get("name", "")
        df["kommunkod"] = s.get("kommunkod", "")
        if "area_ha" in s:
            df["area_ha"] = s["area_ha"].astype(float)
        df["score"] = self.scores
        df["rank"] = self.ranks
        df["passes"] = self.passes
        df["reasons"] = self.reasons(lang)
        for col in self.metrics.columns:
            df[f"metric_{col}"] = self.metrics[col]
        return df


def _reason(crit: Any, value: Any, metric: Any, lang: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        label = getattr(metric, f"label_{lang}", crit.metric) if metric else crit.metric
        return f"{label}: {t('eval.no_data', lang)}"
    try:
        return str(crit.reason(value, lang))
    except (TypeError, ValueError, AttributeError):
        num = format_number(value, lang) if isinstance(value, (int, float)) else str(value)
        return f"{crit.id}: {num} {crit.op} {crit.threshold}"


def _normalise(weights: Mapping[str, float]) -> dict[str, float]:
    vals = np.array(list(weights.values()), dtype=float)
    if vals.size == 0:
        return {}
    if np.any(~np.isfinite(vals)) or np.any(vals < 0):
        raise ScoringError.single("weights", "weights must be finite and non-negative",
                                  hint="set every weight to 0 or more")
    total = vals.sum()
    if total <= 0:
        raise ScoringError.single("weights", "all weights are zero",
                                  hint="give at least one criterion a positive weight")
    return {k: float(v) / total for k, v in zip(weights, vals, strict=True)}


def _aggregate(values: pd.DataFrame, weights: Mapping[str, float], method: str) -> pd.Series:
    if values.shape[1] == 0:
        return pd.Series(np.zeros(len(values)), index=values.index, name="score")
    w = np.array([weights.get(c, 0.0) for c in values.columns], dtype=float)
    x = values.to_numpy(dtype=float)
    if method == "topsis":
        s = mcda.topsis(x, w)
    elif method == "cautious":
        s = mcda.weighted_minimum(x, w)
    else:
        s = mcda.weighted_sum(x, w)
    return pd.Series(np.asarray(s, dtype=float), index=values.index, name="score")


def _soft_values(metrics: pd.DataFrame, profile: Any,
                 missing: tuple[str, ...]) -> tuple[pd.DataFrame, pd.DataFrame]:
    vals: dict[str, np.ndarray] = {}
    nodata: dict[str, np.ndarray] = {}
    n = len(metrics)
    for crit in profile.soft:
        if crit.metric in missing or crit.metric not in metrics.columns:
            vals[crit.id] = np.zeros(n)
            nodata[crit.id] = np.ones(n, dtype=bool)
            continue
        raw = metrics[crit.metric]
        isna = raw.isna().to_numpy()
        arr = raw.to_numpy(dtype=object if raw.dtype == object or pd.api.types.is_string_dtype(
            raw.dtype) else float)
        v = np.asarray(crit.value_fn(arr), dtype=float)
        v = np.where(isna | ~np.isfinite(v), 0.0, np.clip(v, 0.0, 1.0))
        vals[crit.id] = v
        nodata[crit.id] = isna
    return (pd.DataFrame(vals, index=metrics.index),
            pd.DataFrame(nodata, index=metrics.index, dtype=bool))


def _hard_table(metrics: pd.DataFrame, profile: Any, missing: tuple[str, ...]) -> pd.DataFrame:
    cols: dict[str, np.ndarray] = {}
    for crit in profile.hard:
        if crit.metric in missing or crit.metric not in metrics.columns:
            continue
        raw = metrics[crit.metric]
        isna = raw.isna().to_numpy()
        numeric = pd.api.types.is_numeric_dtype(raw.dtype)
        arr = raw.to_numpy(dtype=float) if numeric else raw.to_numpy(dtype=object)
        ok = np.asarray(crit.evaluate(arr), dtype=bool)
        cols[crit.id] = ok & ~isna
    return pd.DataFrame(cols, index=metrics.index, dtype=bool)


def evaluate(
    sites: gpd.GeoDataFrame,
    profile: Any,
    layerset: Any,
    *,
    metrics: pd.DataFrame | None = None,
    not_evaluated: tuple[str, ...] = (),
    metric_fn: MetricFn | None = None,
) -> Evaluation:
    """Evaluate ``sites`` with ``profile`` on ``layerset``.

    Parameters
    ----------
    sites : GeoDataFrame
        Candidate sites in EPSG:3006.
    profile : siting.profiles.Profile
        The establishment profile.
    layerset : siting.layerset.LayerSet
        Loaded layers (metrics read them by canonical type).
    metrics, not_evaluated : optional
        A precomputed metrics table (e.g. cached by the app) and its missing ids.
    metric_fn : callable, optional
        Metric dispatcher (default :func:`siting.metrics.registry.compute_metric`).

    Raises
    ------
    ScoringError
        When there are no candidate sites.
    """
    if sites is None or len(sites) == 0:
        raise ScoringError.single("sites", "there are no candidate sites in the study area",
                                  hint="choose other municipalities or add a sites layer")
    if metrics is None:
        metrics, not_evaluated = compute_metrics_table(sites, profile, layerset,
                                                       metric_fn=metric_fn)
    hard = _hard_table(metrics, profile, not_evaluated)
    values, nodata = _soft_values(metrics, profile, not_evaluated)
    weights = _normalise({c.id: float(profile.weights.get(c.id, c.weight))
                          for c in profile.soft}) if len(profile.soft) else {}
    scores = _aggregate(values, weights, getattr(profile, "aggregation", "weighted_sum"))
    return Evaluation(sites=sites, profile=profile, metrics=metrics, not_evaluated=not_evaluated,
                      hard=hard, values=values, no_data=nodata, weights=weights, scores=scores)


def evaluate_layerset(layerset: Any, profile: Any, *,
                      metric_fn: MetricFn | None = None) -> Evaluation:
    """Evaluate the LayerSet's own ``sites`` layer.

    Raises
    ------
    ScoringError
        When the LayerSet has no sites layer or it is empty.
    """
    sites = layerset.vector("sites")
    if sites is None:
        raise ScoringError.single("layers", "the dataset has no 'sites' layer",
                                  hint="add a layer of type 'sites' to the catalogue")
    return evaluate(sites, profile, layerset, metric_fn=metric_fn)
