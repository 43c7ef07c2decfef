"""Raster zonal statistics over sites: mean, min, max, share of classes.

Pixels count for a site when their centre lies inside it (rasterio's default
rasterisation). Sites are burnt into label rasters over the window of the
raster they cover: overlapping sites go into separate label rasters (a greedy
colouring of the overlap graph), so each pixel can belong to several sites.
A site that covers no pixel centre (smaller than a pixel, or a point) uses the
pixel at its centroid. NaN pixels (nodata) are ignored; a site with only
nodata pixels, or outside the raster, gets NaN.

Examples
--------
>>> import geopandas as gpd
>>> import numpy as np
>>> from affine import Affine
>>> from shapely.geometry import box
>>> from siting.data.layerset import RasterData
>>> r = RasterData(np.arange(16, dtype=float).reshape(4, 4), Affine(10, 0, 0, 0, -10, 40))
>>> sites = gpd.GeoDataFrame(geometry=[box(0, 20, 20, 40)], crs="EPSG:3006")
>>> float(raster_stat(sites, r, "mean").iloc[0])  # pixels 0, 1, 4, 5
2.5
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio.features
import rasterio.windows
import shapely
from affine import Affine

from siting.core.errors import DataError, ProfileError
from siting.core.gdal_lock import GDAL_LOCK
from siting.data.layerset import RasterData
from siting.metrics._base import (
    as_series,
    check_raster_crs,
    check_sites,
    polygonal_mask,
    site_geometries,
    valid_geometry_mask,
)
from siting.metrics.spec import RASTER_STATS

__all__ = ["STATS", "raster_stat", "rowcol", "zonal_reduce"]

Stat = Literal["mean", "min", "max", "share"]
#: Supported statistics (declared in :mod:`siting.metrics.spec`).
STATS: tuple[str, ...] = RASTER_STATS


def zonal_reduce(values: np.ndarray, labels: np.ndarray, n: int, stat: str,
                 classes: Sequence[float] | None = None) -> np.ndarray:
    """Pure core: reduce ``values`` per label ``0..n-1`` (label -1 = no site).

    Parameters
    ----------
    values : numpy.ndarray
        Pixel values (any shape), NaN = nodata.
    labels : numpy.ndarray of int
        Same shape; the site (0..n-1) each pixel belongs to, -1 for none.
    n : int
        Number of sites.
    stat : {"mean", "min", "max", "share"}
        ``share`` = share of valid pixels whose value is in ``classes``.
    classes : sequence of numbers, optional
        Classes for ``share``.

    Returns
    -------
    numpy.ndarray
        float64, length ``n``, NaN for sites without valid pixels.
    """
    v = values.ravel()
    lab = labels.ravel()
    keep = (lab >= 0) & ~np.isnan(v)
    v, lab = v[keep], lab[keep]
    count = np.bincount(lab, minlength=n).astype("float64")
    out = np.full(n, np.nan)
    has = count > 0
    if stat == "mean":
        total = np.bincount(lab, weights=v, minlength=n)
        out[has] = total[has] / count[has]
    elif stat == "share":
        hit = np.isin(v, np.asarray(list(classes or ()), dtype="float64"))
        total = np.bincount(lab, weights=hit.astype("float64"), minlength=n)
        out[has] = total[has] / count[has]
    elif stat == "min":
        acc = np.full(n, np.inf)
        np.minimum.at(acc, lab, v)
        out[has] = acc[has]
    elif stat == "max":
        acc = np.full(n, -np.inf)
        np.maximum.at(acc, lab, v)
        out[has] = acc[has]
    else:
        raise ProfileError.single("raster_stat", f"unknown stat '{stat}'", field="stat",
                                  hint=f"use one of: {', '.join(STATS)}")
    return out


def raster_stat(sites: gpd.GeoDataFrame, raster: RasterData, stat: Stat, *,
                classes: Sequence[float] | None = None, name: str | None = None) -> pd.Series:
    """Zonal statistic of ``raster`` over each site.

    Parameters
    ----------
    sites : GeoDataFrame
        Candidate sites (polygons or points), EPSG:3006.
    raster : RasterData
        The raster in EPSG:3006, NaN = nodata.
    stat : {"mean", "min", "max", "share"}
        Statistic; ``share`` needs ``classes``.
    classes : sequence of numbers, optional
        Class codes counted by ``share`` (e.g. land-cover classes).
    name : str, optional
        Name of the Series (default ``raster_<stat>``).
    """
    check_sites(sites)
    if not isinstance(raster, RasterData):
        raise DataError.single("raster", f"must be RasterData, got {type(raster).__name__}",
                               hint="pass LayerSet.raster(...)")
    check_raster_crs(raster.crs, "raster")
    if stat not in STATS:
        raise ProfileError.single("raster_stat", f"unknown stat '{stat}'", field="stat",
                                  hint=f"use one of: {', '.join(STATS)}")
    if stat == "share" and not classes:
        raise ProfileError.single("raster_stat", "stat 'share' needs a list of classes",
                                  field="classes", hint="add e.g. classes = [1, 2]")
    n = len(sites)
    label = name or f"raster_{stat}"
    out = np.full(n, np.nan)
    geoms = site_geometries(sites)
    valid = valid_geometry_mask(geoms)
    if n == 0 or not valid.any():
        return as_series(out, sites, label)
    arr = np.asarray(raster.array, dtype="float64")
    window, wtransform = _window(raster, shapely.total_bounds(geoms[valid]))
    if window is None:
        return as_series(out, sites, label)
    sub = arr[window.toslices()]
    counted = np.zeros(n, dtype=bool)
    area_sites = np.flatnonzero(valid & polygonal_mask(geoms))
    for group in _non_overlapping_groups(geoms, area_sites):
        with GDAL_LOCK:
            labels = rasterio.features.rasterize(
                zip(_geojson(geoms[group]), group.tolist(), strict=True), out_shape=sub.shape,
                transform=wtransform,
                fill=-1, dtype="int32", all_touched=False)
        res = zonal_reduce(sub, labels, n, stat, classes)
        covered = np.bincount(labels[labels >= 0].ravel(), minlength=n) > 0
        take = covered[group]
        out[group[take]] = res[group[take]]
        counted[group[take]] = True
    rest = np.flatnonzero(valid & ~counted)
    if rest.size:
        out[rest] = _centroid_values(arr, raster.transform, geoms[rest], stat, classes)
    return as_series(out, sites, label)


def _window(raster: RasterData, bounds: np.ndarray
            ) -> tuple[rasterio.windows.Window | None, Affine]:
    """The raster window covering ``bounds`` (clipped to the raster) and its transform."""
    rows, cols = raster.shape
    win = rasterio.windows.from_bounds(*bounds, transform=raster.transform)
    win = win.round_offsets(op="floor").round_lengths(op="ceil")
    col0 = max(int(win.col_off) - 1, 0)
    row0 = max(int(win.row_off) - 1, 0)
    col1 = min(int(win.col_off + win.width) + 1, cols)
    row1 = min(int(win.row_off + win.height) + 1, rows)
    if col1 <= col0 or row1 <= row0:
        return None, raster.transform
    window = rasterio.windows.Window(col0, row0, col1 - col0, row1 - row0)
    return window, raster.transform @ Affine.translation(col0, row0)


def _non_overlapping_groups(geoms: np.ndarray, idx: np.ndarray) -> list[np.ndarray]:
    """Split site positions ``idx`` into groups whose members do not overlap each other."""
    if idx.size == 0:
        return []
    tree = shapely.STRtree(geoms[idx])
    a, b = tree.query(geoms[idx], predicate="intersects")
    pairs = a != b
    if not pairs.any():
        return [idx]
    a, b = a[pairs], b[pairs]
    # drop pairs that only touch (no shared interior, so no shared pixel centre)
    inter = ~shapely.touches(geoms[idx[a]], geoms[idx[b]])
    a, b = a[inter], b[inter]
    colour = np.zeros(idx.size, dtype=np.int64)
    if a.size:
        order = np.argsort(a, kind="stable")
        a, b = a[order], b[order]
        starts = np.searchsorted(a, np.arange(idx.size + 1)).tolist()
        involved = np.unique(a)
        colour[:] = -1
        colour[np.setdiff1d(np.arange(idx.size), involved)] = 0
        col = colour.tolist()  # plain lists: the sequential loop below is pure Python
        nb = b.tolist()
        for i in involved.tolist():  # greedy colouring, only over sites that overlap others
            used = {col[j] for j in nb[starts[i]:starts[i + 1]] if col[j] >= 0}
            c = 0
            while c in used:
                c += 1
            col[i] = c
        colour = np.asarray(col, dtype=np.int64)
    return [idx[colour == c] for c in range(int(colour.max()) + 1)]


def _geojson(geoms: np.ndarray) -> list[dict]:
    """GeoJSON-like mappings of many geometries at once (much faster than ``__geo_interface__``).

    (Multi)polygons are sliced from :func:`shapely.to_ragged_array` (rings as
    (n, 2) coordinate arrays, which rasterio reads like lists); anything else
    goes through ``shapely.to_geojson``.
    """
    try:
        typ, coords, offsets = shapely.to_ragged_array(geoms)
    except (ValueError, NotImplementedError):
        typ, coords, offsets = None, np.zeros((0, 0)), ()
    if typ in (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON) \
            and coords.shape[1] == 2:
        rings = np.split(coords, offsets[0][1:-1])
        if typ == shapely.GeometryType.POLYGON:
            go = offsets[1].tolist()
            return [{"type": "Polygon", "coordinates": rings[go[i]:go[i + 1]]}
                    for i in range(len(geoms))]
        po, go = offsets[1].tolist(), offsets[2].tolist()
        polys = [rings[po[j]:po[j + 1]] for j in range(len(po) - 1)]
        return [{"type": "MultiPolygon", "coordinates": polys[go[i]:go[i + 1]]}
                for i in range(len(geoms))]
    return [json.loads(text) for text in shapely.to_geojson(geoms)]


def rowcol(transform: Affine, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row and column (int64, floor) of the pixels containing points ``(xs, ys)``."""
    inv = ~transform
    cols = inv.a * np.asarray(xs) + inv.b * np.asarray(ys) + inv.c
    rows = inv.d * np.asarray(xs) + inv.e * np.asarray(ys) + inv.f
    return np.floor(rows).astype(np.int64), np.floor(cols).astype(np.int64)


def _centroid_values(arr: np.ndarray, transform: Affine, geoms: np.ndarray, stat: str,
                     classes: Sequence[float] | None) -> np.ndarray:
    """The pixel value at each geometry's centroid (NaN outside the raster)."""
    cent = shapely.centroid(geoms)
    xs, ys = shapely.get_x(cent), shapely.get_y(cent)
    r, c = rowcol(transform, xs, ys)
    inside = (r >= 0) & (r < arr.shape[0]) & (c >= 0) & (c < arr.shape[1])
    vals = np.full(len(geoms), np.nan)
    vals[inside] = arr[r[inside], c[inside]]
    if stat == "share":
        ok = ~np.isnan(vals)
        vals[ok] = np.isin(vals[ok], np.asarray(list(classes or ()), dtype="float64"))
    return vals
