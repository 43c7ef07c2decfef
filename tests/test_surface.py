"""Suitability surface on a small synthetic LayerSet: distances, exclusions, GeoTIFF, tiling."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from affine import Affine
from shapely.geometry import LineString, Point, box

from siting.core.errors import ScoringError
from siting.criteria.profiles import parse_profile
from siting.data.catalog import Catalog, LayerSpec
from siting.data.layerset import LayerSet, LoadedLayer, LoadReport, RasterData, Region
from siting.metrics.surface_ops import Grid
from siting.scoring.result import score_values
from siting.surface.disks import disk_sum
from siting.surface.kernels import densify_vertices, seed_distance, segment_distance
from siting.surface.run import NODATA, suitability_surface
from siting.surface.tiles import aggregate

CRS = "EPSG:3006"
X0, Y0 = 760_000.0, 7_200_000.0
RES = 200.0


def _loaded(type_name: str, kind: str, data: object) -> LoadedLayer:
    spec = LayerSpec(id=type_name, type=type_name, theme="land", kind=kind,
                     title_sv=type_name, title_en=type_name, source=f"{type_name}.gpkg",
                     attribution="test", licence="CC0-1.0", vintage=dt.date(2026, 1, 1))
    return LoadedLayer(spec, data, LoadReport(spec.source, 1, 1))


def _layerset() -> LayerSet:
    """Two study municipalities side by side (10 km x 8 km each) and a neighbour."""
    munis = gpd.GeoDataFrame(
        {"kommunkod": ["9901", "9902", "9801"], "name": ["Norrvik", "Älvby", "Grannby"]},
        geometry=[box(X0, Y0, X0 + 10_000, Y0 + 8_000),
                  box(X0 + 10_000, Y0, X0 + 20_000, Y0 + 8_000),
                  box(X0 + 20_000, Y0, X0 + 40_000, Y0 + 8_000)], crs=CRS)
    subs = gpd.GeoDataFrame(
        {"voltage_kv": [400.0, 130.0, 400.0], "available_capacity_mw": [900.0, 50.0, 300.0]},
        geometry=[Point(X0 + 3_130, Y0 + 4_070), Point(X0 + 14_420, Y0 + 1_910),
                  Point(X0 + 27_000, Y0 + 5_000)], crs=CRS)
    rail = gpd.GeoDataFrame({"name": ["main line"]}, geometry=[LineString(
        [(X0 - 1_000, Y0 + 6_333), (X0 + 12_000, Y0 + 7_100), (X0 + 41_000, Y0 + 2_000)])],
        crs=CRS)
    prot = gpd.GeoDataFrame({"name": ["reserve"]},
                            geometry=[box(X0 + 6_000, Y0 + 1_000, X0 + 8_000, Y0 + 3_000)],
                            crs=CRS)
    slope = RasterData(np.full((100, 220), 2.0), Affine(100, 0, X0 - 500, 0, -100, Y0 + 9_000))
    stats = pd.DataFrame({"kommunkod": ["9901", "9902", "9801"],
                          "price_area": pd.array(["SE1", "SE3", "SE1"], dtype="string"),
                          "vacancy_rate_pct": [2.5, 0.5, 1.0]})
    layers = {
        "substations": _loaded("substations", "point", subs),
        "railways": _loaded("railways", "line", rail),
        "protected_areas": _loaded("protected_areas", "polygon", prot),
        "slope": _loaded("slope", "raster", slope),
        "municipality_stats": _loaded("municipality_stats", "table", stats),
    }
    catalog = Catalog(id="test", path=Path("layers/test.toml"), title_sv="t", title_en="t",
                      layers=tuple(lyr.spec for lyr in layers.values()))
    study = munis.iloc[:2]
    region = Region(("9901", "9902"), ("Norrvik", "Älvby"), study.union_all(), buffer_m=20_000)
    munis = munis.assign(in_study_area=[True, True, False])
    return LayerSet(catalog, region, layers, munis)


_METRICS = """
[[metric]]
id = "dist_rail_m"
kind = "distance"
layer = "railways"
unit = "m"
label_sv = "Avstånd till järnväg"
label_en = "Distance to rail"

[[metric]]
id = "dist_400kv_m"
kind = "distance"
layer = "substations"
filter = { voltage_kv = { min = 380 } }
unit = "m"
label_sv = "Avstånd till 400 kV"
label_en = "Distance to 400 kV"

[[metric]]
id = "protected_share"
kind = "overlap_share"
layer = "protected_areas"
unit = ""
label_sv = "Andel skyddat"
label_en = "Protected share"

[[metric]]
id = "area_ha"
kind = "site_area"
unit = "ha"
label_sv = "Yta"
label_en = "Area"

[[metric]]
id = "zoning"
kind = "site_attribute"
field = "zoning"
unit = ""
label_sv = "Planläge"
label_en = "Zoning"

[[metric]]
id = "price_area"
kind = "municipality_attribute"
layer = "municipality_stats"
field = "price_area"
unit = ""
label_sv = "Elområde"
label_en = "Price area"

[[metric]]
id = "capacity_5km_mw"
kind = "sum_within"
layer = "substations"
field = "available_capacity_mw"
radius_m = 5000
unit = "MW"
label_sv = "Kapacitet inom 5 km"
label_en = "Capacity within 5 km"

[[metric]]
id = "slope_pct"
kind = "raster_stat"
layer = "slope"
stat = "mean"
unit = "%"
label_sv = "Lutning"
label_en = "Slope"
"""


def _profile(soft: str, hard: str = "", aggregation: str = "weighted_sum",
             min_area_ha: float = 10):
    head = f"""
[profile]
id = "test_surface"
name_sv = "Test"
name_en = "Test"
industry = "other"
aggregation = "{aggregation}"
min_area_ha = {min_area_ha}
"""
    return parse_profile(head + _METRICS + hard + soft)


_SOFT_RAIL = """
[[soft]]
id = "rail"
metric = "dist_rail_m"
weight = 1
value = { kind = "linear", x0 = 20000, x1 = 0 }
"""
_HARD_PROTECTED = """
[[hard]]
id = "no_protected"
metric = "protected_share"
op = "=="
threshold = 0
"""


def _centres(result) -> tuple[np.ndarray, np.ndarray]:
    rows, cols = result.shape
    t = result.transform
    xs = t.c + (np.arange(cols) + 0.5) * t.a
    ys = t.f + (np.arange(rows) + 0.5) * t.e
    return np.meshgrid(xs, ys)


def test_distance_at_cell_centres_matches_exact_geometry_within_half_a_cell() -> None:
    ls = _layerset()
    res = suitability_surface(_profile(_SOFT_RAIL), ls, resolution_m=RES, tile_px=64)
    xs, ys = _centres(res)
    inside = np.isfinite(res.score)
    d_surface = (1.0 - res.score[inside] / 100.0) * 20_000.0
    rail = ls.vector("railways").geometry.iloc[0]
    d_exact = shapely.distance(rail, shapely.points(xs[inside], ys[inside]))
    assert inside.sum() == 100 * 40  # 20 km x 8 km of 200 m cells
    assert np.abs(d_surface - d_exact).max() <= RES / 2


def test_point_distances_are_exact_and_beyond_halo_is_inf() -> None:
    rng = np.random.default_rng(3)
    pts = rng.uniform([X0, Y0], [X0 + 30_000, Y0 + 20_000], size=(40, 2))
    grid = Grid.from_bounds((X0 + 5_000, Y0 + 5_000, X0 + 25_000, Y0 + 15_000), 250)
    d, owner = seed_distance(pts, grid, halo_m=60_000)
    xs, ys = grid.centres()
    exact = np.min(np.hypot(xs[..., None] - pts[:, 0], ys[..., None] - pts[:, 1]), axis=-1)
    assert np.abs(d - exact).max() <= 125.0
    nearest = np.argmin(np.hypot(xs[..., None] - pts[:, 0], ys[..., None] - pts[:, 1]), axis=-1)
    assert (owner == nearest).mean() > 0.95
    far, far_owner = seed_distance(np.array([[X0 + 200_000, Y0]]), grid, halo_m=1_000)
    assert np.isinf(far).all() and (far_owner == -1).all()


def test_densified_line_vertices_lie_on_the_line() -> None:
    line = LineString([(0, 0), (1000, 0), (1000, 700)])
    xy, owner, segs, seg_id = densify_vertices(np.array([line, Point(5, 5)], dtype=object), 50.0)
    assert np.hypot(*np.diff(xy[owner == 0], axis=0).T).max() <= 50.0 + 1e-9
    assert shapely.distance(line, shapely.points(xy[owner == 0])).max() < 1e-9
    assert owner[-1] == 1 and (segs[-1] == [5, 5, 5, 5]).all()
    assert len(set(seg_id.tolist())) == 3
    q = np.array([500.0, 1000.0, 2000.0]), np.array([-30.0, 300.0, 700.0])
    last = segs[owner == 0][-1]
    np.testing.assert_allclose(segment_distance(*q, np.stack([segs[0], last, last])),
                               [30.0, 0.0, 1000.0])


def test_disk_sum_counts_points_within_a_true_circle() -> None:
    grid = Grid.from_bounds((0, 0, 10_000, 10_000), 100)
    pts = np.array([[5_050.0, 5_050.0], [5_050.0, 5_050.0], [8_050.0, 5_050.0]])
    got = disk_sum(pts, np.array([1.0, 2.0, 10.0]), grid, 2_000.0)
    xs, ys = grid.centres()
    want = sum(w * (np.hypot(xs - x, ys - y) <= 2_000.0) for (x, y), w in
               zip(pts, [1.0, 2.0, 10.0], strict=True))
    np.testing.assert_array_equal(got, want)
    assert got[49, 50] == 3.0 and got[49, 80] == 10.0


def test_cells_inside_a_protected_polygon_are_nodata_and_shares_reported() -> None:
    ls = _layerset()
    res = suitability_surface(_profile(_SOFT_RAIL, _HARD_PROTECTED), ls, resolution_m=RES)
    xs, ys = _centres(res)
    reserve = ls.vector("protected_areas").geometry.iloc[0]
    inside = shapely.contains_xy(reserve, xs, ys)
    assert inside.sum() == 100  # 2 km x 2 km of 200 m cells
    assert np.isnan(res.score[inside]).all()
    assert np.isfinite(res.score[~inside]).all()
    assert res.excluded_share["no_protected"] == pytest.approx(100 / 4000)
    assert res.cells_passing["9901"] == 2000 - 100 and res.cells_passing["9902"] == 2000
    assert res.passing_share("9901") == pytest.approx(0.95)


def test_geotiff_is_epsg3006_float32_with_nodata_and_overviews(tmp_path: Path) -> None:
    ls = _layerset()
    out = tmp_path / "sub" / "surface.tif"
    res = suitability_surface(_profile(_SOFT_RAIL, _HARD_PROTECTED), ls, resolution_m=50,
                              out_path=out)
    assert res.path == out
    with rasterio.open(out) as src:
        assert src.crs.to_epsg() == 3006
        assert src.dtypes[0] == "float32"
        assert src.nodata == NODATA
        assert src.overviews(1) == [2]  # down to ~64 cells on the short side
        assert src.profile["tiled"] and src.compression.name.lower() == "deflate"
        data = src.read(1)
        assert src.transform == res.transform
    np.testing.assert_array_equal(data == NODATA, np.isnan(res.score))
    np.testing.assert_allclose(data[data != NODATA], res.score[np.isfinite(res.score)])


def test_tiling_gives_the_same_array_as_one_tile() -> None:
    ls = _layerset()
    soft = _SOFT_RAIL + """
[[soft]]
id = "grid"
metric = "dist_400kv_m"
weight = 2
value = { kind = "linear", x0 = 12000, x1 = 1000 }

[[soft]]
id = "capacity"
metric = "capacity_5km_mw"
weight = 1
value = { kind = "linear", x0 = 0, x1 = 1000 }

[[soft]]
id = "price"
metric = "price_area"
weight = 1
value = { kind = "categories", values = { SE1 = 1.0, SE3 = 0.4 } }
"""
    for method in ("weighted_sum", "cautious", "topsis"):
        prof = _profile(soft, _HARD_PROTECTED, aggregation=method)
        one = suitability_surface(prof, ls, resolution_m=RES, tile_px=4096)
        tiled = suitability_surface(prof, ls, resolution_m=RES, tile_px=17, grow_tiles=False)
        np.testing.assert_array_equal(np.isnan(one.score), np.isnan(tiled.score))
        np.testing.assert_allclose(tiled.score, one.score, atol=1e-4, equal_nan=True)
        assert np.nanmax(one.score) > np.nanmin(one.score)


def test_text_hard_criterion_on_municipality_excludes_whole_municipality() -> None:
    ls = _layerset()
    hard = """
[[hard]]
id = "cheap_power"
metric = "price_area"
op = "in"
threshold = ["SE1", "SE2"]
"""
    res = suitability_surface(_profile(_SOFT_RAIL, hard), ls, resolution_m=RES)
    labels = res.municipality
    assert np.isnan(res.score[labels == 1]).all()  # Älvby is SE3
    assert np.isfinite(res.score[labels == 0]).all()
    assert res.excluded_share["cheap_power"] == pytest.approx(0.5)


def test_site_criteria_are_handled_explicitly() -> None:
    hard = """
[[hard]]
id = "area"
metric = "area_ha"
op = ">="
threshold = 40
"""
    soft = _SOFT_RAIL + """
[[soft]]
id = "zoning"
metric = "zoning"
weight = 1
value = { kind = "categories", values = { industrial = 1.0 } }
"""
    res = suitability_surface(_profile(soft, hard, min_area_ha=10), _layerset(),
                              resolution_m=RES)
    assert res.min_area_ha == 40
    assert set(res.not_evaluated) == {"area", "zoning"}
    assert any("zoning" in n for n in res.notes)
    # the zoning weight is left out: the score is the rail value alone
    assert np.nanmax(res.score) > 90


def test_soft_criteria_missing_layer_are_renormalised_and_reported() -> None:
    soft = _SOFT_RAIL + """
[[soft]]
id = "labour"
metric = "labour"
weight = 3
value = { kind = "linear", x0 = 0, x1 = 1000 }
"""
    metrics = """
[[metric]]
id = "labour"
kind = "labour_pool"
travel_time_min = 30
unit = ""
label_sv = "Arbetskraft"
label_en = "Labour"
"""
    prof = _profile(metrics + soft)
    res = suitability_surface(prof, _layerset(), resolution_m=RES)
    only_rail = suitability_surface(_profile(_SOFT_RAIL), _layerset(), resolution_m=RES)
    assert "population_grid" in res.not_evaluated["labour"]
    np.testing.assert_allclose(res.score, only_rail.score)


def test_aggregation_matches_the_site_scoring_core() -> None:
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(500, 4))
    w = np.array([0.4, 0.3, 0.2, 0.1])
    for method in ("weighted_sum", "cautious", "topsis"):
        acc = {"sumsq": (x * x).sum(axis=0), "max": x.max(axis=0), "min": x.min(axis=0)}
        ok = np.ones(x.shape[0], dtype=bool)
        ok[::7] = False  # excluded cells are NaN, the others as the site scoring core
        got = aggregate(list(x.T), ok, w, method, acc)
        assert np.isnan(got[~ok]).all()
        np.testing.assert_allclose(got[ok], score_values(x, w, method)[ok], atol=2e-5)


def test_bad_resolution_is_refused() -> None:
    with pytest.raises(ScoringError, match="resolution_m"):
        suitability_surface(_profile(_SOFT_RAIL), _layerset(), resolution_m=0)


@pytest.mark.parametrize("name", ["siting.surface.kernels", "siting.surface.disks",
                                  "siting.surface.candidates",
                                  "siting.compare"])
def test_docstring_examples(name: str) -> None:
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


def test_raster_on_the_same_grid_is_sliced_like_resampling() -> None:
    from siting.metrics.surface_ops import raster_stat_surface
    from siting.surface.evaluate import _raster_on_tile

    rng = np.random.default_rng(1)
    arr = rng.integers(0, 5, size=(30, 40)).astype("float32")
    arr[3, 4] = np.nan
    raster = RasterData(arr, Affine(100, 0, X0, 0, -100, Y0 + 3_000))
    tile = Grid.from_bounds((X0 - 500, Y0 + 800, X0 + 2_500, Y0 + 3_500), 100)
    for stat, classes in (("mean", None), ("max", None), ("share", [1, 2])):
        got = _raster_on_tile(raster, stat, classes, tile)
        want = raster_stat_surface(raster, stat, grid=tile, classes=classes)
        np.testing.assert_array_equal(got, want)


def test_filter_on_a_field_the_data_lacks_is_not_evaluated() -> None:
    metrics = """
[[metric]]
id = "dist_big_port_m"
kind = "distance"
layer = "ports"
filter = { draught_m = { min = 12 } }
unit = "m"
label_sv = "Hamn"
label_en = "Port"
"""
    soft = _SOFT_RAIL + """
[[soft]]
id = "big_port"
metric = "dist_big_port_m"
weight = 1
value = { kind = "linear", x0 = 50000, x1 = 0 }
"""
    base = _layerset()
    ports = gpd.GeoDataFrame({"name": ["Hamnen"]}, geometry=[Point(X0 + 500, Y0 + 500)],
                             crs=CRS)  # no draught_m field
    layers = {**base.layers, "ports": _loaded("ports", "point", ports)}
    ls = LayerSet(base.catalog, base.region, layers, base.municipalities)
    res = suitability_surface(_profile(metrics + soft), ls, resolution_m=RES)
    assert "draught_m" in res.not_evaluated["big_port"]
    assert np.nanmax(res.score) > 90  # the rail criterion alone


def test_mixed_neighbourhood_matches_the_min_max_definition() -> None:
    from scipy import ndimage

    from siting.surface.kernels import _mixed_neighbourhood

    key = np.random.default_rng(2).integers(0, 3, size=(30, 40)) // 2
    want = (ndimage.maximum_filter(key, size=3, mode="nearest")
            != ndimage.minimum_filter(key, size=3, mode="nearest"))
    np.testing.assert_array_equal(_mixed_neighbourhood(key, 1), want)


def test_dask_local_cluster_of_two_processes_gives_the_serial_surface():
    """Tiles on a local Dask cluster (2 worker processes) equal the serial run exactly."""
    from siting.criteria.profiles import load_profile
    from siting.data.layers import load_layerset

    ls = load_layerset("demo", region="9901,9902")
    profile = load_profile("battery_plant")
    kw = {"resolution_m": 400, "tile_px": 16, "grow_tiles": False}
    one = suitability_surface(profile, ls, **kw)
    many = suitability_surface(profile, ls, workers=2, **kw)
    assert many.provenance["workers"] == 2
    np.testing.assert_array_equal(one.score, many.score)
    np.testing.assert_array_equal(one.municipality, many.municipality)
    assert np.isfinite(one.score).any()
    assert one.cells_passing == many.cells_passing
    assert one.excluded_share.keys() == many.excluded_share.keys()
    np.testing.assert_array_equal([one.excluded_share[k] for k in one.excluded_share],
                                  [many.excluded_share[k] for k in one.excluded_share])
