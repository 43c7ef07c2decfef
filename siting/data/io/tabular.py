"""Reading CSV files as they come from Swedish authorities and spreadsheets.

Real CSVs differ in encoding (UTF-8 with or without BOM, Windows-1252,
Latin-1), separator (``,``, ``;``, tab) and decimal mark (``12,5``). This
module sniffs all three, reads every column as text first, and only then
turns columns into numbers where *every* value is a number, so codes such as
``kommunkod = "0114"`` keep their leading zeros and a column with one typo
stays text (and :mod:`siting.data.fields` names the bad row).

Examples
--------
>>> fmt = sniff_csv_bytes("kommunkod;värde\\n0114;12,5\\n".encode("cp1252"))
>>> fmt.encoding, fmt.sep
('cp1252', ';')
"""

from __future__ import annotations

import csv
import io
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from siting.core.errors import DataError, format_locations

_LOG = logging.getLogger(__name__)

__all__ = [
    "CSV_SUFFIXES",
    "MISSING_MARKERS",
    "CsvFormat",
    "TableRead",
    "parse_number",
    "points_from_table",
    "read_csv",
    "sniff_csv_bytes",
    "to_numeric_text",
]

#: File suffixes read as delimited text.
CSV_SUFFIXES = (".csv", ".txt", ".tsv")

_SEPARATORS = (",", ";", "\t", "|")

#: Cell values read as missing: empty, the usual NA spellings, and SCB's ".." and "-".
MISSING_MARKERS = ("", "NA", "N/A", "NaN", "nan", "NULL", "null", "..", "-", "\u2013")
_SNIFF_LINES = 50
# Number forms accepted: 12, -3.5, 1e3, 12,5 (decimal comma), 1 234,5 / 1 234.5 (space groups).
_NUM_DOT = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_NUM_COMMA = re.compile(r"^[+-]?\d+(,\d+)?([eE][+-]?\d+)?$")
_NUM_GROUPED = re.compile(r"^[+-]?\d{1,3}([ \u00a0\u202f]\d{3})+([.,]\d+)?$")
_LEADING_ZERO_CODE = re.compile(r"^0\d+$")
_NOT_NUMERIC_CHAR = r"[^0-9eE.,+\-\s\u2212\u00a0\u202f]"
_MOJIBAKE = re.compile("Ã[\u0080-\u00bf]|Â[\u00a0-\u00bf]")


@dataclass(frozen=True)
class CsvFormat:
    """What sniffing found out about a CSV file.

    Parameters
    ----------
    encoding : str
        ``'utf-8'``, ``'utf-8-sig'`` (BOM), ``'cp1252'`` or ``'latin-1'``.
    sep : str
        Field separator.
    notes : tuple of str
        Remarks, e.g. a BOM or a fallback encoding.
    """

    encoding: str
    sep: str
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableRead:
    """A CSV file as read: the frame and its format.

    ``data`` has a RangeIndex; data row ``i`` is spreadsheet row ``i + 2``
    (the header is row 1).
    """

    data: pd.DataFrame
    source: str
    format: CsvFormat
    decimal_comma_columns: tuple[str, ...] = ()


def _decode(raw: bytes, source: str, encoding: str | None) -> tuple[str, str, list[str]]:
    notes: list[str] = []
    if encoding:
        try:
            return raw.decode(encoding), encoding, notes
        except (UnicodeDecodeError, LookupError) as exc:
            line = raw[: getattr(exc, "start", 0)].count(b"\n") + 1
            raise DataError.keyed("problem.table.wrong_encoding", source,
                                  location=f"line {line}", encoding=encoding) from exc
    if raw.startswith(b"\xef\xbb\xbf"):
        notes.append("UTF-8 with byte-order mark")
        text, enc = raw[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    else:
        try:
            text, enc = raw.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            try:
                text, enc = raw.decode("cp1252"), "cp1252"
            except UnicodeDecodeError:
                text, enc = raw.decode("latin-1"), "latin-1"
            notes.append(f"not UTF-8; read as {enc} (Windows/Latin-1 code page)")
    match = _MOJIBAKE.search(text)
    if match:
        line = text[: match.start()].count("\n") + 1
        raise DataError.keyed("problem.table.double_encoded", source, location=f"line {line}",
                              example=text[match.start():match.end() + 4])
    return text, enc, notes


def _sniff_sep(text: str) -> str:
    lines = [ln for ln in text.splitlines()[:_SNIFF_LINES] if ln.strip()]
    if not lines:
        return ","
    best, best_score = ",", (-1, -1)
    for sep in _SEPARATORS:
        counts = [len(row) for row in csv.reader(io.StringIO("\n".join(lines)), delimiter=sep)]
        if not counts or counts[0] < 2:
            continue
        consistent = sum(c == counts[0] for c in counts)
        score = (consistent, counts[0])
        if score > best_score:
            best, best_score = sep, score
    return best


def sniff_csv_bytes(raw: bytes, source: str = "", encoding: str | None = None) -> CsvFormat:
    """Sniff encoding and separator of CSV bytes.

    Encoding: a declared ``encoding`` is used strictly; otherwise UTF-8 (with or
    without BOM), else Windows-1252, else Latin-1. Text that is valid UTF-8 but
    shows the signature of double encoding (``Ã¤`` for ``ä``) is refused rather
    than read as mojibake.
    """
    text, enc, notes = _decode(raw, source, encoding)
    return CsvFormat(encoding=enc, sep=_sniff_sep(text), notes=tuple(notes))


def parse_number(text: Any) -> float:
    """Parse one number written the Swedish or the English way; NaN when it is not one.

    >>> parse_number("12,5"), parse_number("1 234,5"), parse_number("7.25"), parse_number("x")
    (12.5, 1234.5, 7.25, nan)
    """
    if text is None:
        return float("nan")
    if isinstance(text, (int, float, np.integer, np.floating)):
        return float(text)
    s = str(text).strip()
    if not s:
        return float("nan")
    if _NUM_DOT.match(s):
        return float(s)
    if _NUM_COMMA.match(s):
        return float(s.replace(",", "."))
    if _NUM_GROUPED.match(s):
        return float(re.sub(r"[ \u00a0\u202f]", "", s).replace(",", "."))
    s2 = s.replace("\u2212", "-")  # typographic minus
    if s2 != s:
        return parse_number(s2)
    return float("nan")


def to_numeric_text(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse a text column into floats.

    Returns
    -------
    (numbers, bad) : (pandas.Series of float, pandas.Series of bool)
        ``bad`` marks values that are present but not numbers.
    """
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        nums = pd.to_numeric(values, errors="coerce").astype("float64")
        return nums, pd.Series(False, index=values.index)
    text = values.astype("string").str.strip()
    present = (values.notna() & text.notna() & (text != "")).fillna(False).astype(bool)
    nums = pd.to_numeric(text.where(present), errors="coerce").astype("float64")
    # vectorised pass for plain numbers; the rest (decimal comma, spaces) one by one
    slow = present & nums.isna()
    if slow.any():
        nums[slow] = [parse_number(v) for v in text[slow]]
    lowered = text.str.lower()
    special = present & lowered.isin(["nan", "inf", "-inf", "+inf", "infinity", "-infinity"])
    nums[special] = np.nan
    return nums, present & nums.isna()


def _infer_numeric(df: pd.DataFrame) -> tuple[pd.DataFrame, tuple[str, ...]]:
    comma_cols: list[str] = []
    out = df.copy()
    for col in df.columns:
        s = df[col]
        present = s.notna() & (s.str.strip() != "")
        if not present.any():
            continue
        vals = s[present].str.strip()
        if vals.str.contains(_NOT_NUMERIC_CHAR, regex=True).any():
            continue  # letters and other signs: text (checked vectorised, before parsing)
        if vals.str.match(_LEADING_ZERO_CODE).any():
            continue  # codes such as "0114" or "01" stay text
        nums, bad = to_numeric_text(vals)
        if bad.any():
            continue
        if vals.str.contains(",", regex=False).any():
            comma_cols.append(str(col))
        full = pd.Series(np.nan, index=s.index, dtype="float64")
        full[present] = nums
        if np.all(np.mod(nums.to_numpy(), 1) == 0) and not vals.str.contains(
                r"[.,eE]", regex=True).any():
            out[col] = full.astype("Int64")
        else:
            out[col] = full
    return out, tuple(comma_cols)


def read_csv(path: str | Path, *, encoding: str | None = None,
             text_columns: tuple[str, ...] = ()) -> TableRead:
    """Read a CSV file with sniffed encoding, separator and decimal mark.

    Parameters
    ----------
    path : str or Path
        The file.
    encoding : str, optional
        Force an encoding instead of sniffing it.
    text_columns : tuple of str
        Columns that must stay text even when every value is a number.

    Returns
    -------
    TableRead

    Raises
    ------
    DataError
        Missing, empty or unparsable file, naming the file and the line.
    """
    p = Path(path)
    src = str(p)
    if not p.is_file():
        raise DataError.keyed("problem.file.not_found", src)
    raw = p.read_bytes()
    if not raw.strip():
        raise DataError.keyed("problem.table.empty", src)
    fmt = sniff_csv_bytes(raw, src, encoding)
    text = raw.decode(fmt.encoding)
    try:
        df = pd.read_csv(io.StringIO(text), sep=fmt.sep, dtype=str, keep_default_na=False,
                         na_values=list(MISSING_MARKERS), skipinitialspace=False,
                         engine="python")
    except (pd.errors.ParserError, csv.Error, ValueError) as exc:
        _LOG.info("%s cannot be read as CSV: %s", src, exc)  # the parser's words: the log
        raise DataError.keyed("problem.table.unparsable", src) from exc
    if df.empty:
        raise DataError.keyed("problem.table.no_rows", src)
    df.columns = [str(c).strip() for c in df.columns]
    keep_text = df[[c for c in df.columns if c in text_columns]]
    df, comma_cols = _infer_numeric(df)
    for col in keep_text.columns:
        df[col] = keep_text[col]
    return TableRead(data=df, source=src, format=fmt, decimal_comma_columns=comma_cols)


def points_from_table(df: pd.DataFrame, x: str, y: str, crs: Any,
                      source: str) -> gpd.GeoDataFrame:
    """Make a point GeoDataFrame from coordinate columns.

    Rows with missing or non-numeric coordinates raise a :class:`DataError`
    naming the rows (spreadsheet numbering: header = row 1).
    """
    missing = [c for c in (x, y) if c not in df.columns]
    if missing:
        raise DataError.keyed("problem.table.no_coordinate_columns", source,
                              field=", ".join(missing), missing=", ".join(missing),
                              columns=", ".join(map(str, df.columns)))
    xs, bad_x = to_numeric_text(df[x])
    ys, bad_y = to_numeric_text(df[y])
    bad = bad_x | bad_y | xs.isna() | ys.isna()
    if bad.any():
        rows = format_locations([int(i) + 2 for i in np.flatnonzero(bad.to_numpy())], "row")
        raise DataError.keyed("problem.table.bad_coordinates", source, location=rows,
                              field=f"{x}/{y}", n=int(bad.sum()))
    geometry = gpd.points_from_xy(xs.to_numpy(), ys.to_numpy())
    return gpd.GeoDataFrame(df.drop(columns=[x, y]), geometry=geometry, crs=crs, index=df.index)
