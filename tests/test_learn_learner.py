"""learn(): validation figures, flags, messages, predictions, presence-background mode."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from siting.core.errors import LearningError
from siting.learn import (
    build_features,
    learn,
    learn_from_frame,
    learn_presence_background,
    render_table,
    spec_from_mappings,
    win_probability,
)
from siting.learn.truth import known_truth_check

FAST = {"n_boot": 30, "n_boot_metrics": 200, "n_permutations": 5, "n_repeats": 2,
        "compare_trees": False}
SPEC = spec_from_mappings({"a": 0.6, "b": 0.3, "c": 0.1}, include_soft_factors=False)


def _cases(n_won: int, n_lost: int, seed: int = 0, extra: dict | None = None) -> pd.DataFrame:
    """Cases whose win depends mostly on value 'a', a little on 'b', not on 'c'."""
    rng = np.random.default_rng(seed)
    rows = []
    for outcome, n in (("won", n_won), ("lost", n_lost)):
        shift = 0.25 if outcome == "won" else -0.25
        for _ in range(n):
            rows.append({
                "outcome": outcome,
                "value_a": float(np.clip(0.5 + shift + rng.normal(0, 0.2), 0, 1)),
                "value_b": float(np.clip(0.5 + shift / 3 + rng.normal(0, 0.2), 0, 1)),
                "value_c": float(rng.uniform()),
            })
    for outcome, n in (extra or {}).items():
        rows.extend({"outcome": outcome, "value_a": 0.5, "value_b": 0.5, "value_c": 0.5}
                    for _ in range(n))
    frame = pd.DataFrame(rows)
    frame.insert(0, "case_id", [f"K{i:03d}" for i in range(len(frame))])
    return frame


def test_result_figures_are_consistent():
    result = learn_from_frame(_cases(30, 30), SPEC, **FAST)
    share = 0.5
    assert result.brier_baseline == pytest.approx(share * (1 - share))
    assert result.cv_auc > 0.8
    assert result.brier < result.brier_baseline
    lo, hi = result.cv_auc_interval
    assert lo <= result.cv_auc <= hi
    assert result.brier_interval[0] <= result.brier <= result.brier_interval[1]
    assert result.cv_scheme.startswith("repeated_stratified_5fold")
    assert sum(result.suggested_weights.values()) == pytest.approx(1.0)
    assert sum(result.expert_weights.values()) == pytest.approx(1.0)
    assert result.suggested_weights["a"] == max(result.suggested_weights.values())
    assert result.permutation_importance["a"] > result.permutation_importance["c"]
    assert all(v >= 0 for v in result.coefficients.values())  # expected signs are +1
    assert not result.indicative


def test_indicative_below_ten_per_class_and_said_in_both_languages():
    small = learn_from_frame(_cases(9, 15), SPEC, **FAST)
    assert small.indicative
    assert "vägledande" in small.message_sv and "indicative only" in small.message_en
    assert small.cv_scheme == "leave_one_out"
    assert np.isfinite(small.cv_auc)  # still computed, never hidden
    enough = learn_from_frame(_cases(10, 10), SPEC, **FAST)
    assert not enough.indicative
    assert "indicative" not in enough.message_en


def test_withdrawn_and_ongoing_are_counted_and_ongoing_predicted():
    frame = _cases(12, 12, extra={"withdrawn": 3, "ongoing": 2})
    result = learn_from_frame(frame, SPEC, **FAST)
    assert result.n_cases == 24
    assert dict(result.n_excluded_by_outcome) == {"withdrawn": 3, "ongoing": 2}
    assert "3 withdrawn" in result.message_en and "3 återtagna" in result.message_sv
    assert set(result.predictions) == {"K027", "K028"}
    for pred in result.predictions.values():
        assert pred["p_low"] <= pred["p_win"] <= pred["p_high"]
    as_lost = learn_from_frame(frame, SPEC, withdrawn_as_lost=True, **FAST)
    assert as_lost.n_lost == 15 and as_lost.withdrawn_as_lost
    assert dict(as_lost.n_excluded_by_outcome) == {"ongoing": 2}


def test_too_few_cases_in_a_class_is_an_error_that_says_what_to_do():
    with pytest.raises(LearningError, match="presence-vs-background"):
        learn_from_frame(_cases(8, 1), SPEC, **FAST)


def test_to_dict_is_strict_json():
    result = learn_from_frame(_cases(15, 12, extra={"ongoing": 1}), SPEC, **FAST)
    data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    for key in ("n_cases", "cv_auc", "brier", "brier_baseline", "suggested_weights",
                "expert_weights", "n_excluded_by_outcome", "indicative", "mode",
                "comparison", "permutation_importance", "n_imputed", "predictions"):
        assert key in data
    assert "model" not in data
    assert data["n_cases"] == 27


def test_win_probability_keeps_index_and_orders_sites():
    result = learn_from_frame(_cases(20, 20), SPEC, **FAST)
    sites = pd.DataFrame({"value_a": [0.9, 0.1, np.nan], "value_b": [0.5, 0.5, 0.5],
                          "value_c": [0.5, 0.5, 0.5]}, index=["good", "poor", "unknown"])
    prob = win_probability(result, sites)
    assert list(prob.index) == ["good", "poor", "unknown"]
    assert prob.loc["good", "p_win"] > prob.loc["poor", "p_win"]
    assert (prob["p_low"] <= prob["p_win"]).all() and (prob["p_win"] <= prob["p_high"]).all()
    assert prob["n_imputed"].tolist() == [0, 0, 1]


def test_tree_ensemble_is_compared_on_the_same_folds():
    result = learn(build_features(_cases(20, 20), SPEC), **{**FAST, "compare_trees": True,
                                                            "n_repeats": 1, "loo_below": 0})
    (tree,) = result.comparison
    assert tree.name == "random_forest"
    assert 0.5 < tree.auc <= 1.0
    assert tree.auc_interval[0] <= tree.auc <= tree.auc_interval[1]
    assert "random_forest" in render_table(result, "en")


def test_presence_background_mode_says_probabilities_are_relative():
    frame = _cases(12, 0)
    rng = np.random.default_rng(3)
    pool = pd.DataFrame({"value_a": rng.uniform(size=200), "value_b": rng.uniform(size=200),
                         "value_c": rng.uniform(size=200)})
    result = learn_presence_background(frame, SPEC, pool=pool, n_background=60, **FAST)
    assert result.mode == "presence_background"
    assert result.n_won == 12 and result.n_lost == 60
    assert "relative" in result.warnings_en[0] and "relativa" in result.warnings_sv[0]
    assert result.suggested_weights["a"] > result.suggested_weights["c"]
    with pytest.raises(LearningError, match="background"):
        learn_presence_background(frame, SPEC, **FAST)


def test_render_table_swedish_uses_decimal_comma():
    result = learn_from_frame(_cases(12, 12), SPEC, **FAST)
    text = render_table(result, "sv")
    assert "Korsvalidering" in text and "0," in text
    assert "expert" in text and "föreslagen" in text


def test_known_truth_check_recovers_the_ranking():
    out = known_truth_check(n_cases=300, seed=0)
    assert out["spearman"] >= 0.9
    assert out["brier"] < out["brier_baseline"]
    assert out["passed"]
    assert set(out["suggested_weights"]) == set(out["true_weights"])


def test_no_signal_against_expected_signs_gives_no_weights_and_says_so():
    frame = _cases(15, 15)
    frame["value_a"] = 1 - frame["value_a"]  # 'a' now lowers the odds; b weakly helps
    frame["value_b"] = 1 - frame["value_b"]
    result = learn_from_frame(frame, SPEC, **FAST)
    assert result.coefficients["a"] == pytest.approx(0.0, abs=1e-6)
    assert result.coefficients["b"] == pytest.approx(0.0, abs=1e-6)
    assert result.brier >= result.brier_baseline - 0.02
    assert any("no better" in w or "No criterion" in w for w in result.warnings_en)


def test_win_probability_reads_a_scored_site_table():
    from types import SimpleNamespace

    spec = spec_from_mappings({"grid": 1.0}, value_fns={"grid": lambda v: np.clip(v / 400, 0, 1)},
                              include_soft_factors=False)
    rng = np.random.default_rng(4)
    grid = rng.uniform(0, 400, 40)
    won = rng.uniform(size=40) < grid / 400
    frame = pd.DataFrame({"case_id": [f"G{i}" for i in range(40)],
                          "outcome": np.where(won, "won", "lost"), "metric_grid": grid})
    result = learn_from_frame(frame, spec, **FAST)
    # a scored table: value_ is 0 where the metric is missing, the raw NaN must win
    table = pd.DataFrame({"metric_grid": [350.0, np.nan], "value_grid": [0.875, 0.0]},
                         index=["s1", "s2"])
    prob = win_probability(result, SimpleNamespace(table=table))
    assert prob["n_imputed"].tolist() == [0, 1]
    median_row = pd.DataFrame({"value_grid": [result.model.medians["grid"]]})
    assert prob.loc["s2", "p_win"] == pytest.approx(
        win_probability(result, median_row)["p_win"].iloc[0])


def test_small_sample_auc_is_not_biased_on_pure_noise():
    # Pooled leave-one-out AUC sits near 0 here; leave-pair-out is centred on 0.5.
    aucs = []
    for seed in range(6):
        rng = np.random.default_rng(seed)
        frame = pd.DataFrame({
            "case_id": [f"N{i}" for i in range(16)], "outcome": ["won"] * 8 + ["lost"] * 8,
            "value_a": rng.uniform(size=16), "value_b": rng.uniform(size=16),
            "value_c": rng.uniform(size=16),
        })
        result = learn_from_frame(frame, SPEC, **FAST)
        assert result.cv_scheme == "leave_one_out"
        aucs.append(result.cv_auc)
    assert 0.35 < np.mean(aucs) < 0.65


def test_invalid_options_are_reported_together():
    table = build_features(_cases(10, 10), SPEC)
    with pytest.raises(LearningError) as err:
        learn(table, prior_strength=-1.0, level=1.5, n_splits=1)
    fields = {p.field for p in err.value.problems}
    assert fields == {"prior_strength", "level", "n_splits"}


def test_grouped_learning_reports_groups():
    frame = _cases(20, 20)
    frame["kommunkod"] = [f"99{i % 8:02d}" for i in range(len(frame))]
    frame.loc[0, "kommunkod"] = None  # its own group
    table = build_features(frame, SPEC, group_column="kommunkod")
    assert table.groups is not None and table.groups.iloc[0] == "case:K000"
    result = learn(table, **FAST)
    assert result.grouped_by == "kommunkod" and result.n_groups == 9
    assert result.cv_scheme == "leave_one_group_out"
    assert "kommunkod" in render_table(result, "en")
    with pytest.raises(LearningError, match="group column"):
        build_features(frame, SPEC, group_column="lan")


def test_mostly_imputed_features_are_flagged():
    frame = _cases(15, 15)
    frame.loc[frame.index[:20], "value_b"] = np.nan
    result = learn_from_frame(frame, SPEC, **FAST)
    assert result.n_imputed["b"] == 20
    assert any("median" in w and "b" in w for w in result.warnings_en)
    assert any("medianen" in w for w in result.warnings_sv)
