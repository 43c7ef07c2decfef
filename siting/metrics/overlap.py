"""Share of each site inside the polygons of a layer (protected areas, flood zones).

The overlay layer is dissolved once (so overlapping polygons are not counted
twice) and split into its disjoint parts; every (site, part) pair found by
the spatial index adds its intersection area. Point sites get 1 when inside
(or on the edge of) a polygon, else 0.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import box
>>> sites = gpd.GeoDataFrame(geometry=[box(0, 0, 100, 100)], crs="EPSG:3006")
>>> zones = gpd.GeoDataFrame(geometry=[box(50, 50, 200, 200)], crs="EPSG:3006")
>>> float(overlap_share(sites, zones).iloc[0])
0.25
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from siting.core.errors import DataError
from siting.metrics._base import (
    as_series,
    check_layer,
    check_sites,
    polygonal_mask,
    site_geometries,
    valid_geometry_mask,
)

__all__ = ["dissolve_parts", "overlap_share"]


def dissolve_parts(layer: gpd.GeoDataFrame) -> np.ndarray:
    """The polygons of ``layer`` dissolved and split into disjoint single polygons.

    Invalid polygons are repaired with ``make_valid`` first (only polygonal
    pieces are kept). Raises :class:`DataError` for a non-polygon layer.
    """
    geoms = np.asarray(layer.geometry.values, dtype=object)
    geoms = geoms[valid_geometry_mask(geoms)]
    if geoms.size == 0:
        return np.array([], dtype=object)
    if not polygonal_mask(geoms).all():
        kinds = sorted(set(shapely.get_type_id(geoms).tolist()) - {3, 6})
        raise DataError.single(
            "layer", f"overlap needs polygons, found geometry type id(s) {kinds}",
            hint="use a polygon layer (protected_areas, flood_zones, ...) for overlap_share",
        )
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        geoms = geoms.copy()
        geoms[invalid] = [_polygonal(g) for g in shapely.make_valid(geoms[invalid])]
    merged = shapely.union_all(geoms)
    parts = shapely.get_parts(merged)
    parts = parts[polygonal_mask(parts) & ~shapely.is_empty(parts)]
    return parts


def overlap_share(sites: gpd.GeoDataFrame, layer: gpd.GeoDataFrame, *,
                  name: str = "overlap_share") -> pd.Series:
    """Share 0..1 of each site's area inside the polygons of ``layer``.

    Parameters
    ----------
    sites : GeoDataFrame
        Candidate sites, EPSG:3006. Polygons: area share. Points (and other
        non-areal geometries): 1 when they intersect a polygon, else 0.
    layer : GeoDataFrame
        Polygon layer (already filtered), EPSG:3006.
    name : str
        Name of the Series.
    """
    check_sites(sites)
    check_layer(layer, "layer")
    n = len(sites)
    share = np.zeros(n, dtype="float64")
    sgeoms = site_geometries(sites)
    svalid = valid_geometry_mask(sgeoms)
    share[~svalid] = np.nan
    parts = dissolve_parts(layer)
    if parts.size == 0 or not svalid.any():
        return as_series(share, sites, name)
    tree = shapely.STRtree(parts)
    idx = np.flatnonzero(svalid)
    qi, pi = tree.query(sgeoms[idx], predicate="intersects")
    si = idx[qi]
    poly = polygonal_mask(sgeoms)
    area = shapely.area(sgeoms)
    is_area = poly & (area > 0)
    pair_area = is_area[si]
    if pair_area.any():
        a_si, a_pi = si[pair_area], pi[pair_area]
        inter = shapely.area(shapely.intersection(sgeoms[a_si], parts[a_pi]))
        covered = np.bincount(a_si, weights=inter, minlength=n)
        share[is_area] = np.clip(covered[is_area] / area[is_area], 0.0, 1.0)
    hit = np.zeros(n, dtype=bool)
    hit[si[~pair_area]] = True
    point_like = svalid & ~is_area
    share[point_like] = hit[point_like].astype("float64")
    return as_series(share, sites, name)


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """Keep only the polygonal pieces of a repaired geometry."""
    parts = shapely.get_parts(geom)
    keep = parts[polygonal_mask(parts)]
    return shapely.union_all(keep) if keep.size else shapely.Polygon()
