"""Share of each site inside the polygons of a layer (protected areas, flood zones).

Overlapping polygons are not counted twice: the covered area of a site is the
area of the union of its intersections with the polygons. The layer itself is
never dissolved (a national layer takes seconds to union): one spatial-index
query finds the (site, polygon) pairs; a site covered by one polygon is fully
inside (share 1, no intersection computed); a site touching one polygon adds
that intersection's area; only a site touching several polygons unions its
few intersection pieces. Point sites get 1 when inside (or on the edge of) a
polygon, else 0.

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

__all__ = ["overlap_share"]


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
    polys = _polygons(layer)
    if polys.size == 0 or not svalid.any():
        return as_series(share, sites, name)
    tree = shapely.STRtree(polys)
    idx = np.flatnonzero(svalid)
    qi, pi = tree.query(sgeoms[idx], predicate="intersects")
    si = idx[qi]
    area = shapely.area(sgeoms)
    is_area = polygonal_mask(sgeoms) & (area > 0)
    hit = np.zeros(n, dtype=bool)
    hit[si] = True
    point_like = svalid & ~is_area
    share[point_like] = hit[point_like].astype("float64")
    keep = is_area[si]
    si, pi = si[keep], pi[keep]
    if si.size:
        share[is_area] = np.clip(_covered_m2(sgeoms, polys, si, pi, tree, n)[is_area]
                                 / area[is_area], 0.0, 1.0)
    return as_series(share, sites, name)


def _polygons(layer: gpd.GeoDataFrame) -> np.ndarray:
    """The layer's non-empty polygons, invalid ones repaired (:class:`DataError` for others)."""
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
        geoms = geoms[~shapely.is_empty(geoms)]
    return geoms


def _covered_m2(sgeoms: np.ndarray, polys: np.ndarray, si: np.ndarray, pi: np.ndarray,
                tree: shapely.STRtree, n: int) -> np.ndarray:
    """Area (m²) of each areal site covered by the union of the polygons it intersects.

    ``(si, pi)`` are the intersecting (site, polygon) pairs of areal sites.
    """
    covered = np.zeros(n)
    inside = np.zeros(n, dtype=bool)
    ci, _ = tree.query(sgeoms[np.unique(si)], predicate="covered_by")
    inside[np.unique(si)[ci]] = True
    covered[inside] = shapely.area(sgeoms[inside])
    rest = ~inside[si]
    si, pi = si[rest], pi[rest]
    pairs = np.bincount(si, minlength=n)
    single = pairs[si] == 1
    covered += np.bincount(si[single], minlength=n,
                           weights=shapely.area(shapely.intersection(sgeoms[si[single]],
                                                                     polys[pi[single]])))
    many_si, many_pi = si[~single], pi[~single]
    if many_si.size:
        order = np.argsort(many_si, kind="stable")
        many_si, many_pi = many_si[order], many_pi[order]
        pieces = shapely.intersection(sgeoms[many_si], polys[many_pi])
        sites_, starts = np.unique(many_si, return_index=True)
        for site, chunk in zip(sites_, np.split(pieces, starts[1:]), strict=True):
            covered[site] = shapely.area(shapely.union_all(chunk))
    return covered


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """Keep only the polygonal pieces of a repaired geometry."""
    parts = shapely.get_parts(geom)
    keep = parts[polygonal_mask(parts)]
    return shapely.union_all(keep) if keep.size else shapely.Polygon()
