"""Raster zonal statistics over sites, checked against a known raster."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from affine import Affine
from shapely.geometry import Point, box

from siting.core.errors import CrsError, ProfileError
from siting.data.layerset import RasterData
from siting.metrics import raster_stat
from siting.metrics.zonal import zonal_reduce

CRS = "EPSG:3006"
X0, Y1 = 700_000.0, 7_201_000.0  # top-left corner, 100 m pixels, 10 x 10


def _raster(crs: str = CRS) -> RasterData:
    arr = np.arange(100, dtype="float64").reshape(10, 10)  # value = 10 * row + col
    arr[5, 5] = np.nan
    return RasterData(arr, Affine(100, 0, X0, 0, -100, Y1), crs=crs)


def _cell(row: float, col: float, nrow: float = 1, ncol: float = 1):
    return box(X0 + 100 * col, Y1 - 100 * (row + nrow), X0 + 100 * (col + ncol), Y1 - 100 * row)


def _sites() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        geometry=[
            _cell(0, 0, 2, 2),                  # pixels 0, 1, 10, 11
            _cell(1, 1, 2, 2),                  # overlaps the first: 11, 12, 21, 22
            _cell(4, 4, 3, 3),                  # 44..66 with the NaN pixel 55
            box(X0 + 720, Y1 - 380, X0 + 740, Y1 - 360),  # tiny, inside pixel (3, 7)
            Point(X0 + 950, Y1 - 950),          # pixel (9, 9)
            _cell(20, 20, 2, 2),                # outside the raster
        ],
        index=pd.Index([10, 20, 30, 40, 50, 60]),
        crs=CRS,
    )


def test_mean_min_max_with_overlapping_sites() -> None:
    r = _raster()
    mean = raster_stat(_sites(), r, "mean", name="slope_mean_pct")
    assert mean.name == "slope_mean_pct" and list(mean.index) == [10, 20, 30, 40, 50, 60]
    assert mean[10] == pytest.approx(5.5)
    assert mean[20] == pytest.approx((11 + 12 + 21 + 22) / 4)
    block = [44, 45, 46, 54, 56, 64, 65, 66]  # 55 is nodata
    assert mean[30] == pytest.approx(np.mean(block))
    assert mean[40] == 37.0 and mean[50] == 99.0
    assert np.isnan(mean[60])
    assert raster_stat(_sites(), r, "min")[20] == 11.0
    assert raster_stat(_sites(), r, "max")[30] == 66.0


def test_share_of_classes() -> None:
    share = raster_stat(_sites(), _raster(), "share", classes=[0, 11, 99])
    assert share[10] == pytest.approx(0.5)
    assert share[20] == pytest.approx(0.25)
    assert share[50] == 1.0 and share[40] == 0.0
    with pytest.raises(ProfileError, match="needs a list of classes"):
        raster_stat(_sites(), _raster(), "share")


def test_bad_stat_and_crs() -> None:
    with pytest.raises(ProfileError, match="unknown stat"):
        raster_stat(_sites(), _raster(), "median")
    with pytest.raises(CrsError, match="not EPSG:3006"):
        raster_stat(_sites(), _raster(crs="EPSG:4326"), "mean")


def test_zonal_reduce_core() -> None:
    values = np.array([[1.0, 2.0, np.nan], [4.0, 5.0, 6.0]])
    labels = np.array([[0, 0, 0], [1, -1, 1]])
    assert zonal_reduce(values, labels, 3, "mean")[:2].tolist() == [1.5, 5.0]
    assert np.isnan(zonal_reduce(values, labels, 3, "max")[2])
    assert zonal_reduce(values, labels, 3, "min")[1] == 4.0
