"""Rows of the outcome-log import files, streamed: CSV, Excel (.xlsx) and GeoPackage.

Each reader yields ``(location, row)`` with the raw cell values keyed by column
name (``location`` such as ``"row 12"`` names the row in the user's file), one
row at a time, so memory stays bounded whatever the file's size (a GeoPackage
is read whole by GDAL). :mod:`siting.outcomes.importexport` turns rows into cases.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from siting.core.errors import ImportValidationError
from siting.outcomes.case import is_blank

__all__ = ["CSV_CELL_LIMIT", "FORMATS", "GPKG_LAYER", "check_path", "count_rows", "raw_rows"]

FORMATS: tuple[str, ...] = (".csv", ".xlsx", ".gpkg")
GPKG_LAYER = "outcome_cases"
#: Cells of an imported CSV may hold this many characters (the csv module's default is 131,072).
CSV_CELL_LIMIT = 10_000_000


def _csv_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) when the whole file decodes so, else cp1252 (streamed)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8-sig"


@contextmanager
def _csv_field_limit(limit: int) -> Iterator[None]:
    """Let the csv module read cells of up to ``limit`` characters (restored afterwards)."""
    old = csv.field_size_limit()
    csv.field_size_limit(max(old, limit))
    try:
        yield
    finally:
        csv.field_size_limit(old)


@contextmanager
def _csv_records(path: Path) -> Iterator[tuple[list[str], Iterator[tuple[int, list[str]]]]]:
    """The CSV's header and its records as (row number, cells), streamed.

    The separator (``;``, ``,`` or tab) is sniffed from the header line; cells may
    hold up to :data:`CSV_CELL_LIMIT` characters; a broken file gives a clear
    :class:`~siting.core.errors.ImportValidationError` naming the row.
    """
    with path.open(encoding=_csv_encoding(path), newline="") as fh, \
            _csv_field_limit(CSV_CELL_LIMIT):
        first = fh.readline()
        fh.seek(0)
        sep = ";" if first.count(";") > first.count(",") else ","
        if "\t" in first and first.count("\t") > max(first.count(";"), first.count(",")):
            sep = "\t"
        reader = csv.reader(fh, delimiter=sep)
        state = {"row": 1}

        def records() -> Iterator[tuple[int, list[str]]]:
            try:
                for i, cells in enumerate(reader, start=2):  # row 1 is the header
                    state["row"] = i
                    if cells:
                        yield i, cells
            except csv.Error as exc:
                raise ImportValidationError.single(
                    path.name, f"cannot read the CSV: {exc}", location=f"row {state['row'] + 1}",
                    hint=f"a cell may hold at most {CSV_CELL_LIMIT:,} characters; check that "
                         "every quote is closed") from exc

        header = next(records(), (1, []))[1]
        yield header, records()


def _read_csv_rows(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """The CSV's rows one at a time (bounded memory whatever the file size)."""
    with _csv_records(path) as (header, records):
        width = len(header)
        for i, cells in records:
            if all(is_blank(v) for v in cells[:width]):
                continue
            row: dict[str, Any] = dict(zip(header, cells, strict=False))
            if len(cells) < width:
                row.update((k, None) for k in header[len(cells):])
            elif len(cells) > width:
                row["__extra__"] = cells[width:]
            yield f"row {i}", row


def count_rows(path: Path) -> int:
    """The number of case rows in the file (a fast pass; CSV without parsing the cases)."""
    if path.suffix.lower() != ".csv":
        return sum(1 for _ in raw_rows(path))
    n = 0
    with _csv_records(path) as (header, records):
        width = len(header)
        for _, cells in records:
            if not all(is_blank(v) for v in cells[:width]):
                n += 1
    return n


def _read_xlsx_rows(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)  # streams rows
    try:
        sheet = workbook["cases"] if "cases" in workbook.sheetnames else workbook.worksheets[0]
        rows_iter = sheet.iter_rows(values_only=True)
        header = next(rows_iter, None)
        if header is None:
            return
        names = [None if h is None else str(h).strip() for h in header]
        for i, values in enumerate(rows_iter, start=2):
            if all(is_blank(v) for v in values):
                continue
            yield f"row {i}", {n: v for n, v in zip(names, values, strict=False)
                               if n is not None}
    finally:
        workbook.close()


def _read_gpkg_rows(path: Path) -> list[tuple[str, dict[str, Any], Any]]:
    import geopandas as gpd
    import pyogrio

    layers = [name for name, _ in pyogrio.list_layers(path)]
    layer = GPKG_LAYER if GPKG_LAYER in layers else layers[0]
    frame = gpd.read_file(path, layer=layer)
    if frame.crs is not None and frame.crs.to_epsg() != 3006:
        frame = frame.to_crs(3006)
    elif frame.crs is None and frame.geometry.notna().any():
        raise ImportValidationError.single(str(path), "the GeoPackage layer has no CRS",
                                           location=f"layer {layer!r}",
                                           hint="assign EPSG:3006 (SWEREF 99 TM) in QGIS")
    rows = []
    geom_name = frame.geometry.name
    records = frame.drop(columns=[geom_name]).astype(object).to_dict("records")
    for i, (record, geom) in enumerate(zip(records, frame.geometry, strict=True), start=1):
        rows.append((f"feature {i}", record, geom))
    return rows


def raw_rows(path: Path) -> Iterator[tuple[str, dict[str, Any], Any]]:
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            yield from ((loc, row, None) for loc, row in _read_csv_rows(path))
        elif suffix == ".xlsx":
            yield from ((loc, row, None) for loc, row in _read_xlsx_rows(path))
        else:
            yield from _read_gpkg_rows(path)
    except (OSError, ValueError, KeyError, StopIteration) as exc:
        raise ImportValidationError.single(str(path), f"cannot read the file: {exc}",
                                           hint="check that it is a valid "
                                                f"{suffix[1:].upper()} file") from exc


def check_path(path: Path) -> None:
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ImportValidationError.single(path.name, f"unsupported file type {suffix!r}",
                                           hint=f"use one of {', '.join(FORMATS)}")
    if not path.is_file():
        raise ImportValidationError.single(str(path), "file not found")
