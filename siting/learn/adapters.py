"""Adapters: establishment profiles and the outcome store -> learning.

* :func:`spec_from_profile` turns a :class:`siting.criteria.profiles.Profile` into a
  :class:`~siting.learn.features.FeatureSpec`: one feature per soft criterion
  (value function and normalised weight from the profile, expected sign +1
  since values are "higher is better"), read from ``metric_<metric id>``; a
  criterion whose metric is a ``municipality_attribute`` on
  ``municipal_assessment`` falls back to the case's ``soft_<field>`` score,
  so the factor and the criterion are one feature. Raw metrics come before
  ``value_<criterion>`` columns (as in a scored site table) because a value
  column turns a missing metric into 0, while a raw NaN is imputed. Soft factors the profile
  does not use become features ``soft_<id>`` with expert weight 0.
* :func:`learn_from_store` reads the cases from an
  :class:`siting.outcomes.OutcomeStore` and learns.

``siting.criteria.profiles`` and ``siting.outcomes`` are imported lazily.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from siting.core.errors import LearningError
from siting.core.frozen import FrozenMap
from siting.data.soft_factors import SOFT_FACTORS, factor_ids
from siting.learn.features import (
    FeatureSpec,
    FeatureTable,
    build_features,
    soft_factor_value,
)
from siting.learn.learner import learn, learn_presence_background
from siting.learn.result import LearningResult

if TYPE_CHECKING:  # pragma: no cover
    from siting.criteria.profiles import Profile
    from siting.outcomes import OutcomeStore

__all__ = [
    "cases_frame_from_store",
    "decided_counts",
    "features_from_profile",
    "learn_from_store",
    "resolve_profile",
    "spec_from_profile",
]


def resolve_profile(profile: Profile | str | Path) -> Profile:
    """A :class:`~siting.criteria.profiles.Profile`, loading it when given a name or path."""
    if isinstance(profile, (str, Path)):
        from siting.criteria.profiles import load_profile

        return load_profile(profile)
    return profile


def spec_from_profile(profile: Profile | str | Path, *, include_soft_factors: bool = True
                      ) -> FeatureSpec:
    """The feature specification of a profile (see the module docstring)."""
    prof = resolve_profile(profile)
    fns: dict[str, Any] = {}
    weights: dict[str, float] = {}
    signs: dict[str, int] = {}
    sources: dict[str, tuple[str, ...]] = {}
    labels_sv: dict[str, str] = {}
    labels_en: dict[str, str] = {}
    covered: set[str] = set()
    for crit in prof.soft:
        metric = prof.metric(crit.metric)
        cols = [f"metric_{metric.id}"]
        if (metric.kind == "municipality_attribute"
                and metric.params.get("layer") == "municipal_assessment"):
            factor = str(metric.params.get("field", ""))
            cols.append(f"soft_{factor}")
            covered.add(factor)
        cols.extend((metric.id, f"value_{crit.id}"))
        fns[crit.id] = crit.value_fn
        weights[crit.id] = float(prof.weights.get(crit.id, 0.0))
        signs[crit.id] = 1
        sources[crit.id] = tuple(cols)
        labels_sv[crit.id] = metric.label_sv
        labels_en[crit.id] = metric.label_en
    if include_soft_factors:
        for factor in factor_ids():
            if factor in covered:
                continue
            fid = f"soft_{factor}"
            fns[fid] = soft_factor_value
            weights[fid] = 0.0
            signs[fid] = 1
            sources[fid] = (fid, f"value_{fid}")
            labels_sv[fid] = SOFT_FACTORS[factor].name_sv + " (1–5)"
            labels_en[fid] = SOFT_FACTORS[factor].name_en + " (1-5)"
    return FeatureSpec(
        expert_weights=FrozenMap(weights),
        expected_sign=FrozenMap(signs),
        value_fns=FrozenMap(fns),
        sources=FrozenMap(sources),
        labels_sv=FrozenMap(labels_sv),
        labels_en=FrozenMap(labels_en),
        profile_id=prof.id,
    )


def features_from_profile(
    frame: pd.DataFrame,
    profile: Profile | str | Path,
    *,
    withdrawn_as_lost: bool = False,
    group_column: str | None = None,
) -> FeatureTable:
    """Features of a case frame (contracts §D) for a profile."""
    return build_features(frame, spec_from_profile(profile), withdrawn_as_lost=withdrawn_as_lost,
                          group_column=group_column)


def cases_frame_from_store(
    store: OutcomeStore,
    *,
    industry: str | None = None,
    include_confidential: bool = False,
    include_fictional: bool = True,
) -> pd.DataFrame:
    """The case frame of a store's (non-deleted) cases.

    ``confidential`` cases are left out unless ``include_confidential``;
    ``public`` and ``internal`` cases are always in.
    """
    from siting.outcomes import CONFIDENTIALITY, cases_to_frame

    levels = [c for c in CONFIDENTIALITY if include_confidential or c != "confidential"]
    cases = store.list(industry=industry, include_fictional=include_fictional,
                       confidentiality=levels)
    return cases_to_frame(cases)


def decided_counts(
    store: OutcomeStore,
    profile: Profile | str | Path,
    *,
    include_confidential: bool = False,
    withdrawn_as_lost: bool = False,
    include_fictional: bool = True,
) -> tuple[int, int]:
    """(won, lost) decided cases of the profile's industry that learning would use.

    Cheap (no model is fitted): the app uses it to explain what the log still
    needs before :func:`learn_from_store` can run.
    """
    prof = resolve_profile(profile)
    frame = cases_frame_from_store(store, industry=prof.industry,
                                   include_confidential=include_confidential,
                                   include_fictional=include_fictional)
    if frame.empty:
        return 0, 0
    outcome = frame["outcome"].astype("string").str.strip().str.lower()
    lost = {"lost", "withdrawn"} if withdrawn_as_lost else {"lost"}
    return int((outcome == "won").sum()), int(outcome.isin(lost).sum())


def learn_from_store(
    store: OutcomeStore,
    profile: Profile | str | Path,
    *,
    include_confidential: bool = False,
    withdrawn_as_lost: bool = False,
    include_fictional: bool = True,
    all_industries: bool = False,
    presence_background: pd.DataFrame | None = None,
    group_by: str | None = None,
    **options: Any,
) -> LearningResult:
    """Learn a profile's weights from the cases in an outcome log.

    Parameters
    ----------
    store : siting.outcomes.OutcomeStore
    profile : Profile, or a profile name/path
    include_confidential : bool
        Also use cases marked ``confidential``.
    withdrawn_as_lost : bool
        Count withdrawn cases as lost (default: excluded and counted).
    include_fictional : bool
        Use fictional (demo) cases too.
    all_industries : bool
        Use cases of every industry, not only the profile's.
    presence_background : DataFrame, optional
        Background rows (eligible locations with ``metric_``/``soft_``
        columns): learn won cases against them instead of won against lost.
    group_by : str, optional
        Case-frame column grouping dependent cases, e.g. ``"kommunkod"``:
        cross-validation and bootstrap keep each group together.
    **options
        Passed to :func:`siting.learn.learn`.

    Raises
    ------
    LearningError
        No cases, or too few in a class (the message suggests what to do).
    """
    prof = resolve_profile(profile)
    industry = None if all_industries else prof.industry
    frame = cases_frame_from_store(store, industry=industry,
                                   include_confidential=include_confidential,
                                   include_fictional=include_fictional)
    if frame.empty:
        where = "in the outcome log" if industry is None else f"for industry '{industry}'"
        raise LearningError.single(
            store.url, f"no cases {where}",
            hint="record cases first (siting outcomes ...), or pass all_industries=True",
        )
    spec = spec_from_profile(prof)
    if presence_background is not None:
        outcome = frame["outcome"].astype("string").str.strip().str.lower()
        won = frame[(outcome == "won").fillna(False).to_numpy()]
        others = outcome[outcome != "won"].value_counts()
        return learn_presence_background(
            won, spec, background=presence_background,
            n_excluded_by_outcome={str(k): int(v) for k, v in others.items()}, **options,
        )
    table = build_features(frame, spec, withdrawn_as_lost=withdrawn_as_lost,
                           group_column=group_by)
    return learn(table, **options)
