"""The ``filter`` table of a metric: field -> condition, turned into a boolean mask.

A profile narrows a layer before measuring, e.g. only 400 kV stations::

    filter = { voltage_kv = { min = 380 } }

Conditions: ``{ min = x }`` (>=), ``{ max = x }`` (<=), ``{ eq = v }``,
``{ in = [..] }``. Several keys in one condition and several fields are all
combined with AND. A missing value (NaN/None) never satisfies a condition.

Examples
--------
>>> import pandas as pd
>>> subs = pd.DataFrame({"voltage_kv": [130.0, 220.0, 400.0]})
>>> filter_mask(subs, {"voltage_kv": {"min": 220}}).tolist()
[False, True, True]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from siting.core.errors import Problem, ProfileError
from siting.data.schema import LAYER_TYPES
from siting.metrics.spec import FILTER_CONDITIONS

__all__ = ["CONDITION_KEYS", "FilterSpec", "apply_filter", "filter_mask", "validate_filter"]

#: Allowed condition keys and what they mean (declared in :mod:`siting.metrics.spec`).
CONDITION_KEYS: Mapping[str, str] = FILTER_CONDITIONS

FilterSpec = Mapping[str, Mapping[str, Any]]


def validate_filter(
    spec: Any,
    *,
    layer_type: str | None = None,
    columns: Any = None,
    source: str = "filter",
) -> list[Problem]:
    """Check a filter table; return every problem found (empty list when fine).

    Parameters
    ----------
    spec : mapping
        The ``filter`` table: field -> condition table.
    layer_type : str, optional
        Canonical layer type; fields must be canonical fields of it.
    columns : iterable of str, optional
        Columns actually present in the layer; fields must be among them.
    source : str
        Where the filter comes from, used in the problems (e.g. the profile file).
    """
    problems: list[Problem] = []
    if spec is None:
        return problems
    if not isinstance(spec, Mapping):
        return [Problem(source, "", "filter", f"must be a table of field = condition, got {spec!r}",
                        "write e.g. filter = { voltage_kv = { min = 380 } }")]
    known: set[str] | None = None
    if layer_type is not None and layer_type in LAYER_TYPES:
        known = {f.name for f in LAYER_TYPES[layer_type].fields}
    present = None if columns is None else {str(c) for c in columns}
    for fld, cond in spec.items():
        loc = f"filter on '{fld}'"
        if known is not None and fld not in known:
            problems.append(Problem(
                source, loc, str(fld),
                f"'{fld}' is not a field of layer type '{layer_type}'",
                f"use one of: {', '.join(sorted(known)) or 'no fields'}"))
        elif present is not None and fld not in present:
            problems.append(Problem(
                source, loc, str(fld), f"the layer has no field '{fld}'",
                f"map it in the layer catalogue, or filter on one of: "
                f"{', '.join(sorted(present - {'geometry'})) or 'no fields'}"))
        if not isinstance(cond, Mapping) or not cond:
            problems.append(Problem(
                source, loc, str(fld), f"condition must be a non-empty table, got {cond!r}",
                "write e.g. { min = 380 }, { max = 20 }, { eq = 'industrial' } or { in = [..] }"))
            continue
        for key, val in cond.items():
            if key not in CONDITION_KEYS:
                problems.append(Problem(
                    source, loc, str(fld), f"unknown condition '{key}'",
                    f"use one of: {', '.join(CONDITION_KEYS)}"))
            elif key in ("min", "max") and (isinstance(val, bool)
                                             or not isinstance(val, int | float)):
                problems.append(Problem(
                    source, loc, str(fld), f"'{key}' needs a number, got {val!r}",
                    f"write e.g. {{ {key} = 100 }}"))
            elif key == "in" and (isinstance(val, str) or not isinstance(val, list | tuple)):
                problems.append(Problem(
                    source, loc, str(fld), f"'in' needs a list, got {val!r}",
                    "write e.g. { in = ['industrial', 'in_progress'] }"))
    return problems


def filter_mask(layer: pd.DataFrame, spec: FilterSpec | None, *, source: str = "filter") -> np.ndarray:
    """Boolean mask (numpy, one entry per row of ``layer``) of rows passing ``spec``.

    Raises
    ------
    ProfileError
        Listing every problem at once: unknown fields (with the fields that
        exist), unknown conditions, wrong value types, a numeric condition on
        a text field.
    """
    n = len(layer)
    if not spec:
        return np.ones(n, dtype=bool)
    problems = validate_filter(spec, columns=layer.columns, source=source)
    if problems:
        raise ProfileError.from_problems("Invalid filter", problems)
    mask = np.ones(n, dtype=bool)
    for fld, cond in spec.items():
        col = layer[fld]
        present = col.notna().to_numpy()
        for key, val in cond.items():
            if key in ("min", "max"):
                num = pd.to_numeric(col, errors="coerce").to_numpy(dtype="float64",
                                                                   na_value=np.nan)
                if (np.isnan(num) & present).any():
                    problems.append(Problem(
                        source, f"filter on '{fld}'", str(fld),
                        f"'{key}' compares numbers but '{fld}' holds text, "
                        f"e.g. {col[np.isnan(num) & present].iloc[0]!r}",
                        "use { eq = .. } or { in = [..] } for text fields"))
                    continue
                with np.errstate(invalid="ignore"):
                    ok = num >= float(val) if key == "min" else num <= float(val)
                mask &= ok & ~np.isnan(num)
            elif key == "eq":
                mask &= present & _isin(col, [val])
            else:  # "in"
                mask &= present & _isin(col, list(val))
    if problems:
        raise ProfileError.from_problems("Invalid filter", problems)
    return mask


def apply_filter(layer: pd.DataFrame, spec: FilterSpec | None, *,
                 source: str = "filter") -> pd.DataFrame:
    """Rows of ``layer`` passing ``spec`` (the layer itself when ``spec`` is empty)."""
    if not spec:
        return layer
    return layer.loc[filter_mask(layer, spec, source=source)]


def _isin(col: pd.Series, values: list[Any]) -> np.ndarray:
    """Membership that matches numbers numerically (1 == 1.0) and text exactly."""
    numeric_vals = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    out = np.array(col.isin(values).to_numpy(dtype=bool, na_value=False), dtype=bool)
    if numeric_vals:
        num = pd.to_numeric(col, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        out |= np.isin(num, np.asarray(numeric_vals, dtype="float64"))
    return out
