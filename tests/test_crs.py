"""CRS checks: missing CRS, metres labelled as degrees, swapped axes, local zones, RT90."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import Point

from siting.core.crs import ANALYSIS_CRS, check_plausible, crs_label, parse_crs, to_analysis_crs
from siting.core.errors import CrsError

STOCKHOLM_LONLAT = (18.07, 59.33)


def _pts(coords: list[tuple[float, float]], crs: str | None) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"v": range(len(coords))},
                            geometry=[Point(x, y) for x, y in coords], crs=crs)


def test_lonlat_is_reprojected_to_sweref() -> None:
    out = to_analysis_crs(_pts([STOCKHOLM_LONLAT], "EPSG:4326"), source="s.geojson")
    assert crs_label(out.crs) == ANALYSIS_CRS
    x, y = out.geometry.x.iloc[0], out.geometry.y.iloc[0]
    assert 670_000 < x < 680_000 and 6_575_000 < y < 6_585_000


def test_missing_crs_names_file_and_fix() -> None:
    with pytest.raises(CrsError) as info:
        to_analysis_crs(_pts([(674_000, 6_580_000)], None), source="data/sites.shp")
    text = str(info.value)
    assert "data/sites.shp" in text
    assert "no coordinate reference system" in text
    assert ".prj" in text and 'crs = "EPSG:3006"' in text


def test_sweref_metres_labelled_as_degrees() -> None:
    with pytest.raises(CrsError) as info:
        to_analysis_crs(_pts([(674_000, 6_580_000), (700_000, 7_200_000)], "EPSG:4326"),
                        source="pts.csv")
    text = str(info.value)
    assert "pts.csv" in text
    assert "look like SWEREF 99 TM metres, not degrees" in text
    assert 'crs = "EPSG:3006"' in text


def test_swapped_lon_lat() -> None:
    with pytest.raises(CrsError) as info:
        to_analysis_crs(_pts([(59.33, 18.07), (65.58, 22.15)], "EPSG:4326"), source="x.csv")
    assert "longitude and latitude look swapped" in str(info.value)
    assert "x.csv" in str(info.value)


def test_degrees_labelled_as_metres() -> None:
    with pytest.raises(CrsError, match=r"look like lon/lat degrees.*EPSG:4326"):
        to_analysis_crs(_pts([STOCKHOLM_LONLAT], "EPSG:3006"), source="y.gpkg")


def test_rt90_labelled_as_sweref_is_caught() -> None:
    # Stockholm in RT90 2.5 gon V is about (1 628 000, 6 581 000).
    with pytest.raises(CrsError, match="RT90"):
        to_analysis_crs(_pts([(1_628_000, 6_581_000)], "EPSG:3006"), source="rt90.shp")


@pytest.mark.parametrize("epsg", [3011, 3021])
def test_local_zone_and_rt90_are_reprojected(epsg: int) -> None:
    ref = _pts([STOCKHOLM_LONLAT], "EPSG:4326").to_crs(epsg)
    out = to_analysis_crs(ref, source="z")
    expected = _pts([STOCKHOLM_LONLAT], "EPSG:4326").to_crs(3006)
    assert out.geometry.iloc[0].distance(expected.geometry.iloc[0]) < 1.0


def test_declared_crs_overrides_wrong_file_crs() -> None:
    wrong = _pts([(674_000, 6_580_000)], "EPSG:4326")
    out = to_analysis_crs(wrong, source="f", declared="EPSG:3006")
    assert out.geometry.x.iloc[0] == pytest.approx(674_000)


def test_outside_sweden_is_refused() -> None:
    with pytest.raises(CrsError, match="outside Sweden"):
        check_plausible((-74.1, 40.6, -73.9, 40.8), "EPSG:4326", "nyc.geojson")


def test_bad_crs_text() -> None:
    with pytest.raises(CrsError, match="not a coordinate reference system"):
        parse_crs("EPSG:99999999", "cat.toml")
