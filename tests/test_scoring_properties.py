"""Properties of the scoring wiring, fed with metric frames (no layers needed)."""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siting.criteria.profiles import parse_profile
from siting.scoring.result import rank_passing_first, score_values
from siting.scoring.sites import evaluate

PROFILE_TOML = """
[profile]
id = "prop_test"
name_sv = "Egenskapstest"
name_en = "Property test"
industry = "other"
aggregation = "weighted_sum"
min_area_ha = 10

[[metric]]
id = "site_area_ha"
kind = "site_area"
unit = "ha"
label_sv = "Yta"
label_en = "Area"

[[metric]]
id = "cap_mw"
kind = "sum_within"
layer = "substations"
field = "available_capacity_mw"
radius_m = 10000
unit = "MW"
label_sv = "Kapacitet"
label_en = "Capacity"

[[metric]]
id = "dist_rail_m"
kind = "distance"
layer = "railways"
unit = "m"
label_sv = "Avstånd till järnväg"
label_en = "Distance to rail"

[[metric]]
id = "zoning"
kind = "site_attribute"
field = "zoning"
unit = ""
label_sv = "Detaljplan"
label_en = "Zoning"

[[hard]]
id = "area"
metric = "site_area_ha"
op = ">="
threshold = 10
rationale = "test"

[[hard]]
id = "cap"
metric = "cap_mw"
op = ">="
threshold = 50
rationale = "test"

[[soft]]
id = "capacity"
metric = "cap_mw"
weight = 2
value = { kind = "linear", x0 = 0, x1 = 500 }
rationale = "test"

[[soft]]
id = "rail"
metric = "dist_rail_m"
weight = 1
value = { kind = "linear", x0 = 20000, x1 = 0 }
rationale = "test"

[[soft]]
id = "plan"
metric = "zoning"
weight = 1
value = { kind = "categories", values = { industrial = 1.0, in_progress = 0.5 } }
rationale = "test"
"""

PROFILE = parse_profile(PROFILE_TOML, source="test")
ZONES = ("industrial", "in_progress", "none")


def _sites(n: int) -> gpd.GeoDataFrame:
    geoms = [shapely.box(700_000 + 2000 * i, 7_200_000, 700_500 + 2000 * i, 7_200_500)
             for i in range(n)]
    return gpd.GeoDataFrame({"site_id": [f"S-{i:02d}" for i in range(n)],
                             "name": [f"Site {i}" for i in range(n)],
                             "kommunkod": ["9901"] * n},
                            geometry=geoms, crs="EPSG:3006")


def _frame(sites: gpd.GeoDataFrame, area, cap, rail, zoning) -> pd.DataFrame:
    return pd.DataFrame({"site_area_ha": np.asarray(area, dtype=float),
                         "cap_mw": np.asarray(cap, dtype=float),
                         "dist_rail_m": np.asarray(rail, dtype=float),
                         "zoning": pd.array(zoning, dtype="string")}, index=sites.index)


finite_or_nan = st.one_of(st.floats(0, 1000), st.just(float("nan")))


@st.composite
def cases(draw):
    n = draw(st.integers(1, 12))
    area = draw(st.lists(st.floats(0, 400), min_size=n, max_size=n))
    cap = draw(st.lists(finite_or_nan, min_size=n, max_size=n))
    rail = draw(st.lists(st.one_of(st.floats(0, 60000), st.just(float("nan"))),
                         min_size=n, max_size=n))
    zoning = draw(st.lists(st.sampled_from(ZONES), min_size=n, max_size=n))
    return n, area, cap, rail, zoning


SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("method", ["weighted_sum", "topsis", "cautious"])
@SETTINGS
@given(case=cases())
def test_scores_in_range_and_passing_first(method, case) -> None:
    n, area, cap, rail, zoning = case
    sites = _sites(n)
    prof = dataclasses.replace(PROFILE, aggregation=method)
    res = evaluate(sites, prof, None, metrics_cache=_frame(sites, area, cap, rail, zoning))
    tbl = res.table
    assert tbl["score"].between(0, 100).all()
    assert sorted(tbl["rank"]) == list(range(1, n + 1))
    ok = tbl["passes_hard"].to_numpy()
    if ok.any() and (~ok).any():
        assert tbl["rank"][ok].max() < tbl["rank"][~ok].min()
    # NaN capacity: never a failure of the capacity criterion, always "not evaluated"
    nan_cap = np.isnan(np.asarray(cap, dtype=float))
    assert (res.hard_status["cap"].to_numpy()[nan_cap] == -1).all()
    assert tbl["hard_incomplete"].to_numpy()[nan_cap].all()
    assert res.no_data["capacity"].to_numpy()[nan_cap].all()
    failed_area = np.asarray(area) < 10
    assert (~ok[failed_area]).all()


@SETTINGS
@given(case=cases(), site=st.integers(0, 11), bump=st.floats(0.0, 800.0))
def test_improving_a_benefit_metric_never_lowers_the_score(case, site, bump) -> None:
    n, area, cap, rail, zoning = case
    site = site % n
    sites = _sites(n)
    base = evaluate(sites, PROFILE, None, metrics_cache=_frame(sites, area, cap, rail, zoning))
    cap2 = list(cap)
    cap2[site] = (0.0 if np.isnan(cap2[site]) else cap2[site]) + bump
    better = evaluate(sites, PROFILE, None, metrics_cache=_frame(sites, area, cap2, rail, zoning))
    i = sites.index[site]
    assert better.table.at[i, "score"] >= base.table.at[i, "score"] - 1e-9
    rail2 = list(rail)
    rail2[site] = 0.0  # nearer rail is better
    nearer = evaluate(sites, PROFILE, None, metrics_cache=_frame(sites, area, cap, rail2, zoning))
    assert nearer.table.at[i, "score"] >= base.table.at[i, "score"] - 1e-9


@SETTINGS
@given(case=cases(), w=st.lists(st.floats(0, 10), min_size=3, max_size=3).filter(
    lambda v: sum(v) > 1e-6))
def test_rerank_matches_fresh_evaluate(case, w) -> None:
    n, area, cap, rail, zoning = case
    sites = _sites(n)
    frame = _frame(sites, area, cap, rail, zoning)
    weights = dict(zip(("capacity", "rail", "plan"), w, strict=True))
    rr = evaluate(sites, PROFILE, None, metrics_cache=frame).rerank(weights)
    fresh = evaluate(sites, PROFILE.with_weights(weights), None, metrics_cache=frame)
    np.testing.assert_allclose(rr.table["score"], fresh.table["score"], atol=1e-9)
    np.testing.assert_array_equal(rr.table["rank"], fresh.table["rank"])


def test_weighted_sum_contributions_add_up_to_the_score() -> None:
    sites = _sites(4)
    frame = _frame(sites, [50, 5, 20, 30], [400, 100, np.nan, 0], [1000, 30000, 5000, np.nan],
                   ["industrial", "none", "in_progress", "industrial"])
    res = evaluate(sites, PROFILE, None, metrics_cache=frame)
    contrib = res.table[[f"contrib_{c}" for c in ("capacity", "rail", "plan")]].sum(axis=1)
    np.testing.assert_allclose(contrib, res.table["score"], atol=1e-9)
    # hand-computed: site 0: capacity 0.8*0.5 + rail 0.95*0.25 + plan 1*0.25 = 0.8875
    assert res.table["score"].iloc[0] == pytest.approx(88.75)
    # site 1 fails area and passes capacity; site 3 fails capacity (0 MW)
    assert list(res.table["n_failed"]) == [0, 1, 0, 1]
    assert "Yta: 5 ha, krav minst 10 ha" in res.table["failures_sv"].iloc[1]
    assert res.table["hard_incomplete"].tolist() == [False, False, True, False]
    assert res.table["not_checked_en"].iloc[2].startswith(
        "Capacity: no data, required at least 50 MW – unknown")
    assert res.table["status"].tolist() == ["pass", "fail", "unknown", "fail"]


def test_rank_and_score_core() -> None:
    assert rank_passing_first([1.0, 2.0, 3.0], [False, False, False]).tolist() == [3, 2, 1]
    assert rank_passing_first([5.0, 5.0, 1.0], [True, True, True]).tolist() == [1, 2, 3]
    assert score_values(np.zeros((3, 0)), np.zeros(0), "weighted_sum").tolist() == [0, 0, 0]
    assert score_values([[1.0, 0.0]], [0.0, 0.0], "topsis").tolist() == [0.0]
    np.testing.assert_allclose(score_values([[1.0, 0.0], [0.0, 1.0]], [1, 3], "cautious"),
                               [0.0, 100 * (1 - 1 / 3)])


def test_a_site_without_any_soft_data_scores_no_data_not_zero() -> None:
    from siting.compare import criteria_matrix

    sites = _sites(4)
    frame = _frame(sites, [50, 50, 50, 5], [400, np.nan, 100, 400],
                   [1000, np.nan, 2000, 1000], [None, None, "industrial", "industrial"])
    res = evaluate(sites, PROFILE, None, metrics_cache=frame)
    score = res.table["score"]
    assert np.isnan(score.iloc[1]) and score.drop(index=sites.index[1]).notna().all()
    # ranked after the scored sites that do not fail, above the failing one (site 3: area)
    assert res.table["status"].iloc[3] == "fail" and res.table["rank"].iloc[3] == 4
    assert res.table["rank"].iloc[1] == 3
    assert np.isnan(res.rerank(dict.fromkeys(res.weights, 1.0)).table["score"].iloc[1])
    # the per-municipality matrix shows "no data" (NaN), not 0, for a criterion never measured
    kommun = pd.Series(["0001", "0002", "0001", "0001"], index=sites.index)
    matrix = criteria_matrix(res.values, res.passes, kommun, no_data=res.no_data)
    assert matrix.loc["0002"].isna().all()
    assert criteria_matrix(res.values, res.passes, kommun).loc["0002"].eq(0).all()
