"""The numeric core of siting.learn: constrained, shrunk logistic model and validation."""

from __future__ import annotations

import numpy as np
import pytest

from siting.learn.models import (
    choose_prior_strength,
    fit_shrunk_logit,
    suggested_weights_from_coef,
)
from siting.learn.validation import auc_score, bootstrap_intervals, brier_score, cv_folds


@pytest.fixture(autouse=True)
def _one_blas_thread():
    """Tiny BLAS calls are much slower with OpenBLAS threads on a busy machine."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield


def _simulate(n: int, coef: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, size=(n, len(coef)))
    eta = (x - 0.5) @ coef
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-eta))).astype(int)
    return x, y


def test_matches_sklearn_without_prior_or_constraints():
    from sklearn.linear_model import LogisticRegression

    x, y = _simulate(400, np.array([4.0, -2.0, 1.0]), seed=1)
    model = fit_shrunk_logit(x, y, np.zeros(3), np.zeros(3), prior_strength=0.0, ridge_alpha=0.5)
    z = (x - x.mean(axis=0)) / x.std(axis=0)
    ref = LogisticRegression(C=1.0, tol=1e-10, max_iter=1000).fit(z, y)  # 0.5*|w|^2 + sum loss
    assert model.converged
    np.testing.assert_allclose(model.coef, ref.coef_[0], atol=1e-4)
    np.testing.assert_allclose(model.intercept, ref.intercept_[0], atol=1e-4)


def test_sign_constraints_are_respected():
    # Feature 1 truly lowers the odds, feature 2 truly raises them.
    x, y = _simulate(300, np.array([3.0, -3.0, 3.0]), seed=2)
    free = fit_shrunk_logit(x, y, np.zeros(3), np.zeros(3), prior_strength=0.0)
    assert free.coef[1] < -0.3 and free.coef[2] > 0.3
    model = fit_shrunk_logit(x, y, np.ones(3), np.array([1, 1, -1]), prior_strength=5.0)
    assert model.coef[0] > 0
    assert model.coef[1] >= 0.0 and model.coef[1] < 1e-6
    assert model.coef[2] <= 0.0 and model.coef[2] > -1e-6
    weights = suggested_weights_from_coef(model.coef, np.array([1, 1, -1]))
    assert weights[1] == pytest.approx(0.0, abs=1e-6)
    assert weights.sum() == pytest.approx(1.0)


def test_infinite_prior_reproduces_expert_weights():
    x, y = _simulate(200, np.array([5.0, 0.0, 0.0]), seed=3)
    expert = np.array([0.1, 0.3, 0.6])
    model = fit_shrunk_logit(x, y, expert, np.ones(3), prior_strength=1e5)
    np.testing.assert_allclose(suggested_weights_from_coef(model.coef, np.ones(3)), expert,
                               atol=1e-3)
    assert model.expert_scale > 0


def _distance_to_expert(n: int, seed: int) -> float:
    true = np.array([6.0, 3.0, 0.5, 0.5])
    expert = np.array([0.1, 0.1, 0.4, 0.4])
    x, y = _simulate(n, true, seed)
    model = fit_shrunk_logit(x, y, expert, np.ones(4))
    return float(np.abs(suggested_weights_from_coef(model.coef, np.ones(4)) - expert).sum())


def test_shrinkage_pulls_toward_expert_weights_as_cases_get_few():
    few = np.mean([_distance_to_expert(12, s) for s in range(10)])
    many = np.mean([_distance_to_expert(300, s) for s in range(10)])
    assert few < 0.5 * many
    assert many > 0.5  # with 300 cases the data move far from the (wrong) expert weights


def test_choose_prior_strength_prefers_strong_prior_when_expert_is_right():
    true = np.array([4.0, 2.0, 0.0])
    x, y = _simulate(60, true, seed=5)
    folds, _ = cv_folds(y, n_repeats=1, loo_below=0)
    grid = (0.5, 50.0)
    right, losses_right = choose_prior_strength(x, y, true / true.sum(), np.ones(3), folds[0],
                                                grid=grid)
    assert right == 50.0
    assert set(losses_right) == set(grid)


def test_auc_matches_sklearn_with_ties():
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 80)
    p = np.round(rng.uniform(size=80), 1)
    assert auc_score(y, p) == pytest.approx(roc_auc_score(y, p))
    assert np.isnan(auc_score(np.ones(5), np.linspace(0, 1, 5)))


def test_bootstrap_intervals_contain_point_estimates():
    x, y = _simulate(150, np.array([4.0, 1.0]), seed=6)
    p = fit_shrunk_logit(x, y, np.zeros(2), np.ones(2), prior_strength=0.0).predict_proba(x)
    ivs = bootstrap_intervals(y, p, n_boot=300, seed=1)
    assert ivs["auc"][0] <= auc_score(y, p) <= ivs["auc"][1]
    assert ivs["brier"][0] <= brier_score(y, p) <= ivs["brier"][1]
    assert ivs["auc"][1] - ivs["auc"][0] > 0.01


def test_cv_folds_switch_to_leave_one_out_when_small():
    y = np.array([0, 1] * 8)
    folds, scheme = cv_folds(y)
    assert scheme == "leave_one_out" and len(folds[0]) == 16
    y = np.array([0, 1] * 40)
    folds, scheme = cv_folds(y, n_splits=4, n_repeats=3)
    assert scheme == "repeated_stratified_4fold_x3" and len(folds) == 3
    for repeat in folds:
        tested = np.sort(np.concatenate([test for _, test in repeat]))
        np.testing.assert_array_equal(tested, np.arange(80))


def test_leave_pair_out_matrix_with_a_fixed_scorer():
    from siting.learn.validation import bootstrap_pair_auc, leave_pair_out

    rng = np.random.default_rng(7)
    x = rng.uniform(size=(14, 1))
    y = np.array([1] * 6 + [0] * 8)
    pairs = leave_pair_out(lambda xt, yt, xs: xs[:, 0], x, y)
    assert pairs.shape == (6, 8) and not np.isnan(pairs).any()
    auc, (lo, hi) = bootstrap_pair_auc(pairs, n_boot=200)
    assert auc == pytest.approx(auc_score(y, x[:, 0]))
    assert lo <= auc <= hi
    sampled = leave_pair_out(lambda xt, yt, xs: xs[:, 0], x, y, max_pairs=10)
    assert np.sum(~np.isnan(sampled)) == 10


def test_grouped_folds_never_split_a_group():
    y = np.array([1, 0] * 30)
    groups = np.repeat(np.arange(15), 4)
    folds, scheme = cv_folds(y, groups=groups, n_splits=5, n_repeats=2)
    assert scheme == "repeated_stratified_group_5fold_x2"
    for repeat in folds:
        for train, test in repeat:
            assert not set(groups[train]) & set(groups[test])
    folds, scheme = cv_folds(y, groups=np.repeat(np.arange(6), 10))
    assert scheme == "leave_one_group_out" and len(folds[0]) == 6


def test_group_bootstrap_resamples_whole_groups():
    from siting.learn.validation import resample_indices

    y = np.array([1, 0, 1, 0, 1, 1, 0, 0])
    groups = np.array(["a", "a", "b", "b", "c", "c", "d", "d"])
    rng = np.random.default_rng(0)
    for _ in range(20):
        idx = resample_indices(y, rng, groups)
        counts = {g: int(np.sum(groups[idx] == g)) for g in "abcd"}
        assert all(c % 2 == 0 for c in counts.values())  # groups come whole
        assert 0 < y[idx].sum() < len(idx)
