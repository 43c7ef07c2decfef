"""GeoTIFF reading: EPSG:3006 window, EPSG:4326 warped, nodata, bad files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine

from siting.core.errors import CrsError, DataError
from siting.data.io.raster import read_raster


def from_origin(west: float, north: float, xres: float, yres: float) -> Affine:
    return Affine(xres, 0.0, west, 0.0, -yres, north)


def _write(path: Path, arr: np.ndarray, transform: object, crs: str | None,
           nodata: float | None = -9999.0) -> None:
    with rasterio.open(path, "w", driver="GTiff", height=arr.shape[0], width=arr.shape[1],
                       count=1, dtype=arr.dtype, crs=crs, transform=transform,
                       nodata=nodata) as dst:
        dst.write(arr, 1)


def test_sweref_raster_window_and_nodata(tmp_path: Path) -> None:
    arr = np.arange(100, dtype="float32").reshape(10, 10)
    arr[0, 0] = -9999.0
    path = tmp_path / "slope.tif"
    _write(path, arr, from_origin(700_000, 7_201_000, 100, 100), "EPSG:3006")
    full = read_raster(path, units="percent")
    assert full.source_crs == "EPSG:3006"
    assert np.isnan(full.data.array[0, 0])
    assert full.data.array[9, 9] == 99.0
    assert full.data.units == "percent" and full.data.resolution_m == 100.0
    win = read_raster(path, bounds_3006=(700_200, 7_200_000, 700_400, 7_200_300))
    assert win.data.shape == (3, 2)
    assert win.data.array[0, 0] == arr[7, 2]
    assert win.data.bounds == (700_200.0, 7_200_000.0, 700_400.0, 7_200_300.0)


def test_lonlat_raster_is_warped(tmp_path: Path) -> None:
    arr = np.full((20, 20), 7, dtype="uint8")
    path = tmp_path / "lc.tif"
    _write(path, arr, from_origin(18.0, 59.4, 0.01, 0.01), "EPSG:4326", nodata=0)
    read = read_raster(path)
    assert read.source_crs == "EPSG:4326"
    assert any("reprojected from EPSG:4326" in n for n in read.notes)
    assert read.data.crs == "EPSG:3006"
    minx, miny, maxx, maxy = read.data.bounds
    assert 660_000 < minx < 680_000 and 6_560_000 < miny < 6_590_000
    vals = read.data.array[np.isfinite(read.data.array)]
    assert vals.size > 0 and np.all(vals == 7.0)


def test_raster_without_crs_and_outside(tmp_path: Path) -> None:
    arr = np.ones((4, 4), dtype="float32")
    path = tmp_path / "nocrs.tif"
    _write(path, arr, from_origin(700_000, 7_201_000, 100, 100), None)
    with pytest.raises(CrsError, match=r"nocrs\.tif.*no coordinate reference system"):
        read_raster(path)
    ok = read_raster(path, declared_crs="EPSG:3006")
    assert ok.data.shape == (4, 4)
    with pytest.raises(DataError, match="does not cover the study region"):
        read_raster(path, declared_crs="EPSG:3006", bounds_3006=(0, 0, 10, 10))


def test_corrupt_and_missing_raster(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tif"
    bad.write_bytes(b"II*\x00garbage")
    with pytest.raises(DataError, match=r"bad\.tif.*cannot be read as a raster"):
        read_raster(bad)
    with pytest.raises(DataError, match="file not found"):
        read_raster(tmp_path / "none.tif")
