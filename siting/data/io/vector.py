"""Reading vector files: GeoPackage, GeoJSON, Shapefile (also zipped), via pyogrio.

The reader returns the data in the file's own CRS together with what was
learnt about the file (CRS, encoding, layer, feature count). Reprojection and
cleaning happen in :mod:`siting.core.crs` and :mod:`siting.data.layers`.

Zipped shapefiles are read in place through GDAL's ``/vsizip/``; the ``.cpg``
code page (``ISO 88591``, ``1252``, ``UTF-8``) is honoured by GDAL, so
å/ä/ö come out intact. A catalogue may force an encoding for a shapefile that
has no ``.cpg``.
"""

from __future__ import annotations

import logging
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pyogrio
import pyogrio.errors

from siting.core.crs import crs_label, transform_bounds
from siting.core.errors import CrsError, DataError

_LOG = logging.getLogger(__name__)

__all__ = ["VECTOR_SUFFIXES", "VectorRead", "gdal_path", "list_layers", "read_vector"]

_MOJIBAKE = "Ã[\u0080-\u00bf]|Â[\u00a0-\u00bf]"

#: File suffixes read as vector data.
VECTOR_SUFFIXES = (".gpkg", ".geojson", ".json", ".shp", ".zip", ".fgb", ".gml", ".kml")


@dataclass(frozen=True)
class VectorRead:
    """A vector file as read: the data (in the file's CRS) and facts about the file.

    Parameters
    ----------
    data : geopandas.GeoDataFrame
        Indexed by GDAL feature id (FID, as QGIS shows it), in the file's CRS.
    source : str
        The file path.
    layer : str
        The layer read.
    source_crs : str or None
        The file's CRS label (``'EPSG:3006'``) or None when it has none.
    encoding : str
        The attribute encoding GDAL used (``'UTF-8'`` after recoding a ``.cpg``).
    n_total : int
        Features in the whole layer (before any bbox filter).
    geometry_type : str
        GDAL geometry type, e.g. ``'Polygon'``.
    columns : tuple of str
        Attribute columns.
    codepage : str or None
        The code page a shapefile's ``.cpg`` declares (e.g. ``'ISO 88591'``), if any.
    """

    data: gpd.GeoDataFrame
    source: str
    layer: str
    source_crs: str | None
    encoding: str
    n_total: int
    geometry_type: str
    columns: tuple[str, ...]
    codepage: str | None = None


def gdal_path(path: str | Path) -> str:
    """The path GDAL should open: ``/vsizip/`` for zip archives."""
    text = str(path)
    if text.lower().endswith(".zip") and not text.startswith("/vsizip/"):
        return "/vsizip/" + text
    return text


def _codepage(path: Path, layer: str) -> str | None:
    """The code page declared by a shapefile's .cpg (plain or inside a zip), if any."""
    try:
        if path.suffix.lower() == ".zip":
            with zipfile.ZipFile(path) as zf:
                for name in zf.namelist():
                    if name.lower().endswith(f"{layer.lower()}.cpg"):
                        return zf.read(name).decode("ascii", errors="replace").strip() or None
            return None
        cpg = path.with_suffix(".cpg")
        if path.suffix.lower() == ".shp" and cpg.is_file():
            return cpg.read_text(encoding="ascii", errors="replace").strip() or None
    except (OSError, zipfile.BadZipFile):
        return None
    return None


def _check_exists(path: Path) -> None:
    if not path.exists():
        raise DataError.keyed("problem.file.not_found", str(path))
    if path.is_file() and path.stat().st_size == 0:
        raise DataError.keyed("problem.file.empty", str(path))


def list_layers(path: str | Path) -> list[tuple[str, str]]:
    """(layer name, geometry type) of every layer in a vector file.

    Raises
    ------
    DataError
        When the file is missing or not a readable vector file.
    """
    p = Path(path)
    _check_exists(p)
    try:
        return [(str(n), str(t)) for n, t in pyogrio.list_layers(gdal_path(p))]
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError) as exc:
        raise _unreadable(p, exc) from exc


def _unreadable(path: Path, exc: BaseException) -> DataError:
    # the reader's own words (GDAL driver messages) go to the log, not to the user
    _LOG.info("%s cannot be read as vector data: %s", path, exc)
    return DataError.keyed("problem.vector.unreadable", str(path))


def _refuse_mojibake(df: Any, path: Path, layer: str) -> None:
    """Refuse text that shows UTF-8 read as Latin-1 (a shapefile without a .cpg)."""
    for col in df.columns:
        values = df[col]
        if values.dtype == object or str(values.dtype) in ("str", "string"):
            hits = values.astype("string").str.contains(_MOJIBAKE, regex=True).fillna(False)
            if hits.any():
                first = hits.to_numpy().nonzero()[0][0]
                raise DataError.keyed(
                    "problem.vector.garbled_text", str(path),
                    location=f"layer '{layer}', feature {df.index[first]}", field=str(col),
                    column=str(col), example=repr(str(values.iloc[first])))


def _pick_layer(path: Path, layer: str | None) -> str:
    layers = list_layers(path)
    if not layers:
        raise DataError.keyed("problem.vector.no_layers", str(path))
    names = [n for n, _ in layers]
    if layer is not None:
        if layer not in names:
            raise DataError.keyed("problem.vector.no_such_layer", str(path), field="layer",
                                  layer=layer, names=", ".join(names))
        return layer
    if len(names) > 1:
        raise DataError.keyed("problem.vector.many_layers", str(path), field="layer",
                              n=len(names), names=", ".join(names))
    return names[0]


def read_vector(path: str | Path, *, layer: str | None = None,
                bbox_3006: tuple[float, float, float, float] | None = None,
                encoding: str | None = None, declared_crs: Any = None,
                allow_empty: bool = False) -> VectorRead:
    """Read one vector layer, optionally only features touching a box.

    Parameters
    ----------
    path : str or Path
        GeoPackage, GeoJSON, Shapefile or a ``.zip`` holding a shapefile.
    layer : str, optional
        Layer name; required when the file holds several layers.
    bbox_3006 : tuple of float, optional
        (minx, miny, maxx, maxy) in EPSG:3006; only features whose envelope
        intersects it are read (a cheap prefilter, exact clipping is the caller's).
    encoding : str, optional
        Attribute encoding to force (for shapefiles without a ``.cpg``).
    declared_crs : CRS-like, optional
        The CRS to assume for the bbox when the file declares none.
    allow_empty : bool
        Accept a layer with no features (default False: an empty file is an error).

    Returns
    -------
    VectorRead

    Raises
    ------
    DataError
        Missing, empty, corrupt file or unknown layer; the message names the file.
    """
    p = Path(path)
    name = _pick_layer(p, layer)
    gpath = gdal_path(p)
    try:
        info = pyogrio.read_info(gpath, layer=name, encoding=encoding)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError) as exc:
        raise _unreadable(p, exc) from exc
    n_total = int(info.get("features") or 0)
    if n_total == 0 and not allow_empty:
        raise DataError.keyed("problem.vector.no_features", str(p), layer=name)
    file_crs = info.get("crs")
    bbox = None
    if bbox_3006 is not None:
        crs_for_bbox = declared_crs or file_crs
        if crs_for_bbox is None:
            raise CrsError.keyed("problem.crs.missing", str(p))
        bbox = transform_bounds(bbox_3006, "EPSG:3006", crs_for_bbox)
        if not np.all(np.isfinite(bbox)):
            bbox = None
    try:
        gdf = pyogrio.read_dataframe(gpath, layer=name, bbox=bbox, encoding=encoding,
                                     fid_as_index=True, use_arrow=False)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError,
            pyogrio.errors.FieldError, pyogrio.errors.GeometryError, OSError) as exc:
        raise _unreadable(p, exc) from exc
    if encoding is None:
        _refuse_mojibake(gdf, p, name)
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise DataError.single(str(p), f"layer '{name}' has no geometry column",
                               hint="read it as a table (kind = \"table\") or export it with "
                                    "geometries")
    return VectorRead(
        data=gdf,
        source=str(p),
        layer=name,
        source_crs=crs_label(file_crs) if file_crs else None,
        encoding=str(info.get("encoding") or encoding or ""),
        n_total=n_total,
        geometry_type=str(info.get("geometry_type") or ""),
        columns=tuple(str(c) for c in info.get("fields", ())),
        codepage=_codepage(p, name),
    )
