"""The surface grid, and surface sums/raster statistics equal the vector metrics at cell centres."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from affine import Affine
from shapely.geometry import LineString, Point, box

from siting.core.errors import CrsError
from siting.data.layerset import RasterData
from siting.metrics import count_within, raster_stat, sum_within
from siting.metrics.surface_ops import Grid, raster_stat_surface, sum_within_surface

CRS = "EPSG:3006"
X0, Y0 = 700_000.0, 7_200_000.0
RES = 250.0
GRID = Grid.from_bounds((X0, Y0, X0 + 10_000, Y0 + 7_500), RES)  # 30 x 40 cells


def _centre_sites(grid: Grid = GRID) -> gpd.GeoDataFrame:
    xy = grid.centres_xy()
    return gpd.GeoDataFrame(geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=CRS)


def _subs() -> gpd.GeoDataFrame:
    rng = np.random.default_rng(7)
    xy = rng.uniform([X0 - 3000, Y0 - 3000], [X0 + 13_000, Y0 + 10_000], size=(25, 2))
    return gpd.GeoDataFrame({"available_capacity_mw": rng.integers(10, 400, 25).astype(float)},
                            geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=CRS)


def _lines_and_polys() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"v": [1.0, 2.0]},
        geometry=[LineString([(X0 + 1234, Y0 - 500), (X0 + 8765, Y0 + 8100)]),
                  box(X0 + 6100, Y0 + 1100, X0 + 7900, Y0 + 2600)], crs=CRS)


def test_grid_geometry() -> None:
    assert GRID.shape == (30, 40) and GRID.resolution_m == RES
    assert GRID.bounds == (X0, Y0, X0 + 10_000, Y0 + 7_500)
    xs, ys = GRID.centres()
    assert xs[0, 0] == X0 + RES / 2 and ys[0, 0] == Y0 + 7_500 - RES / 2
    big, k = GRID.expand(600)
    assert k == 3 and big.shape == (36, 46) and big.bounds[0] == X0 - 750


def test_sum_and_count_within_are_exact() -> None:
    sites = _centre_sites()
    s = sum_within_surface(_subs(), "available_capacity_mw", 4000.0, grid=GRID)
    vs = sum_within(sites, _subs(), "available_capacity_mw", 4000.0).to_numpy()
    np.testing.assert_allclose(s.ravel(), vs, rtol=1e-6)
    layer = _lines_and_polys()
    c = sum_within_surface(layer.assign(one=1.0), "one", 1500.0, grid=GRID)
    vc = count_within(sites, layer, 1500.0).to_numpy()
    np.testing.assert_array_equal(c.ravel(), vc)
    assert c.max() == 2 and c.min() == 0  # the test can tell features apart


def test_raster_stat_surface_matches_zonal_on_cells() -> None:
    arr = np.arange(60 * 80, dtype="float64").reshape(60, 80) % 7  # 125 m pixels
    r = RasterData(arr, Affine(125, 0, X0, 0, -125, Y0 + 7_500))
    cells = gpd.GeoDataFrame(
        geometry=[box(*GRID.window(i, j, 1, 1).bounds) for i in range(30) for j in range(40)],
        crs=CRS)
    for stat, classes in (("mean", None), ("min", None), ("max", None), ("share", [0, 3])):
        surf = raster_stat_surface(r, stat, grid=GRID, classes=classes)
        vec = raster_stat(cells, r, stat, classes=classes).to_numpy()
        np.testing.assert_allclose(surf.ravel(), vec, rtol=1e-5, err_msg=stat)
    with pytest.raises(CrsError):
        raster_stat_surface(RasterData(arr, r.transform, crs="EPSG:3857"), "mean", grid=GRID)


def test_point_surface_near_but_outside_window() -> None:
    lone = gpd.GeoDataFrame({"available_capacity_mw": [50.0]},
                            geometry=[Point(X0 - 1000, Y0 + 100)], crs=CRS)
    s = sum_within_surface(lone, "available_capacity_mw", 1200.0, grid=GRID)
    # centres (x0+125, y0+125) and (x0+125, y0+375) are 1125 m and 1158 m away; the rest > 1200 m
    assert s[-1, 0] == s[-2, 0] == 50.0 and s.sum() == 100.0
