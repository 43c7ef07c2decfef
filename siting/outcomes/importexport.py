"""Import and export of outcome-log cases: CSV, Excel (.xlsx) and GeoPackage.

All three formats carry the same flat columns (see :func:`flat_columns`):
the scalar fields, ``lon``/``lat`` (WGS 84, the site's representative point, for
people and spreadsheets), ``wkt`` (the exact site geometry in EPSG:3006),
lists ``;``-joined, ``soft_<factor>`` + ``soft_<factor>_evidence`` and
``metric_<id>``. A round trip returns identical cases.

Import accepts Swedish CSV reality: ``;`` or ``,`` separators (sniffed), decimal
commas, UTF-8 (with or without BOM) or cp1252. Every bad row is reported at
once (:class:`~siting.core.errors.ImportValidationError`) and then nothing is
imported. Re-importing a file creates no duplicates: rows are upserted by
``case_id``; unchanged rows write no revision.

Examples
--------
>>> import tempfile, pathlib
>>> from siting.outcomes.case import Case
>>> path = pathlib.Path(tempfile.mkdtemp()) / "cases.csv"
>>> cases = [Case("A-1", "Test", "battery", "2482", "won", geometry_wkt="POINT (800000 7200000)")]
>>> export_cases(cases, path)
>>> read_cases(path) == cases
True
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pyproj
import shapely

from siting.core.errors import ImportValidationError, Problem, StoreError
from siting.data.soft_factors import factor_ids
from siting.outcomes.case import CONTENT_FIELDS, Case, is_blank, parse_case, to_float
from siting.outcomes.store import OutcomeStore, UpsertReport

__all__ = [
    "FORMATS",
    "GPKG_LAYER",
    "case_to_flat",
    "export_cases",
    "flat_columns",
    "flat_to_case_dict",
    "import_file",
    "read_cases",
]

FORMATS: tuple[str, ...] = (".csv", ".xlsx", ".gpkg")
GPKG_LAYER = "outcome_cases"
_LIST_FIELDS = ("competing_kommuner", "decisive_factors")
_NESTED = ("metrics", "soft", "soft_evidence", "geometry_wkt")
_SCALARS = tuple(f for f in CONTENT_FIELDS if f not in _NESTED)
_LONLAT_TOLERANCE_M = 5.0  # exported lon/lat are rounded to 1e-6 degrees (< 0.2 m)
_HEAD = ("case_id", "title", "industry", "kommunkod", "lon", "lat", "year_decided", "outcome")


def _transformers() -> tuple[pyproj.Transformer, pyproj.Transformer]:
    to_wgs = pyproj.Transformer.from_crs(3006, 4326, always_xy=True)
    to_sweref = pyproj.Transformer.from_crs(4326, 3006, always_xy=True)
    return to_wgs, to_sweref


def flat_columns(cases: Iterable[Case] = ()) -> list[str]:
    """The flat column names for these cases (fixed head, then the rest)."""
    metric_ids = sorted({m for c in cases for m in c.metrics})
    cols = list(_HEAD) + ["wkt"]
    cols += [f for f in _SCALARS if f not in cols]
    for factor in factor_ids():
        cols += [f"soft_{factor}", f"soft_{factor}_evidence"]
    cols += [f"metric_{m}" for m in metric_ids]
    return cols


def case_to_flat(case: Case, to_wgs: pyproj.Transformer | None = None) -> dict[str, Any]:
    """One flat row (Python values; None for empty)."""
    if to_wgs is None:
        to_wgs = _transformers()[0]
    row: dict[str, Any] = {}
    for key in _SCALARS:
        value = getattr(case, key)
        if key in _LIST_FIELDS:
            value = ";".join(value) if value else None
        elif isinstance(value, str) and not value:
            value = None
        row[key] = value
    row["wkt"] = case.geometry_wkt
    x, y = case.representative_xy
    if math.isnan(x):
        row["lon"] = row["lat"] = None
    else:
        lon, lat = to_wgs.transform(x, y)
        row["lon"], row["lat"] = round(lon, 6), round(lat, 6)
    for factor in factor_ids():
        row[f"soft_{factor}"] = case.soft.get(factor)
        row[f"soft_{factor}_evidence"] = case.soft_evidence.get(factor)
    for metric_id, value in case.metrics.items():
        row[f"metric_{metric_id}"] = value
    return row


def flat_to_case_dict(row: Mapping[str, Any], *, source: str, location: str,
                      to_sweref: pyproj.Transformer | None = None,
                      geometry: Any = None) -> tuple[dict[str, Any], list[Problem]]:
    """Turn one flat row into the mapping :func:`parse_case` expects.

    ``geometry`` (a shapely geometry from a GeoPackage) wins over ``wkt``,
    which wins over ``lon``/``lat``.
    """
    problems: list[Problem] = []
    data: dict[str, Any] = {}
    soft: dict[str, Any] = {}
    evidence: dict[str, Any] = {}
    metrics: dict[str, Any] = {}
    for raw_key, value in row.items():
        key = str(raw_key).strip().lower()
        if key in ("lon", "lat", "wkt", "geometry", "") or is_blank(value):
            continue
        if key.startswith("soft_") and key.endswith("_evidence"):
            evidence[key[5:-9]] = value
        elif key.startswith("soft_"):
            soft[key[5:]] = value
        elif key.startswith("metric_"):
            metrics[key[7:]] = value
        elif key in _SCALARS:
            data[key] = value
        else:
            problems.append(Problem(source, location, key, "unknown column",
                                    "remove it or rename it to a known column"))
    data["soft"], data["soft_evidence"], data["metrics"] = soft, evidence, metrics
    has_lonlat = not is_blank(row.get("lon")) or not is_blank(row.get("lat"))
    point = None
    if has_lonlat:
        point = _lonlat_point(row.get("lon"), row.get("lat"), source, location, to_sweref,
                              problems)
    exact = None
    if geometry is not None and not shapely.is_empty(geometry):
        exact = geometry
    elif not is_blank(row.get("wkt")):
        exact = str(row["wkt"])
    if exact is None:
        if point is not None:
            data["geometry_wkt"] = point
        return data, problems
    data["geometry_wkt"] = exact
    if point is not None:
        _check_lonlat_agrees(exact, point, source, location, problems)
    return data, problems


def _check_lonlat_agrees(exact: Any, point_wkt: str, source: str, location: str,
                         problems: list[Problem]) -> None:
    """lon/lat edited but the exact geometry left alone would be silently ignored: refuse."""
    try:
        geom = exact if not isinstance(exact, str) else shapely.from_wkt(exact)
    except shapely.errors.GEOSException:
        return  # the geometry problem itself is reported by the validator
    if geom is None or geom.is_empty:
        return
    rep = geom if geom.geom_type == "Point" else geom.representative_point()
    distance_m = rep.distance(shapely.from_wkt(point_wkt))
    if distance_m > _LONLAT_TOLERANCE_M:
        problems.append(Problem(
            source, location, "lon/lat",
            f"lon/lat lie {distance_m:,.0f} m from the site geometry (wkt/geometry column)",
            "to move the site, edit or clear the wkt (geometry) too; otherwise restore lon/lat"))


def _lonlat_point(lon: Any, lat: Any, source: str, location: str,
                  to_sweref: pyproj.Transformer | None, problems: list[Problem]) -> str | None:
    try:
        lon_f, lat_f = to_float(lon), to_float(lat)
    except ValueError:
        problems.append(Problem(source, location, "lon/lat", f"({lon!r}, {lat!r}) are not numbers",
                                "write decimal degrees, e.g. 20.95 and 64.75"))
        return None
    if lon_f is None or lat_f is None:
        problems.append(Problem(source, location, "lon/lat", "give both lon and lat, or neither"))
        return None
    if not (10.0 <= lon_f <= 25.0 and 55.0 <= lat_f <= 69.5):
        problems.append(Problem(source, location, "lon/lat",
                                f"({lon_f}, {lat_f}) is not in Sweden",
                                "lon is east (about 11-24), lat is north (about 55-69)"))
        return None
    if to_sweref is None:
        to_sweref = _transformers()[1]
    x, y = to_sweref.transform(lon_f, lat_f)
    return shapely.to_wkt(shapely.Point(x, y), rounding_precision=3, trim=True)


# ------------------------------------------------------------------ reading
def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")  # pragma: no cover - cp1252 leaves few bytes undecodable


def _read_csv_rows(path: Path) -> list[tuple[str, dict[str, Any]]]:
    text = _decode(path.read_bytes())
    first = text.splitlines()[0] if text.strip() else ""
    sep = ";" if first.count(";") > first.count(",") else ","
    if "\t" in first and first.count("\t") > max(first.count(";"), first.count(",")):
        sep = "\t"
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=sep)
    rows = []
    for i, row in enumerate(reader, start=2):  # row 1 is the header
        if all(is_blank(v) for k, v in row.items() if k is not None):
            continue
        if None in row:
            extra = row.pop(None)
            row["__extra__"] = extra
        rows.append((f"row {i}", dict(row)))
    return rows


def _read_xlsx_rows(path: Path) -> list[tuple[str, dict[str, Any]]]:
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = workbook["cases"] if "cases" in workbook.sheetnames else workbook.worksheets[0]
        rows_iter = sheet.iter_rows(values_only=True)
        header = next(rows_iter, None)
        if header is None:
            return []
        names = [None if h is None else str(h).strip() for h in header]
        rows = []
        for i, values in enumerate(rows_iter, start=2):
            if all(is_blank(v) for v in values):
                continue
            rows.append((f"row {i}", {n: v for n, v in zip(names, values, strict=False)
                                      if n is not None}))
        return rows
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


def read_cases(path: str | Path) -> list[Case]:
    """Read and validate every row of a CSV, Excel or GeoPackage file.

    Raises
    ------
    ImportValidationError
        With one :class:`~siting.core.errors.Problem` per bad field of every bad row.
    """
    path = Path(path)
    source = path.name
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ImportValidationError.single(source, f"unsupported file type {suffix!r}",
                                           hint=f"use one of {', '.join(FORMATS)}")
    if not path.is_file():
        raise ImportValidationError.single(str(path), "file not found")
    try:
        if suffix == ".csv":
            raw_rows = [(loc, row, None) for loc, row in _read_csv_rows(path)]
        elif suffix == ".xlsx":
            raw_rows = [(loc, row, None) for loc, row in _read_xlsx_rows(path)]
        else:
            raw_rows = _read_gpkg_rows(path)
    except (OSError, ValueError, KeyError, StopIteration) as exc:
        raise ImportValidationError.single(str(path), f"cannot read the file: {exc}",
                                           hint="check that it is a valid "
                                                f"{suffix[1:].upper()} file") from exc
    if not raw_rows:
        raise ImportValidationError.single(source, "the file has no case rows")
    to_sweref = _transformers()[1]
    problems: list[Problem] = []
    cases: list[Case] = []
    seen: dict[str, str] = {}
    for location, row, geom in raw_rows:
        extra = row.pop("__extra__", None)
        if extra:
            problems.append(Problem(source, location, "", f"{len(extra)} more values than "
                                    "header columns", "check separators and quoting"))
        data, row_problems = flat_to_case_dict(row, source=source, location=location,
                                               to_sweref=to_sweref, geometry=geom)
        case, case_problems = parse_case(data, source=source, location=location)
        problems += row_problems + case_problems
        if case is not None:
            if case.case_id in seen:
                problems.append(Problem(source, location, "case_id",
                                        f"{case.case_id!r} already appears in {seen[case.case_id]}",
                                        "each case id may appear once per file"))
            seen.setdefault(case.case_id, location)
            cases.append(case)
    if problems:
        raise ImportValidationError.from_problems(
            f"{source}: {len({p.location for p in problems})} bad row(s); nothing was imported",
            problems)
    return cases


def import_file(store: OutcomeStore, path: str | Path, *, user: str | None = None) -> UpsertReport:
    """Validate a whole file, then upsert its cases in one transaction."""
    cases = read_cases(path)
    return store.upsert_many(cases, user=user, action="import",
                             comment=f"imported from {Path(path).name}")


# ------------------------------------------------------------------ writing
def _csv_text(value: Any, decimal_comma: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        text = repr(value)
        return text.replace(".", ",") if decimal_comma else text
    return str(value)


def export_cases(cases: Sequence[Case], path: str | Path, *, swedish_csv: bool = False) -> None:
    """Write cases to ``.csv``, ``.xlsx`` or ``.gpkg`` (chosen by the extension).

    Parameters
    ----------
    cases : sequence of Case
    path : str or Path
    swedish_csv : bool
        CSV only: ``;`` separator and decimal comma (Excel with Swedish settings).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise StoreError.single(str(path), f"unsupported export type {suffix!r}",
                                hint=f"use one of {', '.join(FORMATS)}")
    cases = list(cases)
    columns = flat_columns(cases)
    to_wgs = _transformers()[0]
    rows = [case_to_flat(c, to_wgs) for c in cases]
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh, delimiter=";" if swedish_csv else ",")
            writer.writerow(columns)
            for row in rows:
                writer.writerow([_csv_text(row.get(c), swedish_csv) for c in columns])
    elif suffix == ".xlsx":
        _write_xlsx(path, columns, rows)
    else:
        _write_gpkg(path, columns, rows)


#: Column help for the Excel "fält" sheet: column -> (Swedish, English).
_FIELD_HELP: dict[str, tuple[str, str]] = {
    "case_id": ("Stabilt id, t.ex. SE-2018-NV-ETT (unikt)", "Stable id, e.g. SE-2018-NV-ETT (unique)"),
    "title": ("Titel eller kodnamn", "Title or code name"),
    "industry": ("battery | steel | data_center | other", "battery | steel | data_center | other"),
    "kommunkod": ("Kommunkod, 4 siffror som text (0480)", "Municipality code, 4 digits as text"),
    "lon": ("Longitud WGS 84 (om wkt saknas)", "Longitude WGS 84 (used when wkt is empty)"),
    "lat": ("Latitud WGS 84 (om wkt saknas)", "Latitude WGS 84 (used when wkt is empty)"),
    "wkt": ("Exakt geometri, WKT i SWEREF 99 TM (EPSG:3006)",
            "Exact geometry, WKT in SWEREF 99 TM (EPSG:3006)"),
    "year_started": ("År processen började", "Year the process started"),
    "year_decided": ("År för beslutet (tomt om pågående)", "Decision year (empty if ongoing)"),
    "outcome": ("won | lost | withdrawn | ongoing, sett från kommunen",
                "won | lost | withdrawn | ongoing, from the municipality's side"),
    "profile": ("Etableringsprofil, t.ex. battery_plant", "Establishment profile id"),
    "competing_kommuner": ("Konkurrerande kommuner, ;-separerade", "Competing municipalities, ;-joined"),
    "investment_msek": ("Investering, miljoner kronor", "Investment, million SEK"),
    "jobs": ("Direkta jobb", "Direct jobs"),
    "power_mw": ("Begärd effekt, MW", "Requested power, MW"),
    "land_ha": ("Mark, hektar", "Land, hectares"),
    "detaljplan_months": ("Tid till antagen detaljplan, månader", "Time to adopted zoning plan, months"),
    "permit_months": ("Tid till miljötillstånd, månader", "Time to environmental permit, months"),
    "metrics_vintage": ("Dataårgång för metric_-kolumnerna", "Data vintage of the metric_ columns"),
    "decisive_factors": ("Avgörande faktorer, ;-separerade taggar", "Decisive factors, ;-joined tags"),
    "notes": ("Anteckningar", "Notes"),
    "source": ("Offentlig källa (URL eller referens)", "Public source (URL or citation)"),
    "confidentiality": ("public | internal | confidential", "public | internal | confidential"),
    "is_fictional": ("true för påhittade exempel", "true for fictional examples"),
    "organisation": ("Organisation som äger posten", "Organisation owning the record"),
}


def _field_help(column: str) -> tuple[str, str]:
    if column in _FIELD_HELP:
        return _FIELD_HELP[column]
    if column.endswith("_evidence"):
        return ("Belägg för bedömningen", "Evidence behind the score")
    if column.startswith("soft_"):
        return ("Mjuk faktor, heltal 1-5 (siting.data.soft_factors)",
                "Soft factor, whole number 1-5 (siting.data.soft_factors)")
    if column.startswith("metric_"):
        return ("Mätvärde vid beslutet (profilens metric-id)",
                "Metric value at decision time (profile metric id)")
    return ("", "")


def _write_xlsx(path: Path, columns: list[str], rows: list[dict[str, Any]]) -> None:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "cases"
    sheet.append(columns)
    for row_no, row in enumerate(rows, start=2):
        values = [row.get(c) for c in columns]
        sheet.append(values)
        for col_no, value in enumerate(values, start=1):
            if isinstance(value, str) and value.startswith("="):
                # user text starting with '=' stays text, never a formula
                sheet.cell(row=row_no, column=col_no).data_type = "s"
    text_cols = {i + 1 for i, c in enumerate(columns) if c in ("kommunkod", "case_id")}
    for col_idx in text_cols:
        for cell in sheet.iter_cols(min_col=col_idx, max_col=col_idx, min_row=2):
            for c in cell:
                c.number_format = "@"
    sheet.freeze_panes = "B2"
    fields = workbook.create_sheet("fält")
    fields.append(["kolumn / column", "beskrivning", "description"])
    for column in columns:
        fields.append([column, *_field_help(column)])
    workbook.save(path)


def _write_gpkg(path: Path, columns: list[str], rows: list[dict[str, Any]]) -> None:
    import geopandas as gpd
    import pandas as pd

    attrs = [c for c in columns if c != "wkt"]
    data: dict[str, Any] = {}
    for col in attrs:
        values = [r.get(col) for r in rows]
        kinds = {type(v) for v in values if v is not None}
        if kinds and kinds <= {int, float}:
            data[col] = pd.array([math.nan if v is None else float(v) for v in values],
                                 dtype="float64")
        elif kinds == {bool}:
            data[col] = pd.array(values, dtype="boolean")
        else:
            data[col] = pd.array([None if v is None else str(v) for v in values],
                                 dtype=object)
    frame = pd.DataFrame(data, columns=attrs)
    geoms = [None if r.get("wkt") is None else shapely.from_wkt(r["wkt"]) for r in rows]
    gdf = gpd.GeoDataFrame(frame, geometry=geoms, crs="EPSG:3006")
    if path.exists():
        path.unlink()
    gdf.to_file(path, layer=GPKG_LAYER, driver="GPKG")
