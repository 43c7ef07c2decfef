"""Tests of the sensitivity core (siting.scoring.sensitivity)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from siting.core.errors import ScoringError
from siting.criteria.mcda import aggregate, rank_desc
from siting.scoring.sensitivity import rank_acceptability, sweep_curve, weight_sweep


def _top(values: np.ndarray, w: np.ndarray, passes: np.ndarray | None = None,
         method: str = "weighted_sum") -> int:
    s = aggregate(values, w, method)
    if passes is not None:
        s = s - 2.0 * ~passes
    return int(np.argmin(rank_desc(s)))


def _moved(w: np.ndarray, j: int, t: float) -> np.ndarray:
    others = np.delete(w, j)
    out = np.insert(others / others.sum() * (1 - t), j, t)
    return out


# ------------------------------------------------------------- rank acceptability

matrices = st.integers(2, 7).flatmap(
    lambda n: st.integers(1, 5).flatmap(
        lambda m: st.tuples(
            arrays(np.float64, (n, m), elements=st.floats(0, 1)),
            arrays(np.float64, (m,), elements=st.floats(0.01, 5)),
            arrays(np.bool_, (n,)),
        )
    )
)


@settings(max_examples=30, deadline=None)
@given(matrices, st.sampled_from(["weighted_sum", "topsis", "cautious"]))
def test_rank_acceptability_rows_and_columns_sum_to_one(data: tuple, method: str) -> None:
    values, weights, passes = data
    ra = rank_acceptability(values, weights, n_draws=200, passes=passes, method=method)
    n = values.shape[0]
    assert ra.acceptability.shape == (n, n)
    np.testing.assert_allclose(ra.acceptability.sum(axis=1), 1.0)
    np.testing.assert_allclose(ra.acceptability.sum(axis=0), 1.0)
    assert np.all(ra.p_beyond == 0)
    assert np.all(ra.p_top3 >= ra.p_first)


def test_dominance_fixes_the_ranks() -> None:
    # row 1 dominates row 0, which dominates row 2: ranks are certain for any weights
    values = np.array([[0.5, 0.5, 0.5], [0.9, 0.8, 0.7], [0.1, 0.4, 0.2]])
    ra = rank_acceptability(values, None, n_draws=500)
    np.testing.assert_array_equal(ra.acceptability, [[0, 1, 0], [1, 0, 0], [0, 0, 1]])
    assert ra.p_first.tolist() == [0.0, 1.0, 0.0]


def test_failing_alternatives_rank_below_passing_ones() -> None:
    values = np.array([[1.0, 1.0], [0.2, 0.4], [0.5, 0.1], [0.9, 0.9]])
    passes = np.array([False, True, True, False])
    ra = rank_acceptability(values, [0.5, 0.5], n_draws=300, passes=passes)
    assert ra.acceptability[0, :2].sum() == 0 and ra.acceptability[3, :2].sum() == 0
    assert ra.acceptability[[1, 2], :2].sum() == pytest.approx(2.0)
    # among the failing ones the better score still ranks higher
    assert ra.acceptability[3, 2] == 0 and ra.acceptability[0, 2] == 1


def test_uniform_weights_on_a_symmetric_pair() -> None:
    ra = rank_acceptability(np.array([[1.0, 0.0], [0.0, 1.0]]), None, n_draws=4000, seed=3)
    assert ra.p_first[0] == pytest.approx(0.5, abs=0.04)


def test_concentration_controls_the_spread() -> None:
    values = np.array([[0.8, 0.3], [0.4, 0.7]])  # ws: A wins when w1 > 0.5
    w = [0.6, 0.4]
    tight = rank_acceptability(values, w, n_draws=2000, concentration=2000)
    loose = rank_acceptability(values, w, n_draws=2000, concentration=2)
    assert tight.p_first[0] > 0.99
    assert 0.5 < loose.p_first[0] < 0.9


def test_reproducible_and_seed_dependent() -> None:
    rng = np.random.default_rng(5)
    values = rng.random((30, 4))
    a = rank_acceptability(values, [1, 2, 3, 4], n_draws=300, seed=11)
    b = rank_acceptability(values, [1, 2, 3, 4], n_draws=300, seed=11)
    c = rank_acceptability(values, [1, 2, 3, 4], n_draws=300, seed=12)
    np.testing.assert_array_equal(a.acceptability, b.acceptability)
    assert not np.array_equal(a.acceptability, c.acceptability)


@pytest.mark.parametrize("method", ["weighted_sum", "topsis", "cautious"])
@pytest.mark.parametrize("weights", [None, [5, 1, 1, 1, 2]])
def test_truncated_matrix_matches_the_full_one(method: str, weights: list | None) -> None:
    # max_rank < n uses a partial sort with pruning; it must agree with the full sort
    rng = np.random.default_rng(8)
    values = rng.random((300, 5))
    passes = rng.random(300) > 0.2
    kw = {"n_draws": 300, "seed": 2, "chunk_size": 64, "method": method, "passes": passes}
    full = rank_acceptability(values, weights, max_rank=300, **kw)
    part = rank_acceptability(values, weights, max_rank=5, **kw)
    assert part.acceptability.shape == (300, 5)
    np.testing.assert_allclose(part.acceptability, full.acceptability[:, :5])
    np.testing.assert_allclose(part.p_beyond + part.acceptability.sum(axis=1), 1.0)
    np.testing.assert_allclose(part.p_top3, full.p_top3)


def test_zero_weight_criteria_stay_zero_and_central_weights() -> None:
    values = np.array([[0.9, 0.1, 1.0], [0.2, 0.8, 0.0]])
    ra = rank_acceptability(values, [0.5, 0.5, 0.0], n_draws=500)
    winners = ~np.isnan(ra.central_weights[:, 0])
    assert np.all(ra.central_weights[winners, 2] == 0)
    np.testing.assert_allclose(ra.central_weights[winners].sum(axis=1), 1.0)
    # alternative 0 wins when criterion 0 weighs more, so its central weight leans that way
    assert ra.central_weights[0, 0] > 0.5 > ra.central_weights[1, 0]


def test_rank_acceptability_validates_input() -> None:
    with pytest.raises(ScoringError, match="0..1"):
        rank_acceptability([[2.0, 0.5]], [1, 1])
    with pytest.raises(ScoringError, match="weights"):
        rank_acceptability([[0.2, 0.5]], [1, -1])
    with pytest.raises(ScoringError, match="passes"):
        rank_acceptability([[0.2, 0.5]], [1, 1], passes=[True, False])


# ------------------------------------------------------------- weight sweep

def test_weight_sweep_hand_example() -> None:
    # A = .2 + .7 t, B = .5, C = .9 - .8 t when w1 = t: A first for t > 7/15
    values = np.array([[0.9, 0.2], [0.5, 0.5], [0.1, 0.9]])
    sw = weight_sweep(values, [0.5, 0.5])
    assert sw.exact and sw.top == 0
    assert sw.lower[0] == pytest.approx(7 / 15) and sw.lower_takeover[0] == 2
    assert sw.upper[0] == 1.0 and sw.upper_takeover[0] == -1
    # criterion 2 mirrors criterion 1: may rise to 1 - 7/15
    assert sw.upper[1] == pytest.approx(8 / 15) and sw.upper_takeover[1] == 2
    assert sw.lower[1] == 0.0
    rec = sw.records(["grid", "labour"])
    assert rec[0]["criterion"] == "grid" and rec[0]["lower_takeover"] == 2


def test_weight_sweep_ignores_failing_alternatives() -> None:
    values = np.array([[0.9, 0.2], [0.5, 0.5], [0.1, 0.9]])
    sw = weight_sweep(values, [0.5, 0.5], passes=[True, True, False])
    assert sw.lower_takeover[0] == 1
    assert sw.lower[0] == pytest.approx(3 / 7)


def test_weight_sweep_single_or_no_passing_site() -> None:
    values = np.array([[0.9, 0.2], [0.5, 0.5]])
    one = weight_sweep(values, [1, 1], passes=[False, True])
    assert one.top == 1 and np.all(one.lower == 0) and np.all(one.upper == 1)
    none = weight_sweep(values, [1, 1], passes=[False, False])
    assert none.top == -1


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000))
def test_exact_breakpoints_agree_with_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, m = rng.integers(2, 8), rng.integers(2, 5)
    values = rng.random((n, m))
    w = rng.dirichlet(np.ones(m))
    sw = weight_sweep(values, w)
    eps = 1e-6
    for j in range(m):
        lo, hi = sw.lower[j], sw.upper[j]
        assert lo <= w[j] + 1e-12 <= hi + 2e-12
        if hi - lo > 4 * eps:
            assert _top(values, _moved(w, j, lo + eps)) == sw.top
            assert _top(values, _moved(w, j, hi - eps)) == sw.top
        if sw.lower_takeover[j] >= 0 and lo > eps:
            assert _top(values, _moved(w, j, lo - eps)) == sw.lower_takeover[j]
        if sw.upper_takeover[j] >= 0 and hi < 1 - eps:
            assert _top(values, _moved(w, j, hi + eps)) == sw.upper_takeover[j]


@pytest.mark.parametrize("method", ["topsis", "cautious"])
def test_searched_breakpoints_for_other_methods(method: str) -> None:
    rng = np.random.default_rng(4)
    values = rng.random((6, 3))
    w = np.array([0.5, 0.3, 0.2])
    sw = weight_sweep(values, w, method=method)
    assert not sw.exact
    assert sw.top == _top(values, w, method=method)
    for j in range(3):
        for bound, who, step in ((sw.lower[j], sw.lower_takeover[j], -1e-4),
                                 (sw.upper[j], sw.upper_takeover[j], 1e-4)):
            if who >= 0:
                assert _top(values, _moved(w, j, bound + step), method=method) != sw.top
                assert _top(values, _moved(w, j, bound - step), method=method) == sw.top


@pytest.mark.parametrize("method", ["weighted_sum", "topsis", "cautious"])
def test_sweep_curve_matches_aggregate(method: str) -> None:
    rng = np.random.default_rng(9)
    values = rng.random((5, 3))
    w = np.array([0.2, 0.5, 0.3])
    t, scores = sweep_curve(values, w, 1, n_points=11, method=method)
    assert scores.shape == (11, 5)
    for k in (1, 5, 9):
        np.testing.assert_allclose(scores[k], aggregate(values, _moved(w, 1, t[k]), method))


def test_empty_and_degenerate_inputs() -> None:
    ra = rank_acceptability(np.zeros((0, 3)), [1, 1, 1], n_draws=10)
    assert ra.p_first.shape == (0,) and ra.central_weights.shape == (0, 3)
    one = rank_acceptability([[0.3, 0.7]], [1, 1], n_draws=10)
    assert one.acceptability.tolist() == [[1.0]] and one.p_top3.tolist() == [1.0]
    with pytest.raises(ScoringError, match="at least one criterion"):
        rank_acceptability(np.zeros((3, 0)), None)
    sw = weight_sweep([[0.2, 0.9], [0.8, 0.1]], [1.0, 0.0])
    assert sw.top == 1 and sw.lower[1] == 0.0
    # A = .2 + .7 t, B = .8 - .7 t: they meet at t = 3/7
    assert sw.upper[1] == pytest.approx(3 / 7) and sw.upper_takeover[1] == 0
