"""Backtest against a constructed outcome log whose answer is known."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from siting.backtest import (
    _learned_weights,
    _loo,
    backtest,
    bootstrap_mean_ci,
    cases_frame,
    mid_rank_percentile,
)
from siting.core.errors import ScoringError


def test_mid_rank_percentile_known() -> None:
    pct = mid_rank_percentile(np.array([10.0, 40.0, 30.0, 20.0]))
    assert pct.tolist() == [0.875, 0.125, 0.375, 0.625]
    assert mid_rank_percentile(np.array([5.0, 5.0])).tolist() == [0.5, 0.5]   # ties: chance
    assert mid_rank_percentile(np.array([np.nan, 1.0]))[0] == 0.75           # no score: last


def test_bootstrap_interval_covers_the_mean() -> None:
    v = np.random.default_rng(1).uniform(0, 0.4, 30)
    lo, hi = bootstrap_mean_ci(v)
    assert lo < v.mean() < hi and hi - lo < 0.2
    assert np.isnan(bootstrap_mean_ci(np.array([0.3]))[0])


def test_leave_one_out_finds_a_planted_signal() -> None:
    rng = np.random.default_rng(0)
    values = rng.uniform(0, 1, (40, 3))
    winners = np.array([3, 11, 17, 25, 33])
    values[:, 0] = rng.uniform(0, 0.3, 40)
    values[winners, 0] = 0.95                 # criterion 0 marks the winners
    labels = np.ones(len(winners))
    held_out = _loo(values, winners, labels, np.full(3, 1 / 3))
    # each winner, never seen in its own fit, ranks in the top five of 40
    assert (held_out <= 5 / 40).all()
    # with random labels-free weights the winners would sit near chance
    noise = _loo(rng.uniform(0, 1, (40, 3)), winners, labels, np.full(3, 1 / 3))
    assert noise.mean() > 0.2


def test_learned_weights_use_winners_and_losers() -> None:
    """With both classes the learner contrasts winners with losers, not with the average."""
    rng = np.random.default_rng(3)
    values = rng.uniform(0, 1, (30, 3))
    won, lost = np.arange(0, 8), np.arange(8, 16)
    values[won, 2] = rng.uniform(0.8, 1.0, len(won))    # criterion 2 separates the classes
    values[lost, 2] = rng.uniform(0.0, 0.2, len(lost))
    labels = np.zeros(30)
    labels[won], labels[lost] = 1, -1
    w = _learned_weights(values, labels, np.full(3, 1 / 3))
    # shrunk toward the equal profile weights, but criterion 2 clearly leads
    assert w.argmax() == 2 and w[2] > 1 / 3 + 0.05 and abs(w.sum() - 1) < 1e-9
    # no labelled case: the profile's weights come back unchanged
    fallback = np.array([0.5, 0.3, 0.2])
    assert _learned_weights(values, np.zeros(30), fallback) is fallback


@pytest.fixture(scope="module")
def demo():
    from siting.criteria.profiles import load_profile
    from siting.data.layers import load_layerset
    from siting.demo import STUDY_AREA

    profile = load_profile("battery_plant")
    return profile, load_layerset("demo", region=list(STUDY_AREA))


def test_backtest_on_constructed_log(demo) -> None:
    profile, ls = demo
    codes = list(ls.region.kommunkoder)
    assert len(codes) == 4
    # a comparison whose order is known: codes[0] best ... codes[3] worst
    comparison = pd.DataFrame({"kommunkod": codes, "name": ls.region.names,
                               "score": [90.0, 70.0, 50.0, 30.0]})
    log = pd.DataFrame({
        "case_id": ["W1", "W2", "L1", "X", "O"],
        "kommunkod": [codes[0], codes[1], codes[3], codes[2], codes[2]],
        "outcome": ["won", "won", "lost", "won", "ongoing"],
        "industry": [profile.industry, profile.industry, profile.industry, "steel",
                     profile.industry],
        "geometry_wkt": [None] * 5, "title": [""] * 5})
    res = backtest(profile, ls, log, comparison=comparison)
    assert res.cases["case_id"].tolist() == ["W1", "W2", "L1"]   # other industry / undecided out
    assert res.cases["percentile"].tolist() == [0.125, 0.375, 0.875]
    s = res.summary["profile_ranking"]
    assert s["winners_mean"] == pytest.approx(0.25) and s["n_winners"] == 2
    assert s["losers_mean"] == pytest.approx(0.875) and s["n_losers"] == 1
    lo, hi = s["winners_ci95"]
    assert 0.125 <= lo <= 0.25 <= hi <= 0.375
    assert res.summary["n_candidates"] == 4
    loo = res.cases["percentile_learned_loo"]
    assert loo.between(0, 1).all()
    out = json.loads(res.to_json())
    assert out["profile"] == "battery_plant" and len(out["cases"]) == 3


def test_backtest_without_cases_is_an_error(demo) -> None:
    profile, ls = demo
    with pytest.raises(ScoringError, match="no decided case"):
        backtest(profile, ls, cases_frame([]), comparison=pd.DataFrame(
            {"kommunkod": [], "name": [], "score": []}))


def test_backtest_cli_json(capsys, tmp_path) -> None:
    from siting.cli import main

    out = tmp_path / "bt.csv"
    rc = main(["backtest", "--profile", "battery_plant", "--catalog", "sweden_open",
               "--resolution", "2000", "--json", "--out", str(out)])
    assert rc == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["n_candidates"] == 290 and figures["chance"] == 0.5
    b = figures["profile_ranking"]
    assert b["n_winners"] >= 2 and 0 <= b["winners_mean"] <= 1
    rows = pd.read_csv(out, dtype={"kommunkod": str})
    assert {"2482", "1980"} <= set(rows["kommunkod"])   # Northvolt Ett winner and loser
