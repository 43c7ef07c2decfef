"""Fit, validate and explain: from a :class:`FeatureTable` to a :class:`LearningResult`.

Entry points
------------
:func:`learn`
    The core: a feature table in, a result out.
:func:`learn_from_frame`
    An outcome-log case frame plus a feature spec.
:func:`learn_presence_background`
    Only the chosen sites are known: contrast them with eligible locations.
:func:`win_probability`
    Probability of winning, with a bootstrap interval, for any scored rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from siting.core.errors import LearningError, Problem
from siting.core.frozen import FrozenMap
from siting.core.i18n import format_number
from siting.learn.features import (
    DROP_REASONS,
    FeatureSpec,
    FeatureTable,
    build_features,
    build_presence_background,
    transform_rows,
)
from siting.learn.models import (
    DEFAULT_PRIOR_STRENGTH,
    DEFAULT_RIDGE_ALPHA,
    bootstrap_logits,
    choose_prior_strength,
    fit_shrunk_logit,
    make_tree_ensemble,
    suggested_weights_from_coef,
)
from siting.learn.result import (
    MIN_CASES_PER_CLASS,
    MIN_LEARNABLE_PER_CLASS,
    FittedModel,
    LearningResult,
    ModelScore,
)
from siting.learn.validation import (
    auc_score,
    bootstrap_intervals,
    bootstrap_pair_auc,
    brier_score,
    cv_folds,
    leave_pair_out,
    oof_predictions,
    permutation_importance,
)

__all__ = ["learn", "learn_from_frame", "learn_presence_background", "win_probability"]

_PB_WARNING_SV = (
    "Jämförelse mellan valda platser och bakgrundsplatser (endast vinnare kända): "
    "sannolikheterna är relativa, inte absoluta. De rangordnar platser men säger inte hur "
    "troligt ett vinnande är; AUC mäter hur väl valda platser skiljs från bakgrunden."
)
_PB_WARNING_EN = (
    "Presence-vs-background comparison (only winners known): probabilities are relative, "
    "not absolute. They rank locations but do not say how likely a win is; AUC measures how "
    "well chosen sites stand out from the background."
)


def _check_table(table: FeatureTable) -> None:
    problems = []
    what_pos, what_neg = (
        ("presence rows", "background rows") if table.mode == "presence_background"
        else ("won cases", "lost cases")
    )
    need = MIN_LEARNABLE_PER_CLASS
    if table.n_positive < need:
        problems.append(f"{table.n_positive} {what_pos} (at least {need} needed)")
    if table.n_negative < need:
        problems.append(f"{table.n_negative} {what_neg} (at least {need} needed)")
    if not table.features:
        problems.append("no usable feature (" + "; ".join(
            f"{k}: {DROP_REASONS[v][1]}" for k, v in table.dropped.items()) + ")")
    if problems:
        hint = (
            "record more decided cases, or learn the won cases against eligible locations "
            "(presence-vs-background: learn_presence_background, or siting learn "
            "--background scored.csv)" if table.mode == "outcomes" else "supply more rows"
        )
        raise LearningError.single(
            "cases", "cannot learn from these cases: " + "; ".join(problems), hint=hint
        )


def _check_options(*, prior_strength: object, ridge_alpha: float, n_splits: int,
                   n_repeats: int, n_boot: int, n_boot_metrics: int, n_permutations: int,
                   level: float) -> None:
    problems = []

    def bad(name: str, value: object, hint: str) -> None:
        problems.append(Problem(source="learn options", field=name,
                                message=f"invalid value {value!r}", hint=hint))

    if prior_strength != "cv" and not (
        isinstance(prior_strength, (int, float)) and prior_strength >= 0
    ):
        bad("prior_strength", prior_strength, "a non-negative number or 'cv'")
    if not ridge_alpha >= 0:
        bad("ridge_alpha", ridge_alpha, "a non-negative number")
    if n_splits < 2:
        bad("n_splits", n_splits, "at least 2")
    if n_repeats < 1:
        bad("n_repeats", n_repeats, "at least 1")
    if n_boot < 0:
        bad("n_boot", n_boot, "0 or more")
    if n_boot_metrics < 1:
        bad("n_boot_metrics", n_boot_metrics, "at least 1")
    if n_permutations < 1:
        bad("n_permutations", n_permutations, "at least 1")
    if not 0 < level < 1:
        bad("level", level, "a share between 0 and 1, e.g. 0.95")
    if problems:
        raise LearningError.from_problems("Invalid learning options", problems)


def _messages(table: FeatureTable, indicative: bool) -> tuple[str, str]:
    npos, nneg = table.n_positive, table.n_negative
    if table.mode == "presence_background":
        sv = f"Lärt från {npos} valda platser mot {nneg} bakgrundsplatser."
        en = f"Learned from {npos} chosen sites against {nneg} background locations."
    else:
        sv = f"Lärt från {npos + nneg} avgjorda fall ({npos} vunna, {nneg} förlorade)."
        en = f"Learned from {npos + nneg} decided cases ({npos} won, {nneg} lost)."
    excl = {k: v for k, v in table.n_excluded_by_outcome.items() if v}
    if excl:
        names_sv = {"withdrawn": "återtagna", "ongoing": "pågående", "lost": "förlorade"}
        sv += " Ej med i anpassningen: " + ", ".join(
            f"{v} {names_sv.get(k, k)}" for k, v in excl.items()) + "."
        en += " Not used for fitting: " + ", ".join(f"{v} {k}" for k, v in excl.items()) + "."
    if indicative:
        sv += (
            f" Underlaget är litet (färre än {MIN_CASES_PER_CLASS} per utfall): resultatet är "
            "endast vägledande, och de föreslagna vikterna ligger nära expertvikterna."
        )
        en += (
            f" The evidence is thin (fewer than {MIN_CASES_PER_CLASS} per outcome): the result "
            "is indicative only, and the suggested weights stay close to the expert weights."
        )
    return sv, en


def _percentiles(a: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Column-wise percentile interval ignoring NaN (all-NaN columns give NaN, silently)."""
    tail = (1 - level) / 2 * 100
    a = np.asarray(a, dtype=float)
    lo = np.full(a.shape[1:], np.nan)
    hi = np.full(a.shape[1:], np.nan)
    ok = ~np.all(np.isnan(a), axis=0)
    if np.any(ok):
        lo[ok], hi[ok] = np.nanpercentile(a[:, ok], [tail, 100 - tail], axis=0)
    return lo, hi


#: Leave-pair-out fits at most this many pairs for the logistic model and the forest.
_MAX_PAIRS_LOGIT = 400
_MAX_PAIRS_FOREST = 60


def _score(
    name: str,
    fit_predict: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray],
    x: np.ndarray,
    y: np.ndarray,
    folds: list,
    scheme: str,
    *,
    level: float,
    n_boot: int,
    seed: int,
    max_pairs: int,
    groups: np.ndarray | None,
) -> ModelScore:
    """Cross-validated AUC and Brier with bootstrap intervals for one model."""
    prob = oof_predictions(fit_predict, x, y, folds)
    ivs = bootstrap_intervals(y, prob, n_boot=n_boot, level=level, seed=seed, groups=groups)
    if scheme == "leave_one_out":
        pairs = leave_pair_out(fit_predict, x, y, max_pairs=max_pairs, seed=seed)
        auc, auc_iv = bootstrap_pair_auc(pairs, n_boot=n_boot, level=level, seed=seed)
    else:
        auc, auc_iv = auc_score(y, prob), ivs["auc"]
    return ModelScore(name=name, auc=auc, auc_interval=auc_iv,
                      brier=brier_score(y, prob), brier_interval=ivs["brier"])


def learn(
    table: FeatureTable,
    *,
    prior_strength: float | Literal["cv"] = DEFAULT_PRIOR_STRENGTH,
    ridge_alpha: float = DEFAULT_RIDGE_ALPHA,
    n_splits: int = 5,
    n_repeats: int = 5,
    loo_below: int = 30,
    n_boot: int = 200,
    n_boot_metrics: int = 1000,
    n_permutations: int = 20,
    level: float = 0.95,
    compare_trees: bool = True,
    seed: int = 0,
) -> LearningResult:
    """Fit, cross-validate and explain the shrunk logistic model.

    Parameters
    ----------
    table : FeatureTable
        From :func:`~siting.learn.features.build_features` or
        :func:`~siting.learn.features.build_presence_background`.
    prior_strength : float or "cv"
        Pull toward the expert weights (see :mod:`siting.learn.models`);
        ``"cv"`` chooses it by cross-validated log-loss on the first CV
        repeat. The selection is not nested, so the reported CV figures are
        then slightly optimistic (one choice among seven values).
    ridge_alpha : float
        Ordinary ridge penalty.
    n_splits, n_repeats, loo_below : int
        Cross-validation: repeated stratified ``n_splits``-fold, or
        leave-one-out below ``loo_below`` cases or fewer than ``n_splits``
        cases in a class (then the AUC is leave-pair-out, see
        :mod:`siting.learn.validation`).
    n_boot : int
        Bootstrap refits for the weight and probability intervals.
    n_boot_metrics : int
        Case resamples for the AUC/Brier intervals.
    n_permutations : int
        Shuffles per feature for permutation importance.
    level : float
        Interval level (0.95 = 2.5th-97.5th percentile) of every interval:
        AUC, Brier, suggested weights and the ongoing cases' probabilities.
    compare_trees : bool
        Also cross-validate a random forest on the same folds.
    seed : int
        Seed of every random step.

    Returns
    -------
    LearningResult

    Raises
    ------
    LearningError
        Fewer than 2 cases in a class, or no usable feature.
    """
    _check_options(prior_strength=prior_strength, ridge_alpha=ridge_alpha, n_splits=n_splits,
                   n_repeats=n_repeats, n_boot=n_boot, n_boot_metrics=n_boot_metrics,
                   n_permutations=n_permutations, level=level)
    _check_table(table)
    # Tiny BLAS calls (L-BFGS-B, 300 x 8 products) are 50-100x slower with
    # OpenBLAS threads on a busy machine; one thread is always faster here.
    with threadpool_limits(limits=1, user_api="blas"):
        return _learn(table, prior_strength=prior_strength, ridge_alpha=ridge_alpha,
                      n_splits=n_splits, n_repeats=n_repeats, loo_below=loo_below,
                      n_boot=n_boot, n_boot_metrics=n_boot_metrics,
                      n_permutations=n_permutations, level=level,
                      compare_trees=compare_trees, seed=seed)


def _learn(
    table: FeatureTable,
    *,
    prior_strength: float | Literal["cv"],
    ridge_alpha: float,
    n_splits: int,
    n_repeats: int,
    loo_below: int,
    n_boot: int,
    n_boot_metrics: int,
    n_permutations: int,
    level: float,
    compare_trees: bool,
    seed: int,
) -> LearningResult:
    """The learning behind :func:`learn` (arguments already checked).

    Long because: the fit, the cross-validated scores, the bootstrap, the suggested weights, the
    quality warnings and the result are one pipeline over the same design matrix, folds and fitted
    model; every heavy step is a function of its own, and what stays here is their wiring.
    """
    feats = table.features
    x = table.x.to_numpy(dtype=float)
    y = table.y.to_numpy(dtype=int)
    w_raw = np.array([table.expert_weights[f] for f in feats], dtype=float)
    signs = np.array([table.expected_sign[f] for f in feats], dtype=int)
    groups = None if table.groups is None else table.groups.to_numpy()
    folds, scheme = cv_folds(y, n_splits=n_splits, n_repeats=n_repeats, seed=seed,
                             loo_below=loo_below, groups=groups)
    warnings_sv: list[str] = []
    warnings_en: list[str] = []
    if prior_strength == "cv":
        lam, _ = choose_prior_strength(x, y, w_raw, signs, folds[0], ridge_alpha=ridge_alpha)
    else:
        lam = float(prior_strength)

    def fit_predict(xt: np.ndarray, yt: np.ndarray, xs: np.ndarray) -> np.ndarray:
        if yt.min() == yt.max():  # a group fold may hold one class only
            return np.full(len(xs), float(yt.mean()))
        model = fit_shrunk_logit(xt, yt, w_raw, signs, prior_strength=lam,
                                 ridge_alpha=ridge_alpha)
        return model.predict_proba(xs)

    main = _score("logistic", fit_predict, x, y, folds, scheme, level=level,
                  n_boot=n_boot_metrics, seed=seed, max_pairs=_MAX_PAIRS_LOGIT, groups=groups)
    baseline = float(np.mean(y) * (1 - np.mean(y)))
    comparison: list[ModelScore] = []
    if compare_trees:
        def tree_fit_predict(xt: np.ndarray, yt: np.ndarray, xs: np.ndarray) -> np.ndarray:
            if yt.min() == yt.max():
                return np.full(len(xs), float(yt.mean()))
            forest = make_tree_ensemble(len(yt), seed).fit(xt, yt)
            return forest.predict_proba(xs)[:, list(forest.classes_).index(1)]

        comparison.append(_score("random_forest", tree_fit_predict, x, y, folds, scheme,
                                 level=level, n_boot=n_boot_metrics, seed=seed,
                                 max_pairs=_MAX_PAIRS_FOREST, groups=groups))

    full = fit_shrunk_logit(x, y, w_raw, signs, prior_strength=lam, ridge_alpha=ridge_alpha)
    if not full.converged:
        warnings_sv.append("Optimeringen konvergerade inte helt; tolka koefficienterna försiktigt.")
        warnings_en.append("The optimiser did not fully converge; read the coefficients with care.")
    boots = bootstrap_logits(x, y, w_raw, signs, n_boot=n_boot, seed=seed,
                             prior_strength=lam, ridge_alpha=ridge_alpha, groups=groups)
    sugg = suggested_weights_from_coef(full.coef, signs)
    boot_sugg = np.array([suggested_weights_from_coef(b.coef, signs) for b in boots])
    sugg_lo, sugg_hi = _percentiles(boot_sugg, level) if n_boot else (sugg * np.nan,) * 2
    imp_mean, imp_std = permutation_importance(full.predict_proba, x, y,
                                               n_repeats=n_permutations, seed=seed)

    indicative = min(table.n_positive, table.n_negative) < MIN_CASES_PER_CLASS
    msg_sv, msg_en = _messages(table, indicative)
    if table.mode == "presence_background":
        warnings_sv.insert(0, _PB_WARNING_SV)
        warnings_en.insert(0, _PB_WARNING_EN)
    if np.isfinite(main.brier) and main.brier >= baseline:
        warnings_sv.append(
            "Modellen förutsäger inte bättre än att alltid gissa andelen vunna "
            f"(Brier {format_number(main.brier, 'sv', 3)} mot {format_number(baseline, 'sv', 3)})."
        )
        warnings_en.append(
            "The model predicts no better than always guessing the win share "
            f"(Brier {format_number(main.brier, 'en', 3)} vs {format_number(baseline, 'en', 3)})."
        )
    mostly_imputed = [f for f in feats if table.n_imputed.get(f, 0) > 0.5 * len(y)]
    if mostly_imputed:
        names_sv = ", ".join(table.spec.label(f, "sv") for f in mostly_imputed)
        names_en = ", ".join(table.spec.label(f, "en") for f in mostly_imputed)
        warnings_sv.append(
            f"Mer än hälften av fallen saknar värde och fick medianen för: {names_sv}. "
            "Deras vikter vilar på få fall."
        )
        warnings_en.append(
            f"More than half of the cases lack a value and got the median for: {names_en}. "
            "Their weights rest on few cases."
        )
    if np.all(np.isnan(sugg)):
        warnings_sv.append("Inget kriterium fick positiv vikt; inga vikter föreslås.")
        warnings_en.append("No criterion received a positive weight; no weights are suggested.")

    fitted = FittedModel(spec=table.spec, features=feats, medians=table.medians, logit=full,
                         bootstrap=tuple(boots))
    predictions: dict[str, dict[str, float]] = {}
    if len(table.x_predict):
        pred = _predict(fitted, table.x_predict.to_numpy(dtype=float), level=level)
        for cid, row in zip(table.x_predict.index, pred, strict=True):
            predictions[str(cid)] = {"p_win": row[0], "p_low": row[1], "p_high": row[2]}

    spec = table.spec
    all_expert = {f: float(spec.expert_weights.get(f, 0.0)) for f in spec.features}
    return LearningResult(
        profile_id=spec.profile_id,
        mode=table.mode,
        n_cases=int(len(y)),
        n_won=table.n_positive,
        n_lost=table.n_negative,
        n_excluded_by_outcome=FrozenMap(table.n_excluded_by_outcome),
        withdrawn_as_lost=table.withdrawn_as_lost,
        indicative=bool(indicative),
        message_sv=msg_sv,
        message_en=msg_en,
        warnings_sv=tuple(warnings_sv),
        warnings_en=tuple(warnings_en),
        cv_scheme=scheme,
        grouped_by=table.group_column,
        n_groups=0 if groups is None else int(len(np.unique(groups))),
        interval_level=level,
        cv_auc=main.auc,
        cv_auc_interval=main.auc_interval,
        brier=main.brier,
        brier_interval=main.brier_interval,
        brier_baseline=baseline,
        comparison=tuple(comparison),
        features=feats,
        intercept=full.intercept,
        coefficients=FrozenMap(dict(zip(feats, full.coef.tolist(), strict=True))),
        coefficients_per_value_unit=FrozenMap(dict(
            zip(feats, full.coef_per_value_unit.tolist(), strict=True))),
        expert_scale=full.expert_scale,
        prior_strength=lam,
        permutation_importance=FrozenMap(dict(zip(feats, imp_mean.tolist(), strict=True))),
        permutation_importance_std=FrozenMap(dict(zip(feats, imp_std.tolist(), strict=True))),
        suggested_weights=FrozenMap(dict(zip(feats, sugg.tolist(), strict=True))),
        suggested_weights_interval=FrozenMap({
            f: (float(lo), float(hi)) for f, lo, hi in zip(feats, sugg_lo, sugg_hi, strict=True)
        }),
        expert_weights=FrozenMap(_normalise({f: float(table.expert_weights[f]) for f in feats})),
        expert_weights_profile=FrozenMap(_normalise(all_expert)),
        n_imputed=FrozenMap(table.n_imputed),
        dropped=FrozenMap(table.dropped),
        predictions=FrozenMap({k: FrozenMap(v) for k, v in predictions.items()}),
        model=fitted,
    )


def _normalise(weights: Mapping[str, float]) -> dict[str, float]:
    """Weights normalised to sum 1 (NaN everywhere when they sum to 0)."""
    total = sum(weights.values())
    return {f: (v / total if total > 0 else float("nan")) for f, v in weights.items()}


def _predict(fitted: FittedModel, x: np.ndarray, *, level: float) -> np.ndarray:
    """Columns p_win, p_low, p_high for value-scale rows (imputed)."""
    p = fitted.logit.predict_proba(x)
    if fitted.bootstrap:
        boot = np.array([b.predict_proba(x) for b in fitted.bootstrap])
        lo, hi = _percentiles(boot, level)
    else:
        lo = hi = np.full(len(p), np.nan)
    return np.column_stack([p, lo, hi])


def win_probability(
    result: LearningResult, rows: pd.DataFrame | Any, *, level: float = 0.9
) -> pd.DataFrame:
    """Probability of winning, with a bootstrap interval, for scored rows.

    Parameters
    ----------
    result : LearningResult
    rows : DataFrame or SitingResult
        Anything with the feature sources: a case frame, a
        :class:`siting.scoring.result.SitingResult` (its ``table``: ``metric_<id>``
        and ``value_<criterion>`` columns), or ``value_<feature>`` columns
        already on the 0..1 scale. Missing features are imputed with the
        medians of the fitting cases (counted in ``n_imputed``).
    level : float
        Interval level over the bootstrap refits.

    Returns
    -------
    DataFrame
        Indexed like ``rows``: ``p_win``, ``p_low``, ``p_high``, ``n_imputed``.
        In presence-vs-background mode the probabilities are relative scores.
    """
    fitted = result.model
    table = getattr(rows, "table", None)
    if isinstance(table, pd.DataFrame):  # a SitingResult
        rows = table
    values = transform_rows(rows, fitted.spec)[list(fitted.features)]
    n_imputed = values.isna().sum(axis=1).astype(int)
    x = values.fillna(dict(fitted.medians)).to_numpy(dtype=float)
    pred = _predict(fitted, x, level=level)
    out = pd.DataFrame(pred, index=rows.index, columns=["p_win", "p_low", "p_high"])
    out["n_imputed"] = n_imputed.to_numpy()
    return out


def learn_from_frame(
    frame: pd.DataFrame,
    spec: FeatureSpec,
    *,
    withdrawn_as_lost: bool = False,
    **options: object,
) -> LearningResult:
    """Learn from an outcome-log case frame (contracts §D); options go to :func:`learn`."""
    table = build_features(frame, spec, withdrawn_as_lost=withdrawn_as_lost)
    return learn(table, **options)  # type: ignore[arg-type]


def learn_presence_background(
    presence: pd.DataFrame,
    spec: FeatureSpec,
    *,
    background: pd.DataFrame | None = None,
    pool: pd.DataFrame | None = None,
    n_background: int | None = None,
    n_excluded_by_outcome: Mapping[str, int] | None = None,
    seed: int = 0,
    **options: object,
) -> LearningResult:
    """Learn from chosen sites only, contrasted with eligible locations.

    Parameters
    ----------
    presence : DataFrame
        The chosen sites (e.g. the ``won`` rows of a case frame).
    spec : FeatureSpec
    background : DataFrame, optional
        Background rows supplied by the caller (sites passing the hard
        criteria, random points ...).
    pool : DataFrame, optional
        When ``background`` is not given: a table to sample background rows
        from (without replacement).
    n_background : int, optional
        Rows to sample from ``pool``; default ``max(5 * n_presence, 50)``
        capped at the pool size.
    n_excluded_by_outcome : mapping, optional
        Cases of the log left out (lost, withdrawn, ongoing), reported.
    seed : int
        Seed of the sampling and of :func:`learn`.

    The result has ``mode = "presence_background"`` and a warning that its
    probabilities are relative, not absolute.
    """
    if background is None:
        if pool is None or len(pool) == 0:
            raise LearningError.single(
                "presence/background", "neither background rows nor a pool to sample them from",
                hint="pass background=... (eligible locations) or pool=... (a feature table)",
            )
        k = n_background or max(5 * len(presence), 50)
        k = min(int(k), len(pool))
        rng = np.random.default_rng(seed)
        background = pool.iloc[np.sort(rng.choice(len(pool), size=k, replace=False))]
    table = build_presence_background(presence, background, spec,
                                      n_excluded_by_outcome=n_excluded_by_outcome)
    return learn(table, seed=seed, **options)  # type: ignore[arg-type]
