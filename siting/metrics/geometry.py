"""Metrics of the site itself: area and attributes.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import box
>>> sites = gpd.GeoDataFrame({"zoning": ["industrial"]},
...                          geometry=[box(0, 0, 1000, 1000)], crs="EPSG:3006")
>>> float(site_area(sites).iloc[0])
100.0
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from siting.core.errors import ProfileError
from siting.data.schema import LAYER_TYPES
from siting.metrics._base import as_series, check_sites, polygonal_mask, site_geometries

__all__ = ["site_area", "site_attribute"]

_M2_PER_HA = 10_000.0


def site_area(sites: gpd.GeoDataFrame, *, name: str = "site_area_ha") -> pd.Series:
    """Site area in hectares.

    Polygon sites: the polygon area (EPSG:3006 is conformal; area distortion
    is < 0.1 % in Sweden). Point sites: the ``area_ha`` field when it is given and
    positive, else NaN (a point's area is not known; 0 would fail every minimum area).

    Parameters
    ----------
    sites : GeoDataFrame
        Candidate sites in EPSG:3006.
    name : str
        Name of the returned Series.

    Returns
    -------
    pandas.Series
        float, hectares, indexed like ``sites``.
    """
    check_sites(sites)
    geoms = site_geometries(sites)
    area = shapely.area(geoms) / _M2_PER_HA
    poly = polygonal_mask(geoms)
    out = np.where(poly, area, np.nan)
    if "area_ha" in sites.columns:
        given = pd.to_numeric(sites["area_ha"], errors="coerce").to_numpy(
            dtype="float64", na_value=np.nan)
        out = np.where(poly, out, np.where(given > 0, given, np.nan))
    return as_series(out.astype("float64"), sites, name)


def site_attribute(sites: gpd.GeoDataFrame, field: str, *, name: str | None = None) -> pd.Series:
    """A canonical field of the sites layer (e.g. ``zoning``, ``owner``), possibly text.

    A canonical field the data does not carry gives an all-missing Series
    (the scoring layer flags "no data"); a field that is not canonical is a
    profile mistake and raises :class:`ProfileError`.
    """
    check_sites(sites)
    canonical = {f.name for f in LAYER_TYPES["sites"].fields}
    if field not in canonical and field not in sites.columns:
        raise ProfileError.single(
            "site_attribute", f"'{field}' is not a field of the sites layer", field=field,
            hint=f"use one of: {', '.join(sorted(canonical))}",
        )
    label = name or field
    if field not in sites.columns:
        return as_series(np.full(len(sites), np.nan), sites, label, missing_field=field)
    values = sites[field]
    if field == "area_ha":
        return site_area(sites, name=label)
    return pd.Series(values.to_numpy(), index=sites.index, name=label, dtype=values.dtype)
