"""The surface's fast kernels give what their plain forms give.

Exact point distances block by block, the sparse re-check of narrow bands, disk sums by row runs,
and the municipality criteria summed per municipality before one gather.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from test_surface import RES, X0, Y0, _layerset, _loaded, _profile

from siting.metrics.surface_ops import Grid
from siting.surface import disks, kernels
from siting.surface.disks import disk_sum
from siting.surface.kernels import densify_vertices, seed_distance
from siting.surface.run import suitability_surface


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 40))
def test_point_distances_block_by_block_equal_every_point_measured(seed: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    grid = Grid.from_bounds((X0, Y0, X0 + 30_000, Y0 + 20_000), RES)
    pts = np.column_stack([rng.uniform(X0 - 20_000, X0 + 50_000, n),
                           rng.uniform(Y0 - 20_000, Y0 + 40_000, n)])
    got = kernels._point_distance(pts, grid, block=16)
    xs, ys = grid.centres()
    every = np.min(np.hypot(xs[..., None] - pts[:, 0], ys[..., None] - pts[:, 1]), axis=-1)
    assert np.abs(got - every).max() <= 0.01  # float32 of distances up to ~100 km


def test_sparse_recheck_equals_the_dense_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """Gathering the seeds of a narrow band cell by cell measures what the whole-window form does."""
    rng = np.random.default_rng(3)
    grid = Grid.from_bounds((X0, Y0, X0 + 12_000, Y0 + 9_000), RES)
    pts = np.column_stack([rng.uniform(X0 - 3_000, X0 + 15_000, 18),
                           rng.uniform(Y0 - 3_000, Y0 + 12_000, 18)])
    lines = np.array([shapely.LineString(pts[i:i + 3]) for i in range(0, 18, 3)])
    xy, owner, segs, seg_id = densify_vertices(lines, RES / 4.0)
    kw = {"halo_m": 20_000.0, "owner": owner, "segments": segs, "segment_id": seg_id,
          "exact_bands": [(2_000.0, 2_000.0), (4_500.0, 4_500.0)], "nearest": False}
    monkeypatch.setattr(kernels, "_SPARSE_BAND", 0.0)  # always the whole window
    dense, _ = seed_distance(xy, grid, **kw)
    monkeypatch.setattr(kernels, "_SPARSE_BAND", 2.0)  # always cell by cell
    sparse, _ = seed_distance(xy, grid, **kw)
    np.testing.assert_array_equal(sparse, dense)


@pytest.mark.parametrize("weights", ["whole", "fractional"])
def test_disk_sums_by_row_runs_equal_the_fft_convolution(monkeypatch: pytest.MonkeyPatch,
                                                         weights: str) -> None:
    rng = np.random.default_rng(5)
    grid = Grid.from_bounds((X0, Y0, X0 + 20_000, Y0 + 14_000), RES)
    xy = np.column_stack([rng.uniform(X0 - 6_000, X0 + 26_000, 300),
                          rng.uniform(Y0 - 6_000, Y0 + 20_000, 300)])
    w = rng.integers(1, 9, 300).astype(float)
    if weights == "fractional":
        w = w * 0.37
    monkeypatch.setattr(disks, "_RUNS_PER_CELL", 0)  # FFT
    fft = disk_sum(xy, w, grid, 5_000.0)
    monkeypatch.setattr(disks, "_RUNS_PER_CELL", 10 ** 9)  # row runs
    runs = disk_sum(xy, w, grid, 5_000.0)
    assert runs.max() > 0
    if weights == "whole":
        np.testing.assert_array_equal(runs, fft)
    else:
        np.testing.assert_allclose(runs, fft, atol=1e-5)


_SOFT_MUNI = """
[[metric]]
id = "rental"
kind = "municipality_attribute"
layer = "municipality_stats"
field = "rental_share"
unit = ""
label_sv = "Hyresrätter"
label_en = "Rentals"

[[soft]]
id = "rail"
metric = "dist_rail_m"
weight = 1
value = { kind = "linear", x0 = 20000, x1 = 0 }

[[soft]]
id = "price"
metric = "price_area"
weight = 1
value = { kind = "categories", values = { SE1 = 1.0, SE3 = 0.4 } }

[[soft]]
id = "rental"
metric = "rental"
weight = 2
value = { kind = "linear", x0 = 0.1, x1 = 0.4 }
"""


def test_municipality_criteria_summed_per_municipality_equal_the_per_cell_sum() -> None:
    base = _layerset()
    stats = base.table("municipality_stats").assign(rental_share=[0.25, 0.35, 0.10])
    ls = replace(base, layers={**base.layers, "municipality_stats": _loaded(
        "municipality_stats", "table", stats)})
    fused = suitability_surface(_profile(_SOFT_MUNI), ls, resolution_m=RES)
    rail = suitability_surface(_profile(_SOFT_MUNI.split("[[soft]]\nid = \"price\"")[0]), ls,
                               resolution_m=RES)  # the rail criterion alone
    per_muni = np.array([1.0 + 2 * 0.5, 0.4 + 2 * 0.25 / 0.3])  # Norrvik SE1, Älvby SE3
    lab = fused.municipality
    ok = lab >= 0
    expected = 100.0 * (rail.score[ok] / 100.0 + per_muni[lab[ok]]) / 4.0
    assert np.isfinite(fused.score[ok]).all()
    np.testing.assert_allclose(fused.score[ok], expected, atol=1e-4)
