"""Compare municipalities for one profile: a table, a criteria matrix, best sites.

Works on an :class:`siting.evaluation.Evaluation` of candidate sites. Where a
dataset has no candidate sites (e.g. the real open-data pack), each
municipality is represented by one point site at its representative point
(:func:`municipality_sites`), so the same profile still compares places.
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd

__all__ = ["compare_municipalities", "criteria_matrix", "municipality_sites"]


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


def compare_municipalities(
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
    >>> compare_municipalities(s, p, k, ids)[["kommunkod", "n_pass", "best_site"]].values.tolist()
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
