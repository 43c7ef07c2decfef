"""Shared checks and helpers of the metric functions (private).

Every metric refuses layers that are not in the analysis CRS (EPSG:3006) and
returns a :class:`pandas.Series` indexed like the sites and named after the
metric. The helpers here keep those rules in one place.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from siting.core.errors import CrsError, DataError

_ANALYSIS_EPSG = 3006
_ANALYSIS_CRS = CRS.from_epsg(_ANALYSIS_EPSG)


def is_analysis_crs(crs: Any) -> bool:
    """True when ``crs`` (anything pyproj understands) is EPSG:3006."""
    if crs is None:
        return False
    try:
        parsed = CRS.from_user_input(crs)
    except Exception:  # noqa: BLE001 - any unparsable CRS is simply "not ours"
        return False
    return parsed.to_epsg() == _ANALYSIS_EPSG or parsed == _ANALYSIS_CRS


def check_crs(frame: gpd.GeoDataFrame | gpd.GeoSeries, what: str) -> None:
    """Raise :class:`CrsError` unless ``frame`` is in EPSG:3006.

    Parameters
    ----------
    frame : GeoDataFrame or GeoSeries
        The layer to check.
    what : str
        How to name the layer in the error (``"sites"``, ``"layer 'substations'"``).
    """
    crs = getattr(frame, "crs", None)
    if crs is None:
        raise CrsError.single(
            what, "has no CRS",
            hint="set the CRS the coordinates are in, then reproject to EPSG:3006 "
                 "(gdf.set_crs(...).to_crs('EPSG:3006'))",
        )
    if not is_analysis_crs(crs):
        raise CrsError.single(
            what, f"is in {CRS.from_user_input(crs).to_string()}, not EPSG:3006 (SWEREF 99 TM)",
            hint="reproject with gdf.to_crs('EPSG:3006'); metrics measure in metres",
        )


def check_raster_crs(crs: Any, what: str) -> None:
    """Raise :class:`CrsError` unless a raster's CRS is EPSG:3006."""
    if not is_analysis_crs(crs):
        raise CrsError.single(
            what, f"raster CRS is {crs!r}, not EPSG:3006 (SWEREF 99 TM)",
            hint="warp the raster to EPSG:3006 before computing metrics",
        )


def check_sites(sites: gpd.GeoDataFrame) -> None:
    """Check that ``sites`` is a GeoDataFrame in EPSG:3006."""
    if not isinstance(sites, gpd.GeoDataFrame):
        raise DataError.single(
            "sites", f"must be a GeoDataFrame, got {type(sites).__name__}",
            hint="pass the sites layer as loaded (a GeoDataFrame in EPSG:3006)",
        )
    check_crs(sites, "sites")


def check_layer(layer: gpd.GeoDataFrame, what: str) -> None:
    """Check that a vector layer is a GeoDataFrame in EPSG:3006."""
    if not isinstance(layer, gpd.GeoDataFrame):
        raise DataError.single(
            what, f"must be a GeoDataFrame, got {type(layer).__name__}",
            hint="pass a vector layer (LayerSet.vector(...)) in EPSG:3006",
        )
    check_crs(layer, what)


def require_field(frame: pd.DataFrame, field: str, what: str) -> None:
    """Raise :class:`DataError` when ``field`` is not a column of ``frame``."""
    if field not in frame.columns:
        cols = ", ".join(str(c) for c in frame.columns if c != "geometry") or "none"
        raise DataError.single(
            what, f"has no field '{field}'", field=field,
            hint=f"map '{field}' in the layer catalogue or use one of: {cols}",
        )


def numeric_values(frame: pd.DataFrame, field: str, what: str) -> np.ndarray:
    """The column ``field`` as float64 (NaN where missing); errors on text that is not numeric."""
    require_field(frame, field, what)
    col = frame[field]
    values = np.array(pd.to_numeric(col, errors="coerce").to_numpy(dtype="float64", na_value=np.nan))
    bad = np.isnan(values) & col.notna().to_numpy()
    if bad.any():
        example = col[bad].iloc[0]
        raise DataError.single(
            what, f"{int(bad.sum())} value(s) are not numbers, e.g. {example!r}", field=field,
            hint="fix the values or map a numeric column onto this field",
        )
    return values


def valid_geometry_mask(geoms: np.ndarray) -> np.ndarray:
    """True where a geometry is present and not empty."""
    return ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))


def site_geometries(sites: gpd.GeoDataFrame) -> np.ndarray:
    """The sites' geometries as a shapely array."""
    return np.asarray(sites.geometry.values, dtype=object)


def layer_geometries(layer: gpd.GeoDataFrame) -> np.ndarray:
    """A layer's non-empty geometries (positions kept by the caller via the mask)."""
    return np.asarray(layer.geometry.values, dtype=object)


def as_series(values: Any, sites: pd.DataFrame, name: str, **attrs: Any) -> pd.Series:
    """Wrap ``values`` as a Series indexed like ``sites`` with ``name`` and ``attrs``."""
    out = pd.Series(values, index=sites.index, name=name)
    out.attrs.update(attrs)
    return out


def polygonal_mask(geoms: np.ndarray) -> np.ndarray:
    """True for Polygon/MultiPolygon geometries."""
    type_ids = shapely.get_type_id(geoms)
    return np.isin(type_ids, (3, 6))


def seq_to_str(values: Sequence[Any]) -> str:
    """Render a short list for messages."""
    return ", ".join(repr(v) for v in values)


def index_pieces(geoms: np.ndarray, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Geometries split into small pieces for a spatial index, and the position each came from.

    Lines are split into their 2-point segments, so a long road or power
    line does not get one huge bounding box that defeats the index; other
    geometries stay whole. Distances and ``dwithin`` tests against the pieces
    equal those against the whole feature (the minimum over its pieces).

    Parameters
    ----------
    geoms : numpy.ndarray of shapely geometries
        Non-empty geometries.
    positions : numpy.ndarray of int
        The row position of each geometry in its layer.
    """
    types = shapely.get_type_id(geoms)
    is_line = np.isin(types, (1, 2, 5))
    if not is_line.any():
        return geoms, positions
    parts, part_owner = shapely.get_parts(geoms[is_line], return_index=True)
    coords, idx = shapely.get_coordinates(parts, return_index=True)
    same = np.flatnonzero(idx[:-1] == idx[1:])
    segments = shapely.linestrings(np.stack([coords[same], coords[same + 1]], axis=1))
    seg_owner = positions[is_line][part_owner[idx[same]]]
    return (np.concatenate([geoms[~is_line], segments]),
            np.concatenate([positions[~is_line], seg_owner]))
