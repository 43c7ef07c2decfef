"""GDAL work on in-memory arrays is serialised: concurrent resampling from several
threads (Streamlit sessions, the surface's worker pool) gives the sequential result
and no georeferencing warnings (pytest turns warnings into errors)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
from affine import Affine

from siting.data.layerset import RasterData
from siting.metrics.surface_ops import Grid, raster_stat_surface


def test_concurrent_raster_resampling_equals_sequential():
    rng = np.random.default_rng(7)
    raster = RasterData(array=rng.random((400, 400)).astype("float32"),
                        transform=Affine(50.0, 0, 700_000.0, 0, -50.0, 7_200_000.0))
    grids = [Grid.from_bounds((700_000.0 + 500 * i, 7_180_000.0,
                               710_000.0 + 500 * i, 7_190_000.0), 100.0 + 10 * (i % 3))
             for i in range(16)]
    expected = [raster_stat_surface(raster, "mean", grid=g) for g in grids]
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(lambda g: raster_stat_surface(raster, "mean", grid=g), grids * 4))
    for i, arr in enumerate(got):
        np.testing.assert_array_equal(arr, expected[i % len(grids)])
    assert all(np.isfinite(a).any() for a in expected)
