"""Case frame -> features: outcomes, value functions, soft factors, imputation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from siting.core.errors import LearningError
from siting.criteria.valuefn import Linear
from siting.learn import build_features, build_presence_background, spec_from_mappings
from siting.learn.features import soft_factor_value


def _frame() -> pd.DataFrame:
    return pd.DataFrame({
        "case_id": ["A", "B", "C", "D", "E", "F", "G"],
        "outcome": ["won", "lost", "won", "withdrawn", "ongoing", "lost", "Won "],
        "metric_grid_mw": [400.0, 100.0, np.nan, 300.0, 200.0, 0.0, 250.0],
        "soft_responsiveness": [5.0, 1.0, 4.0, 2.0, np.nan, 3.0, 5.0],
    })


def _spec():
    return spec_from_mappings(
        {"grid_mw": 0.7, "soft_responsiveness": 0.3},
        value_fns={"grid_mw": Linear(0, 400), "soft_responsiveness": soft_factor_value},
    )


def test_outcomes_are_mapped_and_exclusions_counted():
    table = build_features(_frame(), _spec())
    assert table.y.to_dict() == {"A": 1, "B": 0, "C": 1, "F": 0, "G": 1}
    assert dict(table.n_excluded_by_outcome) == {"withdrawn": 1, "ongoing": 1}
    assert list(table.x_predict.index) == ["E"]


def test_withdrawn_as_lost_moves_withdrawn_into_the_fit():
    table = build_features(_frame(), _spec(), withdrawn_as_lost=True)
    assert table.y["D"] == 0
    assert dict(table.n_excluded_by_outcome) == {"ongoing": 1}
    assert table.n_negative == 3


def test_value_functions_and_soft_factor_scale():
    table = build_features(_frame(), _spec())
    assert table.x.loc["A", "grid_mw"] == pytest.approx(1.0)
    assert table.x.loc["B", "grid_mw"] == pytest.approx(0.25)
    assert table.x.loc["B", "soft_responsiveness"] == pytest.approx(0.0)
    assert table.x.loc["C", "soft_responsiveness"] == pytest.approx(0.75)


def test_missing_values_are_imputed_with_the_median_and_counted():
    table = build_features(_frame(), _spec())
    fitted = [1.0, 0.25, 0.0, 250 / 400]  # A, B, F, G
    assert table.medians["grid_mw"] == pytest.approx(float(np.median(fitted)))
    assert table.x.loc["C", "grid_mw"] == pytest.approx(table.medians["grid_mw"])
    assert table.n_imputed["grid_mw"] == 1
    assert table.n_imputed["soft_responsiveness"] == 0
    assert table.n_imputed_predict["soft_responsiveness"] == 1
    assert not table.x.isna().any().any()


def test_unused_soft_factors_become_zero_weight_features_or_are_dropped():
    frame = _frame().assign(soft_site_control=[1.0, 2.0, 3.0, 4.0, 5.0, 1.0, 2.0])
    table = build_features(frame, _spec())
    assert table.expert_weights["soft_site_control"] == 0.0
    assert "soft_site_control" in table.features
    assert table.dropped["soft_planning_speed"] == "no_values"


def test_constant_feature_is_dropped_with_reason():
    frame = _frame().assign(metric_grid_mw=200.0)
    table = build_features(frame, _spec())
    assert "grid_mw" not in table.features
    assert table.dropped["grid_mw"] == "constant"


def test_source_fallback_uses_second_column_when_first_is_missing():
    spec = spec_from_mappings(
        {"resp": 1.0}, value_fns={"resp": soft_factor_value},
        sources={"resp": ("metric_resp_1to5", "soft_responsiveness")},
        include_soft_factors=False,
    )
    frame = _frame().assign(metric_resp_1to5=[3.0, np.nan, np.nan, np.nan, np.nan, 1.0, np.nan])
    table = build_features(frame, spec)
    assert table.x.loc["A", "resp"] == pytest.approx(0.5)   # from the metric column
    assert table.x.loc["C", "resp"] == pytest.approx(0.75)  # from soft_responsiveness


def test_unknown_outcomes_are_all_reported_at_once():
    frame = _frame()
    frame.loc[1, "outcome"] = "stalled"
    frame.loc[3, "outcome"] = None
    with pytest.raises(LearningError) as err:
        build_features(frame, _spec())
    assert len(err.value.problems) == 2
    assert "stalled" in str(err.value) and "case B" in str(err.value)


def test_missing_outcome_column_is_an_error():
    with pytest.raises(LearningError, match="outcome"):
        build_features(_frame().drop(columns="outcome"), _spec())


def test_presence_background_drops_features_unknown_for_background():
    presence = _frame().iloc[:4]
    background = pd.DataFrame({"metric_grid_mw": [10.0, 50.0, 390.0, 120.0]})
    table = build_presence_background(presence, background, _spec())
    assert table.mode == "presence_background"
    assert table.n_positive == 4 and table.n_negative == 4
    assert table.dropped["soft_responsiveness"] == "no_values_background"
    assert table.features == ("grid_mw",)
