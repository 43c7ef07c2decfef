"""Tests of the numeric MCDA core (siting.criteria.mcda)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from pymcdm.methods import TOPSIS, WSM
from pymcdm.normalizations import vector_normalization

from siting.core.errors import ScoringError
from siting.criteria.mcda import aggregate, owa, rank_desc, topsis, weighted_minimum, weighted_sum


def test_weighted_sum_hand_example() -> None:
    values = np.array([[1.0, 0.0, 0.5], [0.2, 0.8, 1.0]])
    # weights 2:1:1 -> 0.5, 0.25, 0.25
    got = weighted_sum(values, [2, 1, 1])
    np.testing.assert_allclose(got, [0.5 + 0.0 + 0.125, 0.1 + 0.2 + 0.25])


def test_topsis_reproduces_tzeng_huang_2011() -> None:
    # Tzeng & Huang (2011), Multiple attribute decision making, CRC Press;
    # the same example is scikit-criteria's test_TOPSIS_tzeng2011multiple.
    matrix = [[5, 8, 4], [7, 6, 8], [8, 8, 6], [7, 4, 6]]
    got = topsis(matrix, [0.3, 0.4, 0.3])
    np.testing.assert_allclose(got, [0.5037, 0.6581, 0.7482, 0.3340], atol=1e-4)
    assert rank_desc(got).tolist() == [3, 2, 1, 4]


def test_topsis_cost_criterion_hand_example() -> None:
    # Two alternatives, one benefit and one cost criterion, equal weights.
    # Column norms: sqrt(3^2+4^2)=5 and sqrt(6^2+8^2)=10 -> r = [[.6,.6],[.8,.8]];
    # weighted (x0.5): [[.3,.3],[.4,.4]]; ideal (max, min) = (.4,.3); anti = (.3,.4).
    got = topsis([[3, 6], [4, 8]], [1, 1], benefit=[True, False])
    np.testing.assert_allclose(got, [0.5, 0.5])
    got2 = topsis([[3, 6], [4, 6]], [1, 1], benefit=[True, False])
    assert got2[1] == pytest.approx(1.0) and got2[0] == pytest.approx(0.0)


@pytest.mark.parametrize("seed", range(5))
def test_topsis_equals_pymcdm(seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.1, 10.0, size=(12, 5))
    w = rng.dirichlet(np.ones(5))
    types = np.where(rng.random(5) < 0.5, 1, -1)
    types[0] = 1
    expected = TOPSIS(vector_normalization)(x, w, types)
    np.testing.assert_allclose(topsis(x, w, types > 0), expected, rtol=1e-10)


@pytest.mark.parametrize("seed", range(5))
def test_weighted_sum_equals_pymcdm_wsm(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    x = rng.random((15, 6))
    w = rng.dirichlet(np.ones(6))
    # Our values are already 0..1 value-function outputs: give pymcdm the identity
    # normalisation so both compute the plain weighted sum.
    wsm = WSM(normalization_function=lambda col, cost: col)
    np.testing.assert_allclose(weighted_sum(x, w), wsm(x, w, np.ones(6, dtype=int)), rtol=1e-10)


def test_weighted_minimum_hand_example() -> None:
    values = np.array([[0.9, 0.1], [0.5, 0.6]])
    # weights 1 and 0.5 (relative to the max): second criterion can pull down to 0.5 at most
    got = weighted_minimum(values, [2, 1])
    np.testing.assert_allclose(got, [min(0.9, max(0.5, 0.1)), min(0.5, max(0.5, 0.6))])
    # a zero weight switches a criterion off
    np.testing.assert_allclose(weighted_minimum(values, [1, 0]), [0.9, 0.5])


def test_owa_extremes_and_mean() -> None:
    values = np.array([[0.2, 0.9, 0.5]])
    assert owa(values, [1, 0, 0])[0] == pytest.approx(0.9)
    assert owa(values, [0, 0, 1])[0] == pytest.approx(0.2)
    assert owa(values, [1, 1, 1])[0] == pytest.approx(np.mean([0.2, 0.9, 0.5]))
    assert owa(values, [0, 1, 1])[0] == pytest.approx(0.35)


def test_rank_desc_ties_and_nan() -> None:
    assert rank_desc([0.3, 0.9, 0.3, np.nan, 1.0]).tolist() == [3, 2, 4, 5, 1]


def test_aggregate_dispatches_methods() -> None:
    v = np.array([[1.0, 0.0], [0.4, 0.6]])
    np.testing.assert_allclose(aggregate(v, [1, 1], "weighted_sum"), [0.5, 0.5])
    np.testing.assert_allclose(aggregate(v, [1, 1], "cautious"), [0.0, 0.4])
    np.testing.assert_allclose(aggregate(v, [1, 1], "topsis"), topsis(v, [1, 1]))


def test_aggregate_reports_all_problems() -> None:
    with pytest.raises(ScoringError) as exc:
        aggregate([[0.5, np.nan]], [1, -1], "magic")
    text = str(exc.value)
    assert len(exc.value.problems) == 3
    assert "magic" in text and "NaN" in text and "negative" in text


@pytest.mark.parametrize(
    ("values", "weights", "fragment"),
    [
        ([[0.5, 0.5]], [1, 1, 1], "2 criteria in values but 3 weights"),
        ([[0.5, 0.5]], [0, 0], "all weights are zero"),
        ([[1.5, 0.5]], [1, 1], "needs values in 0..1"),
        ([0.5, 0.5], [1, 1], "2-D"),
    ],
)
def test_aggregate_rejects_bad_input(values: list, weights: list, fragment: str) -> None:
    with pytest.raises(ScoringError, match=fragment):
        aggregate(values, weights)


unit_matrices = st.integers(1, 8).flatmap(
    lambda n: st.integers(1, 6).flatmap(
        lambda m: st.tuples(
            arrays(np.float64, (n, m), elements=st.floats(0, 1)),
            arrays(np.float64, (m,), elements=st.floats(0, 10)).filter(lambda w: w.sum() > 1e-6),
        )
    )
)


@settings(max_examples=60, deadline=None)
@given(unit_matrices, st.sampled_from(["weighted_sum", "topsis", "cautious"]))
def test_scores_stay_in_unit_interval(data: tuple, method: str) -> None:
    values, weights = data
    scores = aggregate(values, weights, method)
    assert scores.shape == (values.shape[0],)
    assert np.all(scores >= -1e-12) and np.all(scores <= 1 + 1e-12)


@settings(max_examples=60, deadline=None)
@given(unit_matrices, st.integers(0, 7), st.integers(0, 5), st.floats(0, 1))
def test_improving_a_value_never_lowers_weighted_sum(data: tuple, i: int, j: int,
                                                      new: float) -> None:
    values, weights = data
    i, j = i % values.shape[0], j % values.shape[1]
    better = values.copy()
    better[i, j] = max(values[i, j], new)
    assert weighted_sum(better, weights)[i] >= weighted_sum(values, weights)[i] - 1e-12
    assert weighted_minimum(better, weights)[i] >= weighted_minimum(values, weights)[i] - 1e-12
