"""Readers for the file formats municipalities actually have.

- :mod:`siting.data.io.vector`: GeoPackage, GeoJSON, Shapefile (also zipped, with ``.cpg`` code pages)
- :mod:`siting.data.io.tabular`: CSV with sniffed encoding, separator and decimal comma
- :mod:`siting.data.io.raster`: GeoTIFF, windowed and warped to EPSG:3006
- spreadsheets (``.xlsx``, ``.ods``) and GeoPackage attribute tables are read as tables
  through GDAL (see :func:`siting.data.layers.read_layer`)

Readers return data in the file's own terms plus facts about the file; turning
it into canonical, cleaned, EPSG:3006 layers is :mod:`siting.data.layers`' job.
"""

from __future__ import annotations

from pathlib import Path

from siting.data.io.raster import RASTER_SUFFIXES
from siting.data.io.tabular import CSV_SUFFIXES
from siting.data.io.vector import VECTOR_SUFFIXES

__all__ = ["TABLE_SUFFIXES", "file_format"]

#: Spreadsheet suffixes read as tables (through GDAL's XLSX/ODS drivers).
TABLE_SUFFIXES = (".xlsx", ".ods")


def file_format(path: str | Path) -> str:
    """``'vector'``, ``'csv'``, ``'table'`` or ``'raster'`` by suffix (else ``'unknown'``)."""
    suffix = Path(path).suffix.lower()
    if suffix in CSV_SUFFIXES:
        return "csv"
    if suffix in TABLE_SUFFIXES:
        return "table"
    if suffix in RASTER_SUFFIXES:
        return "raster"
    if suffix in VECTOR_SUFFIXES:
        return "vector"
    return "unknown"
