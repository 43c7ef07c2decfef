"""Features for learning: case frame + feature specification -> value matrix and target.

A *feature* is one soft criterion of a profile (its metric snapshot turned
into 0..1 by the criterion's value function) or one soft factor (the 1..5
assessment turned into ``(x - 1) / 4``). The :class:`FeatureSpec` says, per
feature, where to read the raw value in a case frame (first non-missing
source column wins), which value function to apply, the expert weight and
the expected coefficient sign. :func:`spec_from_mappings` builds one from
plain mappings; :func:`siting.learn.adapters.spec_from_profile`
builds one from an establishment profile.

Outcomes (contracts §D): ``won`` -> 1, ``lost`` -> 0. ``withdrawn`` and
``ongoing`` are never silently dropped: they are excluded from fitting and
counted (``n_excluded_by_outcome``); ``withdrawn_as_lost=True`` counts
withdrawn cases as lost instead; ongoing cases are kept aside to receive
predictions.

Missing values are imputed with the median of the fitting cases; the number
imputed per feature is reported. A feature with no value in any fitting case
(or, in presence-vs-background mode, in one of the two groups) or without
variation is dropped, with the reason.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from siting.core.errors import LearningError, Problem
from siting.core.frozen import FrozenMap
from siting.data.soft_factors import factor_ids

__all__ = [
    "DROP_REASONS",
    "OUTCOMES",
    "FeatureSpec",
    "FeatureTable",
    "build_features",
    "build_presence_background",
    "soft_factor_value",
    "spec_from_mappings",
    "transform_rows",
]

OUTCOMES = ("won", "lost", "withdrawn", "ongoing")

#: Why a feature was left out: code -> (Swedish, English).
DROP_REASONS: Mapping[str, tuple[str, str]] = FrozenMap({
    "no_values": ("inget värde i något av fallen", "no value in any fitting case"),
    "no_values_presence": (
        "inget värde för någon vald plats (skulle imputeras, inte läras)",
        "no value in any presence row (would be imputed, not learned)",
    ),
    "no_values_background": (
        "inget värde för någon bakgrundsplats (skulle imputeras, inte läras)",
        "no value in any background row (would be imputed, not learned)",
    ),
    "constant": ("ingen variation mellan fallen", "no variation among the fitting cases"),
})
ValueFn = Callable[[np.ndarray], np.ndarray]


def soft_factor_value(x: np.ndarray) -> np.ndarray:
    """A 1..5 soft-factor score on the 0..1 value scale: ``(x - 1) / 4``, clipped."""
    arr = np.asarray(x, dtype=float)
    return np.clip((arr - 1.0) / 4.0, 0.0, 1.0)


@dataclass(frozen=True)
class FeatureSpec:
    """What to learn: features, their sources, value functions and expert priors.

    Parameters
    ----------
    expert_weights : mapping
        Feature id -> non-negative expert weight (0 = not in the profile).
    expected_sign : mapping
        Feature id -> +1, -1 or 0 (unconstrained). Values from value
        functions are "higher is better", so +1 is the rule.
    value_fns : mapping
        Feature id -> callable mapping raw values to 0..1.
    sources : mapping
        Feature id -> candidate columns in a case frame, in order of
        preference. Default ``("metric_<id>", "soft_<id>", "<id>", "value_<id>")``;
        a ``value_`` column is taken as already on the 0..1 scale and is
        used only when no raw column is present (scored tables turn a
        missing metric into value 0, which must not hide the gap).
    labels_sv, labels_en : mapping
        Display names (default: the id).
    profile_id : str
        The profile the spec came from (empty when built by hand).
    """

    expert_weights: Mapping[str, float]
    expected_sign: Mapping[str, int]
    value_fns: Mapping[str, ValueFn]
    sources: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    labels_sv: Mapping[str, str] = field(default_factory=dict)
    labels_en: Mapping[str, str] = field(default_factory=dict)
    profile_id: str = ""

    @property
    def features(self) -> tuple[str, ...]:
        """Feature ids in spec order."""
        return tuple(self.value_fns)

    def columns_for(self, feature: str) -> tuple[str, ...]:
        """Candidate frame columns for ``feature``, in order of preference."""
        return self.sources.get(feature) or (
            f"metric_{feature}", f"soft_{feature}", feature, f"value_{feature}",
        )

    def label(self, feature: str, lang: str = "sv") -> str:
        """Display name of ``feature`` in ``lang``."""
        labels = self.labels_sv if lang == "sv" else self.labels_en
        return labels.get(feature, feature)


def spec_from_mappings(
    expert_weights: Mapping[str, float],
    value_fns: Mapping[str, ValueFn] | None = None,
    expected_sign: Mapping[str, int] | None = None,
    *,
    sources: Mapping[str, tuple[str, ...]] | None = None,
    include_soft_factors: bool = True,
    profile_id: str = "",
) -> FeatureSpec:
    """Build a :class:`FeatureSpec` from plain mappings.

    Features without a value function get the identity (values already 0..1);
    features without a sign get +1. With ``include_soft_factors`` every soft
    factor of :mod:`siting.data.soft_factors` not already present becomes a feature
    ``soft_<id>`` with expert weight 0, read from column ``soft_<id>``.
    """
    value_fns = dict(value_fns or {})
    weights = {k: float(v) for k, v in expert_weights.items()}
    for fid in weights:
        value_fns.setdefault(fid, _identity)
    for fid in value_fns:
        weights.setdefault(fid, 0.0)
    signs = {fid: int((expected_sign or {}).get(fid, 1)) for fid in value_fns}
    srcs = dict(sources or {})
    if include_soft_factors:
        covered = {c for fid in value_fns for c in srcs.get(fid, (f"soft_{fid}",))}
        for fac in factor_ids():
            fid = f"soft_{fac}"
            if fid in value_fns or fid in covered:
                continue
            value_fns[fid] = soft_factor_value
            weights[fid] = 0.0
            signs[fid] = 1
            srcs[fid] = (fid, f"value_{fid}")
    return FeatureSpec(
        expert_weights=FrozenMap(weights),
        expected_sign=FrozenMap(signs),
        value_fns=FrozenMap(value_fns),
        sources=FrozenMap(srcs),
        profile_id=profile_id,
    )


def _identity(x: np.ndarray) -> np.ndarray:
    return np.asarray(x, dtype=float)


def _raw_column(frame: pd.DataFrame, spec: FeatureSpec, feature: str) -> pd.Series:
    """The feature on the 0..1 scale, NaN where no source column has a value."""
    out = pd.Series(np.nan, index=frame.index, dtype=float)
    fn = spec.value_fns[feature]
    present = [c for c in spec.columns_for(feature) if c in frame.columns]
    if any(not c.startswith("value_") for c in present):
        # A value column turns "no data" into 0; use it only without raw columns.
        present = [c for c in present if not c.startswith("value_")]
    for col in present:
        raw = frame[col]
        todo = out.isna() & raw.notna()
        if not todo.any():
            continue
        vals = raw[todo].to_numpy()
        if col.startswith("value_"):
            conv = np.asarray(pd.to_numeric(pd.Series(vals), errors="coerce"), dtype=float)
        else:
            conv = np.asarray(fn(vals), dtype=float)
        out[todo] = conv
    return out


def transform_rows(frame: pd.DataFrame, spec: FeatureSpec) -> pd.DataFrame:
    """All spec features on the 0..1 value scale (NaN = no data), indexed like ``frame``."""
    return pd.DataFrame(
        {fid: _raw_column(frame, spec, fid) for fid in spec.features}, index=frame.index
    )


@dataclass(frozen=True)
class FeatureTable:
    """Fitting-ready features.

    Attributes
    ----------
    x : DataFrame
        Fitting rows (imputed), one column per kept feature, indexed by case id.
    y : Series
        1 = won / presence, 0 = lost / background.
    x_predict : DataFrame
        Rows kept aside for prediction (ongoing cases), imputed the same way.
    expert_weights, expected_sign : mapping
        For the kept features.
    medians : mapping
        Imputation value per kept feature.
    n_imputed : mapping
        Feature -> number of fitting rows imputed.
    n_imputed_predict : mapping
        Feature -> number of prediction rows imputed.
    dropped : mapping
        Feature -> reason code it was left out (see :data:`DROP_REASONS`).
    n_excluded_by_outcome : mapping
        Outcome -> number of cases not used for fitting (``withdrawn``, ``ongoing``).
    withdrawn_as_lost : bool
    mode : str
        ``"outcomes"`` or ``"presence_background"``.
    spec : FeatureSpec
    groups : Series, optional
        Group label of each fitting row (e.g. kommunkod) for grouped
        cross-validation and bootstrap; None when cases count as independent.
    group_column : str
        The frame column the groups came from (empty without groups).
    """

    x: pd.DataFrame
    y: pd.Series
    x_predict: pd.DataFrame
    expert_weights: Mapping[str, float]
    expected_sign: Mapping[str, int]
    medians: Mapping[str, float]
    n_imputed: Mapping[str, int]
    n_imputed_predict: Mapping[str, int]
    dropped: Mapping[str, str]
    n_excluded_by_outcome: Mapping[str, int]
    withdrawn_as_lost: bool
    mode: str
    spec: FeatureSpec
    groups: pd.Series | None = None
    group_column: str = ""

    @property
    def features(self) -> tuple[str, ...]:
        """Kept feature ids, in column order."""
        return tuple(self.x.columns)

    @property
    def n_positive(self) -> int:
        """Number of won (presence) rows."""
        return int(self.y.sum())

    @property
    def n_negative(self) -> int:
        """Number of lost (background) rows."""
        return int(len(self.y) - self.y.sum())


def _outcome_problems(frame: pd.DataFrame, id_column: str) -> list[Problem]:
    problems: list[Problem] = []
    for col in ("outcome", id_column):
        if col not in frame.columns:
            problems.append(Problem(
                source="case frame", field=col, message="column is missing",
                hint="build the frame with siting.outcomes.cases_to_frame",
            ))
    if problems:
        return problems
    outcome = frame["outcome"].astype("string").str.strip().str.lower()
    for pos, (cid, val) in enumerate(zip(frame[id_column], outcome, strict=True)):
        if pd.isna(val) or val not in OUTCOMES:
            problems.append(Problem(
                source="case frame", location=f"row {pos} (case {cid})", field="outcome",
                message=f"unknown outcome {val!r}", hint=f"use one of {', '.join(OUTCOMES)}",
            ))
    return problems


def _finalise(
    values_fit: pd.DataFrame,
    y: pd.Series,
    values_pred: pd.DataFrame,
    spec: FeatureSpec,
    *,
    n_excluded: Mapping[str, int],
    withdrawn_as_lost: bool,
    mode: str,
    per_class: bool,
) -> FeatureTable:
    dropped: dict[str, str] = {}
    kept: list[str] = []
    for fid in values_fit.columns:
        col = values_fit[fid]
        if col.notna().sum() == 0:
            dropped[fid] = "no_values"
            continue
        if per_class:
            empty = [k for k in (1, 0) if col[y == k].notna().sum() == 0]
            if empty:
                dropped[fid] = "no_values_presence" if empty[0] == 1 else "no_values_background"
                continue
        if col.dropna().nunique() < 2:
            dropped[fid] = "constant"
            continue
        kept.append(fid)
    medians = {fid: float(values_fit[fid].median()) for fid in kept}
    n_imp = {fid: int(values_fit[fid].isna().sum()) for fid in kept}
    n_imp_pred = {fid: int(values_pred[fid].isna().sum()) for fid in kept}
    x = values_fit[kept].fillna(medians) if kept else values_fit[[]]
    xp = values_pred[kept].fillna(medians) if kept else values_pred[[]]
    return FeatureTable(
        x=x.astype(float),
        y=y.astype(int),
        x_predict=xp.astype(float),
        expert_weights=FrozenMap({f: float(spec.expert_weights.get(f, 0.0)) for f in kept}),
        expected_sign=FrozenMap({f: int(spec.expected_sign.get(f, 1)) for f in kept}),
        medians=FrozenMap(medians),
        n_imputed=FrozenMap(n_imp),
        n_imputed_predict=FrozenMap(n_imp_pred),
        dropped=FrozenMap(dropped),
        n_excluded_by_outcome=FrozenMap(dict(n_excluded)),
        withdrawn_as_lost=withdrawn_as_lost,
        mode=mode,
        spec=spec,
    )


def build_features(
    frame: pd.DataFrame,
    spec: FeatureSpec,
    *,
    withdrawn_as_lost: bool = False,
    id_column: str = "case_id",
    group_column: str | None = None,
) -> FeatureTable:
    """Turn an outcome-log case frame into a :class:`FeatureTable`.

    Parameters
    ----------
    frame : DataFrame
        Case frame as from ``siting.outcomes.cases_to_frame`` (contracts §D).
    spec : FeatureSpec
    withdrawn_as_lost : bool
        Count ``withdrawn`` cases as lost instead of excluding them.
    id_column : str
        Column with the case ids (becomes the index).
    group_column : str, optional
        Column whose values group dependent cases (``"kommunkod"``: cases
        of one municipality share its soft scores); cross-validation and
        bootstrap then keep each group together. A missing value makes the
        case a group of its own.

    Raises
    ------
    LearningError
        When ``outcome``/id columns are missing or an outcome is unknown
        (all rows listed at once).
    """
    problems = _outcome_problems(frame, id_column)
    if group_column is not None and group_column not in frame.columns:
        problems.append(Problem(source="case frame", field=group_column,
                                message="group column is missing",
                                hint="name an existing column, e.g. kommunkod"))
    if problems:
        raise LearningError.from_problems("The case frame cannot be used for learning", problems)
    outcome = frame["outcome"].astype("string").str.strip().str.lower().to_numpy()
    values = transform_rows(frame, spec)
    values.index = pd.Index(frame[id_column].astype(str), name=id_column)
    fit_labels = {"won": 1, "lost": 0}
    if withdrawn_as_lost:
        fit_labels["withdrawn"] = 0
    is_fit = np.isin(outcome, list(fit_labels))
    n_excluded = {
        k: int(np.sum(outcome == k)) for k in ("withdrawn", "ongoing") if k not in fit_labels
    }
    y = pd.Series(
        [fit_labels[o] for o in outcome[is_fit]], index=values.index[is_fit], name="won"
    )
    table = _finalise(
        values[is_fit], y, values[outcome == "ongoing"], spec,
        n_excluded=n_excluded, withdrawn_as_lost=withdrawn_as_lost, mode="outcomes",
        per_class=False,
    )
    if group_column is None:
        return table
    raw = frame[group_column].astype("string").to_numpy()[is_fit]
    labels = [str(g) if not pd.isna(g) else f"case:{cid}"
              for g, cid in zip(raw, y.index, strict=True)]
    groups = pd.Series(labels, index=y.index, name=group_column)
    return dataclasses.replace(table, groups=groups, group_column=group_column)


def build_presence_background(
    presence: pd.DataFrame,
    background: pd.DataFrame,
    spec: FeatureSpec,
    *,
    presence_ids: Iterable[str] | None = None,
    n_excluded_by_outcome: Mapping[str, int] | None = None,
) -> FeatureTable:
    """Features for presence-vs-background learning (only chosen sites known).

    Parameters
    ----------
    presence : DataFrame
        The chosen sites (e.g. ``won`` cases): raw ``metric_``/``soft_``
        columns or ``value_`` columns.
    background : DataFrame
        Eligible locations that were not (known to be) chosen: sites passing
        the hard criteria, random points, ... same columns.
    spec : FeatureSpec
    presence_ids : iterable of str, optional
        Row labels for the presence rows (default: ``case_id`` column or index).
    n_excluded_by_outcome : mapping, optional
        Cases of the log not used (e.g. ``{"lost": 2, "ongoing": 1}``), to be
        reported with the result.
    """
    if len(presence) == 0 or len(background) == 0:
        raise LearningError.single(
            "presence/background", "both presence rows and background rows are needed",
            hint="pass the chosen sites and a sample of eligible locations",
        )
    pv = transform_rows(presence, spec)
    bv = transform_rows(background, spec)
    if presence_ids is not None:
        pid = [str(i) for i in presence_ids]
    elif "case_id" in presence.columns:
        pid = presence["case_id"].astype(str).tolist()
    else:
        pid = [str(i) for i in presence.index]
    pv.index = pd.Index(pid)
    bv.index = pd.Index([f"background:{i}" for i in background.index])
    values = pd.concat([pv, bv])
    y = pd.Series([1] * len(pv) + [0] * len(bv), index=values.index, name="presence")
    return _finalise(
        values, y, values.iloc[0:0], spec,
        n_excluded=dict(n_excluded_by_outcome or {}), withdrawn_as_lost=False,
        mode="presence_background", per_class=True,
    )

