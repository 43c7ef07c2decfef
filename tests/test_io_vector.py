"""Vector readers: GeoPackage layers, GeoJSON, shapefile, zipped shapefile, bad files."""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point, Polygon

from siting.core.errors import CrsError, DataError
from siting.data.io.vector import list_layers, read_vector


def _points() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"namn": ["Överkalix", "Älvsbyn", "Åre"], "spann_kv": [400.0, 220.0, 130.0]},
        geometry=[Point(800_000, 7_300_000), Point(790_000, 7_270_000),
                  Point(420_000, 7_030_000)],
        crs="EPSG:3006")


def test_gpkg_with_two_layers(tmp_path: Path) -> None:
    path = tmp_path / "energy.gpkg"
    _points().to_file(path, layer="stations", driver="GPKG")
    poly = gpd.GeoDataFrame({"n": [1]}, geometry=[Polygon([(7e5, 7.2e6), (7.1e5, 7.2e6),
                                                          (7.1e5, 7.21e6)])], crs="EPSG:3006")
    poly.to_file(path, layer="areas", driver="GPKG")
    assert {n for n, _ in list_layers(path)} == {"stations", "areas"}
    read = read_vector(path, layer="stations")
    assert read.source_crs == "EPSG:3006"
    assert read.data["namn"].tolist() == ["Överkalix", "Älvsbyn", "Åre"]
    assert read.data["spann_kv"].tolist() == [400.0, 220.0, 130.0]
    assert read.n_total == 3
    with pytest.raises(DataError, match=r"2 layers and none was chosen.*areas"):
        read_vector(path)
    with pytest.raises(DataError, match="no layer called 'nope'"):
        read_vector(path, layer="nope")


def test_geojson_round_trip_and_bbox(tmp_path: Path) -> None:
    path = tmp_path / "pts.geojson"
    _points().to_crs(4326).to_file(path, driver="GeoJSON")
    read = read_vector(path)
    assert read.source_crs == "EPSG:4326"
    assert len(read.data) == 3
    near = read_vector(path, bbox_3006=(780_000, 7_260_000, 810_000, 7_310_000))
    assert sorted(near.data["namn"]) == ["Älvsbyn", "Överkalix"]
    assert near.n_total == 3


@pytest.mark.parametrize("encoding", ["ISO-8859-1", "cp1252", "UTF-8"])
def test_zipped_shapefile_with_codepage(tmp_path: Path, encoding: str) -> None:
    shp_dir = tmp_path / "shp"
    shp_dir.mkdir()
    _points().to_file(shp_dir / "st.shp", encoding=encoding)
    assert (shp_dir / "st.cpg").exists()
    # plain shapefile first
    plain = read_vector(shp_dir / "st.shp")
    assert plain.data["namn"].tolist() == ["Överkalix", "Älvsbyn", "Åre"]
    zpath = tmp_path / "st.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        for f in shp_dir.iterdir():
            zf.write(f, f.name)
    read = read_vector(zpath)
    assert read.data["namn"].tolist() == ["Överkalix", "Älvsbyn", "Åre"]
    assert read.source_crs == "EPSG:3006"


def test_shapefile_without_prj_needs_crs_for_bbox(tmp_path: Path) -> None:
    _points().to_file(tmp_path / "noprj.shp")
    (tmp_path / "noprj.prj").unlink()
    read = read_vector(tmp_path / "noprj.shp")
    assert read.source_crs is None and read.data.crs is None
    with pytest.raises(CrsError, match=r"noprj\.shp.*no coordinate reference system"):
        read_vector(tmp_path / "noprj.shp", bbox_3006=(0, 0, 1, 1))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError) as info:
        read_vector(tmp_path / "gone.gpkg")
    assert "gone.gpkg" in str(info.value) and "file not found" in str(info.value)
    assert "--data-dir" in str(info.value)


def test_corrupt_files(tmp_path: Path) -> None:
    good = tmp_path / "good.gpkg"
    _points().to_file(good, layer="a", driver="GPKG")
    truncated = tmp_path / "trunc.gpkg"
    truncated.write_bytes(good.read_bytes()[:3000])
    with pytest.raises(DataError, match=r"trunc\.gpkg.*cannot be read"):
        read_vector(truncated)
    text = tmp_path / "notgeo.geojson"
    text.write_text("this is not GeoJSON at all\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"notgeo\.geojson.*cannot be read as map data"):
        read_vector(text)
    empty = tmp_path / "zero.geojson"
    empty.write_bytes(b"")
    with pytest.raises(DataError, match=r"zero\.geojson.*empty"):
        read_vector(empty)


def test_empty_layer(tmp_path: Path) -> None:
    path = tmp_path / "empty.geojson"
    path.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    with pytest.raises(DataError, match=r"empty\.geojson.*has no features"):
        read_vector(path)
    assert len(read_vector(path, allow_empty=True).data) == 0


def test_utf8_shapefile_without_cpg_is_refused_not_garbled(tmp_path: Path) -> None:
    _points().to_file(tmp_path / "u.shp", encoding="UTF-8")
    (tmp_path / "u.cpg").unlink()
    with pytest.raises(DataError) as info:
        read_vector(tmp_path / "u.shp")
    text = str(info.value)
    assert "u.shp" in text and "field 'namn'" in text and "looks garbled" in text
    assert 'encoding = "utf-8"' in text
    fixed = read_vector(tmp_path / "u.shp", encoding="utf-8")
    assert fixed.data["namn"].tolist() == ["Överkalix", "Älvsbyn", "Åre"]


def test_missing_crs_error_has_swedish_text(tmp_path: Path) -> None:
    _points().to_file(tmp_path / "noprj.shp")
    (tmp_path / "noprj.prj").unlink()
    with pytest.raises(CrsError) as info:
        read_vector(tmp_path / "noprj.shp", bbox_3006=(0, 0, 1, 1))
    text = info.value.text("sv")
    assert "noprj.shp" in text and "saknar koordinatsystem" in text and "Åtgärd:" in text
    assert "no coordinate reference system" not in text
    assert "no coordinate reference system" in str(info.value)  # English unchanged
