"""Real Swedish data (read in place from ../shared/data/sweden): plausibility checks."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from siting.metrics import count_within, nearest_attribute, nearest_distance
from siting.metrics.filters import apply_filter


def test_lulea_to_nearest_400kv_substation_is_plausible(shared_data) -> None:
    subs = gpd.read_file(shared_data / "substations.geojson").to_crs("EPSG:3006")
    sites = gpd.GeoDataFrame({"name": ["Luleå"]}, geometry=[Point(22.15, 65.58)],
                             index=pd.Index(["lulea"]), crs="EPSG:4326").to_crs("EPSG:3006")
    stations_400 = apply_filter(subs, {"voltage_kv": {"min": 380}})
    assert 0 < len(stations_400) < len(subs)
    d = nearest_distance(sites, stations_400, name="dist_400kv_m")
    assert 0 < d["lulea"] < 50_000
    # all stations at least as close as the 400 kV ones
    assert nearest_distance(sites, subs)["lulea"] <= d["lulea"]
    assert nearest_attribute(sites, stations_400, "voltage_kv")["lulea"] == 380.0
    # the 400 kV grid is denser in the south: Malmö is closer to it than Luleå
    malmo = gpd.GeoDataFrame(geometry=[Point(13.0, 55.6)], crs="EPSG:4326").to_crs("EPSG:3006")
    d_malmo = nearest_distance(malmo, stations_400).iloc[0]
    assert 0 < d_malmo < d["lulea"]
    assert count_within(malmo, stations_400, 50_000).iloc[0] >= 1


def test_network_labour_pool_on_nvdb_uppsala(shared_data) -> None:
    """Trafikverket NVDB roads (Uppsala kommun) and Lantmäteriet tätorter as the population."""
    from siting.metrics import labour_pool
    from siting.metrics.labour import build_road_graph

    native = shared_data / "native"
    roads = gpd.read_file(f"zip://{native / 'nvdb_uppsala_vagkategori.zip'}")
    roads = roads.rename(columns={"KATEGORI": "road_class"})[["road_class", "geometry"]]
    towns = gpd.read_file(f"zip://{native / 'lm_tatorter_1milj.zip'}")
    towns = towns.rename(columns={"BEF": "population"})[["population", "geometry"]]
    assert roads.crs.to_epsg() == 3006 and towns.crs.to_epsg() == 3006
    graph = build_road_graph(roads)
    assert graph.n_key_nodes < graph.n_nodes / 10  # long chains between junctions
    # a site in the countryside ~30 km north-east of Uppsala (tätort population 149 245)
    site = gpd.GeoDataFrame(geometry=[Point(17.95, 60.10)], index=["ne"],
                            crs="EPSG:4326").to_crs("EPSG:3006")
    short = labour_pool(site, towns, travel_time_min=20, graph=graph)
    long = labour_pool(site, towns, travel_time_min=45, graph=graph)
    assert long.attrs["method"] == "network" and "vägnätet" in long.attrs["note_sv"]
    assert short["ne"] < 149_245 <= long["ne"]
    assert long.attrs["field"] == "population"  # no working-age figures in tätorter
