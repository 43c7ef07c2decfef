"""The site dossier as data: everything a report shows about one site, in one language.

:func:`build_dossier` gathers, for one candidate site of a :class:`~siting.scoring.result.SitingResult`,
the key facts (with units and data vintage), every hard criterion with its measured value,
the soft criteria with value, weight and contribution, rank and rank acceptability, the
nearest infrastructure, the labour pool, schools and housing of the catchment (across
municipal borders), lessons from the outcome log and the sources of every layer used.
The result is a frozen :class:`Dossier` of display-ready texts and numbers; the
renderers (:mod:`siting.views.report.pdf`, :mod:`siting.views.report.html`) only lay it out.

Only outcome-log cases that may leave the organisation are learned from or listed
(:func:`siting.outcomes.access.may_leave`): ``public`` and ``network`` cases, plus the
reader's own ``internal`` cases when ``include_internal=True`` (every page is then
marked); never ``confidential`` ones, and the dossier never says how many were left out.
"""


from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pandas as pd

from siting.core.errors import ReportError
from siting.core.i18n import format_number, format_percent
from siting.data.layerset import LayerSet
from siting.scoring.dossier import DossierData, dossier_data
from siting.scoring.result import SitingResult
from siting.views.report._texts import tr
from siting.views.report.dossier_model import (
    CaseRow,
    CatchmentRow,
    Dossier,
    FactRow,
    HardRow,
    InfraRow,
    Lessons,
    MapData,
    SoftRow,
    SourceRow,
)
from siting.views.report.dossier_parts import (
    MAP_TYPES,
    catchment_rows,
    fact_rows,
    filter_cases,
    hard_rows,
    infrastructure_rows,
    layer_sources,
    lesson_rows,
    map_data,
    municipality_names,
    plain_text,
    soft_rows,
    value_text,
)
from siting.views.report.pitch import reasons_to_choose, to_confirm

__all__ = [
    "CaseRow",
    "CatchmentRow",
    "Dossier",
    "FactRow",
    "HardRow",
    "InfraRow",
    "Lessons",
    "MapData",
    "SoftRow",
    "SourceRow",
    "build_dossier",
    "filter_cases",
    "layer_sources",
    "map_data",
    "value_text",
]


# ----------------------------------------------------------------------------- entry point
def build_dossier(
    result: SitingResult,
    site_id: str,
    layerset: LayerSet,
    *,
    lang: str = "sv",
    sensitivity: Any = None,
    n_draws: int = 2000,
    cases: pd.DataFrame | None = None,
    include_internal: bool = False,
    own_organisations: tuple[str, ...] = (),
    learn_options: Mapping[str, Any] | None = None,
    with_map: bool = True,
    data: DossierData | None = None,
) -> Dossier:
    """Lay out the dossier of one site.

    Everything beyond the result (catchment, nearby infrastructure, rank acceptability,
    lessons) comes computed in ``data`` (:func:`siting.scoring.dossier.dossier_data`);
    without it, it is computed first with the arguments below. The site's status is the
    evaluator's (the result's ``status`` column), never decided here.

    Parameters
    ----------
    result : SitingResult
        From :func:`siting.scoring.evaluate` on ``layerset``.
    site_id : str
        The site (its ``site_id``).
    layerset : LayerSet
        The layers the result was computed on (map, catchment, sources).
    lang : {"sv", "en"}
    sensitivity : SensitivityReport, optional
        From ``result.sensitivity()``; computed with ``n_draws`` when None.
    n_draws : int
        Weight draws for the rank acceptability when ``sensitivity`` is None.
    cases : DataFrame, optional
        Outcome-log case frame (:func:`siting.outcomes.cases_to_frame`); None leaves the
        lessons section empty.
    include_internal : bool
        Use and list the reader's own organisations' ``internal`` cases too (every
        page is then marked). Confidential cases never appear.
    own_organisations : tuple of str
        The reader's organisations (from :func:`siting.views.report.outcome_cases.load_cases`).
    learn_options : mapping, optional
        Passed to :func:`siting.learn.learn` (e.g. ``n_boot``, ``compare_trees``).
    with_map : bool
        Collect the map data (False for text-only use).
    data : DossierData, optional
        The computed analysis of this site (of ``result``).

    Raises
    ------
    ReportError
        Unknown language.
    ScoringError
        Unknown site id (closest ids suggested).
    """
    if lang not in ("sv", "en"):
        raise ReportError.single("lang", f"unknown language {lang!r}", hint="use 'sv' or 'en'")
    if data is None:
        data = dossier_data(result, site_id, layerset, cases=cases,
                            include_internal=include_internal,
                            own_organisations=own_organisations, n_draws=n_draws,
                            learn_options=learn_options, sensitivity=sensitivity)
    idx = data.index
    names = municipality_names(layerset)
    row = result.table.loc[idx]
    code = plain_text(row["kommunkod"])
    profile = result.profile
    passes = bool(row["passes_hard"])
    n_failed = int(row["n_failed"])
    n_unchecked = int(row["n_not_evaluated"])
    n_hard = len(profile.hard)
    verdict = tr("verdict_pass", lang) if passes else tr("verdict_fail", lang, n=n_failed,
                                                          total=n_hard)
    if n_unchecked:
        verdict += " · " + tr("verdict_incomplete", lang, n=n_unchecked)
    n_pass = int(result.passes.sum())
    rank = int(row["rank"])
    rank_text = tr("rank_of", lang, rank=rank, n=len(result.table))
    rank_text += " · " + (tr("rank_passing", lang, rank=rank, n=n_pass) if passes
                          else tr("rank_failing", lang))
    sens = data.sensitivity
    acc = sens.acceptability
    p1 = float(acc.at[idx, "p_rank1"]) if idx in acc.index else None
    p3 = float(acc.at[idx, "p_top3"]) if idx in acc.index else None
    sweep_rows, top_site = _sweep_rows(sens.sweep, lang)
    intro, total, catch_rows, schools_heading, schools = catchment_rows(data, layerset, lang,
                                                                        names)
    if total is None:
        intro = tr("no_population", lang)
    learned = lesson_rows(data, lang, names)
    used = set(profile.layer_types()) | {"municipalities", "sites"} | set(MAP_TYPES) | {
        "population_grid", "schools", "housing", "municipality_stats"}
    cat = layerset.catalog
    prov = result.provenance
    method = _method_rows(result, layerset, lang)
    hard = tuple(hard_rows(result, idx, lang))
    soft = tuple(soft_rows(result, idx, lang))
    return Dossier(
        lang=lang, site_id=str(row["site_id"]), site_name=plain_text(row["name"]), kommunkod=code,
        municipality=names.get(code, code), profile_id=str(profile.id),
        profile_name=profile.name(lang), profile_description=profile.description(lang),
        aggregation=tr(f"aggregation.{profile.aggregation}", lang),
        dataset=cat.title(lang),
        region=", ".join(f"{names.get(c, c)} ({c})" for c in prov.region_codes)
        or prov.region_label,
        is_fictional=cat.id == "demo" or "fictional" in cat.title_en.lower(),
        generated_utc=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        passes=passes, hard_incomplete=bool(row["hard_incomplete"]), n_failed=n_failed,
        score=float(row["score"]), rank=rank, n_sites=len(result.table), n_pass=n_pass,
        verdict=verdict, rank_text=rank_text,
        facts=tuple(fact_rows(result, idx, layerset, lang)),
        hard=hard, soft=soft,
        infrastructure=tuple(infrastructure_rows(data, lang)),
        catchment_intro=intro, catchment_total=total, catchment=tuple(catch_rows),
        schools_heading=schools_heading, schools=tuple(schools),
        p_rank1=p1, p_top3=p3,
        acceptability_note=tr("acceptability_note", lang,
                              n=format_number(sens.n_draws, lang)),
        sweep=tuple(sweep_rows), top_site=top_site, lessons=learned,
        sources=tuple(layer_sources(layerset, used)), method=method,
        not_evaluated=tuple(result.not_evaluated_texts(lang)),
        map=map_data(result, idx, layerset) if with_map else None,
        status=str(row["status"]), reasons_to_choose=reasons_to_choose(soft, lang),
        to_confirm=to_confirm(hard, soft, lang), policy=result.policy(lang),
    )


def _sweep_rows(sweep: pd.DataFrame, lang: str) -> tuple[list[tuple[str, str]], str]:
    """Each weight's range that keeps the top site, and that top site ("" without a sweep)."""
    sweep_rows: list[tuple[str, str]] = []
    top_site = ""
    if len(sweep):
        top_site = str(sweep["top_site"].iloc[0])
        for _, s in sweep.iterrows():
            sweep_rows.append((str(s[f"label_{lang}"]), tr(
                "sweep_range", lang, low=format_percent(s["lower"], lang, 0),
                high=format_percent(s["upper"], lang, 0), now=format_percent(s["weight"], lang,
                                                                              0))))
    return sweep_rows, top_site


def _method_rows(result: SitingResult, layerset: LayerSet, lang: str
                 ) -> tuple[tuple[str, str], ...]:
    """What a reader needs to trace the result; no local paths or commands."""
    prov = result.provenance
    return (
        (tr("profile", lang), result.profile.name(lang)),
        (tr("profile_hash", lang), prov.profile_hash[:16]),
        (tr("catalog", lang), layerset.catalog.title(lang)),
        (tr("region", lang), prov.region_label or ", ".join(prov.region_codes)),
        (tr("buffer", lang), f"{format_number(prov.buffer_m / 1000.0, lang)} km"),
    )
