"""The establishment case: a frozen value object and its pure validator.

A *case* is one establishment process in one municipality: a battery plant
that came (or went elsewhere), a data centre that was announced, a steel
conversion that is still ongoing. The store, the import/export formats and the
learning module all exchange :class:`Case` objects; the database rows in
:mod:`siting.outcomes.models` are an implementation detail of the store.

:func:`parse_case` turns a plain mapping (from a form, a CSV row already
unflattened, a JSON revision snapshot) into a :class:`Case`, collecting every
problem; :func:`validate_case` returns only the problems.

Geometry is WKT in EPSG:3006 (SWEREF 99 TM), normalised to millimetre
precision so that it survives every round trip (database, CSV, Excel,
GeoPackage) as an identical string.

Examples
--------
>>> case, problems = parse_case({"case_id": "X-1", "title": "Test", "industry": "battery",
...                              "kommunkod": "2482", "outcome": "won", "year_decided": 2017,
...                              "soft": {"responsiveness": 5}})
>>> problems
[]
>>> case.soft["responsiveness"]
5
>>> [p.field for p in validate_case({"case_id": "X-2", "title": "T", "industry": "coal",
...                                  "kommunkod": "482", "outcome": "won"})]
['industry', 'kommunkod']
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

from siting.core.errors import Problem, StoreError
from siting.data.soft_factors import factor_ids
from siting.outcomes.access import LEVELS, is_org_id
from siting.outcomes.field_checks import (
    SWEDEN_EXTENT_3006,
    ProblemCollector,
    check_bool,
    check_choice,
    check_geometry,
    check_kommunkod,
    check_number,
    check_text,
    is_blank,
    normalise_wkt,
    split_list,
    to_float,
)

__all__ = [
    "CONFIDENTIALITY",
    "CONTENT_FIELDS",
    "INDUSTRIES",
    "OUTCOMES",
    "SWEDEN_EXTENT_3006",
    "Case",
    "CaseMeta",
    "case_from_dict",
    "case_to_dict",
    "is_blank",
    "normalise_wkt",
    "parse_case",
    "to_float",
    "validate_case",
]

INDUSTRIES: tuple[str, ...] = ("battery", "steel", "data_center", "other")
OUTCOMES: tuple[str, ...] = ("won", "lost", "withdrawn", "ongoing")
#: Secrecy levels (see :mod:`siting.outcomes.access`); a new case is ``internal``.
CONFIDENTIALITY: tuple[str, ...] = LEVELS

_MIN_YEAR = 1950
_CASE_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,79}$")
_IDENT_RE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class CaseMeta:
    """Bookkeeping the store keeps for a case (not part of its content).

    Parameters
    ----------
    version : int
        Incremented by every write; equals the number of the latest revision.
    created_by, updated_by : str
        Who created / last changed the case.
    created_at, updated_at : datetime
        When (UTC, timezone-aware).
    deleted_at : datetime or None
        Set when the case is soft-deleted.
    """

    version: int
    created_by: str
    created_at: dt.datetime
    updated_by: str
    updated_at: dt.datetime
    deleted_at: dt.datetime | None = None

    @property
    def is_deleted(self) -> bool:
        """True when the case is soft-deleted."""
        return self.deleted_at is not None


@dataclass(frozen=True)
class Case:
    """One establishment process (content only; equality ignores :attr:`meta`).

    Parameters
    ----------
    case_id : str
        Stable identifier, e.g. ``"SE-2017-NORTHVOLT-ETT-SKELLEFTEA"``.
    title : str
        Title or code name.
    industry : {"battery", "steel", "data_center", "other"}
    kommunkod : str
        4-digit municipality code (text, leading zeros kept).
    outcome : {"won", "lost", "withdrawn", "ongoing"}
        Seen from the municipality ``kommunkod``.
    profile : str
        Establishment profile id (``criteria/<id>.toml``), empty when none.
    geometry_wkt : str or None
        Site point or polygon, WKT in EPSG:3006.
    year_started, year_decided : int or None
    competing_kommuner : tuple of str
        Other municipalities that competed for the same establishment.
    investment_msek, power_mw, land_ha : float or None
        Investment (million SEK), requested power (MW), land (ha).
    jobs : int or None
        Direct jobs announced or reported.
    detaljplan_months, permit_months : float or None
        Time to an adopted zoning plan / an environmental permit.
    metrics : dict of str to float
        Snapshot of hard metric values (profile metric ids) at decision time.
    metrics_vintage : str
        Data vintage of the snapshot (e.g. ``"2024-05 demo data"``).
    soft : dict of str to int
        Soft-factor scores 1..5 keyed by :func:`siting.data.soft_factors.factor_ids`.
    soft_evidence : dict of str to str
        The evidence text behind each score.
    decisive_factors : tuple of str
        Tags naming what decided the case.
    notes, source : str
        Free notes; public source reference (URL or citation).
    confidentiality : {"public", "network", "internal", "confidential"}
        Who may see the case (stored as ``level``); see :mod:`siting.outcomes.access`.
    is_fictional : bool
        True for generated demonstration cases.
    organisation : str
        Id of the organisation owning the record (stored as ``organisation_id``);
        empty means the writer's own organisation.
    meta : CaseMeta or None
        Set by the store; ignored by ``==``.
    """

    case_id: str
    title: str
    industry: str
    kommunkod: str
    outcome: str
    profile: str = ""
    geometry_wkt: str | None = None
    year_started: int | None = None
    year_decided: int | None = None
    competing_kommuner: tuple[str, ...] = ()
    investment_msek: float | None = None
    jobs: int | None = None
    power_mw: float | None = None
    land_ha: float | None = None
    detaljplan_months: float | None = None
    permit_months: float | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    metrics_vintage: str = ""
    soft: dict[str, int] = field(default_factory=dict)
    soft_evidence: dict[str, str] = field(default_factory=dict)
    decisive_factors: tuple[str, ...] = ()
    notes: str = ""
    source: str = ""
    confidentiality: str = "internal"
    is_fictional: bool = False
    organisation: str = ""
    meta: CaseMeta | None = field(default=None, compare=False, repr=False)

    @property
    def geometry(self) -> BaseGeometry | None:
        """The site geometry as a shapely object (EPSG:3006), or None."""
        return None if self.geometry_wkt is None else shapely.from_wkt(self.geometry_wkt)

    @property
    def representative_xy(self) -> tuple[float, float]:
        """A point inside the site (EPSG:3006 metres); NaN, NaN without geometry."""
        geom = self.geometry
        if geom is None:
            return (math.nan, math.nan)
        point = geom if geom.geom_type == "Point" else geom.representative_point()
        return (float(point.x), float(point.y))


#: Content fields of a case, in their canonical order (everything except ``meta``).
CONTENT_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Case) if f.name != "meta")
_REQUIRED = ("case_id", "title", "industry", "kommunkod", "outcome")
_TEXT_FIELDS = ("title", "profile", "metrics_vintage", "notes", "source", "organisation")
_FLOAT_FIELDS = ("investment_msek", "power_mw", "land_ha", "detaljplan_months", "permit_months")
_INT_FIELDS = ("jobs",)
_YEAR_FIELDS = ("year_started", "year_decided")
#: Column widths of the database (longer text is refused up front, not by the database).
_MAX_LEN = {"title": 300, "profile": 80, "metrics_vintage": 200, "organisation": 63,
            "notes": 100_000, "source": 100_000}


def _soft(data: Mapping[str, Any],
          col: ProblemCollector) -> tuple[dict[str, int], dict[str, str]]:
    known = set(factor_ids())
    scores: dict[str, int] = {}
    evidence: dict[str, str] = {}
    raw_scores = data.get("soft") or {}
    raw_evidence = data.get("soft_evidence") or {}
    for name, raw in (("soft", raw_scores), ("soft_evidence", raw_evidence)):
        if not isinstance(raw, Mapping):
            col.add(name, f"expected a table of factor -> value, got {type(raw).__name__}")
    if not isinstance(raw_scores, Mapping) or not isinstance(raw_evidence, Mapping):
        return scores, evidence
    for factor, value in raw_scores.items():
        key = f"soft_{factor}"
        if factor not in known:
            col.add(key, f"unknown soft factor {factor!r}",
                    f"use one of {', '.join(factor_ids())}",
                    f"okänd mjuk faktor {factor!r}", f"använd en av {', '.join(factor_ids())}")
            continue
        score = check_number({key: value}, key, col, integer=True)
        if score is None:
            continue
        if not 1 <= score <= 5:
            col.add(key, f"score {value!r} is outside 1..5", "give a whole number from 1 to 5",
                    f"betyget {value!r} ligger utanför 1–5", "ange ett heltal från 1 till 5")
            continue
        scores[factor] = int(score)
    for factor, text in raw_evidence.items():
        key = f"soft_{factor}_evidence"
        if factor not in known:
            col.add(key, f"unknown soft factor {factor!r}",
                    f"use one of {', '.join(factor_ids())}",
                    f"okänd mjuk faktor {factor!r}", f"använd en av {', '.join(factor_ids())}")
            continue
        if not is_blank(text):
            evidence[factor] = check_text({key: text}, key, col, max_len=100_000)
    return ({f: scores[f] for f in factor_ids() if f in scores},
            {f: evidence[f] for f in factor_ids() if f in evidence})


def _metrics(data: Mapping[str, Any], col: ProblemCollector) -> dict[str, float]:
    raw = data.get("metrics") or {}
    if not isinstance(raw, Mapping):
        col.add("metrics", f"expected a table of metric id -> number, got {type(raw).__name__}")
        return {}
    out: dict[str, float] = {}
    for metric_id, value in raw.items():
        key = f"metric_{metric_id}"
        if not _IDENT_RE.match(str(metric_id)):
            col.add(key, f"metric id {metric_id!r} is not snake case",
                    "use lower-case letters, digits and underscores, e.g. dist_rail_m")
            continue
        x = check_number({key: value}, key, col)
        if x is not None:
            out[str(metric_id)] = float(x)
    return dict(sorted(out.items()))


def parse_case(data: Mapping[str, Any], *, source: str = "case",
               location: str = "") -> tuple[Case | None, list[Problem]]:
    """Validate a mapping of case fields and build the :class:`Case`.

    Parameters
    ----------
    data : mapping
        Keys are :data:`CONTENT_FIELDS`; ``soft``, ``soft_evidence`` and
        ``metrics`` are mappings; list fields may be lists or ``;``-joined text;
        numbers may be text with a decimal comma.
    source, location : str
        Where the data came from, used in every :class:`Problem`.

    Returns
    -------
    (Case or None, list of Problem)
        The case is None when there is any problem.
    """
    col = ProblemCollector(source, location)
    for key in data:
        if key not in CONTENT_FIELDS and key != "meta":
            col.add(str(key), "unknown field", f"known fields: {', '.join(CONTENT_FIELDS)}",
                    "okänt fält", f"kända fält: {', '.join(CONTENT_FIELDS)}")
    for key in _REQUIRED:
        if is_blank(data.get(key)) and key not in ("industry", "outcome"):
            col.add(key, "is required", "", "måste anges")
    case_id = "" if is_blank(data.get("case_id")) else str(data["case_id"]).strip()
    if case_id and not _CASE_ID_RE.match(case_id):
        col.add("case_id", f"{case_id!r} is not a valid case id",
                "use letters, digits and . _ : - (at most 80 characters), e.g. SE-2018-NV-ETT",
                f"{case_id!r} är inte ett giltigt ärende-id",
                "använd bokstäver, siffror och . _ : - (högst 80 tecken), t.ex. SE-2018-NV-ETT")
    values: dict[str, Any] = {"case_id": case_id}
    for key in _TEXT_FIELDS:
        values[key] = check_text(data, key, col, max_len=_MAX_LEN.get(key, 100_000))
    if values["organisation"] and not is_org_id(values["organisation"]):
        col.add("organisation", f"{values['organisation']!r} is not an organisation id",
                "use the id of a member organisation, e.g. skelleftea "
                "(siting admin org list shows them)",
                f"{values['organisation']!r} är inte ett organisations-id",
                "använd id:t för en medlemsorganisation, t.ex. skelleftea "
                "(siting admin org list visar dem)")
    if values["profile"] and not _IDENT_RE.match(values["profile"]):
        col.add("profile", f"{values['profile']!r} is not a profile id",
                "use the profile file's id, e.g. battery_plant",
                f"{values['profile']!r} är inte ett profil-id",
                "använd profilfilens id, t.ex. battery_plant")
    values["industry"] = check_choice(data, "industry", INDUSTRIES, col)
    values["outcome"] = check_choice(data, "outcome", OUTCOMES, col)
    values["confidentiality"] = check_choice(data, "confidentiality", CONFIDENTIALITY, col,
                                        default="internal")
    values["is_fictional"] = check_bool(data, "is_fictional", col)
    fictional = values["is_fictional"]
    values["kommunkod"] = "" if is_blank(data.get("kommunkod")) else check_kommunkod(
        data["kommunkod"], "kommunkod", col, fictional=fictional)
    this_year = dt.date.today().year
    for key in _YEAR_FIELDS:
        values[key] = check_number(data, key, col, integer=True, lo=_MIN_YEAR,
                                   hi=this_year + 1)
    started, decided = values["year_started"], values["year_decided"]
    if started is not None and decided is not None and decided < started:
        col.add("year_decided", f"decided {decided} before it started {started}",
                "check both years", f"beslutat {decided}, före starten {started}",
                "kontrollera båda årtalen")
    if values["outcome"] == "ongoing" and decided is not None:
        col.add("year_decided", "an ongoing case has no decision year",
                "leave year_decided empty or set the outcome",
                "ett pågående ärende har inget beslutsår",
                "lämna year_decided tomt eller ange utfallet")
    for key in _FLOAT_FIELDS:
        values[key] = check_number(data, key, col, lo=0)
    for key in _INT_FIELDS:
        values[key] = check_number(data, key, col, integer=True, lo=0)
    competing = []
    for code in split_list(data.get("competing_kommuner")):
        checked = check_kommunkod(code, "competing_kommuner", col, fictional=fictional)
        if checked and checked == values["kommunkod"]:
            col.add("competing_kommuner", f"{checked} is the case's own municipality",
                    "list only the other municipalities",
                    f"{checked} är ärendets egen kommun", "ange bara de andra kommunerna")
        elif checked and checked not in competing:
            competing.append(checked)
    values["competing_kommuner"] = tuple(competing)
    tags = [check_text({"decisive_factors": t}, "decisive_factors", col, max_len=200)
            for t in split_list(data.get("decisive_factors"))]
    values["decisive_factors"] = tuple(dict.fromkeys(tags))
    values["geometry_wkt"] = check_geometry(data.get("geometry_wkt"), col,
                                            fictional=values["is_fictional"])
    values["soft"], values["soft_evidence"] = _soft(data, col)
    values["metrics"] = _metrics(data, col)
    if col.problems:
        return None, col.problems
    meta = data.get("meta")
    return Case(**values, meta=meta if isinstance(meta, CaseMeta) else None), []


def validate_case(data: Mapping[str, Any], *, source: str = "case",
                  location: str = "") -> list[Problem]:
    """Every problem in a mapping of case fields (empty list when valid)."""
    return parse_case(data, source=source, location=location)[1]


def case_from_dict(data: Mapping[str, Any], *, source: str = "case",
                   location: str = "") -> Case:
    """Build a :class:`Case` or raise :class:`~siting.core.errors.StoreError` with all problems."""
    case, problems = parse_case(data, source=source, location=location)
    if case is None:
        raise StoreError.from_problems("Invalid establishment case", problems)
    return case


def case_to_dict(case: Case) -> dict[str, Any]:
    """The content of a case as a JSON-safe dict (lists instead of tuples)."""
    out: dict[str, Any] = {}
    for key in CONTENT_FIELDS:
        value = getattr(case, key)
        if isinstance(value, tuple):
            value = list(value)
        elif isinstance(value, dict):
            value = dict(value)
        out[key] = value
    return out
