"""Tests of establishment profiles (siting.criteria.profiles) and the shipped criteria/*.toml."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siting.core.errors import ProfileError
from siting.criteria.profiles import (
    PROFILE_DIR,
    HardCriterion,
    available_profiles,
    load_profile,
    parse_profile,
)
from siting.criteria.valuefn import Categories, Linear

SHIPPED = ("battery_plant", "data_center", "steelworks")

BASE = """
[profile]
id = "test_plant"
name_sv = "Testfabrik"
name_en = "Test plant"
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
id = "dist_substation_400kv_m"
kind = "distance"
layer = "substations"
filter = { voltage_kv = { min = 380 } }
unit = "m"
label_sv = "Avstånd till 400 kV"
label_en = "Distance to 400 kV"

[[metric]]
id = "zoning"
kind = "site_attribute"
field = "zoning"
label_sv = "Detaljplan"
label_en = "Zoning"

[[hard]]
id = "area"
metric = "site_area_ha"
op = ">="
threshold = 10
rationale = "judgement"

[[soft]]
id = "grid"
metric = "dist_substation_400kv_m"
weight = 3
value = { kind = "linear", x0 = 20000, x1 = 0 }
rationale = "judgement"

[[soft]]
id = "zoning"
metric = "zoning"
weight = 1
value = { kind = "categories", values = { industrial = 1.0 } }
rationale = "judgement"
"""


def _fail(text: str) -> ProfileError:
    with pytest.raises(ProfileError) as exc:
        parse_profile(text, source="bad.toml")
    return exc.value


# ----------------------------------------------------------------- shipped profiles

def test_shipped_profiles_are_listed() -> None:
    assert set(SHIPPED) <= set(available_profiles())


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_profile_loads_and_is_complete(name: str) -> None:
    p = load_profile(name)
    assert p.id == name
    assert p.source_path == PROFILE_DIR / f"{name}.toml"
    assert sum(p.weights.values()) == pytest.approx(1.0)
    assert all(w >= 0 for w in p.weights.values())
    assert p.hard and p.soft
    for crit in (*p.hard, *p.soft):
        assert "DOMAIN.md" in crit.rationale or "judgement" in crit.rationale.lower(), crit.id
    assert re.fullmatch(r"[0-9a-f]{64}", p.content_hash)


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_metrics_pass_the_metrics_library_validation(name: str) -> None:
    registry = pytest.importorskip("siting.metrics.registry")
    p = load_profile(name)
    for m in p.metrics:
        assert registry.validate_params(m.kind, dict(m.params), source=name) == [], m.id


def test_one_shipped_profile_uses_ahp_consistently() -> None:
    with_ahp = [load_profile(n) for n in SHIPPED if load_profile(n).ahp is not None]
    assert with_ahp
    for p in with_ahp:
        assert p.ahp_cr is not None and p.ahp_cr < 0.10
        assert set(p.ahp.criteria) == {s.id for s in p.soft}


def test_battery_profile_thresholds_match_the_brief() -> None:
    p = load_profile("battery_plant")
    hard = {h.id: h for h in p.hard}
    assert hard["area"].threshold == 50 and hard["area"].op == ">="
    assert hard["grid_capacity"].threshold == 200
    assert p.metric("grid_capacity_10km_mw").params["filter"]["voltage_kv"]["min"] == 130


@pytest.mark.parametrize("name", SHIPPED)
def test_canonical_toml_round_trips(name: str) -> None:
    p = load_profile(name)
    q = parse_profile(p.to_toml())
    assert q.content_hash == p.content_hash
    assert q.metrics == p.metrics and q.hard == p.hard and q.soft == p.soft
    assert dict(q.weights) == pytest.approx(dict(p.weights))


def test_content_hash_ignores_comments_but_not_content() -> None:
    a = parse_profile(BASE)
    b = parse_profile("# a comment\n" + BASE.replace("weight = 3", "weight   =   3  # note"))
    c = parse_profile(BASE.replace("weight = 3", "weight = 4"))
    assert a.content_hash == b.content_hash
    assert a.content_hash != c.content_hash


def test_edited_copy_saved_to_disk_loads_again(tmp_path: Path) -> None:
    p = load_profile("steelworks").with_weights({s.id: 1.0 for s in load_profile("steelworks").soft})
    path = tmp_path / "my_steel.toml"
    path.write_text(p.to_toml(), encoding="utf-8")
    q = load_profile(path)
    assert q.content_hash == p.content_hash
    assert q.weights == pytest.approx({s.id: 1 / len(p.soft) for s in p.soft})


# ----------------------------------------------------------------- weights

def test_weights_are_normalised_and_declared_weights_kept() -> None:
    p = parse_profile(BASE)
    assert dict(p.weights) == pytest.approx({"grid": 0.75, "zoning": 0.25})
    assert [s.weight for s in p.soft] == [3.0, 1.0]
    np.testing.assert_allclose(p.weight_vector(), [0.75, 0.25])


def test_with_weights_normalises_and_drops_ahp() -> None:
    p = load_profile("data_center")
    q = p.with_weights({s.id: (2.0 if s.id == "labour" else 1.0) for s in p.soft})
    assert q.ahp is None and q.ahp_cr is None
    assert sum(q.weights.values()) == pytest.approx(1.0)
    assert q.weights["labour"] == pytest.approx(2 * q.weights["flat"])
    assert q.content_hash != p.content_hash
    assert p.weights["labour"] != q.weights["labour"]  # original untouched


def test_with_weights_rejects_bad_input() -> None:
    p = parse_profile(BASE)
    with pytest.raises(ProfileError) as exc:
        p.with_weights({"grid": -1, "nope": 1})
    msg = str(exc.value)
    assert "nope" in msg and "non-negative" in msg and "zoning" in msg
    with pytest.raises(ProfileError, match="all weights are zero"):
        p.with_weights({"grid": 0, "zoning": 0})


def test_ahp_weights_override_declared_weights() -> None:
    text = BASE + '\n[ahp]\ncriteria = ["zoning", "grid"]\nmatrix = [[1, 3], [0.3333, 1]]\n'
    p = parse_profile(text)
    assert p.weights["zoning"] == pytest.approx(0.75, abs=1e-3)
    assert p.ahp_cr == 0.0


# ----------------------------------------------------------------- hard criteria

def test_hard_reason_follows_the_contract_format() -> None:
    h = HardCriterion("cap", "m", ">=", 200.0, "", "Nätkapacitet", "Grid capacity", "MW")
    assert h.reason(1234.5, "sv") == "Nätkapacitet: 1\u00a0235 MW, krav minst 200 MW"  # halves round up (CLDR/Babel)
    assert h.reason(150, "en") == "Grid capacity: 150 MW, required at least 200 MW"
    assert h.reason(float("nan"), "en") == "Grid capacity: no data, required at least 200 MW"
    le = HardCriterion("s", "m", "<=", 5.0, "", "Lutning", "Slope", "%")
    assert le.reason(7.25, "sv") == "Lutning: 7,25 %, krav högst 5 %"
    assert le.reason(7.25, "en") == "Slope: 7.25 %, required at most 5 %"
    eq = HardCriterion("p", "m", "==", 0.0, "", "Andel", "Share", "")
    assert eq.reason(0.5, "sv") == "Andel: 0,5, krav exakt 0"
    inn = HardCriterion("pa", "m", "in", ("SE1", "SE2"), "", "Elområde", "Price area", "")
    assert inn.reason("SE3", "en") == "Price area: SE3, required one of SE1, SE2"
    assert inn.reason("SE3", "sv") == "Elområde: SE3, krav en av SE1, SE2"


def test_hard_criteria_carry_labels_from_their_metric() -> None:
    p = parse_profile(BASE)
    h = p.hard[0]
    assert (h.label_sv, h.label_en, h.unit) == ("Yta", "Area", "ha")
    assert h.reason(5, "sv") == "Yta: 5 ha, krav minst 10 ha"


def test_soft_value_functions_are_built() -> None:
    p = parse_profile(BASE)
    assert isinstance(p.soft[0].value_fn, Linear) and p.soft[0].value_fn.direction == -1
    assert isinstance(p.soft[1].value_fn, Categories)


# ----------------------------------------------------------------- bad profiles

def test_unknown_layer_type_is_named() -> None:
    err = _fail(BASE.replace('layer = "substations"', 'layer = "powerlines"'))
    assert len(err.problems) >= 1
    p = err.problems[0]
    assert (p.source, p.location, p.field) == ("bad.toml", "metric 'dist_substation_400kv_m'",
                                              "layer")
    assert "powerlines" in p.message


def test_unknown_metric_kind_and_unknown_metric_reference() -> None:
    err = _fail(BASE.replace('kind = "site_area"', 'kind = "site_size"')
                .replace('metric = "zoning"', 'metric = "zonning"'))
    msgs = str(err)
    assert "unknown metric kind 'site_size'" in msgs
    assert "soft 'zoning'" in msgs and "unknown metric 'zonning'" in msgs


def test_negative_weight_is_rejected() -> None:
    err = _fail(BASE.replace("weight = 3", "weight = -3"))
    assert any(p.location == "soft 'grid'" and p.field == "weight" for p in err.problems)


def test_non_numeric_and_all_zero_weights() -> None:
    assert "must be a number" in str(_fail(BASE.replace("weight = 3", 'weight = "high"')))
    err = _fail(BASE.replace("weight = 3", "weight = 0").replace("weight = 1", "weight = 0"))
    assert "all soft weights are zero" in str(err)


def test_ahp_with_high_cr_names_the_most_inconsistent_pair() -> None:
    extra = """
[[metric]]
id = "dist_rail_m"
kind = "distance"
layer = "railways"
unit = "m"
label_sv = "Järnväg"
label_en = "Rail"

[[soft]]
id = "rail"
metric = "dist_rail_m"
value = { kind = "linear", x0 = 10000, x1 = 0 }

[ahp]
criteria = ["grid", "zoning", "rail"]
matrix = [[1, 9, 0.1111], [0.1111, 1, 9], [9, 0.1111, 1]]
"""
    err = _fail(BASE + extra)
    assert len(err.problems) == 1
    msg = str(err.problems[0])
    assert "consistency ratio" in msg and "exceeds 0.10" in msg
    assert re.search(r"'(grid|zoning|rail)' vs '(grid|zoning|rail)'", msg)


def test_ahp_matrix_shape_reciprocity_and_criteria() -> None:
    not_square = BASE + '[ahp]\ncriteria = ["grid", "zoning"]\nmatrix = [[1, 3]]\n'
    assert "square 2 x 2" in str(_fail(not_square))
    not_recip = BASE + '[ahp]\ncriteria = ["grid", "zoning"]\nmatrix = [[1, 3], [3, 1]]\n'
    assert "not reciprocal" in str(_fail(not_recip))
    wrong = BASE + '[ahp]\ncriteria = ["grid", "labour"]\nmatrix = [[1, 3], [0.3333, 1]]\n'
    msg = str(_fail(wrong))
    assert "'labour' is not a soft criterion id" in msg
    assert "missing from the matrix: zoning" in msg


def test_unknown_field_unknown_op_bad_value_duplicates_all_at_once() -> None:
    text = (BASE
            .replace('field = "zoning"', 'field = "zonning"')
            .replace('op = ">="', 'op = "=>"')
            .replace('x0 = 20000, x1 = 0', 'x0 = 5, x1 = 5')
            .replace('id = "zoning"\nmetric', 'id = "grid"\nmetric'))
    err = _fail(text)
    fields = {(p.location, p.field) for p in err.problems}
    assert ("metric 'zoning'", "field") in fields
    assert ("hard 'area'", "op") in fields
    assert ("soft 'grid'", "value") in fields
    assert ("criterion 'grid'", "id") in fields
    assert len(err.problems) >= 4
    assert "4 problems" in str(err) or f"{len(err.problems)} problems" in str(err)


def test_metric_param_checks() -> None:
    err = _fail(BASE.replace('filter = { voltage_kv = { min = 380 } }',
                             'filter = { voltage = { min = 380 } }\nradius_m = 5'))
    msg = str(err)
    assert "unknown field 'voltage'" in msg
    assert "unknown parameter 'radius_m'" in msg
    err = _fail(BASE.replace('kind = "distance"\nlayer = "substations"',
                             'kind = "sum_within"\nlayer = "substations"\nfield = "name"'))
    assert "needs 'radius_m'" in str(err) and "not numeric" in str(err)
    err = _fail(BASE.replace('kind = "distance"\nlayer = "substations"',
                             'kind = "raster_stat"\nlayer = "slope"\nstat = "share"'))
    assert "classes" in str(err)
    err = _fail(BASE.replace('kind = "distance"\nlayer = "substations"',
                             'kind = "distance"\nlayer = "slope"'))
    assert "cannot read layer type 'slope'" in str(err)


def test_value_function_must_fit_metric_type() -> None:
    err = _fail(BASE.replace('value = { kind = "categories", values = { industrial = 1.0 } }',
                             'value = { kind = "linear", x0 = 0, x1 = 1 }'))
    assert "is text; use kind = \"categories\"" in str(err)
    bad_hard = BASE + ('\n[[hard]]\nid = "zoned"\nmetric = "zoning"\nop = ">="\n'
                       'threshold = "industrial"\n')
    assert "does not apply to a text metric" in str(_fail(bad_hard))


def test_header_problems() -> None:
    text = BASE.replace('industry = "other"', 'industry = "mining"').replace(
        'aggregation = "weighted_sum"', 'aggregation = "electre"').replace(
        "min_area_ha = 10", "min_area_ha = -1")
    fields = {p.field for p in _fail(text).problems}
    assert {"industry", "aggregation", "min_area_ha"} <= fields


def test_unknown_sections_and_keys() -> None:
    err = _fail(BASE + '\n[weights]\ngrid = 1\n')
    assert "unknown section 'weights'" in str(err)
    err = _fail(BASE.replace('rationale = "judgement"\n\n[[soft]]\nid = "grid"',
                             'rationale = "judgement"\nnote = "x"\n\n[[soft]]\nid = "grid"'))
    assert "unknown key 'note'" in str(err)


def test_invalid_toml_and_missing_profile(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="not valid TOML"):
        parse_profile("[profile\nid = 1", source="x.toml")
    with pytest.raises(ProfileError, match="no such profile"):
        load_profile("no_such_profile")
    bad = tmp_path / "latin1.toml"
    bad.write_bytes(BASE.replace("Testfabrik", "Tillverkning å").encode("latin-1"))
    with pytest.raises(ProfileError, match="UTF-8"):
        load_profile(bad)


def test_hard_reason_on_pandas_na() -> None:
    pd = pytest.importorskip("pandas")
    ne = HardCriterion("z", "m", "!=", "none", "", "Plan", "Plan", "")
    assert ne.reason(pd.NA, "sv") == "Plan: uppgift saknas, krav inte none"


@pytest.mark.parametrize("name", SHIPPED)
def test_profiles_pickle_and_hash(name: str) -> None:
    # Streamlit's cache pickles return values; the app also keys caches by profile
    import pickle

    p = load_profile(name)
    q = pickle.loads(pickle.dumps(p))
    assert q == p and hash(q) == hash(p)
    assert q.weights == p.weights and q.content_hash == p.content_hash
    with pytest.raises(TypeError):
        p.weights["labour"] = 1.0  # type: ignore[index]


def test_a_bad_soft_criterion_does_not_cascade_into_ahp_errors() -> None:
    text = (BASE.replace('value = { kind = "linear", x0 = 20000, x1 = 0 }',
                         'value = { kind = "linear", x0 = 0 }')
            + '[ahp]\ncriteria = ["grid", "zoning"]\nmatrix = [[1, 3], [0.3333, 1]]\n')
    err = _fail(text)
    assert len(err.problems) == 1
    assert err.problems[0].location == "soft 'grid'" and "needs 'x1'" in err.problems[0].message


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=40), st.text(min_size=1, max_size=20).filter(str.strip))
def test_any_text_survives_the_canonical_toml(description: str, label: str) -> None:
    p = parse_profile(BASE)
    metrics = (dataclasses.replace(p.metrics[0], label_en=label), *p.metrics[1:])
    edited = dataclasses.replace(p, description_sv=description, metrics=metrics)
    q = parse_profile(edited.to_toml())
    assert q.description_sv == description
    assert q.metrics[0].label_en == label


def test_profile_text_is_written_once_and_never_reused_by_a_changed_copy() -> None:
    import dataclasses

    from siting.criteria.profiles import load_profile, parse_profile

    p = load_profile("battery_plant")
    assert p.to_toml() is p.to_toml()   # written once
    renamed = dataclasses.replace(p, name_en="Something else")
    assert "Something else" in renamed.to_toml() and "Something else" not in p.to_toml()
    first = p.soft[0].id
    reweighted = p.with_weights({c.id: (5.0 if c.id == first else 1.0) for c in p.soft})
    assert parse_profile(reweighted.to_toml()).content_hash == reweighted.content_hash
    assert reweighted.to_toml() != p.to_toml()
