"""Pure validation of outcome-log cases and the case frame (no database)."""

from __future__ import annotations

import math

import pytest

from siting.core.errors import StoreError
from siting.data.soft_factors import factor_ids
from siting.outcomes import (
    Case,
    case_from_dict,
    case_to_dict,
    cases_to_frame,
    parse_case,
    validate_case,
)
from siting.outcomes.case import normalise_wkt, to_float

GOOD = {
    "case_id": "T-1", "title": "Test plant", "industry": "battery", "kommunkod": "0480",
    "outcome": "won", "year_started": 2016, "year_decided": 2017,
    "geometry_wkt": "POINT (750000.1234 7200000)", "competing_kommuner": "1980; 2482",
    "soft": {"responsiveness": "5", "planning_speed": 4.0},
    "soft_evidence": {"responsiveness": "offer within a week"},
    "metrics": {"dist_rail_m": "1 234,5"}, "jobs": "2000", "is_fictional": "ja",
}


def _fields(data: dict) -> list[str]:
    return sorted(p.field for p in validate_case(data))


def test_good_case_is_parsed_and_normalised() -> None:
    case, problems = parse_case(GOOD)
    assert problems == []
    assert case is not None
    assert case.kommunkod == "0480"
    assert case.competing_kommuner == ("1980", "2482")
    assert case.soft == {"responsiveness": 5, "planning_speed": 4}
    assert case.metrics == {"dist_rail_m": 1234.5}
    assert case.jobs == 2000 and case.is_fictional is True
    assert case.geometry_wkt == "POINT (750000.123 7200000)"  # millimetre precision
    assert case.confidentiality == "internal"  # the safe default


def test_every_problem_is_reported_at_once() -> None:
    bad = {
        "case_id": "bad id with spaces", "title": "", "industry": "coal", "kommunkod": 480,
        "outcome": "maybe", "year_started": 2020, "year_decided": 2019,
        "confidentiality": "secret", "soft": {"responsiveness": 6, "charm": 3,
                                              "planning_speed": 2.5},
        "jobs": -3, "power_mw": "lots", "geometry_wkt": "POINT (20.9 64.7)",
        "competing_kommuner": ["12345"], "nonsense": 1,
    }
    fields = _fields(bad)
    for expected in ("case_id", "title", "industry", "kommunkod", "outcome", "year_decided",
                     "confidentiality", "soft_responsiveness", "soft_charm",
                     "soft_planning_speed", "jobs", "power_mw", "geometry_wkt",
                     "competing_kommuner", "nonsense"):
        assert expected in fields, expected
    with pytest.raises(StoreError) as info:
        case_from_dict(bad)
    assert len(info.value.problems) >= 15
    degrees = [p for p in validate_case(bad) if p.field == "geometry_wkt"]
    assert "degrees" in degrees[0].hint


@pytest.mark.parametrize(("key", "value"), [
    ("kommunkod", "480"), ("kommunkod", "04800"), ("kommunkod", "ab12"),
    ("year_decided", 1900), ("year_decided", 2999), ("year_decided", "2017.5"),
    ("geometry_wkt", "POLYGON ((0 0, 1 1, 1 0, 0 1, 0 0))"),
    ("geometry_wkt", "LINESTRING (750000 7200000, 760000 7200000)"),
    ("geometry_wkt", "not wkt"), ("is_fictional", "perhaps"),
    ("profile", "Battery Plant"), ("title", "x" * 301), ("organisation", "o" * 201),
])
def test_single_bad_field_is_caught(key: str, value: object) -> None:
    data = {**GOOD, key: value}
    assert key in _fields(data)


def test_soft_scores_must_be_integers_one_to_five() -> None:
    for score, ok in ((1, True), (5, True), ("3", True), (0, False), (6, False), (2.5, False)):
        problems = validate_case({**GOOD, "soft": {"site_control": score}})
        assert (problems == []) is ok, score


def test_ongoing_has_no_decision_year_and_own_kommun_is_no_competitor() -> None:
    assert "year_decided" in _fields({**GOOD, "outcome": "ongoing"})
    assert "competing_kommuner" in _fields({**GOOD, "competing_kommuner": ["0480"]})


def test_to_float_reads_swedish_and_english_numbers() -> None:
    assert to_float("1 234,5") == 1234.5
    assert to_float("1\u00a0234,5") == 1234.5
    assert to_float("1,234.5") == 1234.5
    assert to_float("1.234,5") == 1234.5
    assert to_float("-0,25") == -0.25
    assert to_float("") is None
    assert to_float(float("nan")) is None
    with pytest.raises(ValueError):
        to_float("abc")


def test_normalise_wkt_is_idempotent() -> None:
    once = normalise_wkt("POLYGON ((750000.00049 7200000, 750100 7200000, 750100 7200100, "
                         "750000.00049 7200000))")
    assert once == "POLYGON ((750000 7200000, 750100 7200000, 750100 7200100, 750000 7200000))"
    assert normalise_wkt(once) == once


def test_dict_round_trip_and_equality_ignores_meta() -> None:
    case = case_from_dict(GOOD)
    again = case_from_dict(case_to_dict(case))
    assert again == case


def test_frame_has_contract_columns() -> None:
    cases = [case_from_dict(GOOD),
             Case("T-2", "Other", "steel", "2582", "lost", metrics={"site_area_ha": 300.0},
                  geometry_wkt="POLYGON ((800000 7200000, 800100 7200000, 800100 7200100, "
                               "800000 7200100, 800000 7200000))", is_fictional=True)]
    frame = cases_to_frame(cases)
    head = ["case_id", "title", "industry", "profile", "kommunkod", "year_started",
            "year_decided", "outcome", "confidentiality", "organisation", "is_fictional", "x",
            "y"]
    assert list(frame.columns[:13]) == head
    for factor in factor_ids():
        assert f"soft_{factor}" in frame.columns
    assert {"metric_dist_rail_m", "metric_site_area_ha"} <= set(frame.columns)
    assert list(frame.columns[-5:]) == ["detaljplan_months", "permit_months", "power_mw",
                                        "land_ha", "jobs"]
    assert frame.loc[0, "kommunkod"] == "0480"
    assert frame.loc[0, "soft_responsiveness"] == 5.0
    assert math.isnan(frame.loc[0, "soft_site_control"])
    assert math.isnan(frame.loc[1, "metric_dist_rail_m"])
    # representative point of the polygon lies inside it
    assert 800000 < frame.loc[1, "x"] < 800100 and 7200000 < frame.loc[1, "y"] < 7200100
    assert frame["is_fictional"].tolist() == [True, True]
    assert frame["jobs"].dtype == "float64"


def test_empty_frame_still_has_columns() -> None:
    frame = cases_to_frame([])
    assert len(frame) == 0
    assert "soft_responsiveness" in frame.columns and "outcome" in frame.columns


def test_case_problems_carry_swedish_text() -> None:
    problems = {p.field: p for p in validate_case(
        {**GOOD, "kommunkod": "480", "soft": {"site_control": 7}, "year_decided": 1900})}
    assert "fyrsiffrig kommunkod" in problems["kommunkod"].text("sv")
    assert "inledande nollor" in problems["kommunkod"].hint_sv
    assert "utanför 1–5" in problems["soft_site_control"].message_sv
    assert "mindre än" in problems["year_decided"].message_sv
    assert "4-digit municipality code" in str(problems["kommunkod"])  # English unchanged
    assert all(p.message_sv for p in problems.values())


def test_site_outside_the_country_outline_is_refused() -> None:
    """Inside Sweden's box is not enough: Oslo lies in it, but outside the country's outline."""
    oslo, skelleftea = "POINT (262410 6649018)", "POINT (782878 7193894)"
    real = {**GOOD, "is_fictional": False}
    problems = validate_case({**real, "geometry_wkt": oslo})
    assert [p.field for p in problems] == ["geometry_wkt"]
    assert "outside Sweden's outline" in problems[0].message
    assert validate_case({**real, "geometry_wkt": skelleftea}) == []
    # a fictional (demo) case lies in the fictional Demolän: only the box applies
    assert validate_case({**GOOD, "geometry_wkt": oslo}) == []


def test_kommunkod_must_name_an_existing_kommun_in_both_languages() -> None:
    """Format and existence: the 290 real kommuner, Demolän's codes only for fictional cases."""
    real = {**GOOD, "is_fictional": "nej"}
    for field, value in (("kommunkod", "0000"), ("competing_kommuner", "1980; 2499")):
        problems = validate_case({**real, field: value}, source="cases.csv", location="row 7")
        assert [(p.source, p.location, p.field) for p in problems] == [
            ("cases.csv", "row 7", field)]
        wrong = value.split("; ")[-1]
        assert f"{wrong} is not the code of any of Sweden's 290 kommuner" in problems[0].text("en")
        assert f"{wrong} är inte koden för någon av Sveriges 290 kommuner" in problems[0].text("sv")
        assert "'0180' Stockholm" in problems[0].text("sv")


def test_demolan_codes_only_for_fictional_cases() -> None:
    from siting.demo import MUNICIPALITIES

    demo = {**GOOD, "kommunkod": "9901", "competing_kommuner": "9902; 2482",
            "geometry_wkt": ""}
    assert validate_case({**demo, "is_fictional": "ja"}) == []
    problems = validate_case({**demo, "is_fictional": "nej"})
    assert sorted(p.field for p in problems) == ["competing_kommuner", "kommunkod"]
    assert "fictional Demolän" in problems[0].text("en")
    assert "fiktiva Demolän" in problems[0].text("sv")
    assert all(validate_case({**demo, "kommunkod": m.kommunkod, "competing_kommuner": "",
                              "is_fictional": "ja"}) == [] for m in MUNICIPALITIES)


def test_the_kommun_list_is_the_bundled_national_layer_and_the_demo() -> None:
    import pyogrio

    from siting.data.catalog import BUNDLE_ROOT
    from siting.demo import MUNICIPALITIES
    from siting.outcomes.field_checks import known_kommunkoder

    national, demo = known_kommunkoder()
    bundled = pyogrio.read_dataframe(BUNDLE_ROOT / "sweden" / "kommuner_land.geojson",
                                     read_geometry=False, columns=["kommunkod"])
    assert national == set(bundled["kommunkod"]) and len(national) == 290
    assert {"0180", "2482", "0114"} <= national
    assert demo == {m.kommunkod for m in MUNICIPALITIES} and not demo & national


def test_the_python_api_refuses_an_unknown_kommun(tmp_path) -> None:  # noqa: ANN001
    from siting.outcomes import OutcomeStore

    with OutcomeStore.open(str(tmp_path / "log.sqlite")) as store, \
            pytest.raises(StoreError, match="is not the code of any of Sweden"):
        store.add(Case("T-9", "Test", "battery", "2499", "won"))
