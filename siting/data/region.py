"""Study regions: which municipalities are studied, plus a neighbourhood buffer.

A region is given as text so it fits a CLI flag, a URL or a form field:

- ``"all"``: every municipality of the dataset;
- a code (``"2580"``, also ``"180"`` or ``180`` for ``"0180"``) or a name
  (``"Luleå"``, ``"lulea"``, ``"Upplands Väsby kommun"``; case-insensitive);
- a list of codes/names, or a comma-separated string of them;
- ``"lan:25"`` (a county by its 2-digit code; ``län:25`` works too);
- ``"la:Skellefteå"``, ``"la:LA2258"`` or ``"lokal arbetsmarknad Skellefteå"`` (an SCB
  local labour-market region by name or code, or the region a named municipality
  belongs to: ``"la:Norsjö"`` is the Skellefteå region), where the municipalities
  layer carries ``la_code``/``la_name``.

:func:`study_area_choices` lists the municipalities, counties and local
labour-market regions of a dataset for a picker.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import box
>>> kommuner = gpd.GeoDataFrame(
...     {"kommunkod": ["2580", "2581"], "name": ["Luleå", "Piteå"]},
...     geometry=[box(0, 0, 10, 10), box(10, 0, 20, 10)], crs="EPSG:3006")
>>> resolve_region(kommuner, "lulea, 2581", buffer_m=0).kommunkoder
('2580', '2581')
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Sequence

import geopandas as gpd
import pandas as pd
import shapely

from siting.core.errors import Problem, RegionError
from siting.data.fields import normalize_code, normalize_kommunkod
from siting.data.layerset import Region

__all__ = ["RegionSpec", "parse_region_spec", "resolve_region", "study_area_choices"]

#: What a region may be given as.
RegionSpec = str | int | Sequence[str | int] | None

_COUNTY = re.compile(r"^(?:lan|län|county)\s*[:=]\s*(\S+)$", re.IGNORECASE)
_LA = re.compile(r"^(?:la\s*[:=]|lokal arbetsmarknad\s*[:=]?|local labour market\s*[:=]?)"
                 r"\s*(.+)$", re.IGNORECASE)
_SUFFIXES = (" kommun", " stad", " municipality")


def _fold(text: str) -> str:
    """Case- and accent-insensitive key: 'Luleå' -> 'lulea', 'Älvsbyn' -> 'alvsbyn'."""
    decomposed = unicodedata.normalize("NFKD", str(text).casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()


def _strip_suffix(text: str) -> str:
    low = text.casefold()
    for suffix in _SUFFIXES:
        if low.endswith(suffix):
            return text[: -len(suffix)].strip()
    return text


def parse_region_spec(spec: RegionSpec) -> list[str]:
    """Split a region spec into its items (``[]`` means all).

    >>> parse_region_spec("0180, Luleå"), parse_region_spec(None), parse_region_spec(2580)
    (['0180', 'Luleå'], [], ['2580'])
    """
    if spec is None:
        return []
    if isinstance(spec, (int, str)):
        items: Iterable[str | int] = [spec] if isinstance(spec, int) else spec.split(",")
    else:
        items = spec
    out = [str(i).strip() for i in items if str(i).strip()]
    if len(out) == 1 and out[0].casefold() in {"all", "alla", "*"}:
        return []
    return out


def resolve_region(municipalities: gpd.GeoDataFrame, spec: RegionSpec = "all",
                   buffer_m: float = 50_000.0, *, source: str = "region spec") -> Region:
    """Resolve a region spec against a municipalities layer.

    Parameters
    ----------
    municipalities : geopandas.GeoDataFrame
        Canonical municipalities layer in EPSG:3006 (``kommunkod``, ``name``,
        optionally ``lanskod``).
    spec : str, int, list or None
        See the module docstring; ``"all"``/None for every municipality.
    buffer_m : float
        Neighbourhood buffer in metres (layers are clipped to the study area
        grown by this much, so measurements do not stop at the border).
    source : str
        Named in errors (e.g. the CLI flag or the form field).

    Returns
    -------
    Region

    Raises
    ------
    RegionError
        Listing every unknown item with the closest valid codes and names.
    """
    if buffer_m < 0:
        raise RegionError.single(source, f"the buffer must not be negative (got {buffer_m} m)",
                                 field="buffer_m", hint="give 0 or a positive distance")
    codes = [normalize_kommunkod(c) or str(c) for c in municipalities["kommunkod"]]
    names = ([str(n) for n in municipalities["name"]] if "name" in municipalities.columns
             else list(codes))
    if "lanskod" in municipalities.columns:
        counties = [normalize_code(v, 2) or "" for v in municipalities["lanskod"]]
    else:
        counties = [c[:2] for c in codes]
    by_code = {c: i for i, c in enumerate(codes)}
    by_name: dict[str, list[int]] = {}
    for i, n in enumerate(names):
        for key in {n.casefold(), _fold(n), _fold(_strip_suffix(n))}:
            by_name.setdefault(key, []).append(i)

    items = parse_region_spec(spec)
    is_all = not items
    chosen: list[int] = []
    problems: list[Problem] = []
    las = _la_lookup(municipalities)
    for item in items:
        la = _LA.match(item)
        if la:
            hits = _la_members(la.group(1), las, by_name, codes)
            if hits is None:
                problems.append(_la_problem(la.group(1), las, source))
            else:
                chosen.extend(hits)
            continue
        county = _COUNTY.match(item)
        if county:
            lan = normalize_code(county.group(1), 2)
            hits = [i for i, c in enumerate(counties) if lan is not None and c == lan]
            if not hits:
                known = ", ".join(sorted({c for c in counties if c}))
                problems.append(Problem(source, "", "",
                                        f"no municipalities in county '{county.group(1)}'",
                                        f"use lan:NN with one of the county codes: {known}"))
            chosen.extend(hits)
            continue
        code = normalize_kommunkod(item) if item.replace(".", "").isdigit() else None
        if code is not None and code in by_code:
            chosen.append(by_code[code])
            continue
        key_hits = (by_name.get(item.casefold()) or by_name.get(_fold(item))
                    or by_name.get(_fold(_strip_suffix(item))))
        if key_hits and len(set(key_hits)) == 1:
            chosen.append(key_hits[0])
            continue
        if key_hits:
            options = ", ".join(f"{codes[i]} {names[i]}" for i in sorted(set(key_hits)))
            problems.append(Problem(source, "", "", f"'{item}' matches several "
                                    f"municipalities: {options}", "give the code instead"))
            continue
        problems.append(Problem(source, "", "", f"unknown municipality '{item}'",
                                _suggest(item, codes, names)))
    if problems:
        raise RegionError.from_problems("Unknown region", problems)
    if is_all:
        chosen = list(range(len(codes)))
    chosen = list(dict.fromkeys(chosen))
    if not chosen:
        raise RegionError.single(source, "the region has no municipalities",
                                 hint="name at least one municipality code or 'all'")
    geoms = municipalities.geometry.iloc[chosen]
    geometry = shapely.make_valid(shapely.union_all(geoms.to_numpy()))
    return Region(kommunkoder=tuple(codes[i] for i in chosen),
                  names=tuple(names[i] for i in chosen),
                  geometry=geometry, buffer_m=float(buffer_m), is_all=is_all)


def _la_lookup(municipalities: gpd.GeoDataFrame) -> list[tuple[str, str]]:
    """(la_code, la_name) per municipality row; empty when the layer has no LA columns."""
    if "la_code" not in municipalities.columns:
        return []
    names = (municipalities["la_name"] if "la_name" in municipalities.columns
             else municipalities["la_code"])
    return [(str(c), str(n)) for c, n in zip(municipalities["la_code"], names, strict=True)]


def _la_members(item: str, las: list[tuple[str, str]], by_name: dict[str, list[int]],
                codes: list[str]) -> list[int] | None:
    """Rows of the LA region named by code, name, or one of its municipalities (None: unknown)."""
    if not las:
        return None
    key = _fold(item)
    target = {c for c, n in las if _fold(c) == key or _fold(n) == key}
    if not target:
        code = normalize_kommunkod(item) if item.isdigit() else None
        rows = ([codes.index(code)] if code in codes else
                by_name.get(key) or by_name.get(_fold(_strip_suffix(item))) or [])
        target = {las[i][0] for i in rows}
    if len(target) != 1:
        return None
    return [i for i, (c, _) in enumerate(las) if c in target]


def _la_problem(item: str, las: list[tuple[str, str]], source: str) -> Problem:
    if not las:
        return Problem(source, "", "", "this dataset has no local labour-market regions",
                       "use municipalities, 'lan:NN' or 'all', or a catalogue whose "
                       "municipalities layer has la_code and la_name")
    names = sorted({n for _, n in las})
    close = difflib.get_close_matches(_fold(item), [_fold(n) for n in names], n=3, cutoff=0.6)
    hint = ", ".join(n for n in names if _fold(n) in close) or ", ".join(names[:8]) + " ..."
    return Problem(source, "", "", f"unknown local labour-market region '{item}'",
                   f"closest: {hint}")


def study_area_choices(municipalities: gpd.GeoDataFrame) -> pd.DataFrame:
    """Every study area a user can pick: municipalities, counties and LA regions.

    Parameters
    ----------
    municipalities : GeoDataFrame
        Canonical municipalities layer (``kommunkod``, ``name``; optionally
        ``lanskod``/``lan`` and ``la_code``/``la_name``).

    Returns
    -------
    DataFrame
        ``kind`` ("kommun", "lan", "la"), ``code``, ``name``, ``spec`` (what to
        pass as ``region``), ``n_kommuner``; sorted by kind then name.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> m = gpd.GeoDataFrame({"kommunkod": ["2482", "2417"], "name": ["Skellefteå", "Norsjö"],
    ...                       "la_code": ["LA2258"] * 2, "la_name": ["Skellefteå"] * 2},
    ...                      geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs=3006)
    >>> study_area_choices(m)[["kind", "spec", "n_kommuner"]].values.tolist()
    [['kommun', '2417', 1], ['kommun', '2482', 1], ['la', 'la:LA2258', 2], ['lan', 'lan:24', 2]]
    """
    codes = [normalize_kommunkod(c) or str(c) for c in municipalities["kommunkod"]]
    names = [str(n) for n in municipalities.get("name", pd.Series(codes))]
    rows = [{"kind": "kommun", "code": c, "name": n, "spec": c, "n_kommuner": 1}
            for c, n in zip(codes, names, strict=True)]
    lan_codes = ([normalize_code(v, 2) or c[:2] for v, c in
                  zip(municipalities["lanskod"], codes, strict=True)]
                 if "lanskod" in municipalities.columns else [c[:2] for c in codes])
    lan_names = ([str(v) for v in municipalities["lan"]] if "lan" in municipalities.columns
                 else lan_codes)
    for code in sorted(set(lan_codes)):
        members = [i for i, lc in enumerate(lan_codes) if lc == code]
        rows.append({"kind": "lan", "code": code, "name": lan_names[members[0]],
                     "spec": f"lan:{code}", "n_kommuner": len(members)})
    for code, name in sorted(set(_la_lookup(municipalities))):
        n = sum(1 for c, _ in _la_lookup(municipalities) if c == code)
        rows.append({"kind": "la", "code": code, "name": name, "spec": f"la:{code}",
                     "n_kommuner": n})
    out = pd.DataFrame(rows, columns=["kind", "code", "name", "spec", "n_kommuner"])
    return out.sort_values(["kind", "name", "code"], kind="stable").reset_index(drop=True)


def _suggest(item: str, codes: list[str], names: list[str]) -> str:
    labels = {f"{c} {n}": _fold(n) for c, n in zip(codes, names, strict=True)}
    close_names = difflib.get_close_matches(_fold(_strip_suffix(item)), list(labels.values()),
                                            n=3, cutoff=0.6)
    suggestions = [lab for lab, key in labels.items() if key in close_names]
    digits = item.strip()
    if digits.isdigit():
        target = int(digits[:4].zfill(4))
        same_county = [c for c in codes if c[:2] == digits.zfill(4)[:2]] or codes
        close_codes = sorted(same_county, key=lambda c: abs(int(c) - target))[:4]
        suggestions += [f"{c} {names[codes.index(c)]}" for c in close_codes]
    suggestions = list(dict.fromkeys(suggestions))[:5]
    if suggestions:
        return f"closest valid: {'; '.join(suggestions)}"
    return "give a 4-digit municipality code (e.g. 0180), a name, a list, 'lan:NN' or 'all'"
