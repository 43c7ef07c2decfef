"""Streamed surface and candidate areas equal the in-memory ones; refinement skipping is safe."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from test_surface import _HARD_PROTECTED, RES, X0, Y0, _layerset, _profile

from siting.core.errors import ScoringError
from siting.criteria.valuefn import Linear
from siting.metrics.surface_ops import Grid
from siting.surface.candidates import (
    candidate_areas,
    municipality_percentiles,
    score_percentile,
)
from siting.surface.kernels import densify_vertices, seed_distance
from siting.surface.run import NODATA, suitability_surface

_SOFT = """
[[soft]]
id = "rail"
metric = "dist_rail_m"
weight = 1
value = { kind = "linear", x0 = 20000, x1 = 0 }

[[soft]]
id = "grid"
metric = "dist_400kv_m"
weight = 2
value = { kind = "linear", x0 = 12000, x1 = 1000 }

[[soft]]
id = "capacity"
metric = "capacity_5km_mw"
weight = 1
value = { kind = "linear", x0 = 0, x1 = 1000 }
"""


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """The same surface in memory and streamed to files, on a grid of many tiles."""
    ls = _layerset()
    prof = _profile(_SOFT, _HARD_PROTECTED, min_area_ha=20)
    kw = {"resolution_m": RES, "tile_px": 17, "grow_tiles": False}
    mem = suitability_surface(prof, ls, **kw)
    out = tmp_path_factory.mktemp("stream") / "surface.tif"
    streamed = suitability_surface(prof, ls, out_path=out, in_memory=False, **kw)
    return mem, streamed


def test_streamed_geotiff_equals_the_in_memory_result_bit_for_bit(pair) -> None:
    mem, streamed = pair
    rows, cols = mem.shape
    assert rows > 17 and cols > 2 * 17  # several tiles each way
    assert streamed.score is None and streamed.municipality is None
    assert streamed.shape == mem.shape
    with rasterio.open(streamed.path) as src:
        data = src.read(1)
        unknown = src.read(2)
        assert src.overviews(1)  # overviews built from the written tiles
    want = np.where(np.isnan(mem.score), np.float32(NODATA), mem.score)
    assert data.dtype == want.dtype and np.array_equal(data.view(np.uint32),
                                                       want.view(np.uint32))
    np.testing.assert_array_equal(unknown == 1, mem.unknown & np.isfinite(mem.score))
    assert streamed.cells_unknown == mem.cells_unknown
    with rasterio.open(streamed.municipality_path) as src:
        np.testing.assert_array_equal(src.read(1), mem.municipality)
    assert streamed.cells_passing == mem.cells_passing
    assert streamed.cells_study == mem.cells_study
    assert dict(streamed.excluded_share) == dict(mem.excluded_share)


def _same_areas(a, b) -> None:
    assert len(a) == len(b) and len(a) > 0
    cols = [c for c in a.columns if c != "geometry"]
    assert a[cols].equals(b[cols])
    for ga, gb in zip(a.geometry, b.geometry, strict=True):
        assert ga.equals(gb)
    assert a.attrs == b.attrs


def test_candidate_areas_from_streamed_files_equal_the_in_memory_ones(pair) -> None:
    mem, streamed = pair
    assert score_percentile(streamed, 50) == score_percentile(mem, 50)
    for by_muni in (False, True):
        _same_areas(candidate_areas(streamed, by_municipality=by_muni, percentile=30),
                    candidate_areas(mem, by_municipality=by_muni, percentile=30))


def test_candidate_areas_crossing_strip_edges_equal_those_of_one_strip(pair) -> None:
    mem, _ = pair
    rows = mem.shape[0]
    whole = candidate_areas(mem, percentile=30, strip_rows=rows)
    # the test means something only if some area spans several strips of 5 rows
    spans = [(g.bounds[3] - g.bounds[1]) / RES for g in whole.geometry]
    assert max(spans) > 10
    for strip_rows in (1, 5, 7):
        _same_areas(candidate_areas(mem, percentile=30, strip_rows=strip_rows), whole)
        split = candidate_areas(mem, percentile=30, strip_rows=strip_rows, by_municipality=True)
        _same_areas(split, candidate_areas(mem, percentile=30, strip_rows=rows,
                                           by_municipality=True))


def test_score_percentile_equals_numpy_on_the_suitable_cells(pair) -> None:
    mem, _ = pair
    finite = mem.score[np.isfinite(mem.score)].astype("float64")
    for q in (0, 12.5, 50, 90, 100):
        assert score_percentile(mem, q, strip_rows=7) == pytest.approx(
            float(np.percentile(finite, q)), abs=1e-9)


def test_municipality_percentiles_equal_numpy_per_municipality(pair) -> None:
    mem, streamed = pair
    assert len(mem.kommunkoder) >= 2
    for q in (0, 30, 90, 100):
        got = municipality_percentiles(mem, q, strip_rows=7)
        assert np.array_equal(got, municipality_percentiles(streamed, q), equal_nan=True)
        for i in range(len(mem.kommunkoder)):
            cells = mem.score[(mem.municipality == i) & np.isfinite(mem.score)].astype("float64")
            if len(cells):
                assert got[i] == pytest.approx(float(np.percentile(cells, q)), abs=1e-9)
            else:
                assert np.isnan(got[i])


def test_streaming_needs_an_output_file() -> None:
    with pytest.raises(ScoringError, match="in_memory"):
        suitability_surface(_profile(_SOFT), _layerset(), resolution_m=RES, in_memory=False)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), lines=st.booleans(),
       thresholds=st.lists(st.floats(0, 6_000), min_size=1, max_size=3),
       band=st.tuples(st.integers(0, 6_000), st.integers(0, 6_000)))
def test_skipping_refinement_never_changes_a_verdict_or_value(seed, lines, thresholds,
                                                              band) -> None:
    """Re-checking distances only near the criteria's bands gives the same verdicts and values."""
    rng = np.random.default_rng(seed)
    grid = Grid.from_bounds((X0, Y0, X0 + 8_000, Y0 + 6_000), RES)
    pts = np.column_stack([rng.uniform(X0 - 2_000, X0 + 10_000, 12),
                           rng.uniform(Y0 - 2_000, Y0 + 8_000, 12)])
    if lines:
        geoms = np.array([shapely.LineString(pts[i:i + 3]) for i in range(0, 12, 3)])
    else:
        geoms = shapely.points(pts)
    xy, owner, segs, seg_id = densify_vertices(geoms, RES / 4.0)
    kw = {"halo_m": 20_000.0, "owner": owner,
          "segments": segs if lines else None, "segment_id": seg_id if lines else None}
    lo, hi = sorted(float(b) for b in band)
    bands = [(t, t) for t in thresholds] + [(lo, hi)]
    full, _ = seed_distance(xy, grid, **kw)
    fast, _ = seed_distance(xy, grid, exact_bands=bands, **kw)
    assert np.abs(fast - full).max() <= 1.5 * RES  # off by at most the seeds' offsets
    for t in thresholds:
        np.testing.assert_array_equal(fast <= t, full <= t)
        np.testing.assert_array_equal(fast < t, full < t)
    if hi > lo:
        fn = Linear(hi, lo)
        np.testing.assert_array_equal(fn(fast), fn(full))


def test_value_function_expressions_equal_the_functions() -> None:
    """The fused overlay's numexpr forms of the value functions give the same values."""
    import numexpr as ne

    from siting.criteria.evaluator import soft_values
    from siting.criteria.profiles import SoftCriterion
    from siting.criteria.valuefn import Step

    x = np.concatenate([np.linspace(-5_000, 40_000, 2001), [np.nan, np.inf, -np.inf]])
    for fn in (Linear(30_000, 1_000), Linear(0, 1_000), Step(5_000), Step(5_000, above=False)):
        got = ne.evaluate(fn.expression("x"), local_dict={"x": x})
        np.testing.assert_allclose(got, fn(x), rtol=0, atol=1e-12, err_msg=repr(fn))
        crit = SoftCriterion(id="c", metric="m", weight=1.0, value_fn=fn, rationale="")
        np.testing.assert_allclose(got, soft_values(crit, x)[0], rtol=0, atol=1e-12)
