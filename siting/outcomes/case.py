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
CONFIDENTIALITY: tuple[str, ...] = ("public", "internal", "confidential")

#: Bounding box of Sweden in EPSG:3006 (xmin, ymin, xmax, ymax), with a small margin.
SWEDEN_EXTENT_3006: tuple[float, float, float, float] = (180_000.0, 6_100_000.0,
                                                         1_090_000.0, 7_700_000.0)
_MIN_YEAR = 1950
_CASE_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,79}$")
_KOMMUNKOD_RE = re.compile(r"^\d{4}$")
_IDENT_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_GEOM_TYPES = ("Point", "Polygon", "MultiPolygon")


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
    confidentiality : {"public", "internal", "confidential"}
    is_fictional : bool
        True for generated demonstration cases.
    organisation : str
        The organisation owning the record.
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
_MAX_LEN = {"title": 300, "profile": 80, "metrics_vintage": 200, "organisation": 200}


def normalise_wkt(wkt: str) -> str:
    """Re-write WKT at millimetre precision (idempotent), e.g. for exact round trips."""
    return shapely.to_wkt(shapely.from_wkt(wkt), rounding_precision=3, trim=True)


def to_float(value: Any) -> float | None:
    """Coerce a number, or text written the Swedish or English way, to float.

    Empty text and None give None; ``"1 234,5"``, ``"1.234,5"``, ``"1,234.5"`` and
    ``"1234.5"`` give 1234.5.
    Raises ``ValueError`` for anything else.
    """
    if value is None or isinstance(value, bool):
        if isinstance(value, bool):
            raise ValueError(f"{value!r} is not a number")
        return None
    if isinstance(value, int | float):
        x = float(value)
        return None if math.isnan(x) else x
    text = str(value).strip().replace("\u00a0", "").replace(" ", "").replace("\u2212", "-")
    if not text:
        return None
    if "," in text and "." in text:  # the last separator is the decimal one
        if text.rfind(",") > text.rfind("."):
            text = text.replace(".", "").replace(",", ".")
        else:
            text = text.replace(",", "")
    elif "," in text:
        text = text.replace(",", ".")
    x = float(text)
    return None if math.isnan(x) else x


def is_blank(value: Any) -> bool:
    """True for None, NaN and empty or whitespace-only text (an empty cell)."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


class _Collector:
    """Collects problems for one case, all of them."""

    def __init__(self, source: str, location: str) -> None:
        self.source = source
        self.location = location
        self.problems: list[Problem] = []

    def add(self, fld: str, message: str, hint: str = "", message_sv: str = "",
            hint_sv: str = "") -> None:
        self.problems.append(Problem(self.source, self.location, fld, message, hint,
                                     message_sv, hint_sv))


def _text(data: Mapping[str, Any], key: str, col: _Collector, max_len: int = 10_000) -> str:
    value = data.get(key)
    if is_blank(value):
        return ""
    text = str(value).strip()
    if len(text) > max_len:
        col.add(key, f"text is {len(text)} characters long", f"shorten it to {max_len}",
                f"texten är {len(text)} tecken lång", f"korta den till {max_len} tecken")
    return text


def _number(data: Mapping[str, Any], key: str, col: _Collector, *, integer: bool = False,
            lo: float | None = None, hi: float | None = None) -> Any:
    value = data.get(key)
    try:
        x = to_float(value)
    except (TypeError, ValueError):
        col.add(key, f"{value!r} is not a number", "write a number, e.g. 12.5 or 12,5",
                f"{value!r} är inte ett tal", "skriv ett tal, t.ex. 12,5 eller 12.5")
        return None
    if x is None:
        return None
    if not math.isfinite(x):
        col.add(key, f"{value!r} is not a finite number", "", f"{value!r} är inte ett ändligt tal")
        return None
    if integer and not x.is_integer():
        col.add(key, f"{value!r} is not a whole number", "", f"{value!r} är inte ett heltal")
        return None
    if lo is not None and x < lo:
        col.add(key, f"{value!r} is below {lo:g}", f"give a value of at least {lo:g}",
                f"{value!r} är mindre än {lo:g}", f"ange ett värde som är minst {lo:g}")
        return None
    if hi is not None and x > hi:
        col.add(key, f"{value!r} is above {hi:g}", f"give a value of at most {hi:g}",
                f"{value!r} är större än {hi:g}", f"ange ett värde som är högst {hi:g}")
        return None
    return int(x) if integer else x


def _choice(data: Mapping[str, Any], key: str, allowed: tuple[str, ...], col: _Collector,
            default: str | None = None) -> str:
    value = data.get(key)
    if is_blank(value):
        if default is not None:
            return default
        col.add(key, "is required", f"one of {', '.join(allowed)}",
                "måste anges", f"ett av {', '.join(allowed)}")
        return ""
    text = str(value).strip().lower()
    if text not in allowed:
        col.add(key, f"{value!r} is not allowed", f"use one of {', '.join(allowed)}",
                f"{value!r} är inte tillåtet", f"använd ett av {', '.join(allowed)}")
    return text


def _kommunkod(value: Any, key: str, col: _Collector) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        col.add(key, f"{value!r} is a number; municipality codes are 4-character text",
                "write the code as text with its leading zero, e.g. '0480'",
                f"{value!r} är ett tal; kommunkoder är text med fyra tecken",
                "skriv koden som text med inledande nolla, t.ex. '0480'")
        return ""
    text = str(value).strip()
    if not _KOMMUNKOD_RE.match(text):
        col.add(key, f"{value!r} is not a 4-digit municipality code",
                "write the code as 4 digits with leading zeros, e.g. '0480' or '2482'",
                f"{value!r} är inte en fyrsiffrig kommunkod",
                "skriv koden som fyra siffror med inledande nollor, t.ex. '0480' eller '2482'")
        return ""
    return text


def _string_list(value: Any) -> list[str]:
    if is_blank(value):
        return []
    if isinstance(value, str):
        return [p.strip() for p in value.split(";") if p.strip()]
    return [str(p).strip() for p in value if not is_blank(p)]


def _bool(data: Mapping[str, Any], key: str, col: _Collector) -> bool:
    value = data.get(key)
    if is_blank(value):
        return False
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"true", "1", "yes", "ja", "sant", "1.0"}:
        return True
    if text in {"false", "0", "no", "nej", "falskt", "0.0"}:
        return False
    col.add(key, f"{value!r} is not true/false", "write true or false",
            f"{value!r} är inte sant/falskt", "skriv true eller false")
    return False


def _geometry(value: Any, col: _Collector) -> str | None:
    if is_blank(value):
        return None
    key = "geometry_wkt"
    try:
        geom = value if isinstance(value, BaseGeometry) else shapely.from_wkt(str(value))
    except shapely.errors.GEOSException as exc:
        col.add(key, f"not readable as WKT ({exc})", "write e.g. 'POINT (750000 7200000)'")
        return None
    if geom is None or geom.is_empty:
        col.add(key, "geometry is empty", "leave the field empty or give a point or polygon",
                "geometrin är tom", "lämna fältet tomt eller ange en punkt eller polygon")
        return None
    if geom.geom_type not in _GEOM_TYPES:
        col.add(key, f"geometry type {geom.geom_type} is not supported",
                "give a Point, Polygon or MultiPolygon")
        return None
    if not geom.is_valid:
        col.add(key, f"invalid geometry ({shapely.is_valid_reason(geom)})",
                "repair it (e.g. shapely.make_valid or QGIS 'Fix geometries')",
                f"ogiltig geometri ({shapely.is_valid_reason(geom)})",
                "reparera den (t.ex. med shapely.make_valid eller QGIS 'Fix geometries')")
        return None
    xmin, ymin, xmax, ymax = geom.bounds
    exmin, eymin, exmax, eymax = SWEDEN_EXTENT_3006
    if xmin < exmin or ymin < eymin or xmax > exmax or ymax > eymax:
        hint = "give coordinates in EPSG:3006 (SWEREF 99 TM, metres)"
        hint_sv = "ange koordinater i EPSG:3006 (SWEREF 99 TM, meter)"
        if abs(xmin) <= 180 and abs(ymin) <= 90:
            hint = "the coordinates look like degrees; " + hint + " or use the lon/lat columns"
            hint_sv = ("koordinaterna ser ut som grader; " + hint_sv
                       + " eller använd kolumnerna lon/lat")
        col.add(key, f"geometry bounds ({xmin:.0f}, {ymin:.0f}, {xmax:.0f}, {ymax:.0f}) lie "
                "outside Sweden in EPSG:3006", hint,
                f"geometrins utbredning ({xmin:.0f}, {ymin:.0f}, {xmax:.0f}, {ymax:.0f}) ligger "
                "utanför Sverige i EPSG:3006", hint_sv)
        return None
    return shapely.to_wkt(geom, rounding_precision=3, trim=True)


def _soft(data: Mapping[str, Any], col: _Collector) -> tuple[dict[str, int], dict[str, str]]:
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
        score = _number({key: value}, key, col, integer=True)
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
            evidence[factor] = str(text).strip()
    return ({f: scores[f] for f in factor_ids() if f in scores},
            {f: evidence[f] for f in factor_ids() if f in evidence})


def _metrics(data: Mapping[str, Any], col: _Collector) -> dict[str, float]:
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
        x = _number({key: value}, key, col)
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
    col = _Collector(source, location)
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
        values[key] = _text(data, key, col, max_len=_MAX_LEN.get(key, 100_000))
    if values["profile"] and not _IDENT_RE.match(values["profile"]):
        col.add("profile", f"{values['profile']!r} is not a profile id",
                "use the profile file's id, e.g. battery_plant",
                f"{values['profile']!r} är inte ett profil-id",
                "använd profilfilens id, t.ex. battery_plant")
    values["industry"] = _choice(data, "industry", INDUSTRIES, col)
    values["outcome"] = _choice(data, "outcome", OUTCOMES, col)
    values["confidentiality"] = _choice(data, "confidentiality", CONFIDENTIALITY, col,
                                        default="internal")
    values["kommunkod"] = "" if is_blank(data.get("kommunkod")) else _kommunkod(
        data["kommunkod"], "kommunkod", col)
    this_year = dt.date.today().year
    for key in _YEAR_FIELDS:
        values[key] = _number(data, key, col, integer=True, lo=_MIN_YEAR, hi=this_year + 1)
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
        values[key] = _number(data, key, col, lo=0)
    for key in _INT_FIELDS:
        values[key] = _number(data, key, col, integer=True, lo=0)
    competing = []
    for code in _string_list(data.get("competing_kommuner")):
        checked = _kommunkod(code, "competing_kommuner", col)
        if checked and checked == values["kommunkod"]:
            col.add("competing_kommuner", f"{checked} is the case's own municipality",
                    "list only the other municipalities",
                    f"{checked} är ärendets egen kommun", "ange bara de andra kommunerna")
        elif checked and checked not in competing:
            competing.append(checked)
    values["competing_kommuner"] = tuple(competing)
    values["decisive_factors"] = tuple(dict.fromkeys(_string_list(data.get("decisive_factors"))))
    values["is_fictional"] = _bool(data, "is_fictional", col)
    values["geometry_wkt"] = _geometry(data.get("geometry_wkt"), col)
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
