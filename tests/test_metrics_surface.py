"""Surface operations equal the vector metrics of point sites at the cell centres."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from affine import Affine
from shapely.geometry import LineString, Point, box

from siting.core.errors import CrsError
from siting.data.layerset import RasterData
from siting.metrics import (
    count_within,
    labour_pool,
    municipality_attribute,
    nearest_distance,
    overlap_share,
    raster_stat,
    sum_within,
)
from siting.metrics.surface_ops import (
    Grid,
    compute_tiled,
    count_within_surface,
    distance_surface,
    labour_pool_surface,
    municipality_attribute_surface,
    overlap_surface,
    raster_stat_surface,
    sum_within_surface,
)

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


def test_distance_to_points_is_exact() -> None:
    surf = distance_surface(_subs(), grid=GRID)
    vec = nearest_distance(_centre_sites(), _subs()).to_numpy().reshape(GRID.shape)
    assert surf.dtype == np.float32
    np.testing.assert_allclose(surf, vec, rtol=1e-6, atol=0.01)


def test_distance_to_lines_and_polygons_within_a_quarter_cell() -> None:
    layer = _lines_and_polys()
    surf = distance_surface(layer, grid=GRID)
    vec = nearest_distance(_centre_sites(), layer).to_numpy().reshape(GRID.shape)
    assert np.abs(surf - vec).max() <= RES / 4
    assert (surf[vec == 0] == 0).all()  # centres inside the polygon


def test_tiled_equals_whole() -> None:
    whole = distance_surface(_subs(), grid=GRID)
    tiled = compute_tiled(distance_surface, GRID, _subs(), tile_cells=7)
    np.testing.assert_array_equal(whole, tiled)
    tiled_sum = compute_tiled(sum_within_surface, GRID, _subs(), "available_capacity_mw", 3000.0,
                              tile_cells=11)
    np.testing.assert_allclose(tiled_sum, sum_within_surface(_subs(), "available_capacity_mw",
                                                             3000.0, grid=GRID))


def test_sum_and_count_within_are_exact() -> None:
    sites = _centre_sites()
    s = sum_within_surface(_subs(), "available_capacity_mw", 4000.0, grid=GRID)
    vs = sum_within(sites, _subs(), "available_capacity_mw", 4000.0).to_numpy()
    np.testing.assert_allclose(s.ravel(), vs, rtol=1e-6)
    layer = _lines_and_polys()
    c = count_within_surface(layer, 1500.0, grid=GRID)
    vc = count_within(sites, layer, 1500.0).to_numpy()
    np.testing.assert_array_equal(c.ravel(), vc)
    assert c.max() == 2 and c.min() == 0  # the test can tell features apart


def test_overlap_mask_equals_point_overlap() -> None:
    layer = _lines_and_polys().iloc[[1]]
    surf = overlap_surface(layer, grid=GRID)
    vec = overlap_share(_centre_sites(), layer).to_numpy()
    np.testing.assert_array_equal(surf.ravel(), vec)
    assert surf.sum() == vec.sum() > 0


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


def test_municipality_attribute_surface() -> None:
    munis = gpd.GeoDataFrame({"kommunkod": ["9901", "9801"]},
                             geometry=[box(X0, Y0, X0 + 5000, Y0 + 7500),
                                       box(X0 + 5000, Y0, X0 + 8000, Y0 + 7500)], crs=CRS)
    table = pd.DataFrame({"kommunkod": ["9901", "9801"], "population": [100.0, 900.0]})
    surf = municipality_attribute_surface(munis, table, "population", grid=GRID)
    sites = _centre_sites()
    joined = gpd.sjoin(sites, munis, how="left", predicate="within")
    vec = municipality_attribute(sites.assign(kommunkod=joined["kommunkod"]), table,
                                 "population").to_numpy()
    np.testing.assert_array_equal(surf.ravel(), vec)
    assert np.isnan(surf[:, -1]).all()  # east of both municipalities


def test_labour_pool_surface_equals_straight_line_metric() -> None:
    # population on grid-cell centres (incl. outside the window: the halo must pick them up)
    big, _ = GRID.expand(12_000)
    rng = np.random.default_rng(3)
    xy = big.centres_xy()[rng.choice(big.shape[0] * big.shape[1], 400, replace=False)]
    pop = gpd.GeoDataFrame({"working_age_population": rng.integers(1, 500, 400).astype(float)},
                           geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=CRS)
    surf = labour_pool_surface(pop, grid=GRID, travel_time_min=10, detour_factor=1.0)
    vec = labour_pool(_centre_sites(), pop, travel_time_min=10, detour_factor=1.0).to_numpy()
    np.testing.assert_allclose(surf.ravel(), vec, rtol=1e-5, atol=1e-3)
    assert vec.min() > 0
    tiled = compute_tiled(labour_pool_surface, GRID, pop, tile_cells=16, travel_time_min=10,
                          detour_factor=1.0)
    np.testing.assert_allclose(tiled, surf, rtol=1e-5, atol=1e-3)


def test_point_surface_near_but_outside_window() -> None:
    lone = gpd.GeoDataFrame({"available_capacity_mw": [50.0]},
                            geometry=[Point(X0 - 1000, Y0 + 100)], crs=CRS)
    s = sum_within_surface(lone, "available_capacity_mw", 1200.0, grid=GRID)
    # centres (x0+125, y0+125) and (x0+125, y0+375) are 1125 m and 1158 m away; the rest > 1200 m
    assert s[-1, 0] == s[-2, 0] == 50.0 and s.sum() == 100.0


def test_distance_beyond_the_halo_is_exact() -> None:
    far_line = gpd.GeoDataFrame(
        geometry=[LineString([(X0 + 30_000, Y0 - 5000), (X0 + 31_000, Y0 + 9000)])], crs=CRS)
    surf = distance_surface(far_line, grid=GRID, halo_m=1000.0)
    vec = nearest_distance(_centre_sites(), far_line).to_numpy().reshape(GRID.shape)
    np.testing.assert_allclose(surf, vec, rtol=1e-6)
    near_and_far = pd.concat([far_line, _lines_and_polys()[["geometry"]]], ignore_index=True)
    mixed = distance_surface(near_and_far, grid=GRID, halo_m=500.0)
    vec2 = nearest_distance(_centre_sites(), near_and_far).to_numpy().reshape(GRID.shape)
    assert np.abs(mixed - vec2).max() <= RES / 4
    assert (vec2 > 500).any()  # some cells really used the exact fallback
