"""Raster (surface) counterparts of the metrics, for the suitability surface.

Each operation evaluates a metric at the *cell centres* of a grid window and
returns a float32 array of the window's shape. A large surface is computed
tile by tile (:meth:`Grid.tiles`, :func:`compute_tiled`): every operation takes
only its window and reads whatever neighbourhood it needs from the layer
(spatial indexes over the whole layer, or a halo equal to the radius for
convolutions), so memory stays bounded by the tile size.

Accuracy at a cell centre, compared with the vector metric of a point site
placed there:

* distance to points: exact (KD-tree); to lines/polygons: within a quarter of
  a cell (lines densified to half a cell, KD-tree over the vertices; polygon
  interiors 0 by rasterising cell centres);
* sum/count within a radius: exact (KD-tree ball queries for points, spatial
  index ``dwithin`` for lines/polygons);
* overlap: exact for cell centres (inside = 1);
* raster statistics: resampled onto the grid (average for mean and class
  shares, min/max for min/max);
* municipality attribute: the municipality containing the cell centre;
* labour pool: straight-line mode only, population summed into cells and
  convolved with a true disk (``fftconvolve``) over a halo of one radius.

Examples
--------
>>> g = Grid.from_bounds((700_000, 7_200_000, 701_000, 7_200_500), 100)
>>> g.shape
(5, 10)
>>> [t.shape for _, t in g.tiles(8)]
[(5, 8), (5, 2)]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio.features
import shapely
from affine import Affine
from rasterio.enums import Resampling
from rasterio.warp import reproject
from scipy.signal import fftconvolve
from scipy.spatial import cKDTree

from siting.core.errors import DataError, ProfileError
from siting.core.gdal_lock import GDAL_LOCK
from siting.data.layerset import RasterData
from siting.metrics._base import (
    check_layer,
    check_raster_crs,
    index_pieces,
    numeric_values,
    valid_geometry_mask,
)
from siting.metrics.attributes import normalise_kommunkod
from siting.metrics.labour import population_points
from siting.metrics.zonal import STATS

__all__ = [
    "Grid",
    "compute_tiled",
    "count_within_surface",
    "distance_surface",
    "labour_pool_surface",
    "municipality_attribute_surface",
    "overlap_surface",
    "raster_stat_surface",
    "sum_within_surface",
]

_M_PER_MIN_PER_KMH = 1000.0 / 60.0


@dataclass(frozen=True)
class Grid:
    """A north-up grid window in EPSG:3006.

    Parameters
    ----------
    transform : affine.Affine
        Pixel-to-EPSG:3006 transform (north-up, square cells).
    shape : tuple of int
        (rows, cols).
    """

    transform: Affine
    shape: tuple[int, int]

    @classmethod
    def from_bounds(cls, bounds: Sequence[float], resolution_m: float) -> Grid:
        """The grid covering ``(minx, miny, maxx, maxy)`` with square cells (bounds snapped out)."""
        minx, miny, maxx, maxy = (float(b) for b in bounds)
        res = float(resolution_m)
        if res <= 0 or maxx <= minx or maxy <= miny:
            raise ProfileError.single("grid", f"bad bounds {tuple(bounds)} or resolution {res}",
                                      hint="give (minx, miny, maxx, maxy) with max > min and a "
                                           "positive resolution in metres")
        minx, miny = math.floor(minx / res) * res, math.floor(miny / res) * res
        cols = max(1, math.ceil((maxx - minx) / res - 1e-9))
        rows = max(1, math.ceil((maxy - miny) / res - 1e-9))
        return cls(Affine(res, 0.0, minx, 0.0, -res, miny + rows * res), (rows, cols))

    @property
    def resolution_m(self) -> float:
        """Cell size in metres."""
        return float(abs(self.transform.a))

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(minx, miny, maxx, maxy)."""
        rows, cols = self.shape
        x0, y1 = self.transform.c, self.transform.f
        return (x0, y1 - rows * self.resolution_m, x0 + cols * self.resolution_m, y1)

    def centres(self) -> tuple[np.ndarray, np.ndarray]:
        """Cell-centre coordinates ``(xs, ys)``, each of shape ``self.shape``."""
        rows, cols = self.shape
        res = self.resolution_m
        xs = self.transform.c + (np.arange(cols) + 0.5) * res
        ys = self.transform.f - (np.arange(rows) + 0.5) * res
        return np.meshgrid(xs, ys)

    def centres_xy(self) -> np.ndarray:
        """Cell centres as an (rows*cols, 2) array in row-major order."""
        xs, ys = self.centres()
        return np.column_stack([xs.ravel(), ys.ravel()])

    def window(self, row0: int, col0: int, rows: int, cols: int) -> Grid:
        """The sub-grid starting at (row0, col0) with the given size."""
        res = self.resolution_m
        t = Affine(res, 0.0, self.transform.c + col0 * res, 0.0, -res,
                   self.transform.f - row0 * res)
        return Grid(t, (rows, cols))

    def expand(self, halo_m: float) -> tuple[Grid, int]:
        """The grid grown by ``halo_m`` on every side (whole cells) and the halo in cells."""
        k = max(0, math.ceil(halo_m / self.resolution_m))
        rows, cols = self.shape
        return self.window(-k, -k, rows + 2 * k, cols + 2 * k), k

    def tiles(self, tile_cells: int = 512) -> Iterator[tuple[tuple[slice, slice], Grid]]:
        """Tiles of at most ``tile_cells`` x ``tile_cells``: (array slices, tile grid)."""
        rows, cols = self.shape
        for r0 in range(0, rows, tile_cells):
            for c0 in range(0, cols, tile_cells):
                nr, nc = min(tile_cells, rows - r0), min(tile_cells, cols - c0)
                yield (slice(r0, r0 + nr), slice(c0, c0 + nc)), self.window(r0, c0, nr, nc)


def compute_tiled(op: Callable[..., np.ndarray], grid: Grid, *args: Any,
                  tile_cells: int = 512, **kwargs: Any) -> np.ndarray:
    """Run ``op(*args, grid=tile, **kwargs)`` tile by tile and assemble the float32 surface."""
    out = np.empty(grid.shape, dtype="float32")
    for slices, tile in grid.tiles(tile_cells):
        out[slices] = op(*args, grid=tile, **kwargs)
    return out


# ------------------------------------------------------------------ distance


def distance_surface(layer: gpd.GeoDataFrame, *, grid: Grid,
                     halo_m: float | None = None) -> np.ndarray:
    """Distance in metres from each cell centre to the nearest feature (NaN: empty layer).

    Points: exact. Lines/polygons: within a quarter cell (vertices every half
    cell); cell centres inside a polygon get 0. Only features within
    ``halo_m`` of the window are densified (default: 5 km or 20 cells,
    whichever is more); cells farther than that from all of them are
    measured exactly against the whole layer.
    """
    check_layer(layer, "layer")
    geoms = _valid(layer)
    out = np.full(grid.shape, np.nan, dtype="float32")
    if geoms.size == 0:
        return out
    res = grid.resolution_m
    centres = grid.centres_xy()
    if np.isin(shapely.get_type_id(geoms), (0, 4)).all():  # points: one exact KD-tree query
        dist, _ = cKDTree(shapely.get_coordinates(geoms)).query(centres, workers=-1)
        out[:] = dist.reshape(grid.shape)
        return out
    halo = float(halo_m) if halo_m is not None else max(5000.0, 20 * res)
    minx, miny, maxx, maxy = grid.bounds
    tree = shapely.STRtree(geoms)
    near = geoms[tree.query(shapely.box(minx - halo, miny - halo, maxx + halo, maxy + halo))]
    dist = np.full(centres.shape[0], np.inf)
    if near.size:
        types = shapely.get_type_id(near)
        point_like = np.isin(types, (0, 4))
        vertices = [shapely.get_coordinates(near[point_like])]
        if (~point_like).any():
            other = near[~point_like]
            boundaries = np.where(np.isin(shapely.get_type_id(other), (3, 6)),
                                  shapely.boundary(other), other)
            dense = shapely.segmentize(boundaries, max_segment_length=res / 2.0)
            vertices.append(shapely.get_coordinates(dense))
        dist, _ = cKDTree(np.concatenate(vertices)).query(centres, workers=-1)
    far = np.flatnonzero(dist > halo)
    if far.size:  # nothing within the halo: measure exactly against the whole layer
        pieces, _ = index_pieces(geoms, np.arange(geoms.size))
        _, d_far = shapely.STRtree(pieces).query_nearest(
            shapely.points(centres[far]), return_distance=True, all_matches=False)
        dist[far] = d_far
    out[:] = dist.reshape(grid.shape)
    polys = near[np.isin(shapely.get_type_id(near), (3, 6))] if near.size else near
    if polys.size:
        out[_rasterize_mask(polys, grid)] = 0.0
    return out


# ------------------------------------------------------------ radius sums/counts


def sum_within_surface(layer: gpd.GeoDataFrame, field: str, radius_m: float, *,
                       grid: Grid) -> np.ndarray:
    """Sum of ``field`` over features within ``radius_m`` of each cell centre (exact)."""
    check_layer(layer, "layer")
    values = np.nan_to_num(numeric_values(layer, field, "layer"), nan=0.0)
    return _radius_op(layer, values, radius_m, grid)


def count_within_surface(layer: gpd.GeoDataFrame, radius_m: float, *, grid: Grid) -> np.ndarray:
    """Number of features within ``radius_m`` of each cell centre (exact)."""
    check_layer(layer, "layer")
    return _radius_op(layer, np.ones(len(layer)), radius_m, grid)


def _radius_op(layer: gpd.GeoDataFrame, values: np.ndarray, radius_m: float,
               grid: Grid) -> np.ndarray:
    if not np.isfinite(radius_m) or radius_m < 0:
        raise ProfileError.single("radius_m", f"must be a non-negative number, got {radius_m!r}",
                                  field="radius_m")
    geoms = np.asarray(layer.geometry.values, dtype=object)
    ok = valid_geometry_mask(geoms)
    geoms, values = geoms[ok], values[ok]
    n_cells = grid.shape[0] * grid.shape[1]
    total = np.zeros(n_cells)
    if geoms.size:
        point = shapely.get_type_id(geoms) == 0
        minx, miny, maxx, maxy = grid.bounds
        if point.any():
            pxy = shapely.get_coordinates(geoms[point])
            pv = values[point]
            near = ((pxy[:, 0] >= minx - radius_m) & (pxy[:, 0] <= maxx + radius_m)
                    & (pxy[:, 1] >= miny - radius_m) & (pxy[:, 1] <= maxy + radius_m))
            if near.any():
                ctree = cKDTree(grid.centres_xy())
                hits = ctree.query_ball_point(pxy[near], r=float(radius_m))
                lens = np.fromiter((len(h) for h in hits), dtype=np.int64, count=len(hits))
                if lens.sum():
                    cells = np.concatenate([np.asarray(h, dtype=np.int64) for h in hits])
                    total += np.bincount(cells, weights=np.repeat(pv[near], lens),
                                         minlength=n_cells)
        if (~point).any():
            tree = shapely.STRtree(geoms[~point])
            cell_pts = shapely.points(grid.centres_xy())
            ci, fi = tree.query(cell_pts, predicate="dwithin", distance=float(radius_m))
            total += np.bincount(ci, weights=values[~point][fi], minlength=n_cells)
    return total.reshape(grid.shape).astype("float32")


# ------------------------------------------------------------------- overlap


def overlap_surface(layer: gpd.GeoDataFrame, *, grid: Grid) -> np.ndarray:
    """1 where the cell centre lies inside a polygon of ``layer``, else 0."""
    check_layer(layer, "layer")
    geoms = _valid(layer)
    if geoms.size and not np.isin(shapely.get_type_id(geoms), (3, 6)).all():
        raise DataError.single("layer", "overlap needs polygons",
                               hint="use a polygon layer (protected_areas, flood_zones, ...)")
    out = np.zeros(grid.shape, dtype="float32")
    if geoms.size:
        out[_rasterize_mask(geoms, grid)] = 1.0
    return out


# ------------------------------------------------------------------- rasters


def raster_stat_surface(raster: RasterData, stat: str, *, grid: Grid,
                        classes: Sequence[float] | None = None) -> np.ndarray:
    """The raster resampled onto ``grid``: mean (average), min, max or share of ``classes``.

    Cells outside the raster or with only nodata are NaN.
    """
    check_raster_crs(raster.crs, "raster")
    if stat not in STATS:
        raise ProfileError.single("raster_stat", f"unknown stat '{stat}'", field="stat",
                                  hint=f"use one of: {', '.join(STATS)}")
    src = np.asarray(raster.array, dtype="float32")
    if stat == "share":
        if not classes:
            raise ProfileError.single("raster_stat", "stat 'share' needs a list of classes",
                                      field="classes")
        hit = np.isin(src, np.asarray(list(classes), dtype="float32")).astype("float32")
        src = np.where(np.isnan(src), np.float32(np.nan), hit)
    method = {"mean": Resampling.average, "share": Resampling.average,
              "min": Resampling.min, "max": Resampling.max}[stat]
    if stat in ("mean", "share") and grid.resolution_m < raster.resolution_m:
        method = Resampling.nearest  # upsampling: take the pixel under the cell centre
    out = np.full(grid.shape, np.nan, dtype="float32")
    with GDAL_LOCK:
        reproject(src, out, src_transform=raster.transform, src_crs="EPSG:3006",
                  dst_transform=grid.transform, dst_crs="EPSG:3006", src_nodata=np.nan,
                  dst_nodata=np.nan, resampling=method)
    return out


# ----------------------------------------------------------- municipalities


def municipality_attribute_surface(municipalities: gpd.GeoDataFrame, table: pd.DataFrame,
                                   field: str, *, grid: Grid) -> np.ndarray:
    """The table's numeric ``field`` for the municipality containing each cell centre (else NaN)."""
    check_layer(municipalities, "municipalities")
    for frame, what in ((municipalities, "municipalities"), (table, "table")):
        if "kommunkod" not in frame.columns:
            raise DataError.single(what, "has no field 'kommunkod'", field="kommunkod")
    values = numeric_values(table, field, "table")
    lookup = pd.Series(values, index=normalise_kommunkod(table["kommunkod"]).to_numpy())
    codes = normalise_kommunkod(municipalities["kommunkod"]).to_numpy()
    per_muni = lookup.reindex(codes).to_numpy(dtype="float64", na_value=np.nan)
    geoms = np.asarray(municipalities.geometry.values, dtype=object)
    ok = np.flatnonzero(valid_geometry_mask(geoms))
    out = np.full(grid.shape, np.nan, dtype="float32")
    if ok.size == 0:
        return out
    with GDAL_LOCK:
        labels = rasterio.features.rasterize(
            ((geoms[i], int(i)) for i in ok), out_shape=grid.shape, transform=grid.transform,
            fill=-1, dtype="int32")
    inside = labels >= 0
    out[inside] = per_muni[labels[inside]]
    return out


# ---------------------------------------------------------------- labour pool


def labour_pool_surface(population: gpd.GeoDataFrame, *, grid: Grid, travel_time_min: float,
                        speed_kmh: float = 70.0, detour_factor: float = 1.3,
                        field: str = "working_age_population") -> np.ndarray:
    """Population within the straight-line travel radius of each cell centre.

    Radius = ``speed_kmh * travel_time_min / 60 / detour_factor`` km. Population
    cells are summed into grid cells over the window plus a halo of one
    radius, then convolved with a disk of that radius. A population cell
    counts when the centre of the grid cell it falls in is within the radius.
    """
    if travel_time_min <= 0 or speed_kmh <= 0 or detour_factor < 1:
        raise ProfileError.single("labour_pool", "travel_time_min and speed_kmh must be > 0 and "
                                  "detour_factor >= 1")
    radius_m = speed_kmh * _M_PER_MIN_PER_KMH * travel_time_min / detour_factor
    xy, pop, _ = population_points(population, field)
    big, k = grid.expand(radius_m)
    res = big.resolution_m
    rows, cols = big.shape
    c = np.floor((xy[:, 0] - big.transform.c) / res).astype(np.int64)
    r = np.floor((big.transform.f - xy[:, 1]) / res).astype(np.int64)
    inside = (r >= 0) & (r < rows) & (c >= 0) & (c < cols)
    dens = np.bincount(r[inside] * cols + c[inside], weights=pop[inside],
                       minlength=rows * cols).reshape(rows, cols)
    offs = np.arange(-k, k + 1) * res
    kernel = (offs[None, :] ** 2 + offs[:, None] ** 2 <= radius_m ** 2 + 1e-6).astype("float64")
    summed = fftconvolve(dens, kernel, mode="same")
    out = summed[k:k + grid.shape[0], k:k + grid.shape[1]]
    return np.clip(np.round(out, 6), 0.0, None).astype("float32")


# ----------------------------------------------------------------- helpers


def _valid(layer: gpd.GeoDataFrame) -> np.ndarray:
    geoms = np.asarray(layer.geometry.values, dtype=object)
    return geoms[valid_geometry_mask(geoms)]


def _rasterize_mask(geoms: np.ndarray, grid: Grid) -> np.ndarray:
    """True where the cell centre lies inside one of ``geoms``."""
    with GDAL_LOCK:
        burnt = rasterio.features.rasterize(((g, 1) for g in geoms), out_shape=grid.shape,
                                            transform=grid.transform, fill=0, dtype="uint8")
    return burnt.astype(bool)
