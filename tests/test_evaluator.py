"""The one evaluator: pass / fail / unknown for every metric kind, coverage, strict mode,
the ranking policy, and the bad inputs rejected on load."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from siting.core.errors import CatalogError, ProfileError
from siting.criteria.evaluator import (
    FAIL,
    PASS,
    UNKNOWN,
    Evidence,
    coverage_gaps,
    hard_codes,
    rank_order,
    reason,
    row_verdict,
    soft_values,
    status_names,
)
from siting.criteria.profiles import HardCriterion, load_profile, parse_profile
from siting.criteria.valuefn import parse_value_fn
from siting.data.catalog import Coverage, LayerSpec, load_catalog
from siting.data.layers import load_layerset
from siting.demo import STUDY_AREA
from siting.metrics import registry
from siting.metrics.spec import METRIC_KINDS
from siting.scoring.sites import evaluate

#: Per metric kind: an operator, threshold, a passing, a failing value (numeric kinds).
_NUMERIC_CASES = {
    "site_area": (">=", 20.0, 25.0, 10.0),
    "site_attribute": (">=", 1.0, 2.0, 0.0),
    "distance": ("<=", 8000.0, 5000.0, 12000.0),
    "nearest_attribute": (">=", 130.0, 220.0, 70.0),
    "sum_within": (">=", 100.0, 150.0, 50.0),
    "count_within": (">=", 2.0, 3.0, 1.0),
    "overlap_share": ("<=", 0.0, 0.0, 0.4),
    "raster_stat": ("<=", 5.0, 3.0, 9.0),
    "municipality_attribute": (">=", 1000.0, 5000.0, 10.0),
    "labour_pool": (">=", 10000.0, 20000.0, 5000.0),
}


def test_every_metric_kind_is_covered_by_the_cases() -> None:
    assert set(_NUMERIC_CASES) == set(METRIC_KINDS)


@pytest.mark.parametrize("kind", sorted(METRIC_KINDS))
def test_pass_fail_unknown_for_every_metric_kind(kind: str) -> None:
    op, thr, good, bad = _NUMERIC_CASES[kind]
    crit = HardCriterion("c", "m", op, thr, "", "Mått", "Metric", "")
    values = np.array([good, bad, np.nan])
    assert hard_codes(crit, values).tolist() == [PASS, FAIL, UNKNOWN]
    complete = Evidence("m", layer_id="lyr")
    assert hard_codes(crit, values, complete).tolist() == [PASS, FAIL, UNKNOWN]
    # the layer or field is missing: unknown everywhere, never a pass or a fail
    missing = Evidence("m", measured=False, why_en="no layer", decide_en="add one")
    assert hard_codes(crit, values, missing).tolist() == [UNKNOWN] * 3
    # an incomplete layer keeps only the verdicts missing features cannot overturn
    bias = METRIC_KINDS[kind].evidence
    gap = Evidence("m", layer_id="lyr", bias=bias)
    got = hard_codes(crit, values, gap).tolist()
    expected = {"none": [PASS, FAIL, UNKNOWN],
                "upper": [PASS, UNKNOWN, UNKNOWN],  # distance: a closer one may exist
                "lower": [PASS, UNKNOWN, UNKNOWN] if op == ">=" else [UNKNOWN, FAIL, UNKNOWN],
                "any": [UNKNOWN, UNKNOWN, UNKNOWN]}[bias]
    assert got == expected, (kind, bias)


def test_text_metrics_compare_as_text_and_missing_is_unknown() -> None:
    crit = HardCriterion("pa", "m", "in", ("SE1", "SE2"), "")
    values = np.array(["SE1", "SE3", None], dtype=object)
    assert hard_codes(crit, values).tolist() == [PASS, FAIL, UNKNOWN]
    ne = HardCriterion("z", "m", "!=", "none", "")
    assert hard_codes(ne, np.array(["industrial", "none", None], dtype=object)).tolist() == [
        PASS, FAIL, UNKNOWN]


def test_greater_or_equal_distance_on_an_incomplete_layer() -> None:
    # "at least 500 m from housing": a found feature nearer than 500 m is a certain fail
    far = HardCriterion("far", "m", ">=", 500.0, "")
    gap = Evidence("m", bias="upper")
    assert hard_codes(far, np.array([200.0, 900.0]), gap).tolist() == [FAIL, UNKNOWN]
    # "no overlap" (== 0) on an incomplete protected-area layer: overlap found is a fail
    none = HardCriterion("np", "m", "==", 0.0, "")
    assert hard_codes(none, np.array([0.3, 0.0]), Evidence("m", bias="lower")).tolist() == [
        FAIL, UNKNOWN]


def test_row_verdict_and_strict_mode() -> None:
    codes = np.array([[PASS, PASS], [PASS, UNKNOWN], [FAIL, UNKNOWN], [UNKNOWN, UNKNOWN]],
                     dtype=np.int8)
    assert row_verdict(codes).tolist() == [PASS, UNKNOWN, FAIL, UNKNOWN]
    assert row_verdict(codes, strict=True).tolist() == [PASS, FAIL, FAIL, FAIL]
    assert status_names(row_verdict(codes)).tolist() == ["pass", "unknown", "fail", "unknown"]
    assert row_verdict(np.zeros((2, 0), dtype=np.int8)).tolist() == [PASS, PASS]


def test_ranking_policy_fail_last_unknown_with_pass_no_data_not_bottom() -> None:
    verdict = np.array([FAIL, UNKNOWN, PASS, PASS, UNKNOWN])
    scores = np.array([99.0, 80.0, 70.0, np.nan, 90.0])
    ranks = rank_order(verdict, scores).tolist()
    # unknown (90, 80) rank with passing (70) by score; no score after scored; fail last
    assert ranks == [5, 2, 3, 4, 1]


def test_soft_values_flag_missing_as_no_data() -> None:
    from siting.criteria.profiles import SoftCriterion

    fn = parse_value_fn({"kind": "linear", "x0": 0, "x1": 100}, "t", "soft 'x'", [])
    assert fn is not None
    crit = SoftCriterion("x", "m", 1.0, fn, "")
    v, nodata = soft_values(crit, np.array([50.0, np.nan, 200.0]))
    assert v.tolist() == [0.5, 0.0, 1.0] and nodata.tolist() == [False, True, False]


def test_unknown_reason_names_why_and_what_decides() -> None:
    crit = HardCriterion("near", "m", "<=", 8000.0, "", "Avstånd", "Distance", "m")
    ev = Evidence("m", bias="upper", why_en="the layer is complete only for >= 220 kV",
                  decide_en="the grid owner's list of stations", why_sv="x", decide_sv="y")
    text = reason(crit, 12000.0, UNKNOWN, ev, "en")
    assert text.startswith("Distance: 12,000 m, required at most 8,000 m – unknown:")
    assert "220 kV" in text and "the grid owner's list of stations" in text
    assert reason(crit, 12000.0, FAIL, ev, "en") == crit.reason(12000.0, "en")


# ----------------------------------------------------------------------------- coverage
def _spec(**kw: object) -> LayerSpec:
    import datetime as dt

    base: dict[str, object] = {
        "id": "s", "type": "substations", "theme": "energy", "kind": "point",
        "title_sv": "S", "title_en": "S", "source": "s.gpkg", "attribution": "a",
        "licence": "l", "vintage": dt.date(2024, 1, 1)}
    return LayerSpec(**{**base, **kw})  # type: ignore[arg-type]


def test_coverage_gaps_follow_the_filter() -> None:
    cov = (Coverage("voltage_kv", ">=", 220.0, "transmission only"),)
    spec = _spec(coverage=cov)
    assert coverage_gaps(spec, {"voltage_kv": {"min": 130}}) == cov
    assert coverage_gaps(spec, {"voltage_kv": {"min": 380}}) == ()
    assert coverage_gaps(spec, {"voltage_kv": {"in": [220, 400]}}) == ()
    assert coverage_gaps(spec, {"voltage_kv": {"eq": 130}}) == cov
    assert coverage_gaps(spec, None) == cov
    assert coverage_gaps(_spec(), {"voltage_kv": {"min": 130}}) == ()
    assert coverage_gaps(_spec(complete=False), {"voltage_kv": {"min": 380}}) is None


def test_bad_coverage_declaration_lists_every_problem(tmp_path: Path) -> None:
    text = (Path(load_catalog("demo").path).read_text(encoding="utf-8").replace(
        'available_capacity_mw = "MW"\n',
        'available_capacity_mw = "MW"\n[[layer.coverage]]\nfield = "kilovolts"\nop = ">>"\n'
        'value = 220\n[[layer.coverage]]\nfield = "voltage_kv"\nop = ">="\nvalue = "high"\n',
        1))
    bad = tmp_path / "bad.toml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError) as info:
        load_catalog(bad)
    fields = [p.field for p in info.value.problems]
    assert "coverage #1.field" in fields and "coverage #1.op" in fields
    assert "coverage #2.value" in fields
    assert all(p.location == "layer 'substations'" and p.hint for p in info.value.problems)
    assert "voltage_kv" in next(p.hint for p in info.value.problems
                                if p.field == "coverage #1.field")


def test_shipped_real_catalogue_declares_transmission_coverage() -> None:
    spec = load_catalog("sweden_open").layer("substations")
    assert spec.coverage == (Coverage("voltage_kv", ">=", 220.0, spec.coverage[0].note),)


# ----------------------------------------------------------------------------- bad input
_PROFILE = """
[profile]
id = "t"
name_sv = "T"
name_en = "T"
min_area_ha = 5
[[metric]]
id = "dist_m"
kind = "distance"
layer = "railways"
unit = "m"
label_sv = "Avstånd"
label_en = "Distance"
[[metric]]
id = "price"
kind = "municipality_attribute"
layer = "municipality_stats"
field = "price_area"
label_sv = "Elområde"
label_en = "Price area"
[[hard]]
id = "near"
metric = "dist_m"
op = "<="
threshold = {thr_num}
[[hard]]
id = "area"
metric = "price"
op = "=="
threshold = {thr_text}
[[soft]]
id = "s"
metric = "dist_m"
weight = 1
value = {{ kind = "linear", x0 = 10000, x1 = 0 }}
"""


def test_numeric_metric_with_text_threshold_is_rejected_on_load() -> None:
    parse_profile(_PROFILE.format(thr_num="5000", thr_text='"SE1"'))  # the good form loads
    with pytest.raises(ProfileError) as info:
        parse_profile(_PROFILE.format(thr_num='"5000"', thr_text="1"), source="x.toml")
    by_loc = {p.location: p for p in info.value.problems}
    assert set(by_loc) == {"hard 'near'", "hard 'area'"}
    assert all(p.source == "x.toml" and p.field == "threshold" and p.hint
               for p in by_loc.values())
    assert "number" in by_loc["hard 'near'"].message
    assert "text" in by_loc["hard 'area'"].message


# ----------------------------------------------------------------------------- one contract
def test_validation_and_computation_read_one_metric_contract() -> None:
    from siting.criteria import rules

    assert rules.METRIC_KINDS is METRIC_KINDS and registry.METRIC_KINDS is METRIC_KINDS
    params = {"layer": "substations", "filter": {"voltage_kv": {"above": 1}}}
    from_registry = registry.validate_params("distance", params)
    with pytest.raises(ProfileError) as info:
        parse_profile(_PROFILE.format(thr_num="5000", thr_text='"SE1"').replace(
            'layer = "railways"', 'layer = "substations"\nfilter = { voltage_kv = { above = 1 } }'))
    assert [p.message for p in from_registry] == [p.message for p in info.value.problems]


# ----------------------------------------------------------------------------- on sites
@pytest.fixture(scope="module")
def covered_demo(tmp_path_factory: pytest.TempPathFactory):
    """The demo data with the substations declared complete only for >= 220 kV."""
    cat = load_catalog("demo")
    text = Path(cat.path).read_text(encoding="utf-8").replace(
        'available_capacity_mw = "MW"\n',
        'available_capacity_mw = "MW"\n[[layer.coverage]]\nfield = "voltage_kv"\nop = ">="\n'
        'value = 220\nnote = "transmission grid only"\n', 1)
    path = tmp_path_factory.mktemp("cat") / "demo_covered.toml"
    path.write_text(text, encoding="utf-8")
    return (load_layerset(path, cat.resolve_data_dir(None), region=list(STUDY_AREA)),
            load_layerset("demo", region=list(STUDY_AREA)))


def test_incomplete_layer_turns_absence_into_unknown_on_sites(covered_demo) -> None:
    covered, full = covered_demo
    prof = load_profile("data_center")
    res, ref = evaluate(None, prof, covered), evaluate(None, prof, full)
    got, was = res.hard_status["substation_near"], ref.hard_status["substation_near"]
    assert (was == FAIL).any() and (was == PASS).any()
    # found within 8 km stays a pass (evidence); none found becomes unknown, not a fail
    assert (got[was == PASS] == PASS).all()
    assert (got[was == FAIL] == UNKNOWN).all()
    flagged = res.table[got.to_numpy() == UNKNOWN]
    assert flagged["not_checked_en"].str.contains("would be decided by").all()
    assert flagged["unknown_criteria"].str.contains("substation_near").all()
    outs = res.outcomes.loc[flagged.index[0]]
    near = next(o for o in outs if o.criterion_id == "substation_near")
    assert near.status == "unknown" and near.layer_id == "substations" and near.source
    # the layer covers 380 kV: the steelworks' 400 kV criterion is decided as before
    steel = load_profile("steelworks")
    assert evaluate(None, steel, covered).hard_status["transmission_400kv"].equals(
        evaluate(None, steel, full).hard_status["transmission_400kv"])


def test_strict_mode_and_ranking_policy_on_sites(covered_demo) -> None:
    covered, _ = covered_demo
    res = evaluate(None, load_profile("data_center"), covered)
    status = res.table["status"]
    assert {"pass", "fail", "unknown"} >= set(status) and (status == "unknown").any()
    ranked = res.table.sort_values("rank")
    first_fail = int(np.argmax(ranked["status"].to_numpy() == "fail"))
    assert (ranked["status"].iloc[first_fail:] == "fail").all()  # failing sites last
    ok = ranked[ranked["status"] != "fail"]
    assert ok["score"].is_monotonic_decreasing  # unknown ranked with passing, by score
    strict = evaluate(None, load_profile("data_center"), covered, strict=True)
    assert (strict.table.loc[status == "unknown", "status"] == "fail").all()
    assert strict.table["passes_hard"].sum() == (status == "pass").sum()
    assert res.with_strict(True).table["status"].equals(strict.table["status"])
    assert "Strict" in strict.policy("en") and "Strict" not in res.policy("en")


def test_surface_marks_cells_resting_on_unknowns(covered_demo, tmp_path: Path) -> None:
    import rasterio

    from siting.surface.candidates import candidate_areas
    from siting.surface.run import suitability_surface

    covered, full = covered_demo
    prof = load_profile("data_center")
    surf = suitability_surface(prof, covered, resolution_m=500, out_path=tmp_path / "s.tif")
    ref = suitability_surface(prof, full, resolution_m=500)
    strict = suitability_surface(prof, covered, resolution_m=500, strict=True)
    assert surf.unknown is not None and surf.unknown.any()
    assert not (ref.unknown is not None and ref.unknown.any())
    assert sum(surf.cells_passing.values()) > sum(ref.cells_passing.values())
    assert sum(strict.cells_passing.values()) == (sum(surf.cells_passing.values())
                                                  - sum(surf.cells_unknown.values()))
    with rasterio.open(tmp_path / "s.tif") as src:
        assert src.count == 2
        band = src.read(2)
    assert ((band == 1) == surf.unknown).all()
    areas = candidate_areas(surf, threshold=0.0)
    assert set(areas["status"]) <= {"pass", "unknown"} and (areas["status"] == "unknown").any()
    assert ((areas["unknown_share"] > 0) == (areas["status"] == "unknown")).all()


def test_outcomes_record_the_deciding_layer_and_feature_source() -> None:
    import dataclasses
    from types import MappingProxyType

    ls = load_layerset("demo", region=list(STUDY_AREA))
    lyr = ls.get("substations")
    assert lyr is not None
    subs = lyr.data.assign(source=["own" if i % 2 else "national" for i in range(len(lyr.data))])
    layers = dict(ls.layers)
    layers[lyr.spec.id] = dataclasses.replace(lyr, data=subs)
    ls2 = dataclasses.replace(ls, layers=MappingProxyType(layers))
    res = evaluate(None, load_profile("data_center"), ls2)
    col = res.table["source_dist_substation_130kv_m"]
    assert set(col) <= {"own", "national"} and len(set(col)) == 2
    for idx, outs in res.outcomes.items():
        near = next(o for o in outs if o.criterion_id == "substation_near")
        assert near.layer_id == lyr.spec.id and near.source == col[idx]
    area = next(o for o in res.outcomes.iloc[0] if o.criterion_id == "area")
    assert area.layer_id == "" and area.source == ""


def test_provenance_records_the_deciding_layer_and_coverage_gap(covered_demo) -> None:
    covered, _ = covered_demo
    res = evaluate(None, load_profile("data_center"), covered)
    note = res.provenance.metric_methods["dist_substation_130kv_m"]
    assert note["layer_id"] == "substations" and "220" in note["coverage_gap"]
    assert "grid owner" in note["decided_by"]
    assert "coverage_gap" not in res.provenance.metric_methods["protected_share"]


def test_strict_mode_is_recorded_and_reproduced(covered_demo) -> None:
    from siting.core.provenance import Provenance
    from siting.scoring.sites import reproduce

    demo = load_layerset("demo", region=list(STUDY_AREA))
    res = evaluate(None, load_profile("battery_plant"), demo, strict=True)
    assert res.provenance.strict and not res.with_strict(False).provenance.strict
    back = Provenance.from_json(res.provenance_json())
    assert back.strict is True
    again = reproduce(back)
    assert again.strict and again.table["status"].equals(res.table["status"])
