"""The site dossier's data model: frozen rows and the :class:`Dossier` (display-ready texts).

Built by :func:`siting.views.report.dossier.build_dossier`; laid out by the PDF and HTML renderers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import geopandas as gpd

__all__ = ["CaseRow", "CatchmentRow", "Dossier", "FactRow", "HardRow", "InfraRow", "Lessons",
           "MapData", "SoftRow", "SourceRow"]

# ----------------------------------------------------------------------------- rows
@dataclass(frozen=True)
class FactRow:
    """One key fact: label, value with unit, and where it comes from (layer, vintage)."""

    label: str
    value: str
    source: str = ""


@dataclass(frozen=True)
class HardRow:
    """One hard criterion for the site."""

    criterion_id: str
    label: str
    status: str  # pass | fail | unknown
    status_text: str
    measured: str
    requirement: str
    sentence: str
    rationale: str = ""
    decided_by: str = ""  # the catalogue layer (and its attribution) that decided it


@dataclass(frozen=True)
class SoftRow:
    """One soft criterion for the site: raw metric, value 0..1, weight and contribution."""

    criterion_id: str
    label: str
    measured: str
    value: float
    weight: float
    contribution: float
    no_data: bool = False
    evaluated: bool = True


@dataclass(frozen=True)
class InfraRow:
    """A nearby piece of infrastructure."""

    kind: str
    name: str
    detail: str
    distance_m: float
    distance: str


@dataclass(frozen=True)
class CatchmentRow:
    """One municipality of the catchment."""

    kommunkod: str
    name: str
    in_study_area: bool
    labour: float
    schools: str
    dwellings: str
    vacancy: str
    planned: str


@dataclass(frozen=True)
class CaseRow:
    """A comparable past case from the outcome log."""

    case_id: str
    title: str
    municipality: str
    year: str
    outcome: str
    distance: str


@dataclass(frozen=True)
class Lessons:
    """What the outcome log teaches about this site."""

    used: bool
    n_cases: int = 0
    n_won: int = 0
    n_lost: int = 0
    p_win: float | None = None
    p_low: float | None = None
    p_high: float | None = None
    level: float = 0.9
    indicative: bool = True
    relative: bool = False
    message: str = ""
    warnings: tuple[str, ...] = ()
    cases: tuple[CaseRow, ...] = ()
    n_confidential_excluded: int = 0
    confidential_included: bool = False
    note: str = ""


@dataclass(frozen=True)
class SourceRow:
    """Source and licence of a layer used in the dossier."""

    layer_id: str
    title: str
    source: str
    attribution: str
    licence: str
    vintage: str


@dataclass(frozen=True)
class MapData:
    """What the static site map draws, clipped to its extent (EPSG:3006)."""

    extent: tuple[float, float, float, float]
    site: gpd.GeoDataFrame
    other_sites: gpd.GeoDataFrame
    layers: Mapping[str, gpd.GeoDataFrame]
    study_codes: tuple[str, ...] = ()
    overview: gpd.GeoDataFrame | None = None


@dataclass(frozen=True)
class Dossier:
    """A site dossier in one language: display-ready texts plus a few raw numbers."""

    lang: str
    site_id: str
    site_name: str
    kommunkod: str
    municipality: str
    profile_id: str
    profile_name: str
    profile_description: str
    aggregation: str
    dataset: str
    region: str
    is_fictional: bool
    generated_utc: str
    passes: bool
    hard_incomplete: bool
    n_failed: int
    score: float
    rank: int
    n_sites: int
    n_pass: int
    verdict: str
    rank_text: str
    facts: tuple[FactRow, ...]
    hard: tuple[HardRow, ...]
    soft: tuple[SoftRow, ...]
    infrastructure: tuple[InfraRow, ...]
    catchment_intro: str
    catchment_total: float | None
    catchment: tuple[CatchmentRow, ...]
    schools_heading: str
    schools: tuple[tuple[str, str], ...]
    p_rank1: float | None
    p_top3: float | None
    acceptability_note: str
    sweep: tuple[tuple[str, str], ...]
    top_site: str
    lessons: Lessons
    sources: tuple[SourceRow, ...]
    method: tuple[tuple[str, str], ...]
    not_evaluated: tuple[str, ...]
    map: MapData | None = field(default=None, repr=False, compare=False)
    status: str = ""
    reasons_to_choose: tuple[str, ...] = ()
    to_confirm: tuple[str, ...] = ()
    policy: str = ""

