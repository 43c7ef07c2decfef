"""compute_metric: dispatch from a LayerSet by canonical layer type, MissingLayer, validation."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from affine import Affine
from shapely.geometry import LineString, Point, box

from siting.core.errors import ProfileError, ScoringError
from siting.data.catalog import Catalog, LayerSpec
from siting.data.layerset import LayerSet, LoadedLayer, LoadReport, RasterData, Region
from siting.metrics import METRIC_KINDS, MissingLayer, compute_metric, validate_params

CRS = "EPSG:3006"
X0, Y0 = 760_000.0, 7_200_000.0
_KIND = {"point": "point", "line": "line", "polygon": "polygon", "raster": "raster",
         "table": "table"}


def _loaded(type_name: str, kind: str, data) -> LoadedLayer:
    spec = LayerSpec(id=type_name, type=type_name, theme="land", kind=_KIND[kind],
                     title_sv=type_name, title_en=type_name, source=f"{type_name}.gpkg",
                     attribution="test", licence="CC0-1.0", vintage=dt.date(2026, 1, 1))
    return LoadedLayer(spec, data, LoadReport(spec.source, len(np.atleast_1d(data)), 0))


def _layerset(*, with_roads: bool = True) -> LayerSet:
    munis = gpd.GeoDataFrame(
        {"kommunkod": ["9901", "9801"], "name": ["Norrvik", "Grannby"]},
        geometry=[box(X0 - 50_000, Y0 - 50_000, X0 + 10_000, Y0 + 50_000),
                  box(X0 + 10_000, Y0 - 50_000, X0 + 80_000, Y0 + 50_000)], crs=CRS)
    subs = gpd.GeoDataFrame(
        {"voltage_kv": [400.0, 130.0], "available_capacity_mw": [1200.0, 40.0]},
        geometry=[Point(X0 + 6000, Y0), Point(X0 + 1500, Y0)], crs=CRS)
    flood = gpd.GeoDataFrame({"return_period_yr": [100.0]},
                             geometry=[box(X0 - 500, Y0 - 500, X0 + 500, Y0 + 500)], crs=CRS)
    pop = gpd.GeoDataFrame({"working_age_population": [1000.0, 30_000.0]},
                           geometry=[Point(X0 + 2000, Y0), Point(X0 + 40_000, Y0)], crs=CRS)
    roads = gpd.GeoDataFrame({"road_class": [1]},
                             geometry=[LineString([(X0, Y0), (X0 + 40_000, Y0)])], crs=CRS)
    slope = RasterData(np.full((40, 40), 3.0), Affine(100, 0, X0 - 2000, 0, -100, Y0 + 2000))
    stats = pd.DataFrame({"kommunkod": ["9901", "9801"], "population": [20_000, 90_000]})
    layers = {
        "substations": _loaded("substations", "point", subs),
        "flood_zones": _loaded("flood_zones", "polygon", flood),
        "population_grid": _loaded("population_grid", "point", pop),
        "slope": _loaded("slope", "raster", slope),
        "municipality_stats": _loaded("municipality_stats", "table", stats),
    }
    if with_roads:
        layers["roads"] = _loaded("roads", "line", roads)
    catalog = Catalog(id="test", path=Path("layers/test.toml"), title_sv="t", title_en="t",
                      layers=tuple(lyr.spec for lyr in layers.values()))
    region = Region(("9901",), ("Norrvik",), munis.geometry.iloc[0])
    return LayerSet(catalog, region, layers, munis)


def _sites() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"site_id": ["NV-01", "GB-01"], "zoning": ["industrial", "none"]},
                            geometry=[box(X0 - 1000, Y0 - 1000, X0 + 1000, Y0 + 1000),
                                      box(X0 + 19_000, Y0 - 500, X0 + 20_000, Y0 + 500)],
                            index=pd.Index(["x", "y"]), crs=CRS)


def test_every_kind_dispatches_and_keeps_the_index() -> None:
    ls = _layerset()
    cases = {
        "site_area": {},
        "site_attribute": {"field": "zoning"},
        "distance": {"layer": "substations", "filter": {"voltage_kv": {"min": 380}}},
        "nearest_attribute": {"layer": "substations", "field": "available_capacity_mw"},
        "sum_within": {"layer": "substations", "field": "available_capacity_mw",
                       "radius_m": 10_000, "filter": {"voltage_kv": {"min": 130}}},
        "count_within": {"layer": "substations", "radius_m": 1000},
        "overlap_share": {"layer": "flood_zones", "filter": {"return_period_yr": {"eq": 100}}},
        "raster_stat": {"layer": "slope", "stat": "mean"},
        "municipality_attribute": {"layer": "municipality_stats", "field": "population"},
        "labour_pool": {"travel_time_min": 30},
    }
    assert set(cases) == set(METRIC_KINDS)
    results = {k: compute_metric(k, _sites(), ls, {"id": f"m_{k}", "unit": "x", **p})
               for k, p in cases.items()}
    for kind, res in results.items():
        assert list(res.index) == ["x", "y"], kind
        assert res.name == f"m_{kind}"
    assert results["site_area"].tolist() == pytest.approx([400.0, 100.0])
    assert results["distance"]["x"] == pytest.approx(5000.0)
    assert results["nearest_attribute"].tolist() == [40.0, 1200.0]
    assert results["sum_within"].tolist() == [1240.0, 0.0]  # y is 13 km from both
    assert results["count_within"].tolist() == [1, 0]
    assert results["overlap_share"]["x"] == pytest.approx(0.25)
    assert results["raster_stat"]["x"] == pytest.approx(3.0)
    assert np.isnan(results["raster_stat"]["y"])  # outside the slope raster
    # kommunkod assigned spatially: x in Norrvik, y in the neighbour Grannby
    assert results["municipality_attribute"].tolist() == [20_000.0, 90_000.0]
    assert results["labour_pool"].attrs["method"] == "network"
    assert results["labour_pool"]["x"] == 31_000.0  # 40 km at 100 km/h = 24 min


def test_labour_pool_without_roads_is_straight_line() -> None:
    s = compute_metric("labour_pool", _sites(), _layerset(with_roads=False),
                       {"travel_time_min": 30})
    assert s.attrs["method"] == "straight_line" and s["x"] == 1000.0


def test_missing_layer_is_reported_with_its_type() -> None:
    with pytest.raises(MissingLayer) as info:
        compute_metric("distance", _sites(), _layerset(), {"layer": "ports"})
    assert info.value.layer_type == "ports" and info.value.kind == "distance"
    assert isinstance(info.value, ScoringError)
    with pytest.raises(MissingLayer):
        compute_metric("raster_stat", _sites(), _layerset(),
                       {"layer": "land_cover", "stat": "share", "classes": [1]})


def test_invalid_params_listed_at_once() -> None:
    params = {"id": "grid", "layer": "substatons", "radius": 5, "filter": {"kv": {"min": 1}}}
    problems = validate_params("sum_within", params, source="criteria/x.toml")
    fields = sorted(p.field for p in problems)
    assert fields == ["field", "layer", "radius", "radius_m"]
    with pytest.raises(ProfileError) as info:
        compute_metric("sum_within", _sites(), _layerset(), params)
    assert len(info.value.problems) == 4


def test_validate_params_checks_types_and_fields() -> None:
    assert validate_params("nosuch", {})[0].field == "kind"
    bad_layer = validate_params("overlap_share", {"layer": "substations"})
    assert bad_layer[0].field == "layer" and "polygon" in bad_layer[0].message
    bad_field = validate_params("distance", {"layer": "substations",
                                             "filter": {"colour": {"eq": "red"}}})
    assert bad_field[0].field == "filter.colour"
    assert validate_params("labour_pool", {"travel_time_min": 0})[0].field == "travel_time_min"
    assert validate_params("raster_stat", {"layer": "land_cover", "stat": "share"})[0].field \
        == "classes"
    assert validate_params("municipality_attribute",
                           {"layer": "municipal_assessment", "field": "detaljplan_months"}) == []
