"""The ``filter`` table of contracts §B: min / max / eq / in, and clear errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from siting.core.errors import ProfileError
from siting.metrics import apply_filter, filter_mask, validate_filter


def _subs() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "voltage_kv": [130.0, 220.0, 400.0, np.nan, 400.0],
            "name": ["A", "B", "C", "D", None],
            "available_capacity_mw": [10, 200, 1500, 50, 0],
        },
        index=pd.Index(["s1", "s2", "s3", "s4", "s5"]),
    )


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"voltage_kv": {"min": 220}}, [False, True, True, False, True]),
        ({"voltage_kv": {"max": 220}}, [True, True, False, False, False]),
        ({"voltage_kv": {"min": 200, "max": 300}}, [False, True, False, False, False]),
        ({"voltage_kv": {"eq": 400}}, [False, False, True, False, True]),
        ({"name": {"eq": "B"}}, [False, True, False, False, False]),
        ({"name": {"in": ["A", "C", "Z"]}}, [True, False, True, False, False]),
        ({"voltage_kv": {"in": [130, 400]}}, [True, False, True, False, True]),
        ({"voltage_kv": {"min": 380}, "available_capacity_mw": {"min": 1000}},
         [False, False, True, False, False]),
    ],
)
def test_conditions(spec: dict, expected: list[bool]) -> None:
    assert filter_mask(_subs(), spec).tolist() == expected


def test_missing_values_never_pass_and_empty_spec_passes_all() -> None:
    assert not filter_mask(_subs(), {"voltage_kv": {"max": 1e9}})[3]
    assert filter_mask(_subs(), None).all()
    assert filter_mask(_subs(), {}).all()


def test_apply_filter_keeps_index() -> None:
    out = apply_filter(_subs(), {"voltage_kv": {"min": 380}})
    assert list(out.index) == ["s3", "s5"]


def test_unknown_field_names_the_available_fields() -> None:
    with pytest.raises(ProfileError) as info:
        filter_mask(_subs(), {"spanning": {"min": 380}}, source="criteria/steel.toml")
    msg = str(info.value)
    assert "criteria/steel.toml" in msg and "no field 'spanning'" in msg
    assert "voltage_kv" in msg  # says what exists


def test_all_problems_reported_at_once() -> None:
    spec = {"spanning": {"min": 1}, "voltage_kv": {"above": 3}, "name": {"in": "A"}}
    with pytest.raises(ProfileError) as info:
        filter_mask(_subs(), spec)
    assert len(info.value.problems) == 3


def test_numeric_condition_on_text_is_an_error() -> None:
    with pytest.raises(ProfileError, match="holds text"):
        filter_mask(_subs(), {"name": {"min": 3}})


def test_validate_against_layer_type() -> None:
    ok = validate_filter({"voltage_kv": {"min": 380}}, layer_type="substations")
    assert ok == []
    bad = validate_filter({"kv": {"min": 380}}, layer_type="substations", source="p.toml")
    assert len(bad) == 1 and bad[0].field == "kv" and "voltage_kv" in bad[0].hint
    assert validate_filter("voltage_kv >= 380")[0].field == "filter"
    assert validate_filter({"voltage_kv": {"min": "high"}})[0].message.startswith("'min' needs")
