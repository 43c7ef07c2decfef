"""Loading a catalogue for a region: every format, clipping, sites, policies, errors."""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from affine import Affine
from pyproj import Transformer
from shapely.geometry import LineString, Point, Polygon, box

from siting.core.errors import CatalogError, DataError, GeometryError
from siting.data.catalog import load_catalog
from siting.data.layers import load_layerset, read_layer
from siting.data.layerset import RasterData

X0, Y0 = 700_000.0, 7_150_000.0
KM = 1_000.0

LAYER = """
[[layer]]
id = "{id}"
type = "{type}"
kind = "{kind}"
title_sv = "{id}"
title_en = "{id}"
source = "{source}"
attribution = "test data"
licence = "CC0-1.0"
vintage = "2026-01-01"
{extra}
"""


def _layer(id_: str, type_: str, kind: str, source: str, extra: str = "") -> str:
    return LAYER.format(id=id_, type=type_, kind=kind, source=source, extra=extra)


def _write_tif(path: Path, arr: np.ndarray, transform: Affine, crs: str, nodata: float) -> None:
    with rasterio.open(path, "w", driver="GTiff", height=arr.shape[0], width=arr.shape[1],
                       count=1, dtype=arr.dtype, crs=crs, transform=transform,
                       nodata=nodata) as dst:
        dst.write(arr, 1)


def make_dataset(root: Path, *, bowtie: bool = True) -> Path:
    """Three municipalities (9901 study, 9902 neighbour, 9903 far) and one file per format."""
    data = root / "data"
    data.mkdir()
    kommuner = gpd.GeoDataFrame(
        {"KOMMUNKOD": [9901, 9902, 9903], "NAMN": ["Norrvik", "Älvby", "Skogsås"],
         "LANSKOD": [99, 99, 99]},
        geometry=[box(X0, Y0, X0 + 10 * KM, Y0 + 10 * KM),
                  box(X0 + 10 * KM, Y0, X0 + 20 * KM, Y0 + 10 * KM),
                  box(X0 + 100 * KM, Y0, X0 + 110 * KM, Y0 + 10 * KM)], crs="EPSG:3006")
    kommuner.to_file(data / "base.gpkg", layer="kommuner", driver="GPKG")
    # station 20 km east of Norrvik's eastern edge (x = X0 + 10 km); one far away
    stations = gpd.GeoDataFrame(
        {"spanning_kv": [400.0, 130.0], "kap_mw": [1200.0, 40.0], "namn": ["Östra", "Fjärran"]},
        geometry=[Point(X0 + 30 * KM, Y0 + 5 * KM), Point(X0 + 105 * KM, Y0 + 5 * KM)],
        crs="EPSG:3006")
    stations.to_file(data / "base.gpkg", layer="stationer", driver="GPKG")
    # railways as GeoJSON in lon/lat
    rail = gpd.GeoDataFrame({"spar": ["double_track"]},
                            geometry=[LineString([(X0 - 5 * KM, Y0 + 2 * KM),
                                                  (X0 + 15 * KM, Y0 + 2 * KM)])],
                            crs="EPSG:3006").to_crs(4326)
    rail.to_file(data / "rail.geojson", driver="GeoJSON")
    # rail terminals as a plain shapefile with a Windows code page
    terminals = gpd.GeoDataFrame({"namn": ["Älvby godsterminal"]},
                                 geometry=[Point(X0 + 12 * KM, Y0 + 2 * KM)], crs="EPSG:3006")
    terminals.to_file(data / "terminaler.shp", encoding="cp1252")
    # protected areas as a zipped shapefile, one invalid bow-tie polygon
    ring = ([(X0 + 1 * KM, Y0 + 1 * KM), (X0 + 3 * KM, Y0 + 3 * KM), (X0 + 3 * KM, Y0 + 1 * KM),
             (X0 + 1 * KM, Y0 + 3 * KM)] if bowtie else
            [(X0 + 1 * KM, Y0 + 1 * KM), (X0 + 3 * KM, Y0 + 1 * KM), (X0 + 3 * KM, Y0 + 3 * KM)])
    prot = gpd.GeoDataFrame({"namn": ["Björnskogen", "Ödemark"]},
                            geometry=[Polygon(ring), box(X0 + 5 * KM, Y0 + 5 * KM,
                                                         X0 + 6 * KM, Y0 + 6 * KM)],
                            crs="EPSG:3006")
    shp_dir = root / "shp"
    shp_dir.mkdir()
    prot.to_file(shp_dir / "np.shp", encoding="ISO-8859-1")
    with zipfile.ZipFile(data / "skydd.zip", "w") as zf:
        for f in shp_dir.iterdir():
            zf.write(f, f.name)
    # airports: CSV lon/lat in UTF-8
    to_ll = Transformer.from_crs(3006, 4326, always_xy=True)
    lon, lat = to_ll.transform(X0 + 8 * KM, Y0 + 8 * KM)
    (data / "flyg.csv").write_text(f"id,namn,lon,lat\n1,Norrviks flygplats,{lon:.6f},{lat:.6f}\n",
                                   encoding="utf-8")
    # ports: CSV x/y SWEREF in cp1252 with ';' and decimal comma
    (data / "hamnar.csv").write_bytes(
        "namn;x;y;djup\nNorrviks hamn;701000,5;7151000,25;12,5\nÄlvby kaj;711000;7151000;6\n"
        .encode("cp1252"))
    # municipality statistics with integer codes
    (data / "stats.csv").write_text("kommunkod,folkmangd\n9901,25000\n9902,12000\n9903,3000\n",
                                    encoding="utf-8")
    # candidate sites without kommunkod and area_ha
    sites = gpd.GeoDataFrame(
        {"id": ["NV-01", "AB-01", "NV-02"]},
        geometry=[box(X0 + 1 * KM, Y0 + 6 * KM, X0 + 2 * KM, Y0 + 7 * KM),
                  box(X0 + 12 * KM, Y0 + 6 * KM, X0 + 13 * KM, Y0 + 7 * KM),
                  box(X0 + 4 * KM, Y0 + 1 * KM, X0 + 4.5 * KM, Y0 + 2 * KM)], crs="EPSG:3006")
    sites.to_file(data / "sites.geojson", driver="GeoJSON")
    # slope raster in EPSG:3006 (100 m cells) and land cover in EPSG:4326
    slope = np.full((300, 600), 2.5, dtype="float32")
    slope[0, 0] = -9999.0
    _write_tif(data / "slope.tif", slope, Affine(100.0, 0, X0 - 10 * KM, 0, -100.0,
                                                 Y0 + 20 * KM), "EPSG:3006", -9999.0)
    w, s, e, n = Transformer.from_crs(3006, 4326, always_xy=True).transform_bounds(
        X0 - 20 * KM, Y0 - 20 * KM, X0 + 40 * KM, Y0 + 30 * KM)
    lc = np.full((100, 100), 3, dtype="uint8")
    _write_tif(data / "lc.tif", lc, Affine((e - w) / 100, 0, w, 0, -(n - s) / 100, n),
               "EPSG:4326", 0)

    cat = ['[catalog]\nid = "t"\ndata_dir = "data"\n',
           _layer("municipalities", "municipalities", "polygon", "base.gpkg",
                  'layer = "kommuner"\n[layer.fields]\nkommunkod = "KOMMUNKOD"\nname = "NAMN"\n'
                  'lanskod = "LANSKOD"'),
           _layer("substations", "substations", "point", "base.gpkg",
                  'layer = "stationer"\n[layer.fields]\nvoltage_kv = "spanning_kv"\n'
                  'available_capacity_mw = "kap_mw"\nname = "namn"'),
           _layer("railways", "railways", "line", "rail.geojson",
                  '[layer.fields]\ntrack = "spar"'),
           _layer("rail_terminals", "rail_terminals", "point", "terminaler.shp",
                  '[layer.fields]\nname = "namn"\n[layer.defaults]\nkind = "intermodal"'),
           _layer("protected_areas", "protected_areas", "polygon", "skydd.zip",
                  '[layer.fields]\nname = "namn"'),
           _layer("airports", "airports", "point", "flyg.csv",
                  'crs = "EPSG:4326"\n[layer.coords]\nx = "lon"\ny = "lat"\n'
                  '[layer.fields]\nname = "namn"'),
           _layer("ports", "ports", "point", "hamnar.csv",
                  'crs = "EPSG:3006"\n[layer.coords]\nx = "x"\ny = "y"\n'
                  '[layer.fields]\nname = "namn"\ndraught_m = "djup"'),
           _layer("municipality_stats", "municipality_stats", "table", "stats.csv",
                  '[layer.fields]\npopulation = "folkmangd"'),
           _layer("sites", "sites", "polygon", "sites.geojson",
                  '[layer.fields]\nsite_id = "id"'),
           _layer("slope", "slope", "raster", "slope.tif"),
           _layer("land_cover", "land_cover", "raster", "lc.tif")]
    path = root / "t.toml"
    path.write_text("\n".join(cat), encoding="utf-8")
    return path


@pytest.fixture()
def catalog_path(tmp_path: Path) -> Path:
    return make_dataset(tmp_path)


def test_load_region_every_format(catalog_path: Path) -> None:
    ls = load_layerset(catalog_path, region="9901")
    assert ls.region.kommunkoder == ("9901",) and ls.region.buffer_m == 50_000.0
    for lid, lyr in ls.layers.items():
        if isinstance(lyr.data, gpd.GeoDataFrame):
            assert lyr.data.crs.to_epsg() == 3006, lid
    # gpkg with two layers: values survive; the 20-km-away station is kept with the 50 km buffer
    st = ls.vector("substations")
    assert st["name"].tolist() == ["Östra"]
    assert st["voltage_kv"].tolist() == [400.0] and st["available_capacity_mw"].tolist() == [1200.0]
    # municipalities: codes zero-padded text, neighbour flagged, far one (100 km) left out
    munis = ls.municipalities
    assert munis["kommunkod"].tolist() == ["9901", "9902"]
    assert munis["in_study_area"].tolist() == [True, False]
    assert munis["lanskod"].tolist() == ["99", "99"]
    # GeoJSON in lon/lat reprojected
    rail = ls.vector("railways")
    assert rail.geometry.iloc[0].coords[0] == pytest.approx((X0 - 5 * KM, Y0 + 2 * KM), abs=0.5)
    assert rail["track"].tolist() == ["double_track"]
    # shapefile with cp1252, defaults applied
    term = ls.vector("rail_terminals")
    assert term["name"].tolist() == ["Älvby godsterminal"] and term["kind"].tolist() == ["intermodal"]
    # zipped shapefile, bow-tie repaired and counted
    prot = ls.get("protected_areas")
    assert prot is not None and prot.data["name"].tolist() == ["Björnskogen", "Ödemark"]
    assert prot.data.is_valid.all()
    assert "1 invalid geometries repaired" in prot.report.notes
    assert set(prot.data.geom_type) <= {"Polygon", "MultiPolygon"}
    # CSV lon/lat UTF-8
    air = ls.vector("airports")
    assert air.geometry.iloc[0].distance(Point(X0 + 8 * KM, Y0 + 8 * KM)) < 1.0
    assert air["name"].tolist() == ["Norrviks flygplats"]
    # CSV x/y cp1252 ; decimal comma
    ports = ls.vector("ports")
    assert ports["name"].tolist() == ["Norrviks hamn", "Älvby kaj"]
    assert ports["draught_m"].tolist() == [12.5, 6.0]
    assert ports.geometry.iloc[0].x == pytest.approx(701000.5)
    # table kept whole, integer codes padded
    stats = ls.table("municipality_stats")
    assert stats["kommunkod"].tolist() == ["9901", "9902", "9903"]
    assert stats["population"].tolist() == [25000, 12000, 3000]


def test_sites_clipped_to_study_area_and_completed(catalog_path: Path) -> None:
    ls = load_layerset(catalog_path, region="9901")
    sites = ls.vector("sites")
    assert sites["site_id"].tolist() == ["NV-01", "NV-02"]
    assert sites["kommunkod"].tolist() == ["9901", "9901"]
    assert sites["area_ha"].tolist() == pytest.approx([100.0, 50.0])
    both = load_layerset(catalog_path, region="9901,9902").vector("sites")
    assert dict(zip(both["site_id"], both["kommunkod"], strict=True)) == {
        "NV-01": "9901", "AB-01": "9902", "NV-02": "9901"}


def test_rasters_windowed_and_warped(catalog_path: Path) -> None:
    ls = load_layerset(catalog_path, region="9901", buffer_m=5_000)
    slope = ls.raster("slope")
    assert isinstance(slope, RasterData) and slope.units == "percent"
    minx, miny, maxx, maxy = slope.bounds
    assert minx == X0 - 5 * KM and maxx == X0 + 15 * KM and maxy <= Y0 + 20 * KM
    assert np.nanmax(slope.array) == 2.5
    lc = ls.raster("land_cover")
    assert lc is not None and lc.crs == "EPSG:3006"
    vals = lc.array[np.isfinite(lc.array)]
    assert vals.size and set(np.unique(vals)) == {3.0}
    assert any("reprojected from EPSG:4326" in n for n in ls.layers["land_cover"].report.notes)


def test_region_buffer_keeps_or_drops_neighbourhood(catalog_path: Path) -> None:
    wide = load_layerset(catalog_path, region="9901", layers=["substations"])
    assert len(wide.vector("substations")) == 1
    assert set(wide.layers) == {"municipalities", "substations"}
    narrow = load_layerset(catalog_path, region="9901", buffer_m=10_000, layers=["substations"])
    assert len(narrow.vector("substations")) == 0
    assert any("outside the region extent" in n
               for n in narrow.layers["substations"].report.notes)


def test_reject_policy_names_feature(tmp_path: Path) -> None:
    path = make_dataset(tmp_path)
    with pytest.raises(GeometryError) as info:
        load_layerset(path, region="9901", invalid="reject", layers=["protected_areas"])
    text = str(info.value)
    assert "skydd.zip" in text and "feature 0" in text and "invalid geometries" in text
    assert "Self-intersection" in text


def test_read_layer_whole_file(catalog_path: Path) -> None:
    cat = load_catalog(catalog_path)
    lyr = read_layer(cat.layer("substations"), catalog_path.parent / "data")
    assert lyr.n_features == 2 and lyr.report.source_crs == "EPSG:3006"
    assert lyr.report.n_read == 2


def test_problems_of_several_layers_reported_once(tmp_path: Path) -> None:
    path = make_dataset(tmp_path)
    data = tmp_path / "data"
    (data / "hamnar.csv").write_text("namn;x;y;djup\nA;701000;7151000;djupt\n", encoding="utf-8")
    (data / "flyg.csv").unlink()
    with pytest.raises(DataError) as info:
        load_layerset(path, region="9901")
    err = info.value
    assert "2 layers of catalogue 't' could not be loaded" in str(err)
    text = str(err)
    assert "flyg.csv: file not found" in text
    assert "hamnar.csv, row 2, field 'draught_m'" in text and "'djupt'" in text


def test_catalogue_without_municipalities(tmp_path: Path) -> None:
    path = tmp_path / "nomun.toml"
    path.write_text('[catalog]\ndata_dir = "."\n' + _layer("rail", "railways", "line", "r.geojson"),
                    encoding="utf-8")
    with pytest.raises(CatalogError, match="no 'municipalities' layer"):
        load_layerset(path)


def test_unknown_layer_ids(catalog_path: Path) -> None:
    with pytest.raises(CatalogError, match="no layer\\(s\\) nope"):
        load_layerset(catalog_path, layers=["nope"])


def test_missing_crs_in_catalogue_layer(tmp_path: Path) -> None:
    path = make_dataset(tmp_path)
    (tmp_path / "data" / "terminaler.prj").unlink()
    with pytest.raises(DataError) as info:
        load_layerset(path, region="9901", layers=["rail_terminals"])
    assert "terminaler.shp" in str(info.value)
    assert "no coordinate reference system" in str(info.value)
    assert 'crs = "EPSG:3006"' in str(info.value)


def test_shared_file_read_once(catalog_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import siting.data.layers as layers_mod

    text = catalog_path.read_text(encoding="utf-8")
    text += _layer("stats_again", "housing", "table", "stats.csv",
                   '[layer.fields]\ndwellings = "folkmangd"')
    catalog_path.write_text(text, encoding="utf-8")
    calls: list[str] = []
    real = layers_mod.read_csv

    def counting(path: Path, **kwargs: object) -> object:
        calls.append(Path(path).name)
        return real(path, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(layers_mod, "read_csv", counting)
    ls = load_layerset(catalog_path, region="9901")
    assert calls.count("stats.csv") == 1
    assert ls.table("housing")["dwellings"].tolist() == [25000, 12000, 3000]
    assert ls.table("municipality_stats")["population"].tolist() == [25000, 12000, 3000]


def test_read_layer_sites_get_area(catalog_path: Path) -> None:
    cat = load_catalog(catalog_path)
    lyr = read_layer(cat.layer("sites"), catalog_path.parent / "data")
    assert lyr.data["area_ha"].tolist() == pytest.approx([100.0, 100.0, 50.0])
    assert any("area_ha computed" in n for n in lyr.report.notes)


def test_spreadsheet_table(catalog_path: Path) -> None:
    data = catalog_path.parent / "data"
    pd.DataFrame({"kommun": [9901, 9902], "lediga": ["2,5", "x"]}).to_excel(
        data / "bostader.xlsx", index=False)
    text = catalog_path.read_text(encoding="utf-8")
    text += _layer("housing", "housing", "table", "bostader.xlsx",
                   '[layer.fields]\nkommunkod = "kommun"\nvacancy_rate_pct = "lediga"')
    catalog_path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_layerset(catalog_path, region="9901", layers=["housing"])
    p = info.value.problems[0]
    assert "bostader.xlsx" in p.source and p.location == "row 3"
    assert p.field == "vacancy_rate_pct" and "'x'" in p.message
    pd.DataFrame({"kommun": [9901, 9902], "lediga": ["2,5", "1"]}).to_excel(
        data / "bostader.xlsx", index=False)
    ls = load_layerset(catalog_path, region="9901", layers=["housing"])
    housing = ls.table("housing")
    assert housing["kommunkod"].tolist() == ["9901", "9902"]
    assert housing["vacancy_rate_pct"].tolist() == [2.5, 1.0]


def test_coastal_site_outside_polygons_gets_nearest_kommun(tmp_path: Path) -> None:
    path = make_dataset(tmp_path)
    sites = gpd.read_file(tmp_path / "data" / "sites.geojson")
    pier = gpd.GeoDataFrame({"id": ["NV-PIR"]},
                            geometry=[box(X0 + 2 * KM, Y0 - 600, X0 + 2.4 * KM, Y0 - 200)],
                            crs="EPSG:3006")
    both = gpd.GeoDataFrame(pd.concat([sites, pier], ignore_index=True), crs="EPSG:3006")
    both["kk"] = [None, None, None, None]
    both.loc[1, "kk"] = "9901"  # the file's own code wins over the geometry
    both.to_file(tmp_path / "data" / "sites.geojson", driver="GeoJSON")
    text = path.read_text(encoding="utf-8").replace(
        'site_id = "id"', 'site_id = "id"\nkommunkod = "kk"')
    path.write_text(text, encoding="utf-8")
    ls = load_layerset(path, region="9901", layers=["sites"])
    got = ls.vector("sites")
    assert got["site_id"].tolist() == ["NV-01", "AB-01", "NV-02", "NV-PIR"]
    assert set(got["kommunkod"]) == {"9901"}
    notes = ls.layers["sites"].report.notes
    assert any("1 sites outside every municipality polygon" in n for n in notes)


def test_table_layers_of_one_type_are_merged_on_kommunkod(shared_data):
    from siting.data.layers import load_layerset

    ls = load_layerset("sweden_open", shared_data, region="2580")
    stats = ls.table("municipality_stats")
    assert stats is not None
    assert stats["kommunkod"].is_unique
    assert len(stats) == 290
    lulea = stats.set_index("kommunkod").loc["2580"]
    assert lulea["price_area"] == "SE1"
    assert lulea["population"] > 70_000
