"""Bad input on the real-data path: truncated GeoTIFF, sites abroad, NaN/inf coordinates."""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from affine import Affine
from shapely.geometry import Point

from siting.core.errors import DataError, ScoringError
from siting.data.io.raster import read_raster
from siting.data.outline import inside_sweden
from siting.data.sites import read_sites


def _tif(path: Path) -> Path:
    arr = np.random.default_rng(0).random((400, 400)).astype("float32")
    with rasterio.open(path, "w", driver="GTiff", height=400, width=400, count=1,
                       dtype="float32", crs="EPSG:3006",
                       transform=Affine(100, 0, 700_000, 0, -100, 7_200_000)) as dst:
        dst.write(arr, 1)
    return path


@pytest.mark.parametrize("keep", [0.5, 0.9, 300])
def test_truncated_geotiff_rejected_with_file_named(tmp_path: Path, keep: float) -> None:
    from siting.cli.layers_cmd import check_file

    full = _tif(tmp_path / "slope.tif")
    data = full.read_bytes()
    cut = tmp_path / "slope_cut.tif"
    cut.write_bytes(data[: int(len(data) * keep) if keep < 1 else int(keep)])
    # even a window inside the intact first half is refused
    with pytest.raises(DataError, match="slope_cut.tif") as err:
        read_raster(cut, bounds_3006=(700_000, 7_195_000, 710_000, 7_200_000))
    assert "truncated" in str(err.value)
    with pytest.raises(DataError, match="truncated"):
        check_file(cut)
    assert read_raster(full).data.array.shape == (400, 400)


def test_outline_refuses_oslo_and_helsinki() -> None:
    pts = gpd.GeoSeries([Point(10.75, 59.91), Point(24.94, 60.17), Point(22.15, 65.58),
                         Point(18.07, 59.33), Point(24.14, 65.85), Point(13.0, 55.6)],
                        crs="EPSG:4326")
    # Oslo, Helsinki, Luleå, Stockholm, Haparanda, Malmö
    assert inside_sweden(pts).tolist() == [False, False, True, True, True, True]
    assert inside_sweden([Point(np.nan, 1.0)], crs=3006).tolist() == [False]


def test_sites_abroad_refused(tmp_path: Path) -> None:
    f = tmp_path / "sites.csv"
    f.write_text("site_id,lon,lat\nOslo,10.75,59.91\nHelsinki,24.94,60.17\nLulea,22.15,65.58\n",
                 encoding="utf-8")
    with pytest.raises(DataError, match="outside Sweden") as err:
        read_sites(f)
    assert "'Oslo'" in str(err.value) and "'Helsinki'" in str(err.value)
    assert "'Lulea'" not in str(err.value)
    assert err.value.problems[0].localized("sv")[0].endswith("'Oslo', 'Helsinki'")


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", ""])
def test_csv_non_finite_coordinates_name_the_row(tmp_path: Path, value: str) -> None:
    f = tmp_path / "sites.csv"
    f.write_text(f"site_id,lon,lat\nA,20.95,64.75\nB,{value},64.7\n", encoding="utf-8")
    with pytest.raises(DataError, match="row 3"):
        read_sites(f)


def test_vector_non_finite_or_missing_geometry_named(tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame({"site_id": ["A", "B"]},
                           geometry=[Point(757_000, 7_184_000), Point(np.nan, 7_184_000)],
                           crs=3006)
    gpkg = tmp_path / "sites.gpkg"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)   # pyogrio warns about the NaN
        gdf.to_file(gpkg, layer="mina_omraden")
    gdf.iloc[[0]].to_file(gpkg, layer="andra")
    with pytest.raises(ScoringError, match="mina_omraden, andra") as err:
        read_sites(gpkg)
    assert "--layer" in str(err.value)
    with pytest.raises(DataError, match="'B'"):
        read_sites(gpkg, layer="mina_omraden")
    ok = read_sites(gpkg, layer="andra")
    assert ok["site_id"].tolist() == ["A"] and ok.crs.to_epsg() == 3006
