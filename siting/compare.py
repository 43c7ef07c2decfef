"""Compare municipalities for one profile: a table, a criteria matrix, best sites.

:func:`compare` gives a :class:`ComparisonResult`, the one comparison the CLI
(``siting compare``, ``siting report compare``), the app and the comparison report
lay out. One row per study municipality: its best candidate site, or, without
sites, its best *candidate areas* of the suitability surface evaluated as sites;
either way by the scoring engine (:func:`siting.scoring.evaluate`) and so by the
one evaluator (:mod:`siting.criteria.evaluator`): the municipality's ``status``
(pass / fail / unknown, or ``no_data``) is exactly its best site's. Also the share
of its land failing no hard criterion, the key metrics (the profile's most weighted
soft criteria) of that best site/area, its score (NaN = no data, never 0) and its
rank by the ranking policy (failing municipalities last). Works on data without
candidate sites (the real open-data pack).

:func:`compare_municipalities` has two forms:

* ``compare_municipalities(profile, layerset, ...)``: the table of :func:`compare`;
* ``compare_municipalities(scores, passes, kommunkod, site_ids, names=None)``:
  the per-municipality summary of already scored sites used by the app
  (:func:`summarise_sites`).

Where a dataset has no candidate sites, :func:`municipality_sites` gives one
point site per municipality at its representative point.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

import geopandas as gpd
import numpy as np
import pandas as pd

from siting.core.errors import Problem, ScoringError
from siting.criteria.evaluator import FAIL, PASS, UNKNOWN, rank_order
from siting.criteria.profiles import Profile
from siting.data.layerset import LayerSet
from siting.scoring.result import SitingResult
from siting.scoring.sites import evaluate
from siting.surface.candidates import candidate_areas
from siting.surface.run import SurfaceResult, suitability_surface

logger = logging.getLogger(__name__)

__all__ = [
    "COMPARE_COLUMNS",
    "ComparisonResult",
    "compare",
    "compare_municipalities",
    "compare_region",
    "comparison_of_sites",
    "criteria_matrix",
    "key_metrics",
    "municipality_sites",
    "municipality_table",
    "note_keys",
    "summarise_sites",
]

#: Columns of :func:`compare_region` before the key-metric columns.
COMPARE_COLUMNS = ("kommunkod", "name", "status", "score", "rank", "best_site", "best_kind",
                   "best_area_ha", "n_sites", "n_pass", "n_unknown", "unknown_criteria",
                   "land_pass_share", "land_pass_ha")


def municipality_sites(municipalities: gpd.GeoDataFrame,
                       codes: list[str] | tuple[str, ...] | None = None) -> gpd.GeoDataFrame:
    """One point site per municipality at its representative point (EPSG:3006).

    Parameters
    ----------
    municipalities : GeoDataFrame
        With ``kommunkod`` and ``name``.
    codes : sequence of str, optional
        Only these municipalities.

    Returns
    -------
    GeoDataFrame
        Columns ``site_id`` (= kommunkod), ``name``, ``kommunkod``, geometry points.
    """
    muni = municipalities
    if codes is not None:
        muni = muni[muni["kommunkod"].astype(str).isin(set(codes))]
    return gpd.GeoDataFrame(
        {"site_id": muni["kommunkod"].astype(str).to_numpy(),
         "name": muni["name"].astype(str).to_numpy() if "name" in muni else "",
         "kommunkod": muni["kommunkod"].astype(str).to_numpy()},
        geometry=muni.geometry.representative_point().to_numpy(), crs=muni.crs,
    ).reset_index(drop=True)


def summarise_sites(
    scores: pd.Series,
    passes: pd.Series,
    kommunkod: pd.Series,
    site_ids: pd.Series,
    names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Per municipality: number of sites, passing sites, best and mean score, best site.

    All inputs are indexed like the sites. Scores of failing sites are ignored
    for ``best_score``/``mean_score``; a municipality without passing sites
    gets NaN and no best site. Sorted by best score (descending).

    Examples
    --------
    >>> s = pd.Series([0.2, 0.9, 0.5]); p = pd.Series([True, False, True])
    >>> k = pd.Series(["0001", "0001", "0002"]); ids = pd.Series(["a", "b", "c"])
    >>> summarise_sites(s, p, k, ids)[["kommunkod", "n_pass", "best_site"]].values.tolist()
    [['0002', 1, 'c'], ['0001', 1, 'a']]
    """
    df = pd.DataFrame({"kommunkod": kommunkod.astype(str).to_numpy(),
                       "score": scores.to_numpy(dtype=float),
                       "passes": passes.to_numpy(dtype=bool),
                       "site_id": site_ids.astype(str).to_numpy()})
    rows = []
    for code, grp in df.groupby("kommunkod", sort=True):
        ok = grp[grp["passes"]]
        best = ok.loc[ok["score"].idxmax()] if len(ok) else None
        rows.append({
            "kommunkod": code,
            "name": (names or {}).get(str(code), str(code)),
            "n_sites": len(grp),
            "n_pass": len(ok),
            "best_score": float(best["score"]) if best is not None else np.nan,
            "best_site": str(best["site_id"]) if best is not None else "",
            "mean_score": float(ok["score"].mean()) if len(ok) else np.nan,
        })
    out = pd.DataFrame(rows, columns=["kommunkod", "name", "n_sites", "n_pass", "best_score",
                                      "best_site", "mean_score"])
    return out.sort_values("best_score", ascending=False, na_position="last",
                           kind="stable").reset_index(drop=True)


def criteria_matrix(values: pd.DataFrame, passes: pd.Series, kommunkod: pd.Series,
                    no_data: pd.DataFrame | None = None) -> pd.DataFrame:
    """Mean criterion value (0..1) per municipality over its passing sites.

    Municipalities without passing sites use all their sites, so the matrix
    still shows why they fall short. Rows: kommunkod; columns: criteria. With
    ``no_data`` (True where a site's value was not measured, e.g.
    ``SitingResult.no_data``) those values are left out, and a criterion no site
    of a municipality has data for is NaN ("no data"), never 0.
    """
    codes = kommunkod.astype(str).to_numpy()
    ok = passes.to_numpy(dtype=bool)
    x = values.to_numpy(dtype=float).copy()
    if no_data is not None:
        x[no_data.reindex(index=values.index, columns=values.columns,
                          fill_value=False).to_numpy(dtype=bool)] = np.nan
    rows = {}
    for code in sorted(set(codes)):
        mine = codes == code
        use = mine & ok if (mine & ok).any() else mine
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN column: no data
            rows[code] = np.nanmean(x[use], axis=0)
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(values.columns))


@overload
def compare_municipalities(scores: pd.Series, passes: pd.Series, kommunkod: pd.Series,
                           site_ids: pd.Series, names: Mapping[str, str] | None = None
                           ) -> pd.DataFrame: ...


@overload
def compare_municipalities(profile: Profile, layerset: LayerSet,
                           municipalities: str | Sequence[str] = "all", *,
                           sites: gpd.GeoDataFrame | None = None, resolution_m: float = 250.0,
                           n_key_metrics: int = 3, progress: bool = False) -> pd.DataFrame: ...


def compare_municipalities(*args: Any, **kwargs: Any) -> pd.DataFrame:
    """Compare municipalities: the full comparison or a summary of scored sites.

    ``compare_municipalities(profile, layerset, municipalities="all", *, sites=None,
    resolution_m=250.0, n_key_metrics=3, progress=False)`` runs :func:`compare_region`;
    ``compare_municipalities(scores, passes, kommunkod, site_ids, names=None)`` runs
    :func:`summarise_sites` (the app's per-municipality table of scored sites).
    """
    first = args[0] if args else kwargs.get("scores", kwargs.get("profile"))
    if isinstance(first, pd.Series):
        return summarise_sites(*args, **kwargs)
    return compare_region(*args, **kwargs)


def key_metrics(profile: Profile, n: int = 3, *, skip_kinds: Sequence[str] = ()) -> list[str]:
    """Metric ids of the ``n`` most weighted soft criteria (ties: profile order).

    Metrics of a kind in ``skip_kinds`` (e.g. ``site_attribute`` for candidate
    areas, which have no zoning) are passed over.
    """
    order = sorted(profile.soft, key=lambda c: -float(profile.weights[c.id]))
    out: list[str] = []
    for c in order:
        if profile.metric(c.metric).kind in skip_kinds:
            continue
        if c.metric not in out:
            out.append(c.metric)
        if len(out) >= n:
            break
    return out


@dataclass(frozen=True)
class ComparisonResult:
    """The comparison of municipalities: everything the app, CLI and report lay out.

    Attributes
    ----------
    table : DataFrame
        One row per municipality (:data:`COMPARE_COLUMNS` then ``metric_<id>``), ranked.
    sites : SitingResult or None
        The evaluated rows behind it: the candidate sites, or each municipality's best
        candidate areas evaluated as sites (None when there were none). A municipality's
        verdict is its best row's verdict here, so site and comparison always agree.
    method : {"sites", "surface"}
    notes : tuple of str
    key_metrics : tuple of str
    resolution_m : float
    strict : bool
    matrix : DataFrame
        Mean soft value (0..1) per municipality and criterion (:func:`criteria_matrix`).
    """

    table: pd.DataFrame
    sites: SitingResult | None
    method: str
    notes: tuple[str, ...]
    key_metrics: tuple[str, ...]
    resolution_m: float
    strict: bool = False
    matrix: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    def row(self, kommunkod: str) -> pd.Series:
        """The table row of one municipality (KeyError when absent)."""
        hit = self.table[self.table["kommunkod"].astype(str) == str(kommunkod)]
        if not len(hit):
            raise KeyError(kommunkod)
        return hit.iloc[0]


def compare_region(profile: Profile, layerset: LayerSet,
                   municipalities: str | Sequence[str] = "all", *,
                   sites: gpd.GeoDataFrame | None = None, resolution_m: float = 250.0,
                   n_key_metrics: int = 3, progress: bool = False,
                   strict: bool = False) -> pd.DataFrame:
    """The table of :func:`compare` (with ``attrs`` notes, method, key_metrics)."""
    return compare(profile, layerset, municipalities, sites=sites, resolution_m=resolution_m,
                   n_key_metrics=n_key_metrics, progress=progress, strict=strict).table


def compare(profile: Profile, layerset: LayerSet, municipalities: str | Sequence[str] = "all",
            *, sites: gpd.GeoDataFrame | None = None, resolution_m: float = 250.0,
            n_key_metrics: int = 3, progress: bool = False,
            strict: bool = False) -> ComparisonResult:
    """One row per study municipality: best site or candidate area, verdict, land, score, rank.

    Parameters
    ----------
    profile : Profile
    layerset : LayerSet
        Loaded for the region to compare (its study area).
    municipalities : "all" or sequence of str
        Kommunkoder (or names) of the study area to report; ``"all"`` = every one.
    sites : GeoDataFrame, optional
        Candidate sites; default the LayerSet's ``sites`` layer when loaded. Without
        any, each municipality's best candidate areas of the surface are evaluated as
        sites (by :func:`siting.scoring.evaluate`, like any site).
    resolution_m : float
        Cell size of the suitability surface (land share and candidate areas).
    n_key_metrics : int
        How many of the most weighted soft criteria's metrics to report.
    progress : bool
        Progress logging.
    strict : bool
        Unknown hard criteria count as failures.

    Returns
    -------
    ComparisonResult
        ``table`` columns :data:`COMPARE_COLUMNS` then ``metric_<id>`` per key metric.
        ``status`` is the best row's verdict (``pass``/``fail``/``unknown``) or
        ``no_data`` when the municipality has no site or area; ``rank`` follows the
        ranking policy (:func:`siting.criteria.evaluator.rank_order`): failing
        municipalities last, unknown ones with the passing ones, a missing score ("no
        data", NaN, never 0) after the scored ones.

    Raises
    ------
    ScoringError
        Municipalities that are not in the LayerSet's study area.
    """
    codes = _chosen_codes(layerset, municipalities)
    if sites is None and layerset.has("sites"):
        sites = layerset.vector("sites")
    with_sites = sites is not None and len(sites) > 0
    keys = key_metrics(profile, n_key_metrics,
                       skip_kinds=() if with_sites else ("site_attribute", "site_area"))
    if progress:
        logger.info("surface at %g m ...", resolution_m)
    surface = suitability_surface(profile, layerset, resolution_m=resolution_m,
                                  progress=progress, strict=strict)
    notes = list(surface.notes)
    if with_sites:
        method = "sites"
        result: SitingResult | None = evaluate(sites, profile, layerset, progress=progress,
                                               strict=strict)
    else:
        method = "surface"
        notes.append("no candidate sites: each municipality is represented by its best "
                     "candidate area of the suitability surface, evaluated as a site")
        areas = _best_areas(surface, codes)
        result = (evaluate(areas, profile, layerset, sites_source="candidate areas",
                           strict=strict) if len(areas) else None)
    table = municipality_table(result, layerset, codes, keys, surface=surface,
                               kind="site" if with_sites else "area")
    table.attrs.update(notes=notes, note_keys=note_keys(profile, surface),
                       method=method, key_metrics=keys,
                       resolution_m=surface.resolution_m, strict=strict)
    return ComparisonResult(table, result, method, tuple(notes), tuple(keys),
                            surface.resolution_m, strict, _matrix(result, codes))


def note_keys(profile: Profile, surface: SurfaceResult
              ) -> list[tuple[str, dict[str, Any]]]:
    """The comparison's technical notes as message keys (``notes.*``) with their values.

    The same facts as ``notes`` (English, for logs and the CLI), for a user in any language:
    how the labour pool is measured on the surface, which criteria the surface cannot judge
    (``criteria``: criterion ids, grouped by why).
    """
    from siting.metrics.spec import DEFAULT_DETOUR_FACTOR, DEFAULT_SPEED_KMH

    out: list[tuple[str, dict[str, Any]]] = []
    skipped = surface.not_evaluated
    crits: list[Any] = [*profile.hard, *profile.soft]
    for spec in profile.metrics:
        used = any(c.metric == spec.id and c.id not in skipped for c in crits)
        if spec.kind == "labour_pool" and used:
            out.append(("notes.straight_line", {
                "metric": spec.id,
                "speed_kmh": float(spec.params.get("speed_kmh", DEFAULT_SPEED_KMH)),
                "detour": float(spec.params.get("detour_factor", DEFAULT_DETOUR_FACTOR))}))
    groups: dict[str, list[str]] = {"site_area": [], "site_attribute": [], "no_data": []}
    for c in crits:
        if c.id in skipped:
            kind = profile.metric(c.metric).kind
            groups[kind if kind in ("site_area", "site_attribute") else "no_data"].append(c.id)
    for group, ids in groups.items():
        if ids:
            out.append((f"notes.surface_{group}", {"criteria": tuple(ids),
                                                   "min_area_ha": float(surface.min_area_ha)}))
    return out


def comparison_of_sites(result: SitingResult, layerset: LayerSet,
                        codes: Sequence[str]) -> ComparisonResult:
    """The comparison of already evaluated sites (no surface: no land shares)."""
    table = municipality_table(result, layerset, codes)
    return ComparisonResult(table, result, "sites", (), (), float("nan"), result.strict,
                            _matrix(result, codes))


def _matrix(result: SitingResult | None, codes: Sequence[str]) -> pd.DataFrame:
    if result is None:
        return pd.DataFrame()
    mine = result.table["kommunkod"].astype(str).isin(set(codes)).to_numpy()
    values = result.values[mine]
    if not values.shape[1] or not mine.any():
        return pd.DataFrame()
    return criteria_matrix(values, result.passes[mine],
                           result.table["kommunkod"].astype(str)[mine],
                           no_data=result.no_data[mine])


def municipality_table(result: SitingResult | None, layerset: LayerSet, codes: Sequence[str],
                       keys: Sequence[str] = (), *, surface: SurfaceResult | None = None,
                       kind: str = "site") -> pd.DataFrame:
    """Per municipality the best evaluated row by the ranking policy, ranked.

    The one place that turns evaluated sites (or areas, ``kind="area"``) into a
    municipality's verdict: its best row that does not fail (highest score), else its
    best failing row. ``n_sites`` counts the evaluated rows (for areas: the best few per
    municipality), ``n_pass`` those that do not fail, ``n_unknown`` those with unknowns.
    Without any row the status is ``fail`` when the surface measured the municipality
    (no site or area of the minimum size fails nothing) and ``no_data`` otherwise.
    """
    names = dict(zip(layerset.region.kommunkoder, layerset.region.names, strict=True))
    rows: dict[str, dict[str, Any]] = {}
    for c in codes:
        land = surface.passing_share(c) if surface is not None else np.nan
        rows[c] = {"kommunkod": c, "name": names.get(c, c), "status": "no_data",
                   "score": np.nan, "best_site": "", "best_kind": "", "best_area_ha": np.nan,
                   "n_sites": 0, "n_pass": 0, "n_unknown": 0, "unknown_criteria": "",
                   "land_pass_share": land,
                   "land_pass_ha": (surface.cells_passing.get(c, 0) * surface.cell_area_ha
                                    if surface is not None else np.nan),
                   **{f"metric_{m}": np.nan for m in keys}}
        if surface is not None and surface.cells_study.get(c, 0):
            # measured, yet no site or area of the minimum size fails nothing: a fail (an
            # evaluated best row below replaces it)
            rows[c]["status"] = "fail"
    if result is not None:
        tbl = result.table
        for code, grp in tbl.groupby(tbl["kommunkod"].astype(str), sort=False):
            if code not in rows:
                continue
            order = rank_order(np.where(grp["status"] == "fail", FAIL, PASS),
                               grp["score"].to_numpy(dtype=float))
            best = grp.iloc[int(np.argmin(order))]
            row = rows[code]
            row.update(status=str(best["status"]), score=float(best["score"]),
                       best_site=str(best["site_id"]), best_kind=kind,
                       best_area_ha=float(best["area_ha"]) if "area_ha" in best else np.nan,
                       n_sites=len(grp), n_pass=int((grp["status"] != "fail").sum()),
                       n_unknown=int((grp["status"] == "unknown").sum()),
                       unknown_criteria=str(best.get("unknown_criteria", "") or ""))
            for m in keys:
                row[f"metric_{m}"] = best.get(f"metric_{m}", np.nan)
    out = pd.DataFrame(list(rows.values()))
    status = out["status"].to_numpy(dtype=object)
    verdict = np.where(status == "fail", FAIL, np.where(status == "unknown", UNKNOWN, PASS))
    ranks = rank_order(verdict, out["score"].to_numpy(dtype=float))
    out = out.iloc[np.argsort(ranks, kind="stable")].reset_index(drop=True)
    out["rank"] = np.arange(1, len(out) + 1)
    out = out[[*COMPARE_COLUMNS, *(f"metric_{m}" for m in keys)]]
    for col in ("kommunkod", "name", "best_site", "best_kind", "status", "unknown_criteria"):
        out[col] = out[col].astype("string")
    return out


def _chosen_codes(layerset: LayerSet, municipalities: str | Sequence[str]) -> list[str]:
    study = list(layerset.region.kommunkoder)
    if isinstance(municipalities, str) and municipalities.strip().casefold() in ("all", "*", ""):
        return study
    from siting.data.region import resolve_region

    muni = layerset.municipalities
    wanted = resolve_region(muni, municipalities, buffer_m=0.0,
                            source="municipalities").kommunkoder
    outside = [c for c in wanted if c not in study]
    if outside:
        raise ScoringError.from_problems("Municipalities outside the study area", [
            Problem("municipalities", c, "kommunkod", "not in the loaded study area",
                    f"load the LayerSet with a region that contains {c}") for c in outside])
    return list(wanted)


def _best_areas(surface: SurfaceResult, codes: list[str], per_municipality: int = 3
                ) -> gpd.GeoDataFrame:
    """The best candidate areas per municipality (default threshold, then any suitable land),
    as sites: ``site_id`` (``<kommunkod>-A001``), ``kommunkod``, ``area_ha``, geometry."""
    picked: list[gpd.GeoDataFrame] = []
    missing = set(codes)
    for threshold in (None, 0.0):
        if not missing:
            break
        areas = candidate_areas(surface, threshold=threshold, by_municipality=True)
        areas = areas[areas["kommunkod"].astype(str).isin(missing)]
        if not len(areas):
            continue
        top = areas.groupby(areas["kommunkod"].astype(str), sort=False).head(per_municipality)
        picked.append(top)
        missing -= set(areas["kommunkod"].astype(str))
    if not picked:
        return gpd.GeoDataFrame({"site_id": [], "kommunkod": [], "area_ha": []}, geometry=[],
                                crs=surface.crs)
    best = pd.concat(picked, ignore_index=True)
    return gpd.GeoDataFrame(
        {"site_id": [f"{k}-{a}" for k, a in zip(best["kommunkod"], best["area_id"],
                                                 strict=True)],
         "name": best["name"].astype(str).to_numpy(),
         "kommunkod": best["kommunkod"].astype(str).to_numpy(),
         "area_ha": best["area_ha"].to_numpy(dtype=float)},
        geometry=best.geometry.to_numpy(), crs=surface.crs)
