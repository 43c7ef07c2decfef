"""The surface grid and the raster counterparts of two metrics, for the suitability surface.

:class:`Grid` is a north-up window in EPSG:3006 that the surface is tiled
into. :func:`sum_within_surface` (lines/polygons within a radius, exact:
spatial index ``dwithin``; points go through the disk kernel of
:mod:`siting.surface.kernels`) and :func:`raster_stat_surface` (a raster
resampled onto the grid: average for mean and class shares, min/max for
min/max) evaluate a metric at the cell centres of one window. Every other
per-cell metric lives in :mod:`siting.surface.kernels` / :mod:`siting.surface.evaluate`.

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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from affine import Affine
from rasterio.enums import Resampling
from rasterio.warp import reproject
from scipy.spatial import cKDTree

from siting.core.errors import ProfileError
from siting.core.gdal_lock import GDAL_LOCK
from siting.data.layerset import RasterData
from siting.metrics._base import (
    check_layer,
    check_raster_crs,
    numeric_values,
    valid_geometry_mask,
)
from siting.metrics.zonal import STATS

__all__ = ["Grid", "raster_stat_surface", "sum_within_surface"]

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


# ------------------------------------------------------------ radius sums/counts


def sum_within_surface(layer: gpd.GeoDataFrame, field: str, radius_m: float, *,
                       grid: Grid) -> np.ndarray:
    """Sum of ``field`` over features within ``radius_m`` of each cell centre (exact)."""
    check_layer(layer, "layer")
    values = np.nan_to_num(numeric_values(layer, field, "layer"), nan=0.0)
    return _radius_op(layer, values, radius_m, grid)


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
