"""Hand-checked values of the vector metrics: area, attributes, distance, radius, overlap."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

from siting.core.errors import CrsError, DataError, ProfileError
from siting.metrics import (
    assign_kommunkod,
    count_within,
    municipality_attribute,
    nearest_attribute,
    nearest_distance,
    overlap_share,
    site_area,
    site_attribute,
    sum_within,
)

CRS = "EPSG:3006"
X0, Y0 = 700_000.0, 7_200_000.0


def _sites() -> gpd.GeoDataFrame:
    """Three sites with a non-default index: a 1 km square, a 500 x 200 m rectangle, a point."""
    return gpd.GeoDataFrame(
        {
            "site_id": ["S1", "S2", "S3"],
            "zoning": ["industrial", "none", "in_progress"],
            "area_ha": [np.nan, np.nan, 42.0],
            "kommunkod": ["0180", "9902", None],
        },
        geometry=[
            box(X0, Y0, X0 + 1000, Y0 + 1000),
            box(X0 + 5000, Y0, X0 + 5500, Y0 + 200),
            Point(X0 + 20_000, Y0),
        ],
        index=pd.Index(["a", "b", "c"], name="site"),
        crs=CRS,
    )


def _points(xy: list[tuple[float, float]], **cols: list) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(cols, geometry=[Point(X0 + x, Y0 + y) for x, y in xy], crs=CRS)


def test_site_area_polygons_in_ha_and_points_from_field() -> None:
    area = site_area(_sites())
    assert list(area.index) == ["a", "b", "c"]
    assert area.name == "site_area_ha"
    assert area["a"] == pytest.approx(100.0)
    assert area["b"] == pytest.approx(10.0)
    assert area["c"] == pytest.approx(42.0)


def test_site_attribute_text_and_unknown_field() -> None:
    zoning = site_attribute(_sites(), "zoning", name="zoning")
    assert zoning.tolist() == ["industrial", "none", "in_progress"]
    assert list(zoning.index) == ["a", "b", "c"]
    owner = site_attribute(_sites(), "owner")  # canonical but not in the data -> missing
    assert owner.isna().all()
    with pytest.raises(ProfileError, match="not a field of the sites layer"):
        site_attribute(_sites(), "colour")


def test_distance_from_polygon_edge_and_zero_inside() -> None:
    subs = _points([(4000, 500), (500, 500)], voltage_kv=[400.0, 130.0])
    d_all = nearest_distance(_sites(), subs, name="d_m")
    assert d_all.name == "d_m"
    assert d_all["a"] == 0.0  # the 130 kV station lies inside site a
    d_400 = nearest_distance(_sites(), subs.iloc[[0]])
    assert d_400["a"] == pytest.approx(3000.0)  # from the east edge x0+1000 to x0+4000
    assert d_400["b"] == pytest.approx(np.hypot(1000.0, 300.0))  # to corner (x0+5000, y0+200)
    assert d_400["c"] == pytest.approx(np.hypot(16_000.0, 500.0))


def test_distance_to_lines_and_empty_layer() -> None:
    rail = gpd.GeoDataFrame(geometry=[LineString([(X0 - 3000, Y0 - 5000), (X0 - 3000, Y0 + 5000)])],
                            crs=CRS)
    d = nearest_distance(_sites(), rail)
    assert d["a"] == pytest.approx(3000.0)
    empty = nearest_distance(_sites(), rail.iloc[0:0])
    assert empty.isna().all() and list(empty.index) == ["a", "b", "c"]


def test_nearest_attribute_keeps_dtype() -> None:
    ports = _points([(3000, 0), (19_000, 0)], name=["Norrhamn", "Söderhamn"],
                    draught_m=[12.5, 8.0])
    draught = nearest_attribute(_sites(), ports, "draught_m")
    assert draught.tolist() == [12.5, 12.5, 8.0]
    names = nearest_attribute(_sites(), ports, "name", name="nearest_port")
    assert names.tolist() == ["Norrhamn", "Norrhamn", "Söderhamn"]
    assert names.attrs["distance_m"][2] == pytest.approx(1000.0)
    with pytest.raises(DataError, match="no field 'depth'"):
        nearest_attribute(_sites(), ports, "depth")
    none = nearest_attribute(_sites(), ports.iloc[0:0], "draught_m")
    assert none.isna().all()


def test_sum_and_count_within_radius_boundary() -> None:
    # site a's east edge is at x0+1000: one station 9 999 m beyond (inside), one 10 001 m (outside)
    subs = _points([(10_999, 500), (11_001, 500), (500, 500)],
                   available_capacity_mw=[300.0, 500.0, np.nan])
    s = sum_within(_sites(), subs, "available_capacity_mw", 10_000)
    assert s["a"] == pytest.approx(300.0)  # NaN capacity counts as 0
    c = count_within(_sites(), subs, 10_000, name="n")
    assert c["a"] == 2 and c.name == "n"  # the NaN-capacity station inside site a counts
    assert c.dtype == np.int64
    far = count_within(_sites(), subs, 10)
    assert far.tolist() == [1, 0, 0]
    with pytest.raises(ProfileError, match="radius_m"):
        count_within(_sites(), subs, -5)


def test_overlap_quarter_and_dissolved_overlaps() -> None:
    zones = gpd.GeoDataFrame(
        geometry=[box(X0 + 500, Y0 + 500, X0 + 2000, Y0 + 2000),
                  box(X0 + 600, Y0 + 600, X0 + 1500, Y0 + 1500),  # overlaps the first
                  box(X0 + 19_000, Y0 - 1000, X0 + 21_000, Y0 + 1000)],
        crs=CRS)
    share = overlap_share(_sites(), zones, name="flood_share")
    assert share["a"] == pytest.approx(0.25)  # counted once despite the double cover
    assert share["b"] == 0.0
    assert share["c"] == 1.0  # the point lies inside the third zone
    assert share.name == "flood_share"


def test_overlap_repairs_bowtie_and_rejects_points() -> None:
    from shapely.geometry import Polygon
    bowtie = Polygon([(X0, Y0), (X0 + 1000, Y0 + 1000), (X0 + 1000, Y0), (X0, Y0 + 1000)])
    share = overlap_share(_sites(), gpd.GeoDataFrame(geometry=[bowtie], crs=CRS))
    assert share["a"] == pytest.approx(0.5)
    with pytest.raises(DataError, match="needs polygons"):
        overlap_share(_sites(), _points([(0, 0)]))


def test_municipality_attribute_by_kommunkod() -> None:
    table = pd.DataFrame({"kommunkod": [180, "9902"], "population": [935_619, 12_000],
                          "price_area": ["SE3", "SE2"]})
    pop = municipality_attribute(_sites(), table, "population", name="pop")
    assert pop["a"] == 935_619 and pop["b"] == 12_000 and np.isnan(pop["c"])
    area = municipality_attribute(_sites(), table, "price_area")
    assert area["a"] == "SE3" and pd.isna(area["c"])
    dup = pd.concat([table, table.iloc[[0]]])
    with pytest.raises(DataError, match="more than once"):
        municipality_attribute(_sites(), dup, "population")


def test_assign_kommunkod_spatially() -> None:
    munis = gpd.GeoDataFrame({"kommunkod": ["9901", "9902"]},
                             geometry=[box(X0 - 100, Y0 - 100, X0 + 3000, Y0 + 3000),
                                       box(X0 + 3000, Y0 - 100, X0 + 30_000, Y0 + 3000)],
                             crs=CRS)
    codes = assign_kommunkod(_sites(), munis)
    assert codes.tolist() == ["9901", "9902", "9902"]
    assert list(codes.index) == ["a", "b", "c"]


@pytest.mark.parametrize("fn", [
    lambda s, lyr: nearest_distance(s, lyr),
    lambda s, lyr: count_within(s, lyr, 100),
    lambda s, lyr: overlap_share(s, lyr),
])
def test_wrong_or_missing_crs_raises(fn) -> None:
    good = gpd.GeoDataFrame(geometry=[box(X0, Y0, X0 + 10, Y0 + 10)], crs=CRS)
    wgs = _sites().to_crs("EPSG:4326")
    with pytest.raises(CrsError, match="not EPSG:3006"):
        fn(wgs, good)
    with pytest.raises(CrsError, match="not EPSG:3006"):
        fn(_sites(), good.to_crs("EPSG:4326"))
    naive = gpd.GeoDataFrame(geometry=[box(X0, Y0, X0 + 10, Y0 + 10)])
    with pytest.raises(CrsError, match="has no CRS"):
        fn(_sites(), naive)
