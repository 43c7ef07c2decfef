"""Real Sweden: merged grid, tätort labour pool, LA regions, bundled base, candidate sites."""

from __future__ import annotations

import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, Point

from siting.core.errors import RegionError
from siting.data.bundle import BUNDLE_DIR, BUNDLED_FILES
from siting.data.catalog import load_catalog
from siting.data.derived import tatort_population
from siting.data.grid_merge import STATION_MERGE_M, merge_lines, merge_stations
from siting.data.layers import load_layerset
from siting.data.region import resolve_region, study_area_choices
from siting.metrics.labour import labour_pool

# ---------------------------------------------------------------- grid dedup


def test_merge_stations_constructed() -> None:
    svk = gpd.GeoDataFrame({"voltage_kv": [400.0, np.nan]},
                           geometry=[Point(0, 0), Point(50_000, 0)], crs=3006)
    entsoe = gpd.GeoDataFrame({"voltage_kv": [380.0, 220.0]},
                              geometry=[Point(400, 300), Point(20_000, 0)], crs=3006)
    osm = gpd.GeoDataFrame({"voltage_kv": [130.0, 220.0]},
                           geometry=[Point(-600, 0), Point(50_900, 0)], crs=3006)
    out = merge_stations([("svk", svk), ("entsoe", entsoe), ("osm", osm)])
    assert len(out) == 3
    first = out.iloc[0]
    assert first["source"] == "svk+entsoe+osm" and first["n_merged"] == 3
    assert first["voltage_kv"] == 400.0 and first.geometry.equals(Point(0, 0))
    # unknown SvK voltage filled from the OSM station merged with it
    far = out[out.geometry.x > 40_000].iloc[0]
    assert far["voltage_kv"] == 220.0 and far["source"] == "svk+osm"
    assert out[out["source"] == "entsoe"]["voltage_kv"].tolist() == [220.0]


def test_merge_lines_constructed() -> None:
    svk = gpd.GeoDataFrame({"voltage_kv": [400]}, geometry=[LineString([(0, 0), (50_000, 0)])],
                           crs=3006)
    entsoe = gpd.GeoDataFrame({"voltage_kv": [380.0, 220.0]}, geometry=[
        LineString([(0, 800), (50_000, 1500)]),       # the same 400 kV line, schematic
        LineString([(0, 20_000), (50_000, 20_000)])], crs=3006)
    osm = gpd.GeoDataFrame({"voltage_kv": [130.0, 400.0]}, geometry=[
        LineString([(0, 300), (50_000, 300)]),        # a parallel 130 kV line: not a duplicate
        LineString([(10_000, 100), (30_000, 100)])], crs=3006)
    out = merge_lines([("svk", svk), ("entsoe", entsoe), ("osm", osm)])
    assert sorted(out["voltage_kv"].tolist()) == [130.0, 220.0, 400.0]
    assert out.loc[out["voltage_kv"] == 400.0, "source"].item() == "svk+entsoe+osm"
    assert out.loc[out["voltage_kv"] == 130.0, "source"].item() == "osm"


@pytest.fixture(scope="module")
def sweden(shared_data: Path):
    return load_layerset("sweden_open", data_dir=shared_data, region="all")


def test_real_grid_is_deduplicated(sweden) -> None:
    subs = sweden.vector("substations")
    geoms = subs.geometry.to_numpy()
    _, dist = shapely.STRtree(geoms).query_nearest(geoms, exclusive=True, return_distance=True)
    assert dist.min() >= STATION_MERGE_M          # no two merged stations closer than 1 km
    assert (subs["n_merged"] > 1).sum() > 50       # SvK and OSM describe many of the same
    assert subs["voltage_kv"].isin([380.0, 132.0]).sum() == 0   # nominal Swedish levels
    lines = sweden.vector("grid_lines")
    assert {"svk", "entsoe", "osm"} <= set("+".join(lines["source"]).split("+"))
    assert len(lines) < 447 + 295 + 383
    # every feature says its voltage (or NaN) and its source
    assert {"voltage_kv", "source"} <= set(subs.columns) & set(lines.columns)


# ---------------------------------------------------------------- tätort labour pool


def test_tatort_labour_pool_hand_computed() -> None:
    tatorter = pd.DataFrame({"kommunkod": ["2482", "2482", "2417"],
                             "population": [1000, 2000, 4000]})
    shares = pd.DataFrame({"kommunkod": ["2482", "2417"], "share_pop_20_64_2019": [0.6, 0.5]})
    pop = gpd.GeoDataFrame(tatort_population(tatorter, shares),
                           geometry=[Point(10_000, 0), Point(30_000, 0), Point(39_000, 0)],
                           crs=3006)
    site = gpd.GeoDataFrame(geometry=[Point(0, 0)], crs=3006)
    # 45 min at 70 km/h with detour factor 1.3: 45 * 70 / 60 / 1.3 = 40.38 km
    got = labour_pool(site, pop, travel_time_min=45)
    assert got.iloc[0] == pytest.approx(1000 * 0.6 + 2000 * 0.6 + 4000 * 0.5)
    assert got.attrs["method"] == "straight_line" and "1,3" in got.attrs["note_sv"]
    shorter = labour_pool(site, pop, travel_time_min=30)   # 26.9 km: only the first
    assert shorter.iloc[0] == pytest.approx(600.0)


def test_tatort_labour_pool_real_skelleftea(shared_data: Path) -> None:
    from siting.metrics.registry import compute_metric

    ls = load_layerset("sweden_open", data_dir=shared_data, region="Skellefteå")
    raw = pd.read_csv(shared_data / "tatorter_2020.csv", dtype={"kommunkod": str})
    shares = pd.read_csv(shared_data / "kommun_population_income_scb.csv",
                         dtype={"kommunkod": str}).set_index("kommunkod")["share_pop_20_64_2019"]
    centre = raw[raw["name"] == "Skellefteå"].iloc[0]
    d = np.hypot(raw["x_sweref99tm"] - centre["x_sweref99tm"],
                 raw["y_sweref99tm"] - centre["y_sweref99tm"])
    radius = 45 * 70 * 1000 / 60 / 1.3
    assert not ((d - radius).abs() < 100).any()    # no tätort on the edge
    expected = float((raw["population"] * raw["kommunkod"].map(shares))[d <= radius].sum())
    site = gpd.GeoDataFrame({"site_id": ["c"], "kommunkod": ["2482"]}, crs=4326,
                            geometry=[Point(centre["lon"], centre["lat"])]).to_crs(3006)
    got = compute_metric("labour_pool", site, ls, {"id": "lp", "travel_time_min": 45})
    assert got.iloc[0] == pytest.approx(expected, rel=1e-6)
    assert got.attrs["method"] == "straight_line"   # the NVDB roads cover Uppsala only


# ---------------------------------------------------------------- LA regions


def test_la_region_study_area(sweden) -> None:
    munis = sweden.vector("municipalities")
    for spec in ("la:Skellefteå", "la:LA2258", "la:Norsjö", "lokal arbetsmarknad Skellefteå"):
        assert sorted(resolve_region(munis, spec).kommunkoder) == ["2417", "2482"], spec
    lulea = resolve_region(munis, "la:Luleå").kommunkoder
    assert sorted(lulea) == ["2514", "2560", "2580", "2581", "2582"]
    with pytest.raises(RegionError, match="labour-market region"):
        resolve_region(munis, "la:Atlantis")
    choices = study_area_choices(munis)
    assert choices["kind"].value_counts().to_dict() == {"kommun": 290, "la": 67, "lan": 21}
    assert choices.loc[choices["spec"] == "la:LA2258", "n_kommuner"].item() == 2
    assert choices.groupby("kind")["n_kommuner"].sum().to_dict() == {
        "kommun": 290, "la": 290, "lan": 290}


def test_la_region_loads_neighbours(shared_data: Path) -> None:
    ls = load_layerset("sweden_open", data_dir=shared_data, region="la:Skellefteå",
                       layers=["population"])
    assert set(ls.region.kommunkoder) == {"2417", "2482"}
    assert ls.region.names == ("Norsjö", "Skellefteå") or set(ls.region.names) == {
        "Norsjö", "Skellefteå"}
    assert {"2417", "2482"} <= set(ls.vector("population_grid")["kommunkod"])


# ---------------------------------------------------------------- bundled national base

_ALLOWED = ("CC0", "CC BY", "ODbL", "MIT", "Public domain")


def test_bundle_holds_only_redistributable_files() -> None:
    for name, licence in BUNDLED_FILES.items():
        assert (BUNDLE_DIR / name).is_file(), name
        assert licence.startswith(_ALLOWED), (name, licence)
    assert (BUNDLE_DIR / "kommuner_land.geojson").is_file()
    sources = (BUNDLE_DIR / "SOURCES.md").read_text(encoding="utf-8")
    for name in BUNDLED_FILES:
        assert f"`{name}`" in sources
    bundled = {p.relative_to(BUNDLE_DIR).as_posix() for p in BUNDLE_DIR.rglob("*") if p.is_file()}
    assert bundled == {*BUNDLED_FILES, "kommuner_land.geojson", "SOURCES.md"}


def test_catalogue_works_from_the_bundle_alone(tmp_path: Path) -> None:
    shipped = load_catalog("sweden_open")
    copy = tmp_path / "sweden_open.toml"          # its default data_dir does not exist here
    shutil.copyfile(shipped.path, copy)
    cat = load_catalog(copy)
    assert cat.search_dirs() == (BUNDLE_DIR,)
    ls = load_layerset(cat, region="Luleå")
    missing = ls.meta["missing_layers"]
    assert set(missing) == {"kommun_schools", "kommun_tax", "municipality_stats",
                            "rail_terminals", "counties"}
    for lid in missing:
        assert cat.layer(lid).user_data
    assert set(ls.vector("substations")["source"]) == {"osm"}   # SvK/ENTSO-E not bundled
    assert any("'svk' not found" in n for n in ls.layers["substations"].report.notes)
    assert len(ls.vector("protected_areas")) > 0 and ls.table("municipality_stats") is not None


# ---------------------------------------------------------------- candidate sites


@pytest.mark.parametrize("profile_id", ["data_center", "steelworks"])
def test_lulea_has_candidate_areas(shared_data: Path, profile_id: str) -> None:
    from siting.criteria.profiles import load_profile
    from siting.surface.candidate_sites import candidate_sites

    ls = load_layerset("sweden_open", data_dir=shared_data, region="Luleå")
    sites = candidate_sites(load_profile(profile_id), ls, resolution_m=250)
    areas = sites[sites["site_kind"] == "area"]
    assert len(areas) >= 1
    assert areas["site_id"].str.match(r"^2580-O\d\d$").all()
    assert areas["name"].str.match(r"^Luleå – område \d+: [\d\s ]+ ha, ").all()
    brown = sites[sites["site_kind"] == "brownfield"]
    assert brown["name"].str.contains("befintlig industrimark").all() and len(brown) >= 1
    assert sites["site_id"].is_unique
    assert (areas["area_ha"] <= 1000).all()   # site-sized, not regions


def test_every_municipality_of_a_county_gets_its_own_best_areas(shared_data: Path) -> None:
    """Candidate areas take each municipality's own best tenth, not the county's."""
    from siting.criteria.profiles import load_profile
    from siting.surface import suitability_surface
    from siting.surface.candidates import candidate_areas

    ls = load_layerset("sweden_open", data_dir=shared_data, region="lan:24")
    surface = suitability_surface(load_profile("battery_plant"), ls, resolution_m=250)
    county_wide = candidate_areas(surface, percentile=90, by_municipality=True)
    own = candidate_areas(surface, percentile=90, percentile_per_municipality=True)
    # the county's best tenth lies in a few municipalities; each one's own best tenth everywhere
    assert own["kommunkod"].nunique() >= 10 > county_wide["kommunkod"].nunique()
    thresholds = own.attrs["thresholds"]
    assert len(set(thresholds.values())) > 1 and own.attrs["threshold"] == min(thresholds.values())
    for row in own.itertuples():
        assert row.score_mean >= thresholds[str(row.kommunkod)] - 1e-6


def test_attribute_source_is_the_table_holding_it(sweden) -> None:
    assert sweden.source_of("municipality_stats", "rental_share").spec.id == "kommun_housing"
    assert sweden.source_of("municipality_stats", "price_area").spec.id == "kommun_price_area"
    assert sweden.source_of("municipality_stats").spec.id == "kommun_population"


def test_catalogues_and_profiles_reach_an_installed_package() -> None:
    from siting.criteria.profiles import PROFILE_DIR
    from siting.data.catalog import BUNDLE_ROOT, CATALOG_DIR

    # the wheel carries layers/ and criteria/ through these links inside the package
    assert (BUNDLE_ROOT / "shipped_layers").resolve() == CATALOG_DIR.resolve()
    assert (BUNDLE_ROOT / "shipped_criteria").resolve() == PROFILE_DIR.resolve()
    assert (BUNDLE_ROOT / "shipped_layers" / "sweden_open.toml").is_file()
