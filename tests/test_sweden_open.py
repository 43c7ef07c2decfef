"""The real-data catalogue over ../shared/data/sweden: counts, codes, å/ä/ö, known facts."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from types import MappingProxyType

import geopandas as gpd
import pytest
from shapely.geometry import Point

from siting.data.catalog import load_catalog
from siting.data.layers import load_layerset, read_layer
from siting.data.layerset import LayerSet


@pytest.fixture(scope="module")
def sweden(shared_data: Path) -> LayerSet:
    return load_layerset("sweden_open", data_dir=shared_data, region="all")


def test_counts_and_crs(sweden: LayerSet) -> None:
    assert len(sweden.vector("municipalities")) == 290
    subs = sweden.vector("substations")
    # 213 SvK + 174 ENTSO-E + 137 OSM station points, merged within 1 km
    assert 300 < len(subs) < 213 + 174 + 137
    assert set("+".join(subs["source"]).split("+")) == {"svk", "entsoe", "osm"}
    assert sweden.region.is_all and len(sweden.region.kommunkoder) == 290
    for lid, lyr in sweden.layers.items():
        if isinstance(lyr.data, gpd.GeoDataFrame):
            assert lyr.data.crs.to_epsg() == 3006, lid
    stats = sweden.table("municipality_stats")
    assert stats is not None and len(stats) == 290
    # SCB population 31 Dec 2019 (the first stats table wins over kommun_stats.csv's 2016)
    assert stats.loc[stats["kommunkod"] == "0180", "population"].item() == 974_073
    assert int(stats["population"].sum()) == 10_327_589
    assert stats.loc[stats["kommunkod"] == "2482", "rental_share"].item() == pytest.approx(0.231,
                                                                                         abs=1e-3)
    assert stats.loc[stats["kommunkod"] == "2580", "upper_secondary_eligible_pct"].item() == 88.0
    assert sweden.meta["missing_layers"] == {}


def test_native_kommuner_zip(shared_data: Path) -> None:
    cat = load_catalog("sweden_open")
    spec = dataclasses.replace(cat.layer("municipalities"), source="native/lm_kommuner_1milj.zip",
                               fields=MappingProxyType({"kommunkod": "KOMMUNKOD",
                                                        "name": "KOMMUNNAMN",
                                                        "lanskod": "LANSKOD"}))
    lyr = read_layer(spec, shared_data)
    codes = lyr.data["kommunkod"]
    assert codes.nunique() == 290 and len(codes) == 290
    assert "0114" in set(codes) and codes.str.len().eq(4).all()
    names = set(lyr.data["name"])
    assert {"Överkalix", "Älvsbyn", "Åre", "Upplands Väsby"} <= names
    assert lyr.data.loc[lyr.data["kommunkod"] == "2513", "name"].item() == "Överkalix"
    assert lyr.report.n_read == 295
    assert set(lyr.data["lanskod"]) >= {"01", "25"}


def test_native_tatorter_zip(shared_data: Path) -> None:
    cat = load_catalog("sweden_open")
    lyr = read_layer(cat.layer("built_up_areas"), shared_data)
    assert len(lyr.data) == 174
    names = set(lyr.data["name"].dropna())
    assert {"Mjölby", "Malmö", "Linköping", "Ängelholm och Vejbystrand", "Skövde"} <= names
    pop = lyr.data.set_index("name")["population"]
    assert pop["Stockholm"] == 1_515_017 and pop["Göteborg"] == 572_799
    assert int(lyr.data["population"].sum()) == 6_180_054


def test_native_nvdb_zip(shared_data: Path) -> None:
    cat = load_catalog("sweden_open")
    lyr = read_layer(cat.layer("roads"), shared_data)
    counts = lyr.data["road_class"].value_counts().to_dict()
    assert counts == {4: 327, 3: 149, 2: 73, 1: 47}
    assert not lyr.data.geometry.has_z.any()
    total_km = lyr.data.length.sum() / 1000
    assert 1_200 < total_km < 1_340


def _kommun_at(munis: gpd.GeoDataFrame, pts: gpd.GeoDataFrame) -> list[str]:
    joined = gpd.sjoin(pts[["geometry"]], munis[["kommunkod", "geometry"]], how="left", predicate="within")
    return joined["kommunkod"].tolist()


def test_real_facts(sweden: LayerSet) -> None:
    munis = sweden.vector("municipalities")
    airports = sweden.vector("airports")
    lulea = airports[airports["iata"] == "LLA"]
    assert len(lulea) == 1
    assert _kommun_at(munis, lulea) == ["2580"]
    stockholm = gpd.GeoDataFrame(geometry=[Point(18.07, 59.33)], crs="EPSG:4326").to_crs(3006)
    assert _kommun_at(munis, stockholm) == ["0180"]
    prices = sweden.vector("price_areas")
    se = gpd.sjoin(lulea[["geometry"]], prices[["price_area", "geometry"]], predicate="within")
    assert se["price_area"].tolist() == ["SE1"]
    terminals = sweden.vector("rail_terminals")
    assert set(terminals["kind"]) == {"station"} and "Alingsås" in set(terminals["name"])


def test_region_lulea_with_neighbourhood(shared_data: Path) -> None:
    ls = load_layerset("sweden_open", data_dir=shared_data, region="Luleå",
                       layers=["substations", "ports"])
    assert ls.region.kommunkoder == ("2580",)
    munis = ls.municipalities
    assert munis.loc[munis["in_study_area"], "kommunkod"].tolist() == ["2580"]
    assert {"2582", "2581"} <= set(munis["kommunkod"])  # Boden, Piteå within 50 km
    assert "Lulea" in set(ls.vector("ports")["name"])
    assert 0 < len(ls.vector("substations")) < 300
