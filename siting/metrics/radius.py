"""Sums and counts of features within a radius of each site.

The radius is measured from the site geometry (a polygon's edge), and a line
or polygon feature counts once when any part of it is within the radius.
One spatial-index ``dwithin`` query serves all sites; sums use ``np.bincount``.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import Point
>>> sites = gpd.GeoDataFrame(geometry=[Point(0, 0)], crs="EPSG:3006")
>>> subs = gpd.GeoDataFrame({"available_capacity_mw": [300.0, 500.0]},
...                         geometry=[Point(9_000, 0), Point(11_000, 0)], crs="EPSG:3006")
>>> float(sum_within(sites, subs, "available_capacity_mw", 10_000).iloc[0])
300.0
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from siting.core.errors import ProfileError
from siting.metrics._base import (
    as_series,
    check_layer,
    check_sites,
    index_pieces,
    numeric_values,
    site_geometries,
    valid_geometry_mask,
)

__all__ = ["count_within", "pairs_within", "sum_within"]


def pairs_within(sites: gpd.GeoDataFrame, layer: gpd.GeoDataFrame,
                 radius_m: float) -> tuple[np.ndarray, np.ndarray]:
    """(site position, layer position) pairs closer than or at ``radius_m`` metres."""
    check_sites(sites)
    check_layer(layer, "layer")
    if not np.isfinite(radius_m) or radius_m < 0:
        raise ProfileError.single("radius_m", f"must be a non-negative number, got {radius_m!r}",
                                  field="radius_m", hint="give the radius in metres, e.g. 10000")
    lgeoms = np.asarray(layer.geometry.values, dtype=object)
    lvalid = np.flatnonzero(valid_geometry_mask(lgeoms))
    sgeoms = site_geometries(sites)
    svalid = np.flatnonzero(valid_geometry_mask(sgeoms))
    if lvalid.size == 0 or svalid.size == 0:
        empty = np.array([], dtype=np.int64)
        return empty, empty
    pieces, owner = index_pieces(lgeoms[lvalid], lvalid)
    tree = shapely.STRtree(pieces)
    qi, ti = tree.query(sgeoms[svalid], predicate="dwithin", distance=float(radius_m))
    si, li = svalid[qi], owner[ti]
    if pieces.size != lvalid.size:  # a feature split into pieces counts once per site
        key = np.unique(si.astype(np.int64) * len(layer) + li)
        si, li = key // len(layer), key % len(layer)
    return si, li


def sum_within(sites: gpd.GeoDataFrame, layer: gpd.GeoDataFrame, field: str, radius_m: float,
               *, name: str | None = None) -> pd.Series:
    """Sum of ``field`` over the features within ``radius_m`` of each site.

    Missing values of ``field`` count as 0; no feature within the radius gives 0.
    """
    check_layer(layer, "layer")
    values = np.nan_to_num(numeric_values(layer, field, "layer"), nan=0.0)
    si, li = pairs_within(sites, layer, radius_m)
    total = np.bincount(si, weights=values[li], minlength=len(sites)).astype("float64")
    return as_series(total, sites, name or f"{field}_within_{int(radius_m)}m")


def count_within(sites: gpd.GeoDataFrame, layer: gpd.GeoDataFrame, radius_m: float,
                 *, name: str | None = None) -> pd.Series:
    """Number of features within ``radius_m`` of each site (0 when none)."""
    si, _ = pairs_within(sites, layer, radius_m)
    counts = np.bincount(si, minlength=len(sites)).astype("int64")
    return as_series(counts, sites, name or f"count_within_{int(radius_m)}m")
