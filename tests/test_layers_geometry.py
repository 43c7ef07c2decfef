"""Geometry policy: empty geometries dropped and counted, Z dropped, repair/reject, wrong kind."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, Polygon, box

from siting.core.errors import DataError, GeometryError
from siting.data.catalog import load_catalog
from siting.data.io.clean import clean_geometries
from siting.data.layers import read_layer

X0, Y0 = 700_000.0, 7_150_000.0
BOWTIE = Polygon([(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 100)])


def _gdf(geoms: list[object]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"n": range(len(geoms))}, geometry=geoms, crs="EPSG:3006",
                            index=range(1, len(geoms) + 1))


def test_empty_and_missing_dropped_and_counted() -> None:
    gdf = _gdf([box(X0, Y0, X0 + 10, Y0 + 10), Polygon(), None])
    out, notes = clean_geometries(gdf, "polygon")
    assert out.index.tolist() == [1]
    assert notes == ("2 empty or missing geometries dropped",)


def test_repair_keeps_polygonal_part_and_counts() -> None:
    gdf = _gdf([BOWTIE, box(X0, Y0, X0 + 10, Y0 + 10)])
    out, notes = clean_geometries(gdf, "polygon", invalid="repair")
    assert out.is_valid.all() and len(out) == 2
    assert set(out.geom_type) <= {"Polygon", "MultiPolygon"}
    assert out.geometry.iloc[0].area == pytest.approx(5000.0)
    assert "1 invalid geometries repaired" in notes


def test_reject_names_features() -> None:
    gdf = _gdf([box(X0, Y0, X0 + 10, Y0 + 10), BOWTIE, BOWTIE])
    with pytest.raises(GeometryError) as info:
        clean_geometries(gdf, "polygon", invalid="reject", source="areas.gpkg")
    text = str(info.value)
    assert "areas.gpkg, features 2, 3" in text and "2 invalid geometries" in text
    assert "Fix Geometries" in text


def test_z_dropped_and_wrong_kind() -> None:
    out, notes = clean_geometries(_gdf([LineString([(X0, Y0, 5), (X0 + 1, Y0 + 1, 6)])]), "line")
    assert not out.geometry.has_z.any() and "Z coordinates dropped" in notes[0]
    with pytest.raises(DataError, match=r"pts\.shp, feature 2: 1 geometries are Point"):
        clean_geometries(_gdf([box(X0, Y0, X0 + 1, Y0 + 1), Point(X0, Y0)]), "polygon",
                         source="pts.shp")
    with pytest.raises(ValueError, match="repair' or 'reject"):
        clean_geometries(_gdf([Point(X0, Y0)]), "point", invalid="ignore")  # type: ignore[arg-type]


def test_read_layer_empty_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "k.geojson").write_text('{"type": "FeatureCollection", "features": []}',
                                        encoding="utf-8")
    cat_path = tmp_path / "c.toml"
    cat_path.write_text(
        '[catalog]\ndata_dir = "."\n[[layer]]\nid = "municipalities"\ntype = "municipalities"\n'
        'kind = "polygon"\ntitle_sv = "K"\ntitle_en = "K"\nsource = "k.geojson"\n'
        'attribution = "t"\nlicence = "CC0-1.0"\nvintage = "2026-01-01"\n', encoding="utf-8")
    spec = load_catalog(cat_path).layers[0]
    with pytest.raises(DataError, match=r"k\.geojson: layer 'k' has no features"):
        read_layer(spec, tmp_path)
