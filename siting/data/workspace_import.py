"""Bring an organisation's own sites and layers in from files, checked, all or nothing.

The file is read by THE site reader (:func:`siting.data.sites.read_sites`: CRS check,
reprojection to EPSG:3006, geometry repair); this module adds what a workspace
needs on top: the size limit (checked before anything is read), the questions a
person must answer (which layer of a multi-layer file, which CRS when the file
has none, which columns hold the coordinates), and per-feature checks (empty or
invalid geometry, outside Sweden, duplicate names). Every problem is collected
and raised at once with Swedish and English texts; nothing is saved unless every
feature is fine.

Examples
--------
>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "sites.csv"
>>> _ = p.write_text("namn;x;y\\nHamnen;760000;7200000\\nBruket;762000;7201000\\n")
>>> [s.name for s in sites_from_file(p)]
['Hamnen', 'Bruket']
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from siting.core.crs import ANALYSIS_CRS
from siting.core.errors import CrsError, DataError, Problem, ScoringError
from siting.core.frozen import FrozenMap
from siting.data.workspace import (
    OWNERS,
    ZONING,
    WorkspaceLayer,
    WorkspaceSite,
    problem,
    site_problems,
    ws_error,
)

__all__ = [
    "MAX_UPLOAD_MB",
    "QuestionError",
    "check_upload_size",
    "file_layers",
    "layer_from_file",
    "sites_from_file",
    "read_site_frame",
    "sites_from_frame",
]

#: The largest file accepted for a workspace upload (MB). The app's
#: ``server.maxUploadSize`` (``.streamlit/config.toml``) is set to the same value.
MAX_UPLOAD_MB = 200
_NAME_COLUMNS = ("name", "namn", "benamning", "benämning", "omrade", "område", "title", "titel")
_ZONING_WORDS: Mapping[str, str] = {
    "industrial": "industrial", "antagen": "industrial", "adopted": "industrial",
    "detaljplan": "industrial", "in_progress": "in_progress", "pagaende": "in_progress",
    "pågående": "in_progress", "planarbete": "in_progress", "none": "none", "ingen": "none",
}
_OWNER_WORDS: Mapping[str, str] = {
    "municipal": "municipal", "kommun": "municipal", "kommunen": "municipal",
    "private": "private", "privat": "private", "state": "state", "staten": "state",
    "statlig": "state",
}


class QuestionError(DataError):
    """Raised when a person must choose before the file can be read.

    ``kind`` is ``"layer"`` (``choices`` = layer names), ``"crs"`` (``choices`` =
    EPSG codes, ``hint_range`` = the coordinates' range) or ``"coords"`` (``choices`` =
    the file's columns).
    """

    def __init__(self, kind: str, choices: Sequence[str], problems: Sequence[Problem],
                 hint_range: str = "") -> None:
        super().__init__(str(problems[0]), tuple(problems))
        self.kind = kind
        self.choices = tuple(choices)
        self.hint_range = hint_range


def check_upload_size(size_bytes: int, source: str) -> None:
    """Refuse a file over :data:`MAX_UPLOAD_MB` (call before reading it)."""
    if size_bytes > MAX_UPLOAD_MB * 1024 * 1024:
        raise ws_error(DataError, [problem(source, "", "", "too_large",
                                           size=f"{size_bytes / 1024 / 1024:,.0f}",
                                           limit=MAX_UPLOAD_MB)])


def _check_file(path: Path) -> None:
    if not path.is_file():
        raise ws_error(DataError, [problem(path.name, "", "", "no_file")])
    check_upload_size(path.stat().st_size, path.name)
    head = path.read_bytes()[:512].lstrip().lower() if path.suffix.lower() not in (
        ".gpkg", ".zip", ".xlsx") else b""
    if head.startswith((b"<!doctype html", b"<html")):
        raise ws_error(DataError, [problem(path.name, "", "", "html_file")])
    if path.suffix.lower() == ".xlsx":
        _check_excel_header(path)


def _check_excel_header(path: Path) -> None:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=False)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise ws_error(DataError, [problem(path.name, "", "", "bad_excel",
                                           detail=type(exc).__name__)]) from exc
    sheet = book.worksheets[0]
    merged = [str(r) for r in sheet.merged_cells.ranges if r.min_row == 1]
    if merged:
        raise ws_error(DataError, [problem(path.name, f"{sheet.title}!{merged[0]}", "",
                                           "merged_header", cells=", ".join(merged))])


def file_layers(path: Path) -> list[str]:
    """Layer names of a GeoPackage or KML (empty for other formats)."""
    from siting.data.io.vector import list_layers

    if path.suffix.lower() not in (".gpkg", ".kml"):
        return []
    return [name for name, _ in list_layers(path)]


def _ask_layer(path: Path, layer: str | None) -> None:
    names = file_layers(path)
    if layer is None and len(names) > 1:
        raise QuestionError("layer", names, [problem(path.name, "", "layer", "pick_layer",
                                                    n=len(names), layers=", ".join(names))])
    if layer is not None and names and layer not in names:
        raise QuestionError("layer", names, [problem(path.name, "", "layer", "no_such_layer",
                                                    layer=layer, layers=", ".join(names))])


def _raw_range(path: Path, layer: str | None) -> str:
    import pyogrio

    from siting.data.io.vector import gdal_path

    try:
        info = pyogrio.read_info(gdal_path(path), layer=layer)
        b = info.get("total_bounds")
    except Exception:  # noqa: BLE001 - only a hint; the question is asked anyway
        return ""
    if b is None or not np.all(np.isfinite(b)):
        return ""
    def fmt(v: float) -> str:
        return f"{v:.0f}" if abs(v) > 1000 else f"{v:.4f}"

    return f"x {fmt(b[0])}..{fmt(b[2])}, y {fmt(b[1])}..{fmt(b[3])}"


def read_site_frame(path: str | Path, *, layer: str | None = None, crs: str | None = None,
                    coords: tuple[str, str] | None = None) -> gpd.GeoDataFrame:
    """Read a site file into EPSG:3006 (all attributes kept), asking what must be asked.

    Raises
    ------
    QuestionError
        Several layers and none chosen; no CRS (answer ``crs``); a table whose
        coordinate columns cannot be found (answer ``coords``).
    DataError, CrsError
        Too large, not the format its name says, merged Excel header cells, coordinates
        that do not fit the CRS ...
    """
    from siting.data.sites import read_sites

    p = Path(path)
    _check_file(p)
    _ask_layer(p, layer)
    try:
        return read_sites(p, layer=layer, crs=crs, coords=coords, require_id=False)
    except CrsError as exc:
        if crs is None and any("no coordinate reference system" in pr.message
                               for pr in exc.problems):
            rng = _raw_range(p, layer)
            raise QuestionError("crs", ("EPSG:3006", "EPSG:4326"), [problem(
                p.name, "", "crs", "no_crs", range=rng or "?")], rng) from exc
        raise
    except (DataError, ScoringError) as exc:
        if any(pr.field == "x/y" for pr in exc.problems):
            cols = [pr.location for pr in exc.problems if pr.field == "x/y"]
            raise QuestionError("coords", cols[0].split(", ") if cols and cols[0] else (),
                               [problem(p.name, "", "x/y", "no_coords",
                                        columns=cols[0] if cols else "")]) from exc
        raise


def _pick_name_column(frame: gpd.GeoDataFrame, name_field: str | None, source: str) -> str:
    columns = [str(c) for c in frame.columns if c != frame.geometry.name]
    if name_field:
        if name_field not in columns:
            raise ws_error(DataError, [problem(source, "", name_field, "no_name_column",
                                               column=name_field, columns=", ".join(columns))])
        return name_field
    lower = {c.casefold(): c for c in columns}
    found = [lower[c] for c in _NAME_COLUMNS if c in lower]
    filled = [c for c in found
              if frame[c].astype("string").str.strip().fillna("").ne("").any()]
    if filled or found:
        return (filled or found)[0]
    raise ws_error(DataError, [problem(source, "", "name", "no_name_column", column="name",
                                       columns=", ".join(columns))])


def _choice(value: Any, words: Mapping[str, str], allowed: Sequence[str]) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    key = str(value).strip().casefold()
    hit = words.get(key, key)
    return hit if hit in allowed else None


def sites_from_frame(frame: gpd.GeoDataFrame, source: str, *,
                     name_field: str | None = None) -> list[WorkspaceSite]:
    """Turn a read site frame (EPSG:3006) into workspace sites, checking every feature.

    Raises
    ------
    DataError
        With every problem: no name column, empty names, empty/invalid geometry,
        duplicate names (the reader has already refused sites outside Sweden).
    """
    name_col = _pick_name_column(frame, name_field, source)
    cols = {c.casefold(): c for c in map(str, frame.columns)}
    zoning_col = next((cols[c] for c in ("zoning", "planstatus", "detaljplan") if c in cols), None)
    owner_col = next((cols[c] for c in ("owner", "agare", "ägare", "markagare", "markägare")
                      if c in cols), None)
    geoms = np.asarray(frame.geometry.values, dtype=object)
    problems: list[Problem] = []
    sites: list[WorkspaceSite] = []
    seen: dict[str, int] = {}
    records = pd.DataFrame(frame.drop(columns=frame.geometry.name)).to_dict("records")
    for i, (geom, values) in enumerate(zip(geoms, records, strict=True), start=1):
        raw_name = values.get(name_col)
        name = "" if raw_name is None or raw_name is pd.NA or \
            (isinstance(raw_name, float) and np.isnan(raw_name)) else str(raw_name).strip()
        where = f"{i}" + (f" ({name})" if name else "")
        if geom is None or shapely.is_empty(geom):
            problems.append(problem(source, where, "geometry", "empty_geometry"))
            continue
        key = name.casefold()
        if key and key in seen:
            problems.append(problem(source, where, name_col, "duplicate_in_file", name=name,
                                    first=seen[key]))
        seen.setdefault(key, i)
        site = WorkspaceSite(
            site_id="", name=name, geometry_wkt=shapely.to_wkt(geom, rounding_precision=3),
            zoning=_choice(values.get(zoning_col), _ZONING_WORDS, ZONING) or "none"
            if zoning_col else "none",
            owner=_choice(values.get(owner_col), _OWNER_WORDS, OWNERS) if owner_col else None,
            source=source)
        problems += site_problems(site, source, where)
        sites.append(site)
    if problems:
        raise ws_error(DataError, problems)
    return sites


def sites_from_file(path: str | Path, *, layer: str | None = None, name_field: str | None = None,
                    crs: str | None = None, coords: tuple[str, str] | None = None,
                    source: str | None = None) -> list[WorkspaceSite]:
    """Read and check every site of a file (nothing is saved here).

    Parameters
    ----------
    path : str or Path
        GeoPackage (any layer), zipped Shapefile, GeoJSON, KML, CSV or Excel (``.xlsx``)
        with coordinates.
    layer : str, optional
        The layer to read when the file has several.
    name_field : str, optional
        The column holding the site names (default: ``name``, ``namn`` ...).
    crs : str, optional
        ``EPSG:3006`` or ``EPSG:4326`` for a file without CRS or a table.
    coords : (str, str), optional
        The x and y columns of a table.
    source : str, optional
        The name shown in messages and recorded (default: the file name).
    """
    p = Path(path)
    frame = read_site_frame(p, layer=layer, crs=crs, coords=coords)
    return sites_from_frame(frame, source or p.name, name_field=name_field)


def layer_from_file(path: str | Path, layer_type: str, *, field_map: Mapping[str, str],
                    title: str = "", theme: str | None = None, layer: str | None = None,
                    crs: str | None = None, coords: tuple[str, str] | None = None,
                    coverage: Sequence[str] = (), vintage: str = "",
                    source: str | None = None) -> WorkspaceLayer:
    """Read an own layer, map its columns onto the canonical fields of ``layer_type``.

    Raises
    ------
    DataError
        With every problem (unknown type, unmapped required field, bad values ...).
    """
    from siting.data.fields import canonicalize
    from siting.data.schema import LAYER_TYPES

    p = Path(path)
    name = source or p.name
    ltype = LAYER_TYPES.get(layer_type)
    if ltype is None or "table" in ltype.kinds or "raster" in ltype.kinds:
        vector_types = sorted(k for k, v in LAYER_TYPES.items()
                              if not set(v.kinds) & {"table", "raster"})
        raise ws_error(DataError, [problem(name, "", "type", "bad_layer_type", value=layer_type,
                                           choices=", ".join(vector_types))])
    frame = read_site_frame(p, layer=layer, crs=crs, coords=coords)
    data, _notes = canonicalize(frame, ltype, fields=field_map, source=name,
                                location_word="feature")
    geoms = np.asarray(data.geometry.values, dtype=object)
    problems = [problem(name, str(i + 1), "geometry", "empty_geometry")
                for i in np.flatnonzero(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    if problems:
        raise ws_error(DataError, problems)
    keep = [f.name for f in ltype.fields if f.name in data.columns]
    out = gpd.GeoDataFrame(data[keep], geometry=data.geometry, crs=ANALYSIS_CRS)
    kind = "point" if all(g.geom_type == "Point" for g in geoms) else \
        ("line" if all("Line" in g.geom_type for g in geoms) else "polygon")
    import json

    features = json.loads(out.to_json(na="null", drop_id=True))
    features.pop("crs", None)
    return WorkspaceLayer(layer_id="", title=title or p.stem, type=layer_type,
                          theme=theme or ltype.theme, kind=kind, features=features,
                          field_map=FrozenMap(dict(field_map)), coverage=tuple(coverage),
                          source=name, vintage=vintage or dt.date.today().isoformat())
