"""Texts a municipal user reads: rationales in both languages, groups of municipalities, weights."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

from siting.core.i18n import has_key
from siting.criteria.profiles import available_profiles, load_profile
from siting.criteria.rationale import clean_rationale, criterion_rationale
from siting.data.groups import group_municipalities

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


@pytest.mark.parametrize("profile_id", available_profiles())
def test_every_shipped_criterion_has_a_rationale_in_both_languages(profile_id: str) -> None:
    prof = load_profile(profile_id)
    for crit in (*prof.hard, *prof.soft):
        if not crit.rationale:
            continue
        for lang in ("sv", "en"):
            assert has_key(f"rationale.{profile_id}.{crit.id}", lang), (profile_id, crit.id, lang)
            text = criterion_rationale(profile_id, crit, lang)
            assert "DOMAIN.md" not in text and "Judgement" not in text


def test_a_users_own_rationale_is_cleaned_of_internal_references() -> None:
    class Crit:
        id = "x"
        rationale = "Judgement: near a port [svk.se, DOMAIN.md §2]; see (siting.data.soft_factors)."

    assert criterion_rationale("my_copy", Crit(), "sv") == "near a port [svk.se]; see."
    assert clean_rationale("") == ""


def test_labour_market_regions_cross_county_borders() -> None:
    regions = pd.DataFrame({"la_code": ["LA1", "LA2"], "name": ["Norr", "Tom"],
                            "kommunkoder": ["2480;2580; 2582", "0101"]})
    got = group_municipalities("labour_market", ["2480", "2580", "2582", "0180"], regions)
    assert [(g.code, g.kommunkoder) for g in got] == [("LA1", ("2480", "2580", "2582"))]
    counties = group_municipalities("county", ["2480", "2580"], None)
    assert [(g.code, g.name) for g in counties] == [("24", ""), ("25", "")]


def test_weights_rebalance_to_one_hundred_percent() -> None:
    from app_pages._weights import rebalance

    got = rebalance({"a": 0.2, "b": 0.3, "c": 0.5}, "a", 0.6)
    assert got["a"] == pytest.approx(0.6)
    assert sum(got.values()) == pytest.approx(1.0)
    assert got["b"] / got["c"] == pytest.approx(0.3 / 0.5)  # the others keep their proportion
    assert rebalance({"a": 1.0, "b": 0.0, "c": 0.0}, "a", 0.5) == {"a": 0.5, "b": 0.25,
                                                                    "c": 0.25}
