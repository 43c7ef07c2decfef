"""Canonical fields: rename source columns, apply defaults, coerce dtypes, validate.

A catalogue maps a file's own columns onto the canonical fields of its layer
type (:mod:`siting.data.schema`). :func:`canonicalize` applies that mapping and
checks the result, collecting every problem before raising one
:class:`~siting.core.errors.DataError`:

- a required field that is not mapped (and has no column of that name),
- a mapped column that is not in the file (with the closest column names),
- missing values in a required field,
- values that do not fit the field's type (non-numeric numbers, bad codes, dates),
- duplicate ids.

Locations follow what a user sees: CSV rows are numbered as in a spreadsheet
(header = row 1, first data row = row 2); vector features by their GDAL
feature id, as in QGIS' attribute table.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"KOMMUNKOD": [114, 180], "NAMN": ["Upplands Väsby", "Stockholm"]})
>>> out, notes = canonicalize(df, "municipality_stats",
...                           fields={"kommunkod": "KOMMUNKOD", "name": "NAMN"}, source="x.csv")
>>> out["kommunkod"].tolist()
['0114', '0180']
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from siting.core.errors import MAX_LISTED as _MAX_LISTED
from siting.core.errors import DataError, Problem, format_locations
from siting.data.io.tabular import to_numeric_text
from siting.data.schema import LAYER_TYPES, FieldSpec, LayerType

__all__ = [
    "LocationWord",
    "canonicalize",
    "coerce_field",
    "normalize_code",
    "normalize_kommunkod",
]

LocationWord = Literal["row", "feature"]

#: Text codes that are zero-padded to a fixed width (besides dtype ``kommunkod``).
_CODE_WIDTH: Mapping[str, int] = {"lanskod": 2}
_TRUE = {"true", "1", "yes", "y", "ja", "j", "sant", "t", "x"}
_FALSE = {"false", "0", "no", "n", "nej", "falskt", "f"}
_DIGITS = re.compile(r"^\d+$")
_DIGITS_DOT_ZERO = re.compile(r"^(\d+)\.0*$")


def _location_numbers(index: Iterable[Any], word: LocationWord) -> list[Any]:
    if word == "row":
        return [int(i) + 2 for i in index]
    return list(index)


def normalize_code(value: Any, width: int) -> str | None:
    """Zero-pad a numeric code to ``width`` characters; None when it is not one.

    Accepts ``114``, ``114.0``, ``"114"``, ``"114.0"`` and ``"0114"``.

    >>> normalize_code(114, 4), normalize_code("114.0", 4), normalize_code("0114", 4)
    ('0114', '0114', '0114')
    """
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, np.integer)):
        text = str(int(value))
    elif isinstance(value, (float, np.floating)):
        if not np.isfinite(value) or float(value) != int(value):
            return None
        text = str(int(value))
    else:
        text = str(value).strip()
        m = _DIGITS_DOT_ZERO.match(text)
        if m:
            text = m.group(1)
    if not _DIGITS.match(text) or len(text.lstrip("0") or "0") > width:
        return None
    return text.lstrip("0").zfill(width) if len(text) > width else text.zfill(width)


def normalize_kommunkod(value: Any) -> str | None:
    """A municipality code as 4-character text, or None when it is not one.

    >>> normalize_kommunkod(114), normalize_kommunkod("2580")
    ('0114', '2580')
    """
    return normalize_code(value, 4)


def _is_missing(values: pd.Series) -> pd.Series:
    missing = values.isna()
    if values.dtype == object or pd.api.types.is_string_dtype(values):
        missing |= values.astype("string").str.strip().fillna("") == ""
    return missing


def _to_text(value: Any) -> Any:
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()


def _parse_date(value: Any) -> dt.date | None:
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _to_text(value)
    m = _DIGITS_DOT_ZERO.match(text)
    text = m.group(1) if m else text
    for fmt in ("%Y-%m-%d", "%Y%m%d", "%Y/%m/%d", "%d.%m.%Y", "%Y-%m-%dT%H:%M:%S", "%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def coerce_field(values: pd.Series, spec: FieldSpec) -> tuple[pd.Series, pd.Series]:
    """Coerce a column to the dtype of a canonical field.

    Returns
    -------
    (coerced, bad) : (pandas.Series, pandas.Series of bool)
        ``bad`` marks values that are present but do not fit the field.
        Missing values stay missing (and are not ``bad``).
    """
    missing = _is_missing(values)
    present = ~missing
    bad = pd.Series(False, index=values.index)
    width = 4 if spec.dtype == "kommunkod" else _CODE_WIDTH.get(spec.name)
    if width is not None:
        codes = [normalize_code(v, width) if p else None for v, p in zip(values, present,
                                                                       strict=True)]
        out = pd.Series(codes, index=values.index, dtype="str")
        bad = present & out.isna()
        return out, bad
    if spec.dtype in ("float", "int"):
        nums, bad = to_numeric_text(values)
        if spec.dtype == "int":
            frac = present & ~bad & nums.notna() & (np.mod(nums.fillna(0), 1) != 0)
            bad = bad | frac
            nums = nums.where(~frac)
            return nums.round().astype("Int64"), bad
        return nums, bad
    if spec.dtype == "bool":
        parsed: list[Any] = []
        for v, p in zip(values, present, strict=True):
            if not p:
                parsed.append(pd.NA)
            elif isinstance(v, (bool, np.bool_)):
                parsed.append(bool(v))
            else:
                key = _to_text(v).casefold()
                parsed.append(True if key in _TRUE else False if key in _FALSE else pd.NA)
        out = pd.Series(parsed, index=values.index, dtype="boolean")
        return out, present & out.isna()
    if spec.dtype == "date":
        dates = [_parse_date(v) if p else None for v, p in zip(values, present, strict=True)]
        stamps = [np.datetime64(d, "s") if d is not None else np.datetime64("NaT", "s")
                  for d in dates]
        out = pd.Series(np.array(stamps, dtype="datetime64[s]"), index=values.index)
        return out, present & out.isna()
    texts = [_to_text(v) if p else None for v, p in zip(values, present, strict=True)]
    return pd.Series(texts, index=values.index, dtype="str"), bad


_WORD_SV: Mapping[str, str] = {"row": "rad", "feature": "objekt"}


def _closest(name: str, columns: Sequence[str], lang: str = "en") -> str:
    sv = lang == "sv"
    lowered = {c.casefold(): c for c in columns}
    if name.casefold() in lowered:
        return (f"menade du '{lowered[name.casefold()]}'? " if sv
                else f"did you mean '{lowered[name.casefold()]}'? ")
    close = difflib.get_close_matches(name, list(columns), n=3, cutoff=0.5)
    if not close:
        return ""
    if sv:
        return f"menade du {' eller '.join(repr(c) for c in close)}? "
    return f"did you mean {' or '.join(repr(c) for c in close)}? "


def suggest_field_map(columns: Sequence[str], layer_type: LayerType | str) -> dict[str, str]:
    """canonical field -> the closest of ``columns`` (same name ignoring case, or a near name).

    Examples
    --------
    >>> suggest_field_map(["Name", "available_capacity", "spanning"], "substations")
    {'name': 'Name', 'available_capacity_mw': 'available_capacity'}
    """
    ltype = LAYER_TYPES[layer_type] if isinstance(layer_type, str) else layer_type
    lowered = {c.casefold(): c for c in columns}
    out: dict[str, str] = {}
    for spec in ltype.fields:
        if spec.name.casefold() in lowered:
            out[spec.name] = lowered[spec.name.casefold()]
            continue
        close = difflib.get_close_matches(spec.name.casefold(), list(lowered), n=1, cutoff=0.6)
        if close and lowered[close[0]] not in out.values():
            out[spec.name] = lowered[close[0]]
    return out


def canonicalize(df: pd.DataFrame, layer_type: LayerType | str, *,
                 fields: Mapping[str, str] | None = None,
                 defaults: Mapping[str, Any] | None = None,
                 allow_missing: Iterable[str] = (),
                 source: str = "", layer_id: str = "",
                 location_word: LocationWord = "row") -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Rename mapped columns to canonical names, apply defaults, coerce and validate.

    Parameters
    ----------
    df : pandas.DataFrame or geopandas.GeoDataFrame
        The data as read. Its index gives locations: data row position for
        CSVs (``location_word="row"``), feature id for vector files.
    layer_type : LayerType or str
        The canonical type.
    fields : mapping, optional
        ``canonical field -> source column``. A canonical field whose name is
        already a column of ``df`` is taken as is.
    defaults : mapping, optional
        ``canonical field -> value`` for absent columns and missing values.
    allow_missing : iterable of str
        Required fields whose missing values are tolerated (kept missing and
        counted in the notes) instead of being an error.
    source, layer_id : str
        Named in the problems.
    location_word : {"row", "feature"}
        How locations are named.

    Returns
    -------
    (data, notes) : (DataFrame, tuple of str)
        A new frame: canonical columns coerced, unmapped columns kept (a
        column clashing with a canonical name is kept as ``<name>_source``).

    Raises
    ------
    DataError
        With every problem found.

    Long because: renaming, defaults, coercion and the per-field checks (missing, non-numeric,
    duplicate ids, codes) all append to the one problem list that is raised once; splitting them
    would thread the frame, the layer type and that list through every step.
    """
    ltype = LAYER_TYPES[layer_type] if isinstance(layer_type, str) else layer_type
    mapping = dict(fields or {})
    defaults = dict(defaults or {})
    tolerated = set(allow_missing)
    problems: list[Problem] = []
    notes: list[str] = []
    where = f"layer '{layer_id}'" if layer_id else ""
    geom_col = getattr(df, "_geometry_column_name", None)
    columns = [str(c) for c in df.columns if c != geom_col]

    moved: dict[str, pd.Series] = {}
    for canon, src_col in mapping.items():
        if src_col in df.columns and src_col != geom_col:
            moved[canon] = df[src_col]
        else:
            problems.append(Problem(
                source, where, f"fields.{canon}",
                f"column '{src_col}' (mapped to '{canon}') is not in the file",
                f"{_closest(src_col, columns)}map '{canon}' to one of the file's columns: "
                f"{', '.join(columns)}",
                f"kolumnen '{src_col}' (kopplad till '{canon}') finns inte i filen",
                f"{_closest(src_col, columns, 'sv')}koppla '{canon}' till en av filens kolumner: "
                f"{', '.join(columns)}"))
    drop = {src for canon, src in mapping.items() if src in df.columns and src != canon}
    out = df.drop(columns=[c for c in drop if c != geom_col])
    clash = {c for c in moved if c in out.columns and mapping.get(c) != c}
    out = out.rename(columns={c: f"{c}_source" for c in clash})
    for canon, series in moved.items():
        out[canon] = series

    for canon, value in defaults.items():
        if canon not in out.columns:
            out[canon] = value
        else:
            miss = _is_missing(out[canon])
            if miss.any():
                out[canon] = out[canon].astype(object).where(~miss, value)
                notes.append(f"{int(miss.sum())} missing '{canon}' set to the default {value!r}")

    for spec in ltype.fields:
        if spec.name not in out.columns:
            if spec.required:
                problems.append(Problem(
                    source, where, spec.name,
                    f"required field '{spec.name}' ({spec.description}) is not mapped",
                    f"add fields.{spec.name} = \"<column>\" to the layer in the catalogue; "
                    f"the file's columns are: {', '.join(columns)}",
                    f"det obligatoriska fältet '{spec.name}' ({spec.description}) är inte kopplat "
                    "till någon kolumn",
                    f"lägg till fields.{spec.name} = \"<kolumn>\" för lagret i katalogen; "
                    f"filens kolumner är: {', '.join(columns)}"))
            continue
        coerced, bad = coerce_field(out[spec.name], spec)
        if bad.any():
            idx = out.index[bad.to_numpy()]
            examples = ", ".join(repr(v) for v in out.loc[idx[:3], spec.name].tolist())
            kind = {"float": "not numbers", "int": "not whole numbers",
                    "kommunkod": "not 4-digit municipality codes", "bool": "not true/false",
                    "date": "not dates"}.get(spec.dtype, "invalid")
            if spec.name in _CODE_WIDTH:
                kind = f"not {_CODE_WIDTH[spec.name]}-digit codes"
            hint = {"float": "write numbers such as 12.5 or 12,5",
                    "int": "write whole numbers",
                    "kommunkod": "write the municipality code, e.g. 0114 or 2580",
                    "date": "write dates as YYYY-MM-DD"}.get(spec.dtype, "correct the values")
            kind_sv = {"float": "inte tal", "int": "inte heltal",
                       "kommunkod": "inte fyrsiffriga kommunkoder", "bool": "inte sant/falskt",
                       "date": "inte datum"}.get(spec.dtype, "ogiltiga")
            if spec.name in _CODE_WIDTH:
                kind_sv = f"inte {_CODE_WIDTH[spec.name]}-siffriga koder"
            hint_sv = {"float": "skriv tal som 12.5 eller 12,5",
                       "int": "skriv heltal",
                       "kommunkod": "skriv kommunkoden, t.ex. 0114 eller 2580",
                       "date": "skriv datum som ÅÅÅÅ-MM-DD"}.get(spec.dtype, "rätta värdena")
            problems.append(Problem(
                source, format_locations(_location_numbers(idx, location_word), location_word),
                spec.name, f"{int(bad.sum())} value(s) are {kind} (e.g. {examples})", hint,
                f"{int(bad.sum())} värde(n) är {kind_sv} (t.ex. {examples})", hint_sv))
        out[spec.name] = coerced
        missing = coerced.isna() & ~bad
        if spec.required and missing.any():
            idx = out.index[missing.to_numpy()]
            if spec.name in tolerated:
                notes.append(f"{int(missing.sum())} {location_word}(s) have no '{spec.name}' "
                             "(allowed for this layer)")
            else:
                problems.append(Problem(
                    source, format_locations(_location_numbers(idx, location_word),
                                             location_word),
                    spec.name, f"{int(missing.sum())} missing value(s) in required field "
                               f"'{spec.name}'",
                    "fill them in, delete those rows, or give a default in the catalogue "
                    f"(defaults.{spec.name} = ...)",
                    f"{int(missing.sum())} saknade värde(n) i det obligatoriska fältet "
                    f"'{spec.name}'",
                    "fyll i dem, ta bort de raderna eller ange ett standardvärde i katalogen "
                    f"(defaults.{spec.name} = ...)"))
        if spec.unique:
            vals = coerced[coerced.notna()]
            dup = vals[vals.duplicated(keep=False)]
            if len(dup):
                dup_values = list(dict.fromkeys(dup.tolist()))
                listed = ", ".join(repr(v) for v in dup_values[:_MAX_LISTED])
                more = len(dup_values) - _MAX_LISTED
                problems.append(Problem(
                    source, format_locations(_location_numbers(dup.index, location_word),
                                             location_word),
                    spec.name, f"duplicate ids: {listed}"
                               + (f" (and {more} more)" if more > 0 else ""),
                    f"give every {location_word} a unique '{spec.name}'",
                    f"dubbletter av id: {listed}"
                    + (f" (och {more} till)" if more > 0 else ""),
                    f"ge varje {_WORD_SV.get(location_word, location_word)} ett unikt "
                    f"'{spec.name}'"))

    if problems:
        label = f"Layer '{layer_id}'" if layer_id else "The data"
        raise DataError.from_problems(f"{label} ({source}) has invalid data", problems)
    return out, tuple(notes)
