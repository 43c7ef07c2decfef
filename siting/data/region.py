"""Study regions: which municipalities are studied, plus a neighbourhood buffer.

A region is given as text so it fits a CLI flag, a URL or a form field:

- ``"all"``: every municipality of the dataset;
- a code (``"2580"``, also ``"180"`` or ``180`` for ``"0180"``) or a name
  (``"Luleå"``, ``"lulea"``, ``"Upplands Väsby kommun"``; case-insensitive);
- a list of codes/names, or a comma-separated string of them;
- ``"lan:25"`` (a county by its 2-digit code; ``län:25`` works too).

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
import shapely

from siting.core.errors import Problem, RegionError
from siting.data.fields import normalize_code, normalize_kommunkod
from siting.data.layerset import Region

__all__ = ["RegionSpec", "parse_region_spec", "resolve_region"]

#: What a region may be given as.
RegionSpec = str | int | Sequence[str | int] | None

_COUNTY = re.compile(r"^(?:lan|län|county)\s*[:=]\s*(\S+)$", re.IGNORECASE)
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
    for item in items:
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
