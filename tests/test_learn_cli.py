"""Adapters (profiles, outcome store) and the ``siting learn`` command."""

from __future__ import annotations

import json

import numpy as np
import pytest

from siting.core.errors import LearningError
from siting.criteria.profiles import load_profile
from siting.learn.adapters import learn_from_store, spec_from_profile
from siting.outcomes import OutcomeStore, cases_to_frame, demo_cases, seed_store


@pytest.fixture
def demo_db(tmp_path):
    url = f"sqlite:///{tmp_path / 'outcomes.sqlite'}"
    store = OutcomeStore.open(url)
    seed_store(store, which="demo")
    store.close()
    return url


def test_spec_from_profile_maps_assessment_metrics_onto_soft_factors():
    profile = load_profile("battery_plant")
    spec = spec_from_profile(profile)
    soft_ids = [c.id for c in profile.soft]
    assert set(soft_ids) <= set(spec.features)
    assert sum(spec.expert_weights[c] for c in soft_ids) == pytest.approx(1.0)
    # responsiveness is a municipal_assessment metric: read from the metric, else soft_ score
    assert "soft_responsiveness" in spec.columns_for("responsiveness")
    assert "soft_responsiveness" not in spec.features
    # a factor the profile does not use is a zero-weight feature
    assert spec.expert_weights["soft_political_stability"] == 0.0
    labour = spec.value_fns["labour"](np.array([20_000.0, 150_000.0]))
    np.testing.assert_allclose(labour, [0.0, 1.0])


def test_learn_from_store_uses_the_profile_industry(demo_db):
    store = OutcomeStore.open(demo_db)
    try:
        result = learn_from_store(store, "battery_plant", n_boot=20, n_boot_metrics=100,
                                  compare_trees=False)
        everything = learn_from_store(store, "battery_plant", all_industries=True, n_boot=20,
                                      n_boot_metrics=100, compare_trees=False)
    finally:
        store.close()
    frame = cases_to_frame(c for c in demo_cases() if c.confidentiality != "confidential")
    battery = frame[frame["industry"] == "battery"]
    decided = battery["outcome"].isin(["won", "lost"]).sum()
    assert result.n_cases == decided
    assert result.n_won == (battery["outcome"] == "won").sum()
    assert result.profile_id == "battery_plant"
    assert everything.n_cases > result.n_cases
    assert "labour" in result.features
    assert result.dropped["zoning"] == "no_values"  # text metric not in the snapshots


def test_learn_from_store_without_cases_is_a_clear_error(tmp_path):
    store = OutcomeStore.open(f"sqlite:///{tmp_path / 'empty.sqlite'}")
    try:
        with pytest.raises(LearningError, match="no cases"):
            learn_from_store(store, "steelworks")
    finally:
        store.close()


def test_cli_json_has_the_contract_keys(demo_db, capsys):
    from siting.cli import main

    code = main(["learn", "--profile", "battery_plant", "--db", demo_db, "--json",
                 "--no-trees", "--bootstrap", "20", "--all-industries", "--withdrawn-as-lost"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    for key in ("n_cases", "cv_auc", "brier", "suggested_weights", "expert_weights",
                "indicative", "n_excluded_by_outcome", "brier_baseline"):
        assert key in data
    assert data["withdrawn_as_lost"] is True
    assert "withdrawn" not in data["n_excluded_by_outcome"]
    assert data["suggested_weights"].keys() == data["expert_weights"].keys()


def test_cli_text_output_and_bad_prior(demo_db, capsys):
    from siting.cli import main

    assert main(["learn", "--profile", "data_center", "--db", demo_db, "--no-trees",
                 "--bootstrap", "20", "--lang", "en", "--group-by-municipality"]) == 0
    out = capsys.readouterr().out
    assert "Cross-validation" in out and "suggested" in out
    assert "leave_one_group_out; grouped by kommunkod" in out
    assert main(["learn", "--profile", "data_center", "--db", demo_db,
                 "--prior-strength", "lots"]) == 2
    assert "--prior-strength" in capsys.readouterr().err


def test_cli_background_file_switches_to_presence_background(demo_db, tmp_path, capsys):
    from siting.cli import main

    rng = np.random.default_rng(2)
    n = 80
    path = tmp_path / "scored.csv"
    import pandas as pd

    pd.DataFrame({
        "site_id": [f"S{i}" for i in range(n)],
        "passes_hard": ["True"] * 60 + ["False"] * 20,
        "metric_labour_pool_45min": rng.uniform(10_000, 200_000, n).round(),
        "metric_dist_substation_400kv_m": rng.uniform(500, 60_000, n).round(),
        "metric_dist_port_m": rng.uniform(1_000, 80_000, n).round(),
    }).to_csv(path, index=False)
    code = main(["learn", "--profile", "battery_plant", "--db", demo_db, "--json", "--no-trees",
                 "--bootstrap", "20", "--all-industries", "--background", str(path)])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["mode"] == "presence_background"
    assert data["n_lost"] == 60  # the 20 sites failing the hard criteria are left out
    assert "relative" in data["warnings_en"][0]
    assert data["dropped"]["responsiveness"] == "no_values_background"
    assert data["n_excluded_by_outcome"]["lost"] > 0  # lost cases are counted, not dropped


def test_features_from_profile_reads_soft_scores_for_assessment_criteria():
    from siting.learn import features_from_profile

    frame = cases_to_frame(demo_cases()).drop(
        columns=["metric_responsiveness_1to5"], errors="ignore")
    table = features_from_profile(frame, "battery_plant")
    decided = frame.set_index("case_id").loc[table.x.index]
    expected = (decided["soft_responsiveness"] - 1) / 4
    np.testing.assert_allclose(table.x["responsiveness"], expected.to_numpy())
    assert table.expert_weights["responsiveness"] > 0


def test_result_from_a_profile_pickles_for_app_caching():
    import pickle

    from siting.learn import features_from_profile, learn

    frame = cases_to_frame(demo_cases())
    result = learn(features_from_profile(frame, "data_center"), n_boot=10, n_boot_metrics=50,
                   n_permutations=2, n_repeats=1, compare_trees=False)
    again = pickle.loads(pickle.dumps(result))
    assert again.to_dict() == result.to_dict()
    sites = frame.head(3)
    from siting.learn import win_probability

    np.testing.assert_allclose(win_probability(again, sites)["p_win"],
                               win_probability(result, sites)["p_win"])
