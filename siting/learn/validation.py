"""Honest evaluation: cross-validation, AUC/Brier with bootstrap intervals, permutation importance.

Pure numpy and scipy (sklearn only for the fold splitters).

* Folds: repeated stratified K-fold; leave-one-out when the sample is small
  (fewer than ``loo_below`` cases or fewer than ``n_splits`` cases in the
  smaller class). Cases of one municipality share its soft-factor scores and
  much of its geography, so they are not independent: with ``groups`` the
  folds never split a group (stratified group K-fold, or leave-one-group-out
  with few groups) and the bootstrap resamples whole groups. Each case gets one out-of-fold prediction per repeat; the
  predictions are averaged over repeats (every one was made by a model that
  never saw the case).
* AUC and Brier score are computed on those out-of-fold predictions. Their
  intervals are bootstrap percentile intervals over cases (resampled within
  each class): they show how much the figure depends on which cases happen
  to be in the log, not the refit variability.
* With leave-one-out the pooled AUC is badly biased downward: removing a won
  case lowers the training win share, so every held-out winner gets a
  slightly lower intercept than every held-out loser, and a model with
  little signal scores an AUC near 0 on pure noise. The AUC is then computed
  by *leave-pair-out* instead (Airola et al. 2011, Comput. Stat. Data Anal.
  55:1828): for each (won, lost) pair the model is fitted without both and
  the pair counts as ranked correctly when the winner gets the higher
  probability. Its bootstrap resamples the rows and columns of that pair
  matrix. The Brier score stays leave-one-out. Leave-one-group-out has a
  milder form of the same bias when groups are small and one-sided; its
  pooled AUC is reported as is, so read it as a conservative figure.
* ``brier_baseline`` is the Brier score of the constant predictor that always
  says the observed win share: ``p_bar * (1 - p_bar)``. A model is only
  useful if its out-of-fold Brier is below that.
* Permutation importance is measured on the model fitted to all cases: the
  mean increase of its Brier score when one feature's column is shuffled.
  It is in-sample, so it describes what the model relies on, not how well
  it generalises.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = [
    "Folds",
    "auc_score",
    "bootstrap_intervals",
    "bootstrap_pair_auc",
    "brier_score",
    "cv_folds",
    "leave_pair_out",
    "oof_predictions",
    "permutation_importance",
    "resample_indices",
]

Folds = list[list[tuple[np.ndarray, np.ndarray]]]
FitPredict = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


def cv_folds(
    y: np.ndarray,
    *,
    n_splits: int = 5,
    n_repeats: int = 5,
    seed: int = 0,
    loo_below: int = 30,
    groups: np.ndarray | None = None,
) -> tuple[Folds, str]:
    """Cross-validation folds for labels ``y``.

    With ``groups`` (e.g. the kommunkod of each case) no group is ever split
    between training and test: repeated stratified group K-fold when there
    are at least ``2 * n_splits`` groups, else leave-one-group-out.

    Returns
    -------
    folds : list of repeats, each a list of (train_idx, test_idx)
    scheme : str
        ``"leave_one_out"``, ``"repeated_stratified_{k}fold_x{r}"``,
        ``"leave_one_group_out"`` or ``"repeated_stratified_group_{k}fold_x{r}"``.
    """
    from sklearn.model_selection import (
        LeaveOneGroupOut,
        LeaveOneOut,
        StratifiedGroupKFold,
        StratifiedKFold,
    )

    y = np.asarray(y)
    n = len(y)
    minority = int(min(np.sum(y == 0), np.sum(y == 1)))
    dummy = np.zeros((n, 1))
    rng = np.random.default_rng(seed)
    folds: Folds = []
    if groups is not None:
        g = np.asarray(groups)
        if len(np.unique(g)) < 2 * n_splits or minority < n_splits:
            return [list(LeaveOneGroupOut().split(dummy, y, g))], "leave_one_group_out"
        for _ in range(n_repeats):
            sgk = StratifiedGroupKFold(
                n_splits=n_splits, shuffle=True, random_state=int(rng.integers(0, 2**31 - 1))
            )
            folds.append(list(sgk.split(dummy, y, g)))
        return folds, f"repeated_stratified_group_{n_splits}fold_x{n_repeats}"
    if n < loo_below or minority < n_splits:
        return [list(LeaveOneOut().split(dummy))], "leave_one_out"
    for _ in range(n_repeats):
        skf = StratifiedKFold(
            n_splits=n_splits, shuffle=True, random_state=int(rng.integers(0, 2**31 - 1))
        )
        folds.append(list(skf.split(dummy, y)))
    return folds, f"repeated_stratified_{n_splits}fold_x{n_repeats}"


def resample_indices(
    y: np.ndarray, rng: np.random.Generator, groups: np.ndarray | None = None
) -> np.ndarray:
    """One bootstrap resample: within each class, or whole groups when ``groups`` is given.

    A group resample is redrawn (up to 50 times) until both classes are in it;
    after that the class-stratified case resample is used.
    """
    y = np.asarray(y)
    if groups is not None:
        g = np.asarray(groups)
        labels = np.unique(g)
        members = [np.flatnonzero(g == lab) for lab in labels]
        for _ in range(50):
            pick = rng.integers(0, len(labels), len(labels))
            idx = np.concatenate([members[k] for k in pick])
            if 0 < y[idx].sum() < len(idx):
                return idx
    return np.concatenate(
        [rng.choice(np.flatnonzero(y == k), size=int(np.sum(y == k))) for k in (0, 1)]
    )


def oof_predictions(fit_predict: FitPredict, x: np.ndarray, y: np.ndarray, folds: Folds) -> np.ndarray:
    """Out-of-fold probabilities averaged over repeats.

    Parameters
    ----------
    fit_predict : callable
        ``fit_predict(x_train, y_train, x_test) -> prob_test``.
    """
    n = len(y)
    total = np.zeros(n)
    count = np.zeros(n)
    for repeat in folds:
        for train, test in repeat:
            total[test] += fit_predict(x[train], y[train], x[test])
            count[test] += 1
    return total / np.maximum(count, 1)


def auc_score(y: np.ndarray, prob: np.ndarray) -> float:
    """Area under the ROC curve via the Mann-Whitney U statistic (ties count half).

    NaN when only one class is present.
    """
    from scipy.stats import rankdata

    y = np.asarray(y)
    n_pos = int(np.sum(y == 1))
    n_neg = len(y) - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = rankdata(np.asarray(prob, dtype=float))
    u = ranks[y == 1].sum() - n_pos * (n_pos + 1) / 2
    return float(u / (n_pos * n_neg))


def brier_score(y: np.ndarray, prob: np.ndarray) -> float:
    """Mean squared difference between probability and outcome."""
    return float(np.mean((np.asarray(prob, dtype=float) - np.asarray(y, dtype=float)) ** 2))


def bootstrap_intervals(
    y: np.ndarray,
    prob: np.ndarray,
    *,
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int = 0,
    groups: np.ndarray | None = None,
) -> dict[str, tuple[float, float]]:
    """Percentile intervals of AUC, Brier and the Brier gain over the baseline.

    Cases are resampled within each class so every resample has both; with
    ``groups`` whole groups are resampled (a cluster bootstrap).
    """
    y = np.asarray(y)
    prob = np.asarray(prob, dtype=float)
    rng = np.random.default_rng(seed)
    aucs, briers, bases = np.empty(n_boot), np.empty(n_boot), np.empty(n_boot)
    for b in range(n_boot):
        idx = resample_indices(y, rng, groups)
        yb, pb = y[idx], prob[idx]
        aucs[b] = auc_score(yb, pb)
        briers[b] = brier_score(yb, pb)
        share = yb.mean()
        bases[b] = share * (1 - share)
    tail = (1 - level) / 2 * 100
    qs = (tail, 100 - tail)

    def _ci(a: np.ndarray) -> tuple[float, float]:
        lo, hi = np.nanpercentile(a, qs)
        return float(lo), float(hi)

    return {"auc": _ci(aucs), "brier": _ci(briers), "brier_gain": _ci(bases - briers)}


def leave_pair_out(
    fit_predict: FitPredict,
    x: np.ndarray,
    y: np.ndarray,
    *,
    max_pairs: int | None = None,
    seed: int = 0,
) -> np.ndarray:
    """Leave-pair-out comparison matrix, shape (n_won, n_lost).

    Entry (i, j) is 1 when, fitted without won case i and lost case j, the
    model gives i the higher probability, 0.5 on a tie, 0 otherwise; NaN for
    pairs not evaluated (only ``max_pairs`` pairs, drawn at random, when set).
    The AUC is the mean of the evaluated entries.
    """
    y = np.asarray(y)
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    pairs = [(a, b) for a in range(len(pos)) for b in range(len(neg))]
    if max_pairs is not None and len(pairs) > max_pairs:
        rng = np.random.default_rng(seed)
        keep = rng.choice(len(pairs), size=max_pairs, replace=False)
        pairs = [pairs[k] for k in np.sort(keep)]
    out = np.full((len(pos), len(neg)), np.nan)
    everyone = np.arange(len(y))
    for a, b in pairs:
        i, j = pos[a], neg[b]
        train = everyone[(everyone != i) & (everyone != j)]
        p_i, p_j = fit_predict(x[train], y[train], x[[i, j]])
        out[a, b] = 1.0 if p_i > p_j else (0.5 if p_i == p_j else 0.0)
    return out


def bootstrap_pair_auc(
    pair_matrix: np.ndarray, *, n_boot: int = 1000, level: float = 0.95, seed: int = 0
) -> tuple[float, tuple[float, float]]:
    """AUC of a leave-pair-out matrix and its bootstrap percentile interval.

    Won cases (rows) and lost cases (columns) are resampled with replacement.
    """
    m = np.asarray(pair_matrix, dtype=float)
    rng = np.random.default_rng(seed)
    n_pos, n_neg = m.shape
    boots = np.empty(n_boot)
    for b in range(n_boot):
        sub = m[np.ix_(rng.integers(0, n_pos, n_pos), rng.integers(0, n_neg, n_neg))]
        boots[b] = np.nanmean(sub) if np.any(~np.isnan(sub)) else np.nan
    tail = (1 - level) / 2 * 100
    lo, hi = np.nanpercentile(boots, [tail, 100 - tail])
    return float(np.nanmean(m)), (float(lo), float(hi))


def permutation_importance(
    predict: Callable[[np.ndarray], np.ndarray],
    x: np.ndarray,
    y: np.ndarray,
    *,
    n_repeats: int = 20,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of the Brier increase when each column is shuffled."""
    rng = np.random.default_rng(seed)
    base = brier_score(y, predict(x))
    p = x.shape[1]
    means, stds = np.zeros(p), np.zeros(p)
    for j in range(p):
        deltas = np.empty(n_repeats)
        for r in range(n_repeats):
            xp = x.copy()
            xp[:, j] = rng.permutation(xp[:, j])
            deltas[r] = brier_score(y, predict(xp)) - base
        means[j], stds[j] = deltas.mean(), deltas.std()
    return means, stds

