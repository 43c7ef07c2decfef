"""Field checkers of an establishment case: coerce one raw value, collecting problems.

Each checker reads one value of a plain mapping (a form, a CSV row, a JSON
snapshot), returns it in its canonical type and adds every problem it finds,
in English and Swedish, to a :class:`ProblemCollector`; it never raises.
:func:`siting.outcomes.case.parse_case` combines them into a whole case.

Examples
--------
>>> col = ProblemCollector("form", "row 2")
>>> check_number({"jobs": "1 200"}, "jobs", col, integer=True, lo=0)
1200
>>> check_kommunkod(480, "kommunkod", col), [p.field for p in col.problems]
('', ['kommunkod'])
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

from siting.core.errors import Problem

__all__ = [
    "SWEDEN_EXTENT_3006",
    "ProblemCollector",
    "check_bool",
    "check_choice",
    "check_geometry",
    "check_kommunkod",
    "check_number",
    "check_text",
    "is_blank",
    "known_kommunkoder",
    "normalise_wkt",
    "split_list",
    "to_float",
]

#: Bounding box of Sweden in EPSG:3006 (xmin, ymin, xmax, ymax), with a small margin.
SWEDEN_EXTENT_3006: tuple[float, float, float, float] = (180_000.0, 6_100_000.0,
                                                         1_090_000.0, 7_700_000.0)
_KOMMUNKOD_RE = re.compile(r"^\d{4}$")
_GEOM_TYPES = ("Point", "Polygon", "MultiPolygon")


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


class ProblemCollector:
    """Collects problems for one case, all of them."""

    def __init__(self, source: str, location: str) -> None:
        self.source = source
        self.location = location
        self.problems: list[Problem] = []

    def add(self, fld: str, message: str, hint: str = "", message_sv: str = "",
            hint_sv: str = "") -> None:
        self.problems.append(Problem(self.source, self.location, fld, message, hint,
                                     message_sv, hint_sv))


def check_text(data: Mapping[str, Any], key: str, col: ProblemCollector,
               max_len: int = 10_000) -> str:
    """``data[key]`` as stripped text ("" when blank); NUL characters and overlong text fail."""
    value = data.get(key)
    if is_blank(value):
        return ""
    text = str(value).strip()
    if "\x00" in text:
        col.add(key, "text holds a NUL character (\\x00), which the database cannot store",
                "remove the NUL characters (often left by a binary copy-paste)",
                "texten innehåller ett NUL-tecken (\\x00), som databasen inte kan lagra",
                "ta bort NUL-tecknen (ofta kvar efter kopiering från binär fil)")
    if len(text) > max_len:
        col.add(key, f"text is {len(text)} characters long", f"shorten it to {max_len}",
                f"texten är {len(text)} tecken lång", f"korta den till {max_len} tecken")
    return text


def check_number(data: Mapping[str, Any], key: str, col: ProblemCollector, *,
                 integer: bool = False, lo: float | None = None, hi: float | None = None) -> Any:
    """``data[key]`` as float (int with ``integer``) within ``lo``..``hi``, or None."""
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


def check_choice(data: Mapping[str, Any], key: str, allowed: tuple[str, ...],
                 col: ProblemCollector, default: str | None = None) -> str:
    """``data[key]`` lower-cased, one of ``allowed`` (blank: ``default``, else required)."""
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


@functools.lru_cache(maxsize=1)
def known_kommunkoder() -> tuple[frozenset[str], frozenset[str]]:
    """(Sweden's kommunkoder, the fictional Demolän's): the codes a case may name.

    The national list is the bundled national catalogue's ``municipalities`` layer
    (``siting/data/sweden/kommuner_land.geojson``, 290 kommuner), read by the
    catalogue's own layer reader; the fictional codes are those of
    :data:`siting.demo.MUNICIPALITIES`. Read once per process.
    """
    import pandas as pd

    from siting.data.catalog import load_catalog
    from siting.data.layers import read_layer
    from siting.demo import MUNICIPALITIES

    catalog = load_catalog("sweden_open")
    data = read_layer(catalog.layer("municipalities"), catalog.search_dirs()).data
    assert isinstance(data, pd.DataFrame)  # a polygon layer (a GeoDataFrame), never a raster
    national = frozenset(data["kommunkod"].astype(str))
    return national, frozenset(m.kommunkod for m in MUNICIPALITIES) - national


def check_kommunkod(value: Any, key: str, col: ProblemCollector, *,
                    fictional: bool = False) -> str:
    """A municipality code given as text: 4 digits, and an existing kommun ("" when not).

    Real cases name one of Sweden's 290 kommuner; fictional cases may also name a
    municipality of the fictional Demolän (see :func:`known_kommunkoder`).
    """
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
    national, demo = known_kommunkoder()
    if text in national or (fictional and text in demo):
        return text
    if text in demo:
        col.add(key, f"{text} is a municipality of the fictional Demolän, and the case is "
                "not marked fictional",
                "mark the case fictional (is_fictional = true) or give a real kommunkod",
                f"{text} är en kommun i det fiktiva Demolän, och ärendet är inte markerat "
                "som fiktivt",
                "markera ärendet som fiktivt (is_fictional = true) eller ange en verklig "
                "kommunkod")
    else:
        col.add(key, f"{text} is not the code of any of Sweden's {len(national)} kommuner",
                "check the code against SCB's list of kommunkoder, e.g. '0180' Stockholm, "
                "'2482' Skellefteå",
                f"{text} är inte koden för någon av Sveriges {len(national)} kommuner",
                "kontrollera koden mot SCB:s lista över kommunkoder, t.ex. '0180' Stockholm, "
                "'2482' Skellefteå")
    return ""


def split_list(value: Any) -> list[str]:
    """A list, or ``;``-joined text, as stripped non-blank strings."""
    if is_blank(value):
        return []
    if isinstance(value, str):
        return [p.strip() for p in value.split(";") if p.strip()]
    return [str(p).strip() for p in value if not is_blank(p)]


def check_bool(data: Mapping[str, Any], key: str, col: ProblemCollector) -> bool:
    """``data[key]`` as a flag (true/false, 1/0, yes/no, ja/nej, sant/falskt; blank: False)."""
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


def check_geometry(value: Any, col: ProblemCollector, *, fictional: bool = False) -> str | None:
    """Valid point or polygon WKT in EPSG:3006 inside Sweden, at millimetre precision, or None.

    Fictional (demo) cases only need to lie within :data:`SWEDEN_EXTENT_3006`.
    """
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
    # fictional (demo) cases lie in the fictional Demolän, not in the real country
    if not fictional and not _inside_outline(geom):
        col.add(key, "the site lies outside Sweden's outline (in a neighbouring country or "
                "far out at sea)", "check the coordinates (EPSG:3006, SWEREF 99 TM, metres)",
                "platsen ligger utanför Sveriges gräns (i ett grannland eller långt ut till "
                "havs)", "kontrollera koordinaterna (EPSG:3006, SWEREF 99 TM, meter)")
        return None
    return shapely.to_wkt(geom, rounding_precision=3, trim=True)


def _inside_outline(geom: BaseGeometry) -> bool:
    """Within Sweden's outline (kommun polygons incl. sea areas, 1 km tolerance).

    Uses :func:`siting.data.outline.inside_sweden`, the one outline test of the
    package; where that module is not installed only the bounding box above is
    checked.
    """
    try:
        from siting.data.outline import inside_sweden
    except ImportError:  # pragma: no cover - the outline ships with the real-data bundle
        return True
    return bool(inside_sweden([geom])[0])
