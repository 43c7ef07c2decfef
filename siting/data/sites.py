"""Read a user's own candidate sites from a file: :func:`read_sites`.

Sites drawn by a municipality (GeoPackage, GeoJSON, KML, zipped shapefile) or listed
as points in a spreadsheet (CSV or Excel with ``x``/``y`` in SWEREF 99 TM or
``lon``/``lat`` in WGS 84, any of the Swedish CSV dialects) are read with the
same loader as catalogue layers, so they get the same CRS checks,
reprojection to EPSG:3006, geometry repair and canonical ``sites`` fields.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from siting.core.errors import DataError, ScoringError
from siting.core.frozen import FrozenMap
from siting.data.io import file_format

__all__ = ["check_site_geometries", "read_sites", "suggest_coordinates", "table_columns"]

_COORD_PAIRS: tuple[tuple[str, str, str], ...] = (
    ("x", "y", "EPSG:3006"), ("e", "n", "EPSG:3006"), ("easting", "northing", "EPSG:3006"),
    ("ost", "nord", "EPSG:3006"), ("lon", "lat", "EPSG:4326"), ("lng", "lat", "EPSG:4326"),
    ("longitude", "latitude", "EPSG:4326"), ("öst", "nord", "EPSG:3006"),
)


def suggest_coordinates(columns: list[str]) -> tuple[str, str, str] | None:
    """(x column, y column, EPSG code) guessed from a table's column names, or None."""
    lower = {c.casefold().strip(): c for c in columns}
    for x, y, crs in _COORD_PAIRS:
        if x in lower and y in lower:
            return lower[x], lower[y], crs
    return None


def table_columns(path: Path) -> list[str]:
    """Column names of a CSV or Excel file."""
    if file_format(path) == "csv":
        from siting.data.io.tabular import read_csv

        return [str(c) for c in read_csv(path).data.columns]
    return [str(c) for c in pd.read_excel(path, nrows=0).columns]


def _table_coords(path: Path, crs: str | None, coords: tuple[str, str] | None
                  ) -> tuple[Any, str]:
    from siting.data.catalog import CoordSpec

    columns = table_columns(path)
    if coords is not None:
        missing = [c for c in coords if c not in columns]
        if not missing:
            return CoordSpec(*coords), crs or "EPSG:3006"
    else:
        found = suggest_coordinates(columns)
        if found is not None:
            return CoordSpec(found[0], found[1]), crs or found[2]
    raise ScoringError.keyed("problem.sites.no_coordinates", str(path), field="x/y",
                             location=", ".join(columns))


def _excel_as_csv(path: Path, folder: Path) -> Path:
    """An Excel sheet written as a UTF-8 CSV, so the CSV path reads it."""
    out = folder / f"{path.stem}.csv"
    pd.read_excel(path, dtype=str).to_csv(out, index=False, sep=";", encoding="utf-8")
    return out


def _labels(gdf: gpd.GeoDataFrame, rows: np.ndarray, id_col: str | None) -> str:
    """Name rows by their site id when there is one, else by feature number (1-based)."""
    if id_col is not None and id_col in gdf.columns:
        names = [f"'{v}'" for v in gdf[id_col].iloc[rows].astype(str)]
    else:
        names = [f"#{int(i) + 1}" for i in rows]
    more = f" and {len(names) - 10} more" if len(names) > 10 else ""
    return ", ".join(names[:10]) + more


def check_site_geometries(gdf: gpd.GeoDataFrame, source: str, *, id_col: str | None = "site_id",
                          check_sweden: bool = True) -> None:
    """Refuse missing, empty or non-finite geometries and sites outside Sweden, naming them.

    Raises
    ------
    DataError
        Naming the features (by ``id_col`` or feature number) and the fix.
    """
    from siting.data.outline import inside_sweden

    geoms = np.asarray(gdf.geometry.to_numpy(), dtype=object)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    finite = np.array([bool(np.isfinite(shapely.get_coordinates(g)).all()) if not m else True
                       for g, m in zip(geoms, missing, strict=True)], dtype=bool)
    bad = np.flatnonzero(missing | ~finite)
    if len(bad):
        who = _labels(gdf, bad, id_col)
        raise DataError.keyed("problem.sites.no_geometry", source, location=who,
                              field="geometry", n=len(bad), who=who)
    if not check_sweden:
        return
    outside = np.flatnonzero(~inside_sweden(gdf.geometry))
    if len(outside):
        who = _labels(gdf, outside, id_col)
        raise DataError.keyed("problem.sites.outside_sweden", source, location=who,
                              field="geometry", n=len(outside), who=who)


def read_sites(path: str | Path, *, layer: str | None = None,
               fields: Mapping[str, str] | None = None, crs: str | None = None,
               coords: tuple[str, str] | None = None, require_id: bool = True
               ) -> gpd.GeoDataFrame:
    """Read a user's candidate-site file (GeoPackage, GeoJSON, KML, zipped shapefile, CSV, Excel).

    The file is read with the same loader as catalogue layers
    (:func:`siting.data.layers.read_layer`): its CRS is checked and the data reprojected
    to EPSG:3006, invalid geometries repaired, fields mapped onto the canonical
    ``sites`` fields (``site_id`` is required; ``fields`` maps canonical -> source
    names when the file uses other column names). A CSV or Excel (``.xlsx``) file gives
    point sites from ``x``/``y`` (EPSG:3006) or ``lon``/``lat`` (EPSG:4326) columns, or the
    columns named in ``coords``; ``crs`` overrides the CRS (of a table, or of a file
    without one). With ``require_id=False`` a file without ``site_id`` is accepted (the
    workspace gives its own ids); invalid geometries are then refused, not repaired.

    A file with several layers (a GeoPackage) needs ``layer``; every site must
    have finite coordinates and lie in Sweden (:func:`siting.data.outline.inside_sweden`).

    Raises
    ------
    ScoringError
        The file does not exist, or a file has several layers and none was chosen
        (the layers are listed).
    ScoringError
        A table has no coordinate columns (``field="x/y"``, the columns as location).
    DataError, CrsError
        Unreadable file, no CRS, implausible or non-finite coordinates, sites outside
        Sweden, missing ``site_id`` ... (rows/features named).
    """
    import datetime as dt

    from siting.data.catalog import LayerSpec
    from siting.data.io.vector import list_layers, read_vector
    from siting.data.layers import read_layer

    p = Path(path)
    if not p.exists():
        raise ScoringError.single(str(p), "the sites file does not exist",
                                  hint="check the path given with --sites")
    if file_format(p) == "table" and p.suffix.lower() in (".xlsx", ".xls"):
        with tempfile.TemporaryDirectory() as tmp:
            return read_sites(_excel_as_csv(p, Path(tmp)), layer=layer, fields=fields, crs=crs,
                              coords=coords, require_id=require_id)
    spec_coords = None
    if file_format(p) == "csv":
        spec_coords, crs = _table_coords(p, crs, coords)
        kind = "point"
    else:
        layers = list_layers(p)
        if layer is None and len(layers) > 1:
            names = ", ".join(n for n, _ in layers)
            raise ScoringError.keyed("problem.sites.many_layers", str(p), field="layer",
                                     n=len(layers), names=names)
        kinds = {str(g or "").lower() for n, g in layers if layer is None or n == layer}
        kind = "point" if kinds and all("point" in k for k in kinds) else "polygon"
        raw = read_vector(p, layer=layer, declared_crs=crs, allow_empty=not require_id).data
        check_site_geometries(raw, str(p), id_col=(fields or {}).get("site_id", "site_id"),
                              check_sweden=False)
    spec = LayerSpec(id="sites", type="sites", theme="land", kind=kind,  # type: ignore[arg-type]
                     title_sv="Kandidatområden", title_en="Candidate sites", source=p.name,
                     attribution="user file", licence="unknown", vintage=dt.date.today(),
                     layer=layer, crs=crs, coords=spec_coords,
                     fields=FrozenMap(dict(fields or {})),
                     defaults=FrozenMap({} if require_id else {"site_id": pd.NA}),
                     allow_missing=() if require_id else ("site_id",))
    data = read_layer(spec, p.parent, invalid="repair" if require_id else "reject").data
    assert isinstance(data, gpd.GeoDataFrame)
    check_site_geometries(data, str(p), id_col="site_id" if require_id else None)
    return data
