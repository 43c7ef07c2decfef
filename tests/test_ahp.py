"""Tests of the AHP weights and consistency ratio (siting.criteria.ahp)."""

from __future__ import annotations

import numpy as np
import pytest

from siting.criteria.ahp import (
    ahp_weights,
    consistency_ratio,
    is_reciprocal,
    most_inconsistent_pair,
    random_index,
)

# A widely used textbook matrix: weights 0.637 / 0.258 / 0.105, lambda_max 3.039, CR 0.033.
TEXTBOOK_3 = [[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]]


def test_textbook_3x3_weights_and_cr() -> None:
    w, cr = ahp_weights(TEXTBOOK_3)
    np.testing.assert_allclose(w, [0.637, 0.258, 0.105], atol=1e-3)
    lam = 3 + cr * 0.58 * 2  # CR = (lambda - n) / (n - 1) / RI
    assert lam == pytest.approx(3.039, abs=1e-3)
    assert cr == pytest.approx(0.033, abs=1e-3)


def test_consistent_matrix_has_zero_cr_and_exact_weights() -> None:
    w_true = np.array([0.5, 0.3, 0.15, 0.05])
    a = w_true[:, None] / w_true[None, :]
    w, cr = ahp_weights(a)
    np.testing.assert_allclose(w, w_true, atol=1e-12)
    assert cr == pytest.approx(0.0, abs=1e-12)


def test_cr_by_hand_from_lambda_max() -> None:
    a = np.array([[1, 2, 8], [1 / 2, 1, 2], [1 / 8, 1 / 2, 1]])
    lam = max(np.linalg.eigvals(a).real)
    assert consistency_ratio(a) == pytest.approx((lam - 3) / 2 / 0.58)


def test_small_matrices_are_consistent() -> None:
    assert ahp_weights([[1]]) == (pytest.approx([1.0]), 0.0)
    w, cr = ahp_weights([[1, 3], [1 / 3, 1]])
    np.testing.assert_allclose(w, [0.75, 0.25])
    assert cr == 0.0


def test_random_index_table() -> None:
    assert random_index(3) == 0.58
    assert random_index(4) == 0.90
    assert random_index(10) == 1.49
    assert random_index(40) == random_index(15)


def test_reciprocity_check_tolerates_rounded_thirds() -> None:
    assert is_reciprocal([[1, 3], [0.3333, 1]])
    assert not is_reciprocal([[1, 3], [0.5, 1]])
    assert not is_reciprocal([[1, 3, 1], [1 / 3, 1, 1]])


def test_most_inconsistent_pair_finds_the_planted_error() -> None:
    w_true = np.array([0.4, 0.3, 0.2, 0.1])
    a = w_true[:, None] / w_true[None, :]
    a[0, 3], a[3, 0] = 1 / 4, 4.0  # reversed judgement: criterion 0 vs 3
    i, j, judged, implied = most_inconsistent_pair(a)
    assert (i, j) == (0, 3)
    assert judged == pytest.approx(0.25)
    assert implied > 2 * judged  # the weights side with the other judgements


def test_saaty_drink_consumption_example() -> None:
    # Saaty's relative drink consumption in the US (Saaty 2008, Int. J. Services Sciences
    # 1(1)); the same matrix and results appear in the ahpy package documentation:
    # weights water .327, soda .190, coffee .177, milk .129, beer .116, tea .042,
    # wine .019, consistency ratio 0.022.
    names = ["coffee", "wine", "tea", "beer", "soda", "milk", "water"]
    upper = {
        ("coffee", "wine"): 9, ("coffee", "tea"): 5, ("coffee", "beer"): 2,
        ("coffee", "soda"): 1, ("coffee", "milk"): 1, ("coffee", "water"): 1 / 2,
        ("wine", "tea"): 1 / 3, ("wine", "beer"): 1 / 9, ("wine", "soda"): 1 / 9,
        ("wine", "milk"): 1 / 9, ("wine", "water"): 1 / 9, ("tea", "beer"): 1 / 3,
        ("tea", "soda"): 1 / 4, ("tea", "milk"): 1 / 3, ("tea", "water"): 1 / 9,
        ("beer", "soda"): 1 / 2, ("beer", "milk"): 1, ("beer", "water"): 1 / 3,
        ("soda", "milk"): 2, ("soda", "water"): 1 / 2, ("milk", "water"): 1 / 3,
    }
    a = np.ones((7, 7))
    for (x, y), v in upper.items():
        i, j = names.index(x), names.index(y)
        a[i, j], a[j, i] = v, 1 / v
    w, cr = ahp_weights(a)
    np.testing.assert_allclose(w, [0.177, 0.019, 0.042, 0.116, 0.190, 0.129, 0.327], atol=1e-3)
    assert cr == pytest.approx(0.022, abs=1e-3)


def test_consistency_index_matches_fuzzyahp() -> None:
    # FuzzyAHP (R) tests CR = 0.0623919 for this matrix with RI(3) = 0.52; the
    # consistency index CI = CR * RI is independent of the RI table used.
    a = [[1, 1 / 3, 5], [3, 1, 7], [1 / 5, 1 / 7, 1]]
    assert consistency_ratio(a) * 0.58 == pytest.approx(0.0623919 * 0.52, rel=1e-5)
