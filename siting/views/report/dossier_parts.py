"""The parts of a site dossier: facts, criteria, infrastructure, catchment, lessons, map, sources.

Each function turns the computed result and the loaded layers into the display-ready
rows of :mod:`siting.views.report.dossier_model`, in one language.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from siting.core.i18n import format_number, format_percent
from siting.criteria.rationale import criterion_rationale
from siting.data.layerset import LayerSet
from siting.scoring.dossier import DossierData, Nearby, filter_cases, nearest
from siting.views.report._texts import tr
from siting.views.report.dossier_model import (
    CaseRow,
    CatchmentRow,
    FactRow,
    HardRow,
    InfraRow,
    Lessons,
    MapData,
    SoftRow,
    SourceRow,
)

__all__ = ["filter_cases", "layer_sources", "map_data", "value_text"]

_MAP_PAD_M = 2500.0
_MAP_PAD_POINT_M = 8000.0
_MAP_MAX_REACH_M = 40000.0
MAP_TYPES = ("municipalities", "built_up_areas", "protected_areas", "flood_zones", "roads",
              "railways", "grid_lines", "substations", "ports", "rail_terminals", "airports")



# ----------------------------------------------------------------------------- formatting
def value_text(value: Any, unit: str, lang: str, *, metric_id: str = "") -> str:
    """A measured value with its unit, for display.

    Metres of 1 000 and more are shown in km; ``*_share`` metrics as percentages; the
    sites' coded fields (``zoning``, ``owner``) in words.

    Examples
    --------
    >>> value_text(2340.0, "m", "sv")
    '2,3\\xa0km'
    >>> value_text(0.25, "", "en", metric_id="flood_share")
    '25%'
    >>> value_text(None, "MW", "en")
    '–'
    """
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, bool | np.bool_):
        return tr("yes" if value else "no", lang)
    if isinstance(value, str):
        for prefix in ("zoning", "owner"):
            key = f"{prefix}.{value}"
            if metric_id.startswith(prefix) and tr(key, lang) != key:
                return tr(key, lang)
        return value
    x = float(value)
    if metric_id.endswith("_share") or unit in ("share", "0-1"):
        return format_percent(x, lang, decimals=0 if x == 0 or x >= 0.1 else 1)
    nb = "\u00a0"
    if unit == "m" and abs(x) >= 1000:
        return f"{format_number(x / 1000.0, lang, decimals=1)}{nb}km"
    if abs(x) >= 100:
        text = format_number(round(x), lang, decimals=0)
    else:
        text = format_number(x, lang, decimals=None if float(x).is_integer() else 1)
    return f"{text}{nb}{unit}" if unit else text


def _threshold_text(crit: Any, lang: str) -> str:
    ops = {"sv": {">=": "minst", "<=": "högst", ">": "mer än", "<": "mindre än", "==": "exakt",
                  "!=": "inte", "in": "en av"},
           "en": {">=": "at least", "<=": "at most", ">": "more than", "<": "less than",
                  "==": "exactly", "!=": "not", "in": "one of"}}[lang]
    thr = crit.threshold
    metric_id = crit.metric
    if isinstance(thr, tuple):
        shown = ", ".join(value_text(t, crit.unit, lang, metric_id=metric_id) for t in thr)
    else:
        shown = value_text(thr, crit.unit, lang, metric_id=metric_id)
    return f"{ops.get(crit.op, crit.op)} {shown}"


def _km(distance_m: float, lang: str) -> str:
    if not math.isfinite(distance_m):
        return "–"
    if distance_m < 1000:
        return f"{format_number(round(distance_m / 10.0) * 10.0, lang, decimals=0)}\u00a0m"
    return f"{format_number(distance_m / 1000.0, lang, decimals=1)}\u00a0km"


def _coded(prefix: str, code: str, lang: str) -> str:
    key = f"{prefix}.{code}"
    text = tr(key, lang)
    return code if text == key else text


def plain_text(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


# ----------------------------------------------------------------------------- helpers
def _spec_label(layerset: Any, type_name: str, lang: str, field: str | None = None) -> str:
    if layerset is None:
        return ""
    lyr = (layerset.source_of(type_name, field) if hasattr(layerset, "source_of")
           else layerset.get(type_name))
    if lyr is None:
        return ""
    return f"{lyr.spec.title(lang)} ({lyr.spec.vintage.isoformat()})"


def municipality_names(layerset: Any) -> dict[str, str]:
    muni = getattr(layerset, "municipalities", None)
    if muni is None or "kommunkod" not in muni:
        return {}
    names = muni["name"] if "name" in muni else muni["kommunkod"]
    return dict(zip(muni["kommunkod"].astype(str), names.astype(str), strict=True))


def _table_row(layerset: Any, type_name: str, kommunkod: str) -> Mapping[str, Any]:
    table = layerset.table(type_name) if layerset is not None else None
    if table is None or "kommunkod" not in table:
        return {}
    hit = table[table["kommunkod"].astype(str) == str(kommunkod)]
    return hit.iloc[0].to_dict() if len(hit) else {}


def _num(frame: pd.DataFrame, col: str) -> np.ndarray:
    if col not in frame:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)


# ----------------------------------------------------------------------------- parts
def fact_rows(result: Any, idx: Any, layerset: Any, lang: str) -> list[FactRow]:
    row = result.table.loc[idx]
    site = result.sites.loc[idx]
    src_sites = _spec_label(layerset, "sites", lang)
    facts: list[FactRow] = []
    area = row.get("area_ha", np.nan)
    if area is None or (isinstance(area, float) and math.isnan(area)):
        area = float(site.geometry.area) / 10_000.0 if site.geometry.area > 0 else np.nan
    facts.append(FactRow(tr("fact_area", lang), value_text(area, "ha", lang), src_sites))
    for key, fld in (("fact_zoning", "zoning"), ("fact_owner", "owner")):
        if fld in result.sites.columns and plain_text(site.get(fld)):
            facts.append(FactRow(tr(key, lang), value_text(str(site[fld]), "", lang,
                                                           metric_id=fld), src_sites))
    if "available_from" in result.sites.columns and plain_text(site.get("available_from")):
        val = site["available_from"]
        shown = val.isoformat() if hasattr(val, "isoformat") else str(val)
        facts.append(FactRow(tr("fact_available", lang), shown[:10], src_sites))
    c = site.geometry.representative_point()
    facts.append(FactRow(tr("fact_centre", lang),
                         f"E {format_number(round(c.x), lang, decimals=0)}, "
                         f"N {format_number(round(c.y), lang, decimals=0)}", src_sites))
    code = str(row["kommunkod"])
    stats = _table_row(layerset, "municipality_stats", code)
    if stats.get("population") is not None and plain_text(stats.get("population")):
        facts.append(FactRow(tr("fact_population", lang),
                             value_text(float(stats["population"]), "", lang),
                             _spec_label(layerset, "municipality_stats", lang, "population")))
    if plain_text(stats.get("price_area")):
        facts.append(FactRow(tr("fact_price_area", lang), str(stats["price_area"]),
                             _spec_label(layerset, "municipality_stats", lang, "price_area")))
    skip = {"zoning", "owner", "price_area"}
    for spec in result.profile.metrics:
        if spec.id in skip or spec.id in result.missing_metrics:
            continue
        col = f"metric_{spec.id}"
        if col not in result.table.columns or spec.kind == "site_area":
            continue
        layer_type = spec.layer_type
        field = spec.params.get("field") if spec.kind == "municipality_attribute" else None
        source = (_spec_label(layerset, layer_type, lang, field) if layer_type
                  else src_sites)
        decided = result.table.at[idx, f"source_{spec.id}"] \
            if f"source_{spec.id}" in result.table.columns else None
        if isinstance(decided, str) and decided.strip():  # local evidence decided this value
            source = decided
        facts.append(FactRow(spec.label(lang),
                             value_text(result.table.at[idx, col], spec.unit, lang,
                                        metric_id=spec.id), source))
    return facts


def hard_rows(result: Any, idx: Any, lang: str) -> list[HardRow]:
    rows = []
    outcomes = result.outcomes.loc[idx]
    for crit, out in zip(result.profile.hard, outcomes, strict=True):
        label = crit.label_sv if lang == "sv" else crit.label_en
        rows.append(HardRow(
            criterion_id=crit.id, label=label or crit.id, status=out.status,
            status_text=tr(out.status, lang),
            measured=value_text(out.value, crit.unit, lang, metric_id=crit.metric)
            if out.value is not None else tr("no_data", lang),
            requirement=_threshold_text(crit, lang), sentence=out.text(lang),
            rationale=criterion_rationale(str(result.profile.id), crit, lang),
            decided_by=f"{out.layer_id} ({out.source})" if out.source else out.layer_id))
    return rows


def soft_rows(result: Any, idx: Any, lang: str) -> list[SoftRow]:
    rows = []
    eff = result.effective_weights
    evaluated = set(result.evaluated_soft_ids)
    for crit in result.profile.soft:
        spec = result.profile.metric(crit.metric)
        col = f"metric_{crit.metric}"
        raw = result.table.at[idx, col] if col in result.table.columns else None
        rows.append(SoftRow(
            criterion_id=crit.id, label=spec.label(lang),
            measured=value_text(raw, spec.unit, lang, metric_id=spec.id),
            value=float(result.table.at[idx, f"value_{crit.id}"])
            if crit.id in evaluated else 0.0,
            weight=float(eff.get(crit.id, 0.0)),
            contribution=float(result.table.at[idx, f"contrib_{crit.id}"]),
            no_data=bool(result.no_data.at[idx, crit.id]), evaluated=crit.id in evaluated))
    return rows


_INFRA_KEYS = {"substation": "infra_substation", "rail": "infra_rail",
               "terminal": "infra_terminal", "road": "infra_road", "port": "infra_port",
               "airport": "infra_airport"}


def _finite(value: Any) -> bool:
    try:
        return value is not None and value is not pd.NA and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _infra_detail(n: Nearby, lang: str) -> str:
    a = n.attributes
    if n.kind == "substation":
        parts = []
        if _finite(a.get("voltage_kv")):
            parts.append(f"{format_number(float(a['voltage_kv']), lang, decimals=0)} kV")
        if _finite(a.get("available_capacity_mw")):
            parts.append(tr("capacity", lang, mw=format_number(
                float(a["available_capacity_mw"]), lang, decimals=0)))
        return ", ".join(parts)
    if n.kind == "rail":
        return _coded("track", plain_text(a.get("track")), lang)
    if n.kind == "terminal":
        return _coded("terminal", plain_text(a.get("kind")), lang)
    if n.kind == "road":
        return tr("road_class", lang, c=int(float(a["road_class"]))) \
            if _finite(a.get("road_class")) else ""
    if n.kind == "port":
        return tr("draught", lang, m=format_number(float(a["draught_m"]), lang)) \
            if _finite(a.get("draught_m")) else ""
    return plain_text(a.get("iata"))


def infrastructure_rows(data: DossierData, lang: str) -> list[InfraRow]:
    """The computed nearby features as rows (rail has no name of its own)."""
    return [InfraRow(tr(_INFRA_KEYS[n.kind], lang),
                     "" if n.kind == "rail" else plain_text(n.attributes.get("name")),
                     _infra_detail(n, lang), n.distance_m, _km(n.distance_m, lang))
            for n in data.nearby]


def catchment_rows(data: DossierData, layerset: LayerSet, lang: str, names: Mapping[str, str]
               ) -> tuple[str, float | None, list[CatchmentRow], str, list[tuple[str, str]]]:
    """The computed catchment laid out: labour and schools per municipality, housing."""
    c = data.catchment
    muni = layerset.municipalities
    study = set(muni.loc[muni["in_study_area"].astype(bool), "kommunkod"].astype(str)) \
        if "in_study_area" in muni else set()
    intro = tr("catchment_intro", lang, minutes=format_number(c.travel_time_min, lang),
               method=tr(f"method_{c.method}", lang))
    school_counts: dict[str, dict[str, int]] = {}
    for _, sch in c.schools.iterrows():
        counts = school_counts.setdefault(plain_text(sch.get("kommunkod")), {})
        kind = plain_text(sch.get("school_type"))
        counts[kind] = counts.get(kind, 0) + 1
    school_lines: list[tuple[str, str]] = []
    for _, sch in c.schools[c.schools["school_type"] != "compulsory"].head(8).iterrows():
        kind = tr(f"school.{plain_text(sch.get('school_type'))}", lang)
        extra = f", {tr('industrial_programme', lang)}" if bool(
            sch.get("industrial_programme") is True) else ""
        where = names.get(plain_text(sch.get("kommunkod")), plain_text(sch.get("kommunkod")))
        school_lines.append((plain_text(sch.get("name")) or kind,
                             f"{kind}{extra} · {where} · {_km(float(sch['distance_m']), lang)}"))
    pool_by = c.by_municipality
    rows: list[CatchmentRow] = []
    for code in sorted(set(pool_by) | set(school_counts), key=lambda k: -pool_by.get(k, 0.0)):
        if not code:
            continue
        housing = _table_row(layerset, "housing", code)
        schools_text = ", ".join(f"{n} {tr(f'school.{k}', lang)}" for k, n in sorted(
            school_counts.get(code, {}).items())) or "–"
        rows.append(CatchmentRow(
            kommunkod=code, name=names.get(code, code), in_study_area=code in study,
            labour=pool_by.get(code, 0.0), schools=schools_text,
            dwellings=value_text(housing.get("dwellings"), "", lang),
            vacancy=value_text(housing.get("vacancy_rate_pct"), "%", lang),
            planned=value_text(housing.get("planned_dwellings"), "", lang)))
    heading = tr("schools_radius", lang, km=format_number(c.radius_m / 1000.0, lang,
                                                          decimals=0))
    return intro, c.total, rows, heading, school_lines


def lesson_rows(data: DossierData, lang: str, names: Mapping[str, str]) -> Lessons:
    """The computed lessons laid out."""
    les = data.lessons
    if not les.used:
        return Lessons(used=False, note=tr("lessons_none", lang))
    base: dict[str, Any] = {"used": True, "n_confidential_excluded": les.n_confidential_excluded,
            "confidential_included": les.confidential_included}
    if les.cases is None or les.cases.empty:
        return Lessons(**base, note=tr("lessons_no_cases", lang, industry=les.industry))
    case_rows = []
    for _, r in les.cases.iterrows():
        year = r.get("year_decided")
        if year is None or year is pd.NA:
            year = r.get("year_started")
        case_rows.append(CaseRow(
            case_id=plain_text(r.get("case_id")), title=plain_text(r.get("title")),
            municipality=names.get(plain_text(r.get("kommunkod")), plain_text(r.get("kommunkod"))),
            year="" if year is None or year is pd.NA else str(int(year)),
            outcome=tr(f"outcome.{plain_text(r.get('outcome'))}", lang),
            distance=_km(float(r["distance_m"]), lang)))
    learned = les.learned
    if learned is None:
        return Lessons(**base, cases=tuple(case_rows),
                       note=tr("lessons_failed", lang, why=les.failure))
    return Lessons(
        **base, n_cases=int(learned.n_cases), n_won=int(learned.n_won),
        n_lost=int(learned.n_lost), p_win=les.p_win, p_low=les.p_low, p_high=les.p_high,
        level=float(learned.interval_level), indicative=bool(learned.indicative),
        relative=str(learned.mode) == "presence_background", message=learned.message(lang),
        warnings=tuple(learned.warnings(lang)), cases=tuple(case_rows))


def layer_sources(layerset: Any, types: set[str] | None = None) -> list[SourceRow]:
    """Source, attribution, licence and vintage of the loaded layers (of ``types``)."""
    rows = []
    for lid, lyr in layerset.layers.items():
        spec = lyr.spec
        if types is not None and spec.type not in types:
            continue
        rows.append(SourceRow(lid, spec.title_sv + " / " + spec.title_en, spec.source,
                              spec.attribution, spec.licence, spec.vintage.isoformat()))
    return rows


def map_data(result: Any, idx: Any, layerset: Any) -> MapData:
    """The site, other candidate sites and nearby layers clipped to the map extent.

    The extent is the site plus a margin, widened to take in the nearest >= 130 kV
    substation, port and rail terminal when they lie within 40 km.
    """
    geom = result.sites.geometry.loc[idx]
    pad = _MAP_PAD_M if geom.area > 0 else _MAP_PAD_POINT_M
    minx, miny, maxx, maxy = geom.buffer(pad).bounds
    for type_name in ("substations", "ports", "rail_terminals"):
        layer = layerset.vector(type_name)
        if layer is None or len(layer) == 0:
            continue
        mask = None
        if type_name == "substations":
            kv = _num(layer, "voltage_kv")
            mask = kv >= 130 if (kv >= 130).any() else None
        for pos, dist in nearest(layer, geom, 1, mask):
            if dist <= _MAP_MAX_REACH_M:
                p = layer.geometry.iloc[pos]
                minx, miny = min(minx, p.x - 1500), min(miny, p.y - 1500)
                maxx, maxy = max(maxx, p.x + 1500), max(maxy, p.y + 1500)
    # square-ish extent (a portrait-friendly 4:3 at most)
    w, h = maxx - minx, maxy - miny
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    side = max(w, h * 1.25)
    ext = (cx - side / 2, cy - side / 2.5, cx + side / 2, cy + side / 2.5)
    if ext[3] - ext[1] < h:
        half = h / 2 * 1.05
        ext = (ext[0], cy - half, ext[2], cy + half)
    box = shapely.box(*ext)
    layers: dict[str, gpd.GeoDataFrame] = {}
    for type_name in MAP_TYPES:
        layer = (layerset.municipalities if type_name == "municipalities"
                 else layerset.vector(type_name))
        if layer is None or len(layer) == 0:
            continue
        hits = layer.sindex.query(box, predicate="intersects")
        if len(hits):
            layers[type_name] = layer.iloc[np.sort(hits)]
    sites = result.sites
    hits = sites.sindex.query(box, predicate="intersects")
    others = sites.iloc[np.sort(hits)]
    others = others[others.index != idx]
    muni = layerset.municipalities
    study = tuple(muni.loc[muni["in_study_area"].astype(bool), "kommunkod"].astype(str)) \
        if "in_study_area" in muni else ()
    return MapData(extent=ext, site=sites.loc[[idx]], other_sites=others,
                   layers=layers, study_codes=study, overview=muni)


