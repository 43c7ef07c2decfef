"""Tests of siting.suitability on the demo region (coarse grid, fast)."""

from __future__ import annotations

import numpy as np
import pytest

from siting.layers import load_layerset
from siting.profiles import load_profile
from siting.suitability import suitability_surface, surface_components


@pytest.fixture(scope="module")
def demo():
    return load_layerset("demo", region=["9901", "9902", "9903", "9904"])


def test_surface_covers_study_area_and_masks_hard_failures(demo) -> None:
    prof = load_profile("data_center")
    suit = suitability_surface(demo, prof, resolution_m=2000.0)
    rows, cols = suit.grid.shape
    assert suit.score.shape == (rows, cols) and rows * cols < 250_000
    finite = np.isfinite(suit.score)
    assert finite.any() and (~finite).any()
    assert np.array_equal(finite, suit.passes)
    assert np.nanmin(suit.score) >= 0.0 and np.nanmax(suit.score) <= 1.0
    # the site-level area criterion has no cell counterpart and is said so
    assert any(c.startswith("area") for c in suit.not_evaluated)
    # a cell far outside the region is never suitable
    minx, miny, maxx, maxy = suit.bounds_3006
    assert minx < maxx and miny < maxy


def test_candidate_areas_meet_minimum_area_and_lie_on_passing_cells(demo) -> None:
    prof = load_profile("battery_plant")
    suit = suitability_surface(demo, prof, resolution_m=1500.0)
    areas = suit.candidate_areas
    assert len(areas) >= 1
    assert (areas["area_ha"] >= prof.min_area_ha).all()
    assert areas.crs.to_epsg() == 3006
    assert areas["mean_score"].is_monotonic_decreasing
    polygon_ha = areas.geometry.area / 10_000
    np.testing.assert_allclose(polygon_ha, areas["area_ha"], rtol=1e-6)


def test_combine_reweights_without_recomputing(demo) -> None:
    prof = load_profile("battery_plant")
    parts = surface_components(demo, prof, resolution_m=2000.0)
    base = parts.combine(prof.weights)
    one = next(iter(parts.values))
    only_one = parts.combine({one: 1.0})
    assert np.array_equal(np.isfinite(base.score), np.isfinite(only_one.score))
    ok = np.isfinite(only_one.score)
    np.testing.assert_allclose(only_one.score[ok], parts.values[one][ok])
    assert not np.allclose(base.score[ok], only_one.score[ok])
