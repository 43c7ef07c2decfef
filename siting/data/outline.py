"""Is it in Sweden? The country's outline from the bundled kommun boundaries.

:func:`inside_sweden` is the one test every reader of user geometry uses (site
files, workspace uploads, outcome-log validation): a geometry lies in Sweden
when it is covered by the union of Lantmäteriet's kommun polygons, which
include Swedish sea areas, grown by :data:`OUTLINE_TOLERANCE_M` for the
generalised 1:1 million coastline. A bounding box is not enough: Oslo and
Helsinki lie inside Sweden's box.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import Point
>>> pts = gpd.GeoSeries([Point(20.95, 64.75), Point(10.75, 59.91), Point(24.94, 60.17)],
...                     crs="EPSG:4326")
>>> inside_sweden(pts).tolist()          # Skellefteå, Oslo, Helsinki
[True, False, False]
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely
from shapely.geometry.base import BaseGeometry

from siting.data.catalog import BUNDLE_ROOT
from siting.data.io.vector import gdal_path

__all__ = ["OUTLINE_SOURCE", "OUTLINE_TOLERANCE_M", "inside_sweden", "sweden_outline"]

logger = logging.getLogger(__name__)

#: Bundled Lantmäteriet kommun polygons with sea areas (CC0), EPSG:3006.
OUTLINE_SOURCE: Path = BUNDLE_ROOT / "sweden" / "native" / "lm_kommuner_1milj.zip"
#: Tolerance around the outline for the generalised coastline and border, metres.
OUTLINE_TOLERANCE_M = 1_000.0


@functools.lru_cache(maxsize=2)
def sweden_outline(tolerance_m: float = OUTLINE_TOLERANCE_M) -> BaseGeometry:
    """Sweden's outline (land and sea areas) grown by ``tolerance_m``, EPSG:3006, prepared."""
    gdf = pyogrio.read_dataframe(gdal_path(OUTLINE_SOURCE), columns=[])
    outline = shapely.union_all(shapely.make_valid(gdf.geometry.to_numpy()))
    if tolerance_m > 0:
        outline = shapely.buffer(outline, tolerance_m, quad_segs=4)
    shapely.prepare(outline)
    logger.debug("Sweden outline built from %s", OUTLINE_SOURCE.name)
    return outline


def inside_sweden(geoms: gpd.GeoSeries | gpd.GeoDataFrame | Sequence[BaseGeometry] | np.ndarray,
                  *, crs: str | int | None = None,
                  tolerance_m: float = OUTLINE_TOLERANCE_M) -> np.ndarray:
    """True for each geometry lying wholly within Sweden (with the coastal tolerance).

    Parameters
    ----------
    geoms : GeoSeries, GeoDataFrame or sequence of shapely geometries
        A GeoSeries/GeoDataFrame is reprojected from its CRS; plain geometries
        are taken in ``crs`` (default EPSG:3006).
    crs : str or int, optional
        CRS of plain geometries.
    tolerance_m : float
        How far outside the outline still counts, metres.

    Returns
    -------
    numpy.ndarray of bool
        False also for missing, empty or non-finite geometries.
    """
    if isinstance(geoms, gpd.GeoDataFrame):
        geoms = geoms.geometry
    if isinstance(geoms, gpd.GeoSeries):
        series = geoms if geoms.crs is None else geoms.to_crs(3006)
        arr = np.asarray(series.to_numpy(), dtype=object)
    else:
        arr = np.asarray(list(geoms), dtype=object)
        if crs is not None and len(arr):
            arr = np.asarray(gpd.GeoSeries(arr, crs=crs).to_crs(3006).to_numpy(), dtype=object)
    ok = ~(shapely.is_missing(arr) | shapely.is_empty(arr))
    if ok.any():
        coords = shapely.get_coordinates(arr[ok])
        if not np.isfinite(coords).all():
            finite = np.array([np.isfinite(shapely.get_coordinates(g)).all() for g in arr[ok]])
            ok[np.flatnonzero(ok)[~finite]] = False
    out = np.zeros(len(arr), dtype=bool)
    if ok.any():
        out[ok] = shapely.covered_by(arr[ok], sweden_outline(tolerance_m))
    return out
