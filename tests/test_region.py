"""Region resolution: all, codes, names, lists, counties, unknown codes."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import box

from siting.core.errors import RegionError
from siting.data.region import parse_region_spec, resolve_region

X0, Y0 = 700_000.0, 7_150_000.0


@pytest.fixture()
def kommuner() -> gpd.GeoDataFrame:
    rows = [("2580", "Luleå", "25"), ("2581", "Piteå", "25"), ("2513", "Överkalix", "25"),
            ("0180", "Stockholm", "01"), ("0114", "Upplands Väsby", "01")]
    geoms = [box(X0 + i * 10_000, Y0, X0 + (i + 1) * 10_000, Y0 + 10_000) for i in range(5)]
    return gpd.GeoDataFrame({"kommunkod": [r[0] for r in rows], "name": [r[1] for r in rows],
                             "lanskod": [r[2] for r in rows]}, geometry=geoms, crs="EPSG:3006")


def test_all(kommuner: gpd.GeoDataFrame) -> None:
    reg = resolve_region(kommuner, "all")
    assert reg.is_all and len(reg.kommunkoder) == 5 and reg.label == "all"
    assert reg.geometry.area == pytest.approx(5 * 1e8)
    assert reg.buffer_m == 50_000.0
    assert resolve_region(kommuner, None).is_all


@pytest.mark.parametrize("spec", ["0180", "180", 180, "Stockholm", "stockholm",
                                  "Stockholm kommun"])
def test_single(kommuner: gpd.GeoDataFrame, spec: object) -> None:
    reg = resolve_region(kommuner, spec, buffer_m=0)  # type: ignore[arg-type]
    assert reg.kommunkoder == ("0180",) and reg.names == ("Stockholm",)
    assert not reg.is_all


def test_names_with_aao(kommuner: gpd.GeoDataFrame) -> None:
    assert resolve_region(kommuner, "ÖVERKALIX").kommunkoder == ("2513",)
    assert resolve_region(kommuner, "overkalix").kommunkoder == ("2513",)
    assert resolve_region(kommuner, "Luleå kommun").kommunkoder == ("2580",)


def test_lists_and_county(kommuner: gpd.GeoDataFrame) -> None:
    assert resolve_region(kommuner, "2580, Piteå").kommunkoder == ("2580", "2581")
    assert resolve_region(kommuner, ["0114", "0180", "0114"]).kommunkoder == ("0114", "0180")
    reg = resolve_region(kommuner, "lan:25", buffer_m=1_000)
    assert set(reg.kommunkoder) == {"2580", "2581", "2513"}
    assert reg.extent.area > reg.geometry.area
    assert resolve_region(kommuner, "län:1").kommunkoder == ("0180", "0114")


def test_unknown_codes_listed_with_suggestions(kommuner: gpd.GeoDataFrame) -> None:
    with pytest.raises(RegionError) as info:
        resolve_region(kommuner, "2589, Lulea2, Göteborg, lan:99", source="--region")
    err = info.value
    assert len(err.problems) == 4
    text = str(err)
    assert "unknown municipality '2589'" in text and "2580 Luleå" in text
    assert "unknown municipality 'Lulea2'" in text
    assert "unknown municipality 'Göteborg'" in text
    assert "no municipalities in county '99'" in text
    assert "--region" in text


def test_negative_buffer(kommuner: gpd.GeoDataFrame) -> None:
    with pytest.raises(RegionError, match="must not be negative"):
        resolve_region(kommuner, "all", buffer_m=-1)


def test_parse_region_spec() -> None:
    assert parse_region_spec("all") == []
    assert parse_region_spec(" 0180 ,, 2580 ") == ["0180", "2580"]
