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
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pyproj
import shapely

from siting.core.errors import ImportValidationError, Problem, StoreError
from siting.data.soft_factors import factor_ids
from siting.outcomes.case import CONTENT_FIELDS, Case, is_blank, parse_case, to_float
from siting.outcomes.filerows import (
    CSV_CELL_LIMIT,
    FORMATS,
    GPKG_LAYER,
    check_path,
    count_rows,
    raw_rows,
)
from siting.outcomes.store import OutcomeStore, UpsertReport

__all__ = [
    "CSV_CELL_LIMIT",
    "FORMATS",
    "GPKG_LAYER",
    "MAX_IMPORT_ROWS",
    "case_to_flat",
    "export_cases",
    "flat_columns",
    "flat_to_case_dict",
    "import_file",
    "read_cases",
]

_LIST_FIELDS = ("competing_kommuner", "decisive_factors")
_NESTED = ("metrics", "soft", "soft_evidence", "geometry_wkt")
_SCALARS = tuple(f for f in CONTENT_FIELDS if f not in _NESTED)
_LONLAT_TOLERANCE_M = 5.0  # exported lon/lat are rounded to 1e-6 degrees (< 0.2 m)
#: Cases written per batch by :func:`import_file`.
IMPORT_BATCH = 2_000
#: Case rows one import takes at most (the duplicate check keeps ~200 bytes per row in
#: memory, so 5 million rows stay well within 2 GB); larger files are refused with a
#: message saying how to split them.
MAX_IMPORT_ROWS = 5_000_000
#: Problems listed at most when a file is refused (all are counted).
MAX_PROBLEMS = 1_000
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


def _parsed(path: Path) -> Iterator[tuple[str, Case | None, list[Problem]]]:
    """Every row of the file as (location, case or None, problems), streamed."""
    source = path.name
    to_sweref = _transformers()[1]
    for location, row, geom in raw_rows(path):
        problems: list[Problem] = []
        extra = row.pop("__extra__", None)
        if extra:
            problems.append(Problem(source, location, "", f"{len(extra)} more values than "
                                    "header columns", "check separators and quoting"))
        data, row_problems = flat_to_case_dict(row, source=source, location=location,
                                               to_sweref=to_sweref, geometry=geom)
        case, case_problems = parse_case(data, source=source, location=location)
        yield location, case, problems + row_problems + case_problems


class _RowChecks:
    """The problems of a file's rows, gathered while it is read.

    Every problem is counted, the first :data:`MAX_PROBLEMS` are listed; the
    duplicate check is linear (a dict of case ids to the row they first appear in).
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []
        self.n_problems = 0
        self.n_rows = 0
        self.bad_rows = 0
        self._seen: dict[str, str] = {}

    def add(self, location: str, case: Case | None, problems: list[Problem]) -> bool:
        """Record one row; True when its case is good and its id new."""
        self.n_rows += 1
        if case is not None:
            first = self._seen.setdefault(case.case_id, location)
            if first != location:
                problems.append(Problem(self.source, location, "case_id",
                                        f"{case.case_id!r} already appears in {first}",
                                        "each case id may appear once per file",
                                        f"{case.case_id!r} finns redan på {first}",
                                        "varje ärende-id får förekomma en gång per fil"))
        if problems:
            self.bad_rows += 1
            self.n_problems += len(problems)
            self.problems += problems[:max(0, MAX_PROBLEMS - len(self.problems))]
        return case is not None and not problems

    def raise_if_bad(self) -> None:
        """Raise :class:`ImportValidationError` when any row was bad or there were none."""
        if self.n_problems:
            more = f" (the first {len(self.problems)} of {self.n_problems} problems are " \
                   "listed)" if self.n_problems > len(self.problems) else ""
            raise ImportValidationError.from_problems(
                f"{self.source}: {self.bad_rows} bad row(s); nothing was imported{more}",
                self.problems)
        if self.n_rows == 0:
            raise ImportValidationError.single(self.source, "the file has no case rows",
                                               message_sv="filen har inga ärenderader")


def read_cases(path: str | Path) -> list[Case]:
    """Read and validate every row of a CSV, Excel or GeoPackage file.

    Raises
    ------
    ImportValidationError
        With one :class:`~siting.core.errors.Problem` per bad field of every bad row.
    """
    path = Path(path)
    check_path(path)
    checks = _RowChecks(path.name)
    cases = [case for location, case, problems in _parsed(path)
             if checks.add(location, case, problems) and case is not None]
    checks.raise_if_bad()
    return cases


def _check_size(path: Path) -> int:
    """The number of case rows; refuses a file over :data:`MAX_IMPORT_ROWS` (clear message)."""
    total = count_rows(path)
    if total > MAX_IMPORT_ROWS:
        raise ImportValidationError.single(
            path.name, f"the file has {total:,} case rows; one import takes at most "
                       f"{MAX_IMPORT_ROWS:,}",
            hint=f"split the file into parts of at most {MAX_IMPORT_ROWS:,} rows (each with "
                 "the header row) and import them one after the other",
            message_sv=f"filen har {total:,} ärenderader; en import får ha högst "
                       f"{MAX_IMPORT_ROWS:,}".replace(",", " "),
            hint_sv=f"dela filen i delar om högst {MAX_IMPORT_ROWS:,} rader (var och en med "
                    "rubrikraden) och importera dem en i taget".replace(",", " "))
    return total


def _no_progress(_done: int, _total: int) -> None:
    """No progress display."""


def import_file(store: OutcomeStore, path: str | Path, *, user: str | None = None,
                progress: Callable[[int, int], None] | None = None) -> UpsertReport:
    """Validate every row of a file and upsert its cases, all in one transaction.

    The file is read twice, one row at a time, so memory stays bounded whatever
    its size (the ids seen are kept for the duplicate check: about 200 bytes a
    row): a fast pass counts the rows (the progress total; more than
    :data:`MAX_IMPORT_ROWS` are refused), then each row is validated and the
    good ones are written in batches of :data:`IMPORT_BATCH` by the store's
    bulk path (:meth:`~siting.outcomes.store.OutcomeStore.upsert_batches`).
    At the first bad row writing stops; the rest is still validated, and then
    every problem is reported and the transaction rolled back: nothing is
    imported unless every row is good.

    Parameters
    ----------
    progress : callable, optional
        ``progress(done, total)`` with the rows read so far (the app's and CLI's
        progress bars); the batch read last is being written.
    """
    path = Path(path)
    check_path(path)
    total = _check_size(path)
    report = progress or _no_progress
    report(0, total)

    def batches() -> Iterator[list[Case]]:
        checks = _RowChecks(path.name)
        batch: list[Case] = []
        for location, case, problems in _parsed(path):
            good = checks.add(location, case, problems)
            if checks.n_problems:
                batch = []  # nothing more is written: the transaction will be rolled back
            elif good and case is not None:
                batch.append(case)
            if checks.n_rows % IMPORT_BATCH == 0:
                report(checks.n_rows, total)
                if batch:
                    yield batch
                    batch = []
        report(checks.n_rows, max(total, checks.n_rows))
        checks.raise_if_bad()  # inside the transaction: rolls back what was written
        if batch:
            yield batch

    return store.upsert_batches(batches, user=user, action="import",
                                comment=f"imported from {path.name}", validated=True)


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
