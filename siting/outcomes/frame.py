"""The case frame consumed by :mod:`siting.learn` (contracts section D).

One row per case with the columns ``case_id, title, industry, profile,
kommunkod, year_started, year_decided, outcome, confidentiality, organisation, is_fictional,
x, y`` (EPSG:3006 representative point), ``soft_<factor id>`` for every soft
factor (float 1..5 or NaN), ``metric_<metric id>`` for every metric present in
any case (float, NaN when absent), then ``detaljplan_months, permit_months,
power_mw, land_ha, jobs``.

Examples
--------
>>> from siting.outcomes.case import Case
>>> frame = cases_to_frame([Case("A", "T", "battery", "2482", "won", soft={"responsiveness": 5},
...                              metrics={"dist_rail_m": 1200.0})])
>>> float(frame.loc[0, "soft_responsiveness"]), float(frame.loc[0, "metric_dist_rail_m"])
(5.0, 1200.0)
>>> bool(frame["soft_planning_speed"].isna().all())
True
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

from siting.data.soft_factors import factor_ids
from siting.outcomes.case import Case

__all__ = ["FRAME_BASE_COLUMNS", "FRAME_TAIL_COLUMNS", "cases_to_frame"]

FRAME_BASE_COLUMNS: tuple[str, ...] = (
    "case_id", "title", "industry", "profile", "kommunkod", "year_started", "year_decided",
    "outcome", "confidentiality", "organisation", "is_fictional", "x", "y",
)
FRAME_TAIL_COLUMNS: tuple[str, ...] = (
    "detaljplan_months", "permit_months", "power_mw", "land_ha", "jobs",
)


def _f(value: float | int | None) -> float:
    return math.nan if value is None else float(value)


def cases_to_frame(cases: Iterable[Case]) -> pd.DataFrame:
    """One row per case, columns as in contracts section D.

    Parameters
    ----------
    cases : iterable of Case

    Returns
    -------
    pandas.DataFrame
        Text columns as strings, ``year_*`` as nullable ``Int64``,
        ``is_fictional`` as bool, everything else float64 (NaN when absent).
    """
    cases = list(cases)
    metric_ids = sorted({m for c in cases for m in c.metrics})
    soft_cols = [f"soft_{f}" for f in factor_ids()]
    metric_cols = [f"metric_{m}" for m in metric_ids]
    data: dict[str, list[object]] = {c: [] for c in (*FRAME_BASE_COLUMNS, *soft_cols,
                                                    *metric_cols, *FRAME_TAIL_COLUMNS)}
    for case in cases:
        x, y = case.representative_xy
        base = {"case_id": case.case_id, "title": case.title, "industry": case.industry,
                "profile": case.profile, "kommunkod": case.kommunkod,
                "year_started": case.year_started, "year_decided": case.year_decided,
                "outcome": case.outcome, "confidentiality": case.confidentiality,
                "organisation": case.organisation, "is_fictional": case.is_fictional, "x": x, "y": y}
        for key, value in base.items():
            data[key].append(value)
        for factor in factor_ids():
            data[f"soft_{factor}"].append(_f(case.soft.get(factor)))
        for metric_id in metric_ids:
            data[f"metric_{metric_id}"].append(_f(case.metrics.get(metric_id)))
        for key in FRAME_TAIL_COLUMNS:
            data[key].append(_f(getattr(case, key)))
    frame = pd.DataFrame(data)
    for key in ("case_id", "title", "industry", "profile", "kommunkod", "outcome",
                "confidentiality", "organisation"):
        frame[key] = frame[key].astype("str")
    years: dict[str, list[int | None]] = {"year_started": [c.year_started for c in cases],
                                          "year_decided": [c.year_decided for c in cases]}
    for key, values in years.items():
        frame[key] = pd.array([pd.NA if v is None else int(v) for v in values],
                              dtype="Int64")
    frame["is_fictional"] = frame["is_fictional"].astype(bool)
    float_cols = ["x", "y", *soft_cols, *metric_cols, *FRAME_TAIL_COLUMNS]
    frame[float_cols] = frame[float_cols].astype(np.float64)
    return frame
