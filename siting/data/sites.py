"""Read a user's own candidate sites from a file: :func:`read_sites`.

Sites drawn by a municipality (GeoPackage, GeoJSON, zipped shapefile) or listed
as points in a spreadsheet export (CSV with ``x``/``y`` in SWEREF 99 TM or
``lon``/``lat`` in WGS 84, any of the Swedish CSV dialects) are read with the
same loader as catalogue layers, so they get the same CRS checks,
reprojection to EPSG:3006, geometry repair and canonical ``sites`` fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd

from siting.core.errors import ScoringError
from siting.core.frozen import FrozenMap

__all__ = ["read_sites"]

_COORD_PAIRS: tuple[tuple[str, str, str], ...] = (
    ("x", "y", "EPSG:3006"), ("e", "n", "EPSG:3006"), ("easting", "northing", "EPSG:3006"),
    ("ost", "nord", "EPSG:3006"), ("lon", "lat", "EPSG:4326"), ("lng", "lat", "EPSG:4326"),
    ("longitude", "latitude", "EPSG:4326"),
)


def _csv_coords(path: Path, crs: str | None) -> tuple[Any, str]:
    from siting.data.catalog import CoordSpec
    from siting.data.io.tabular import read_csv

    columns = [str(c) for c in read_csv(path).data.columns]
    lower = {c.casefold(): c for c in columns}
    for x, y, default_crs in _COORD_PAIRS:
        if x in lower and y in lower:
            return CoordSpec(lower[x], lower[y]), crs or default_crs
    raise ScoringError.single(
        str(path), "the CSV file has no coordinate columns", field="x/y",
        hint="name them x and y (SWEREF 99 TM, EPSG:3006) or lon and lat (WGS 84), or save "
             "the sites as a GeoPackage or GeoJSON")


def read_sites(path: str | Path, *, layer: str | None = None,
               fields: Mapping[str, str] | None = None, crs: str | None = None
               ) -> gpd.GeoDataFrame:
    """Read a user's candidate-site file (GeoPackage, GeoJSON, zipped shapefile, CSV).

    The file is read with the same loader as catalogue layers
    (:func:`siting.data.layers.read_layer`): its CRS is checked and the data reprojected
    to EPSG:3006, invalid geometries repaired, fields mapped onto the canonical
    ``sites`` fields (``site_id`` is required; ``fields`` maps canonical -> source
    names when the file uses other column names). A CSV file gives point sites from
    ``x``/``y`` (EPSG:3006) or ``lon``/``lat`` (EPSG:4326) columns; ``crs`` overrides
    the CRS (of a CSV, or of a file without one).

    Raises
    ------
    ScoringError
        The file does not exist, or a CSV has no coordinate columns.
    DataError, CrsError
        Unreadable file, no CRS, implausible coordinates, missing ``site_id`` ...
    """
    import datetime as dt

    from siting.data.catalog import LayerSpec
    from siting.data.io import file_format
    from siting.data.io.vector import list_layers
    from siting.data.layers import read_layer

    p = Path(path)
    if not p.exists():
        raise ScoringError.single(str(p), "the sites file does not exist",
                                  hint="check the path given with --sites")
    coords = None
    if file_format(p) == "csv":
        coords, crs = _csv_coords(p, crs)
        kind = "point"
    else:
        kinds = {str(g or "").lower() for _, g in list_layers(p)}
        kind = "point" if kinds and all("point" in k for k in kinds) else "polygon"
    spec = LayerSpec(id="sites", type="sites", theme="land", kind=kind,  # type: ignore[arg-type]
                     title_sv="Kandidatområden", title_en="Candidate sites", source=p.name,
                     attribution="user file", licence="unknown", vintage=dt.date.today(),
                     layer=layer, crs=crs, coords=coords, fields=FrozenMap(dict(fields or {})))
    data = read_layer(spec, p.parent).data
    assert isinstance(data, gpd.GeoDataFrame)
    return data
