"""Seed cases: real public processes, fictional demo cases with a learnable signal."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest_outcomes import BACKENDS, backend_url

from siting.core.errors import StoreError
from siting.data.soft_factors import factor_ids
from siting.outcomes import OutcomeStore, cases_to_frame, demo_cases, real_cases, seed_store
from siting.outcomes.seed import DEMO_METRIC_IDS, demo_kommuner, demo_logit


def test_real_cases_are_public_sourced_and_unique() -> None:
    cases = real_cases()
    assert len(cases) >= 15
    assert len({c.case_id for c in cases}) == len(cases)
    for case in cases:
        assert case.confidentiality == "public" and not case.is_fictional
        assert "DOMAIN.md" in case.source, case.case_id
        assert not case.title.startswith("[FIKTIV]")
    industries = {c.industry for c in cases}
    assert industries == {"battery", "steel", "data_center"}
    outcomes = {c.outcome for c in cases}
    assert {"won", "lost", "ongoing"} <= outcomes
    skelleftea = next(c for c in cases if c.case_id == "SE-2017-NORTHVOLT-ETT-SKELLEFTEA")
    assert skelleftea.kommunkod == "2482" and skelleftea.soft["responsiveness"] == 5
    assert "within a week" in skelleftea.soft_evidence["responsiveness"]
    assert skelleftea.competing_kommuner == ("1980",)


def test_real_kommunkoder_exist_in_the_shared_boundaries(shared_data: Path) -> None:
    features = json.loads((shared_data / "kommuner.geojson").read_text(encoding="utf-8"))
    known = {f["properties"]["kommunkod"] for f in features["features"]}
    for case in real_cases():
        assert case.kommunkod in known, case.case_id
        assert set(case.competing_kommuner) <= known, case.case_id


def test_demo_cases_are_fictional_in_demolan_and_complete() -> None:
    cases = demo_cases()
    assert len(cases) >= 30
    assert cases == demo_cases()  # deterministic
    outcomes = [c.outcome for c in cases]
    assert outcomes.count("won") >= 8 and outcomes.count("lost") >= 8
    for case in cases:
        assert case.is_fictional and case.title.startswith("[FIKTIV]")
        assert case.kommunkod in demo_kommuner()
        x, y = case.representative_xy
        assert 700_000 <= x <= 860_000 and 7_150_000 <= y <= 7_280_000
        assert set(case.metrics) == set(DEMO_METRIC_IDS)
        assert set(case.soft) == set(factor_ids())
        assert all(1 <= s <= 5 for s in case.soft.values())
    assert {c.confidentiality for c in cases} == {"public", "internal", "confidential"}
    assert any(c.geometry_wkt.startswith("POLYGON") for c in cases)  # type: ignore[union-attr]


def test_demo_outcomes_follow_the_hidden_rule() -> None:
    frame = cases_to_frame(demo_cases())
    decided = frame[frame["outcome"].isin(["won", "lost"])]
    won = decided[decided["outcome"] == "won"]
    lost = decided[decided["outcome"] == "lost"]
    for col in ("soft_responsiveness", "soft_planning_speed", "metric_grid_capacity_10km_mw"):
        assert won[col].mean() > lost[col].mean(), col
    logits = {c.case_id: demo_logit(c.soft, c.metrics) for c in demo_cases()}
    mean_won = sum(logits[i] for i in won["case_id"]) / len(won)
    mean_lost = sum(logits[i] for i in lost["case_id"]) / len(lost)
    assert mean_won - mean_lost > 1.0
    assert frame["detaljplan_months"].notna().all()


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OutcomeStore]:
    with backend_url(request.param, tmp_path) as url, OutcomeStore.open(url) as opened:
        yield opened


def test_seed_store_is_idempotent(store: OutcomeStore) -> None:
    first = seed_store(store, "real")
    assert len(first.created) == len(real_cases())
    both = seed_store(store, "all")
    assert len(both.created) == len(demo_cases())
    assert len(both.unchanged) == len(real_cases())
    revisions = store.revision_count()
    again = seed_store(store, "all")
    assert not again.created and not again.updated
    assert store.revision_count() == revisions
    frame = cases_to_frame(store.list())
    assert len(frame) == len(real_cases()) + len(demo_cases())
    assert frame["is_fictional"].sum() == len(demo_cases())
    assert {f"metric_{m}" for m in DEMO_METRIC_IDS} <= set(frame.columns)
    with pytest.raises(StoreError, match="unknown seed set"):
        seed_store(store, "everything")  # type: ignore[arg-type]
