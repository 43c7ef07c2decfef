"""Compare municipalities for one profile: a table, a criteria matrix, best sites.

:func:`compare_municipalities` has two forms:

* ``compare_municipalities(profile, layerset, municipalities="all", *, sites=None,
  resolution_m=250.0)``: the full comparison. One row per study municipality:
  its best candidate site (from the scoring engine, :func:`siting.scoring.evaluate`,
  when a sites layer or ``sites`` is given) or else its best *candidate area*
  from the suitability surface (:mod:`siting.surface.run`, :mod:`siting.surface.candidates`),
  the share of its land passing every hard criterion, the key metrics (the
  profile's most weighted soft criteria) of that best site/area, its score and
  its rank. Works on data without candidate sites (the real open-data pack).
* ``compare_municipalities(scores, passes, kommunkod, site_ids, names=None)``:
  the per-municipality summary of already scored sites used by the app
  (:func:`summarise_sites`).

Where a dataset has no candidate sites, :func:`municipality_sites` gives one
point site per municipality at its representative point.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from typing import Any, overload

import geopandas as gpd
import numpy as np
import pandas as pd

from siting.core.errors import DataError, Problem, ScoringError

__all__ = [
    "compare_municipalities",
    "compare_region",
    "criteria_matrix",
    "key_metrics",
    "municipality_sites",
    "summarise_sites",
]

#: Columns of :func:`compare_region` before the key-metric columns.
COMPARE_COLUMNS = ("kommunkod", "name", "score", "rank", "best_site", "best_kind",
                   "best_area_ha", "n_sites", "n_pass", "land_pass_share", "land_pass_ha")


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


def criteria_matrix(values: pd.DataFrame, passes: pd.Series, kommunkod: pd.Series) -> pd.DataFrame:
    """Mean criterion value (0..1) per municipality over its passing sites.

    Municipalities without passing sites use all their sites, so the matrix
    still shows why they fall short. Rows: kommunkod; columns: criteria.
    """
    codes = kommunkod.astype(str).to_numpy()
    ok = passes.to_numpy(dtype=bool)
    rows = {}
    for code in sorted(set(codes)):
        mine = codes == code
        use = mine & ok if (mine & ok).any() else mine
        rows[code] = values.to_numpy(dtype=float)[use].mean(axis=0)
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(values.columns))


@overload
def compare_municipalities(scores: pd.Series, passes: pd.Series, kommunkod: pd.Series,
                           site_ids: pd.Series, names: Mapping[str, str] | None = None
                           ) -> pd.DataFrame: ...


@overload
def compare_municipalities(profile: Any, layerset: Any,
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


def key_metrics(profile: Any, n: int = 3, *, skip_kinds: Sequence[str] = ()) -> list[str]:
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


def compare_region(profile: Any, layerset: Any, municipalities: str | Sequence[str] = "all", *,
                   sites: gpd.GeoDataFrame | None = None, resolution_m: float = 250.0,
                   n_key_metrics: int = 3, progress: bool = False) -> pd.DataFrame:
    """One row per study municipality: best site or candidate area, land passing, score, rank.

    Parameters
    ----------
    profile : siting.criteria.profiles.Profile
    layerset : siting.data.layerset.LayerSet
        Loaded for the region to compare (its study area).
    municipalities : "all" or sequence of str
        Kommunkoder (or names) of the study area to report; ``"all"`` = every one.
    sites : GeoDataFrame, optional
        Candidate sites; default the LayerSet's ``sites`` layer when loaded. Without
        any, each municipality's best candidate area of the surface stands in.
    resolution_m : float
        Cell size of the suitability surface (land share and candidate areas).
    n_key_metrics : int
        How many of the most weighted soft criteria's metrics to report.
    progress : bool
        Progress bars on stderr.

    Returns
    -------
    DataFrame
        Columns :data:`COMPARE_COLUMNS` then ``metric_<id>`` per key metric.
        ``best_kind`` is ``"site"`` or ``"area"``; ``score`` is the best passing
        site's score (0..100) or the best area's mean cell score; ``rank`` 1 = best
        (municipalities without a passing site/area rank last, by land share).
        ``attrs`` hold ``notes`` (list of str), ``method`` and ``key_metrics``.

    Raises
    ------
    ScoringError
        Municipalities that are not in the LayerSet's study area.
    """
    from siting.scoring.sites import evaluate
    from siting.surface.candidates import candidate_areas
    from siting.surface.run import suitability_surface

    codes = _chosen_codes(layerset, municipalities)
    names = dict(zip(layerset.region.kommunkoder, layerset.region.names, strict=True))
    if sites is None and layerset.has("sites"):
        sites = layerset.vector("sites")
    with_sites = sites is not None and len(sites) > 0
    keys = key_metrics(profile, n_key_metrics,
                       skip_kinds=() if with_sites else ("site_attribute", "site_area"))
    if progress:
        print(f"surface at {resolution_m:g} m ...", file=sys.stderr)
    surface = suitability_surface(profile, layerset, resolution_m=resolution_m,
                                  progress=progress)
    notes = list(surface.notes)
    rows: dict[str, dict[str, Any]] = {c: {
        "kommunkod": c, "name": names.get(c, c), "score": np.nan, "best_site": "",
        "best_kind": "", "best_area_ha": np.nan, "n_sites": 0, "n_pass": 0,
        "land_pass_share": surface.passing_share(c),
        "land_pass_ha": surface.cells_passing.get(c, 0) * surface.cell_area_ha,
        **{f"metric_{m}": np.nan for m in keys}} for c in codes}
    if with_sites:
        method = "sites"
        result = evaluate(sites, profile, layerset, progress=progress)
        tbl = result.table
        for code, grp in tbl.groupby(tbl["kommunkod"].astype(str), sort=False):
            if code not in rows:
                continue
            row = rows[code]
            row["n_sites"] = len(grp)
            ok = grp[grp["passes_hard"].to_numpy(dtype=bool)]
            row["n_pass"] = len(ok)
            if len(ok):
                best = ok.loc[ok["score"].idxmax()]
                row.update(score=float(best["score"]), best_site=str(best["site_id"]),
                           best_kind="site",
                           best_area_ha=float(best["area_ha"]) if "area_ha" in best else np.nan)
                for m in keys:
                    row[f"metric_{m}"] = best.get(f"metric_{m}", np.nan)
    else:
        method = "surface"
        notes.append("no candidate sites: each municipality is represented by its best "
                     "candidate area of the suitability surface")
        best = _best_areas(surface, candidate_areas, codes)
        if len(best):
            measured = _measure_areas(best, profile, layerset, keys, notes)
            for i, area in best.iterrows():
                row = rows[str(area["kommunkod"])]
                row.update(score=float(area["score_mean"]), best_site=str(area["area_id"]),
                           best_kind="area", best_area_ha=float(area["area_ha"]),
                           n_sites=int(area["n_areas"]), n_pass=int(area["n_areas"]))
                for m in keys:
                    row[f"metric_{m}"] = measured.at[i, m] if m in measured.columns else np.nan
    out = pd.DataFrame(list(rows.values()))
    has_best = out["best_site"] != ""
    order = np.lexsort((-out["land_pass_share"].fillna(-1).to_numpy(),
                        -out["score"].fillna(-1).to_numpy(), ~has_best.to_numpy()))
    out = out.iloc[order].reset_index(drop=True)
    out["rank"] = np.arange(1, len(out) + 1)
    out = out[[*COMPARE_COLUMNS, *(f"metric_{m}" for m in keys)]]
    out["kommunkod"] = out["kommunkod"].astype("string")
    out["name"] = out["name"].astype("string")
    out["best_site"] = out["best_site"].astype("string")
    out["best_kind"] = out["best_kind"].astype("string")
    out.attrs.update(notes=notes, method=method, key_metrics=keys,
                     resolution_m=surface.resolution_m)
    return out


def _chosen_codes(layerset: Any, municipalities: str | Sequence[str]) -> list[str]:
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


def _best_areas(surface: Any, candidate_areas: Any, codes: list[str]) -> gpd.GeoDataFrame:
    """The best candidate area per municipality (default threshold, then any suitable land)."""
    picked: list[gpd.GeoDataFrame] = []
    counts: dict[str, int] = {}
    missing = set(codes)
    for threshold in (None, 0.0):
        if not missing:
            break
        areas = candidate_areas(surface, threshold=threshold, by_municipality=True)
        areas = areas[areas["kommunkod"].astype(str).isin(missing)]
        if not len(areas):
            continue
        grp = areas.groupby(areas["kommunkod"].astype(str), sort=False)
        counts.update(grp.size().to_dict())
        picked.append(areas.loc[grp["score_mean"].idxmax().to_numpy()])
        missing -= set(areas["kommunkod"].astype(str))
    if not picked:
        return gpd.GeoDataFrame({"kommunkod": []}, geometry=[], crs=surface.crs)
    best = pd.concat(picked, ignore_index=True)
    best["area_id"] = [f"{k}-{a}" for k, a in zip(best["kommunkod"], best["area_id"],
                                                   strict=True)]
    best["n_areas"] = [counts[str(k)] for k in best["kommunkod"]]
    return gpd.GeoDataFrame(best, geometry="geometry", crs=surface.crs)


def _measure_areas(areas: gpd.GeoDataFrame, profile: Any, layerset: Any, keys: list[str],
                   notes: list[str]) -> pd.DataFrame:
    """The key metrics measured on the area polygons (as sites) with the metrics engine."""
    from siting.metrics.registry import MissingLayer, compute_metric

    sites = gpd.GeoDataFrame({"site_id": areas["area_id"].astype(str).to_numpy(),
                              "kommunkod": areas["kommunkod"].astype(str).to_numpy(),
                              "area_ha": areas["area_ha"].to_numpy()},
                             geometry=areas.geometry.to_numpy(), crs=areas.crs,
                             index=areas.index)
    out = pd.DataFrame(index=areas.index)
    for mid in keys:
        spec = profile.metric(mid)
        if spec.kind == "site_attribute":
            continue
        try:
            out[mid] = compute_metric(spec.kind, sites, layerset,
                                      {**dict(spec.params), "id": mid}, name=mid)
        except MissingLayer as exc:
            notes.append(f"key metric '{mid}' not measured: no layer of type "
                         f"'{exc.layer_type}' is loaded")
        except DataError as exc:
            notes.append(f"key metric '{mid}' not measured: {exc}")
    return out
