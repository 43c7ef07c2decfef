"""Municipality attributes joined to sites by ``kommunkod``.

Sites carry the 4-character municipality code ``kommunkod`` (leading zeros
kept); :func:`assign_kommunkod` fills it in spatially when a sites layer
lacks it.

Examples
--------
>>> import geopandas as gpd
>>> import pandas as pd
>>> from shapely.geometry import Point
>>> sites = gpd.GeoDataFrame({"kommunkod": ["0180", "9999"]},
...                          geometry=[Point(0, 0), Point(1, 1)], crs="EPSG:3006")
>>> table = pd.DataFrame({"kommunkod": ["0180"], "population": [935619]})
>>> municipality_attribute(sites, table, "population").tolist()
[935619.0, nan]
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from siting.core.errors import DataError
from siting.metrics._base import as_series, check_layer, check_sites, require_field

__all__ = ["assign_kommunkod", "municipality_attribute", "normalise_kommunkod"]


def normalise_kommunkod(codes: pd.Series) -> pd.Series:
    """Codes as 4-character text with leading zeros (``180`` -> ``'0180'``); missing stays missing."""
    def one(v: object) -> object:
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
            return pd.NA
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        text = str(v).strip()
        if text == "":
            return pd.NA
        return text.zfill(4) if text.isdigit() else text
    keys, uniques = pd.factorize(pd.Series(codes, dtype=object), use_na_sentinel=True)
    done = np.array([one(v) for v in uniques] + [pd.NA], dtype=object)  # -1 -> missing
    return pd.Series(done[keys], index=codes.index, dtype="string")


def municipality_attribute(sites: gpd.GeoDataFrame, table: pd.DataFrame, field: str, *,
                           name: str | None = None) -> pd.Series:
    """The table's ``field`` for each site's ``kommunkod`` (missing code or row -> NaN).

    Parameters
    ----------
    sites : GeoDataFrame
        Sites with a ``kommunkod`` column, EPSG:3006.
    table : DataFrame
        A table layer keyed by ``kommunkod`` (one row per municipality).
    field : str
        The column to fetch. Numbers come back as float, text as text.
    name : str, optional
        Name of the Series (default ``field``).
    """
    check_sites(sites)
    require_field(sites, "kommunkod", "sites")
    require_field(table, "kommunkod", "table")
    require_field(table, field, "table")
    keys = normalise_kommunkod(table["kommunkod"])
    dup = keys[keys.duplicated() & keys.notna()]
    if len(dup):
        raise DataError.single(
            "table", f"kommunkod {', '.join(sorted(set(dup.astype(str))))} appear(s) more than once",
            field="kommunkod", hint="keep one row per municipality")
    col = table[field]
    lookup = pd.Series(col.to_numpy(), index=pd.Index(keys.to_numpy(), dtype="object"),
                       dtype=col.dtype)
    lookup = lookup[keys.notna().to_numpy()]
    site_keys = normalise_kommunkod(sites["kommunkod"])
    values = lookup.reindex(pd.Index(site_keys.to_numpy(), dtype="object"))
    label = name or field
    if pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype):
        return as_series(pd.to_numeric(values, errors="coerce").to_numpy(
            dtype="float64", na_value=np.nan), sites, label)
    return pd.Series(values.to_numpy(), index=sites.index, name=label, dtype=col.dtype)


def assign_kommunkod(sites: gpd.GeoDataFrame, municipalities: gpd.GeoDataFrame) -> pd.Series:
    """The ``kommunkod`` of the municipality containing each site's representative point.

    A site whose representative point falls in no municipality gets the
    nearest municipality within 1 km (coastline slivers), else missing.
    """
    check_sites(sites)
    check_layer(municipalities, "municipalities")
    require_field(municipalities, "kommunkod", "municipalities")
    codes = normalise_kommunkod(municipalities["kommunkod"]).to_numpy()
    pts = shapely.point_on_surface(np.asarray(sites.geometry.values, dtype=object))
    out = np.full(len(sites), None, dtype=object)
    mgeoms = np.asarray(municipalities.geometry.values, dtype=object)
    if len(mgeoms) and len(pts):
        tree = shapely.STRtree(mgeoms)
        ok = ~(shapely.is_missing(pts) | shapely.is_empty(pts))
        idx = np.flatnonzero(ok)
        # inside (or on the edge of) a municipality: a prepared point-in-polygon test;
        # on a shared edge the first municipality in the layer's order
        qi, ti = tree.query(pts[idx], predicate="intersects")
        first = np.full(idx.size, -1, dtype=np.int64)
        order = np.lexsort((ti, qi))
        qi, ti = qi[order], ti[order]
        lead = np.r_[True, qi[1:] != qi[:-1]] if qi.size else np.zeros(0, dtype=bool)
        first[qi[lead]] = ti[lead]
        out[idx[first >= 0]] = codes[first[first >= 0]]
        rest = idx[first < 0]
        if rest.size:  # outside every municipality: the nearest within 1 km
            (qi, ti), _ = tree.query_nearest(pts[rest], max_distance=1000.0,
                                             return_distance=True, all_matches=False)
            out[rest[qi]] = codes[ti]
    return pd.Series(out, index=sites.index, name="kommunkod", dtype="string")
