"""Tests of the value functions (siting.criteria.valuefn)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siting.core.errors import Problem, ProfileError
from siting.criteria.valuefn import Categories, Ideal, Linear, Piecewise, Step, parse_value_fn

NAN = float("nan")


def test_linear_increasing_and_decreasing() -> None:
    up = Linear(20_000, 150_000)
    np.testing.assert_allclose(up(np.array([0, 20_000, 85_000, 150_000, 1e6, NAN])),
                               [0, 0, 0.5, 1, 1, 0])
    assert up.direction == 1
    down = Linear(50_000, 5_000)
    np.testing.assert_allclose(down(np.array([5_000, 27_500, 60_000])), [1, 0.5, 0])
    assert down.direction == -1


def test_step_both_sides() -> None:
    np.testing.assert_array_equal(Step(5)(np.array([4.9, 5, 7, NAN])), [0, 1, 1, 0])
    below = Step(5, above=False)
    np.testing.assert_array_equal(below(np.array([4.9, 5, 7])), [1, 1, 0])
    assert (Step(5).direction, below.direction) == (1, -1)


def test_piecewise_interpolates_and_clamps() -> None:
    f = Piecewise(((0, 0.0), (10, 0.8), (20, 1.0)))
    np.testing.assert_allclose(f(np.array([-5, 5, 10, 15, 99, NAN])), [0, 0.4, 0.8, 0.9, 1, 0])
    assert f.direction == 1
    hump = Piecewise(((0, 0.0), (5, 1.0), (10, 0.2)))
    assert hump.direction == 0
    assert Piecewise(((0, 1.0), (5, 0.0))).direction == -1


def test_ideal_plateau_and_falloff() -> None:
    f = Ideal(ideal=10, tolerance=2, zero_at=6)
    # |x-10| <= 2 -> 1; distance 4 -> (6-4)/(6-2) = 0.5; distance >= 6 -> 0
    np.testing.assert_allclose(f(np.array([10, 12, 8, 14, 6, 17, 3, NAN])),
                               [1, 1, 1, 0.5, 0.5, 0, 0, 0])
    assert f.direction == 0


def test_categories_text_missing_and_default() -> None:
    f = Categories({"industrial": 1.0, "in_progress": 0.6}, default=0.1)
    got = f(np.array(["industrial", "in_progress", "none", None, NAN], dtype=object))
    np.testing.assert_allclose(got, [1.0, 0.6, 0.1, 0.0, 0.0])
    assert f.direction == 0
    assert f == Categories({"in_progress": 0.6, "industrial": 1.0}, default=0.1)
    assert hash(f) == hash(Categories({"in_progress": 0.6, "industrial": 1.0}, default=0.1))


def test_numeric_function_on_text_gives_zero() -> None:
    np.testing.assert_allclose(Linear(0, 10)(np.array(["5", "x", None], dtype=object)),
                               [0.5, 0, 0])


@pytest.mark.parametrize(
    "table",
    [
        {"kind": "linear", "x0": 1, "x1": 5},
        {"kind": "step", "threshold": 3.5, "above": False},
        {"kind": "piecewise", "points": [[0, 0], [1, 0.5], [4, 1]]},
        {"kind": "ideal", "ideal": 5, "tolerance": 1, "zero_at": 3},
        {"kind": "categories", "values": {"SE1": 1, "SE4": 0.2}, "default": 0.1},
    ],
)
def test_parse_round_trips_through_to_table(table: dict) -> None:
    fn = parse_value_fn(table, "p.toml", "soft 'x'")
    assert fn is not None
    assert parse_value_fn(fn.to_table(), "p.toml", "soft 'x'") == fn


@pytest.mark.parametrize(
    ("table", "fragment"),
    [
        ({"kind": "sigmoid"}, "unknown value function kind 'sigmoid'"),
        ({"kind": "linear", "x0": 1}, "'linear' needs 'x1'"),
        ({"kind": "linear", "x0": 1, "x1": 1}, "x0 and x1 must differ"),
        ({"kind": "linear", "x0": "a", "x1": 1}, "must be a finite number"),
        ({"kind": "step", "threshold": 1, "above": "yes"}, "true or false"),
        ({"kind": "piecewise", "points": [[0, 0]]}, "at least two"),
        ({"kind": "piecewise", "points": [[0, 0], [0, 1]]}, "strictly increasing"),
        ({"kind": "piecewise", "points": [[0, 0], [1, 2]]}, "0..1"),
        ({"kind": "ideal", "ideal": 1, "tolerance": 3, "zero_at": 2}, "tolerance < zero_at"),
        ({"kind": "categories", "values": {}}, "non-empty"),
        ({"kind": "categories", "values": {"a": 3}}, "0..1"),
        ({"kind": "linear", "x0": 0, "x1": 1, "slope": 2}, "unknown key 'slope'"),
        ("linear", "inline table"),
    ],
)
def test_parse_rejects_bad_tables(table: object, fragment: str) -> None:
    with pytest.raises(ProfileError, match=fragment) as exc:
        parse_value_fn(table, "p.toml", "soft 'x'")
    assert "p.toml" in str(exc.value) and "soft 'x'" in str(exc.value)


def test_parse_collects_into_a_list_without_raising() -> None:
    problems: list[Problem] = []
    fn = parse_value_fn({"kind": "linear", "x0": "a", "x1": "b"}, "p.toml", "soft 'y'", problems)
    assert fn is None
    assert len(problems) == 2
    assert {p.field for p in problems} == {"value.x0", "value.x1"}


@settings(max_examples=80, deadline=None)
@given(
    st.floats(-1e6, 1e6), st.floats(-1e6, 1e6),
    st.lists(st.one_of(st.floats(-1e7, 1e7), st.just(NAN)), min_size=1, max_size=20),
)
def test_linear_outputs_in_unit_interval_and_monotone(x0: float, x1: float, xs: list) -> None:
    if abs(x1 - x0) < 1e-9:
        return
    f = Linear(x0, x1)
    out = f(np.array(xs))
    assert np.all((out >= 0) & (out <= 1))
    finite = np.sort(np.array([x for x in xs if not np.isnan(x)]))
    if finite.size > 1:
        vals = f(finite)
        assert np.all(np.diff(vals) * f.direction >= -1e-12)


def test_pandas_missing_values_count_as_missing() -> None:
    pd = pytest.importorskip("pandas")
    text = pd.Series(["industrial", None, "none"], dtype="string").to_numpy(dtype=object)
    np.testing.assert_allclose(Categories({"industrial": 1.0}, default=0.3)(text), [1, 0, 0.3])
    nums = pd.Series([1.0, None], dtype="Float64").to_numpy(dtype=object)
    np.testing.assert_allclose(Linear(0, 2)(nums), [0.5, 0.0])
