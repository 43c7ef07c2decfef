"""Distance to, and attributes of, the nearest feature of a layer.

Distances are measured from the site geometry: from a polygon's edge, 0 when
the feature lies inside the site. Uses one STRtree nearest query for all sites.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import Point, box
>>> sites = gpd.GeoDataFrame(geometry=[box(0, 0, 1000, 1000)], crs="EPSG:3006")
>>> subs = gpd.GeoDataFrame({"voltage_kv": [400.0]}, geometry=[Point(4000, 500)],
...                         crs="EPSG:3006")
>>> float(nearest_distance(sites, subs).iloc[0])
3000.0
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from siting.metrics._base import (
    as_series,
    check_layer,
    check_sites,
    index_pieces,
    require_field,
    site_geometries,
    valid_geometry_mask,
)

__all__ = ["nearest", "nearest_attribute", "nearest_distance"]


def nearest(sites: gpd.GeoDataFrame, layer: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Position (in ``layer``) of and distance (m) to the nearest feature, per site.

    Returns
    -------
    positions : numpy.ndarray of int
        Row position in ``layer`` of the nearest feature, -1 when none
        (empty layer or empty site geometry).
    distances_m : numpy.ndarray of float
        Distance in metres, NaN when none.
    """
    check_sites(sites)
    check_layer(layer, "layer")
    n = len(sites)
    pos = np.full(n, -1, dtype=np.int64)
    dist = np.full(n, np.nan)
    lgeoms = np.asarray(layer.geometry.values, dtype=object)
    lvalid = np.flatnonzero(valid_geometry_mask(lgeoms))
    sgeoms = site_geometries(sites)
    svalid = np.flatnonzero(valid_geometry_mask(sgeoms))
    if lvalid.size == 0 or svalid.size == 0:
        return pos, dist
    pieces, owner = index_pieces(lgeoms[lvalid], lvalid)
    tree = shapely.STRtree(pieces)
    (qi, ti), d = tree.query_nearest(sgeoms[svalid], return_distance=True, all_matches=False)
    pos[svalid[qi]] = owner[ti]
    dist[svalid[qi]] = d
    return pos, dist


def nearest_distance(sites: gpd.GeoDataFrame, layer: gpd.GeoDataFrame, *,
                     name: str = "distance_m") -> pd.Series:
    """Metres from each site (edge; 0 inside) to the nearest feature of ``layer``.

    Parameters
    ----------
    sites : GeoDataFrame
        Candidate sites (points or polygons), EPSG:3006.
    layer : GeoDataFrame
        Features to measure to (already filtered), EPSG:3006.
    name : str
        Name of the Series (units in the name, e.g. ``dist_substation_400kv_m``).

    Returns
    -------
    pandas.Series
        float metres, NaN when the layer has no features. ``attrs["nearest_position"]``
        (a list): the row position in ``layer`` of the nearest feature (-1 when none), so
        callers can look up what decided the distance without a second query.
    """
    pos, dist = nearest(sites, layer)
    return as_series(dist, sites, name, nearest_position=pos.tolist())


def nearest_attribute(sites: gpd.GeoDataFrame, layer: gpd.GeoDataFrame, field: str, *,
                      name: str | None = None) -> pd.Series:
    """The value of ``field`` of the nearest feature of ``layer``, per site.

    Missing (NaN / <NA>) when the layer has no features. The dtype follows
    the layer's field (numbers stay numbers, text stays text). The distance to
    that feature is in ``.attrs["distance_m"]`` as a list.
    """
    check_layer(layer, "layer")
    require_field(layer, field, "layer")
    pos, dist = nearest(sites, layer)
    col = layer[field]
    found = pos >= 0
    values = col.iloc[np.where(found, pos, 0)].to_numpy() if len(layer) else np.array([])
    out = pd.Series(values if len(layer) else np.full(len(sites), np.nan),
                    index=sites.index, name=name or f"nearest_{field}",
                    dtype=col.dtype if len(layer) else "float64")
    if len(layer) and not found.all():
        out[~found] = pd.NA if not pd.api.types.is_float_dtype(col.dtype) else np.nan
    out.attrs["distance_m"] = dist.tolist()
    return out
