"""The analysis CRS, reprojection into it, and plausibility checks of declared CRSs.

Every layer is analysed in SWEREF 99 TM (EPSG:3006, metres). A file's CRS comes
from the file itself (``.prj``, GeoPackage/GeoJSON metadata) or is declared in
the catalogue (``crs = "EPSG:4326"``). Before reprojecting, the coordinates are
checked against the declared CRS and against Sweden's extent, because the
commonest data mistakes are silent: SWEREF metres labelled as degrees, lon/lat
swapped, or RT90 coordinates labelled SWEREF 99 TM.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import Point
>>> gdf = gpd.GeoDataFrame(geometry=[Point(18.07, 59.33)], crs="EPSG:4326")
>>> out = to_analysis_crs(gdf, source="stockholm.geojson")
>>> crs_label(out.crs), int(round(out.geometry.x.iloc[0], -3))
('EPSG:3006', 675000)
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError as _PyprojCRSError

from siting.core.errors import CrsError

__all__ = [
    "ANALYSIS_CRS",
    "SWEDEN_BOUNDS_3006",
    "SWEDEN_BOUNDS_LONLAT",
    "check_plausible",
    "crs_label",
    "parse_crs",
    "to_analysis_crs",
    "transform_bounds",
]

#: The one analysis CRS: SWEREF 99 TM, metres.
ANALYSIS_CRS = "EPSG:3006"

#: Sweden's extent in lon/lat degrees (minx, miny, maxx, maxy), slightly generous.
SWEDEN_BOUNDS_LONLAT: tuple[float, float, float, float] = (10.0, 55.0, 24.5, 69.5)

#: Sweden's extent in SWEREF 99 TM metres (minx, miny, maxx, maxy), slightly generous.
SWEDEN_BOUNDS_3006: tuple[float, float, float, float] = (200_000.0, 6_100_000.0,
                                                        1_000_000.0, 7_700_000.0)

# RT90 2.5 gon V (EPSG:3021) eastings are ~1.2-1.9 million metres.
_RT90_X = (1_200_000.0, 1_950_000.0)
# How far (degrees) data may reach beyond Sweden and still count as Swedish data:
# neighbourhood buffers and interconnectors reach into NO, FI, DK, DE, PL, LT.
_MARGIN_DEG = 3.0

def parse_crs(value: Any, source: str = "") -> CRS:
    """Parse a CRS given as ``"EPSG:3006"``, an integer code, WKT or a pyproj CRS.

    Raises
    ------
    CrsError
        When the value is not a CRS pyproj understands.
    """
    try:
        return CRS.from_user_input(value)
    except (_PyprojCRSError, TypeError, ValueError) as exc:
        raise CrsError.keyed("problem.crs.not_a_crs", source or "CRS",
                             value=repr(value)) from exc


def crs_label(crs: Any) -> str | None:
    """A short label such as ``'EPSG:3006'`` (or the CRS name when it has no EPSG code)."""
    if crs is None:
        return None
    parsed = crs if isinstance(crs, CRS) else CRS.from_user_input(crs)
    code = parsed.to_epsg(min_confidence=70)
    if code is not None:
        return f"EPSG:{code}"
    return parsed.name


def transform_bounds(bounds: tuple[float, float, float, float], src: Any,
                     dst: Any) -> tuple[float, float, float, float]:
    """Transform a (minx, miny, maxx, maxy) box between CRSs, densified along its edges."""
    transformer = Transformer.from_crs(CRS.from_user_input(src), CRS.from_user_input(dst),
                                       always_xy=True)
    return tuple(transformer.transform_bounds(*bounds, densify_pts=21))  # type: ignore[return-value]


def _in(values: np.ndarray, lo: float, hi: float) -> bool:
    return bool(values.size) and bool(np.all((values >= lo) & (values <= hi)))


def check_plausible(bounds: tuple[float, float, float, float], crs: Any, source: str) -> None:
    """Check that data with ``bounds`` in ``crs`` can really be in that CRS and in Sweden.

    Parameters
    ----------
    bounds : tuple of float
        (minx, miny, maxx, maxy) of the data in its declared CRS.
    crs : CRS-like
        The declared CRS.
    source : str
        The file, for the message.

    Raises
    ------
    CrsError
        Saying what the coordinates look like instead (SWEREF 99 TM metres,
        swapped lon/lat, RT90, degrees) and how to declare the right CRS.
    """
    parsed = parse_crs(crs, source)
    label = crs_label(parsed)
    minx, miny, maxx, maxy = (float(v) for v in bounds)
    if not np.all(np.isfinite([minx, miny, maxx, maxy])):
        return  # nothing to check (no geometries)
    xs = np.array([minx, maxx])
    ys = np.array([miny, maxy])
    sx, sy, ex, ey = SWEDEN_BOUNDS_3006
    looks_sweref = _in(xs, sx, ex) and _in(ys, sy, ey)
    looks_rt90 = _in(xs, *_RT90_X) and _in(ys, sy, ey)
    looks_degrees = _in(xs, -180, 180) and _in(ys, -90, 90)
    box = f"x {minx:,.6g}..{maxx:,.6g}, y {miny:,.6g}..{maxy:,.6g}"

    if parsed.is_geographic:
        for looks, name, code in ((looks_sweref, "SWEREF 99 TM", "EPSG:3006"),
                                  (looks_rt90, "RT90 2.5 gon V", "EPSG:3021")):
            if looks:
                raise CrsError.keyed("problem.crs.metres_labelled_degrees", source, label=label,
                                     box=box, looks_like=name, code=code)
        if not looks_degrees:
            raise CrsError.keyed("problem.crs.not_degrees", source, label=label, box=box)
        lo_x, lo_y, hi_x, hi_y = SWEDEN_BOUNDS_LONLAT
        swapped = _in(xs, lo_y - 1, hi_y + 1) and _in(ys, lo_x - 1, hi_x + 1)
        if swapped and not (_in(xs, lo_x - 1, hi_x + 1) and _in(ys, lo_y - 1, hi_y + 1)):
            raise CrsError.keyed("problem.crs.swapped_axes", source,
                                 x_range=f"{minx:.4g}..{maxx:.4g}",
                                 y_range=f"{miny:.4g}..{maxy:.4g}")
    elif looks_degrees and not parsed.is_geographic:
        raise CrsError.keyed("problem.crs.degrees_labelled_metres", source, label=label, box=box)

    try:
        lonlat = transform_bounds((minx, miny, maxx, maxy), parsed, "EPSG:4326")
    except Exception as exc:  # pyproj raises several types for impossible transforms
        raise CrsError.keyed("problem.crs.cannot_transform", source, label=label,
                             box=box) from exc
    lo_x, lo_y, hi_x, hi_y = SWEDEN_BOUNDS_LONLAT
    m = _MARGIN_DEG
    disjoint = (lonlat[2] < lo_x - m or lonlat[0] > hi_x + m
                or lonlat[3] < lo_y - m or lonlat[1] > hi_y + m
                or not np.all(np.isfinite(lonlat)))
    if disjoint:
        rt90 = label == ANALYSIS_CRS and looks_rt90
        raise CrsError.keyed("problem.crs.outside_sweden_rt90" if rt90
                             else "problem.crs.outside_sweden", source, label=label, box=box)


def to_analysis_crs(gdf: gpd.GeoDataFrame, source: str = "", *,
                    declared: Any = None, check: bool = True) -> gpd.GeoDataFrame:
    """Return ``gdf`` in EPSG:3006, after checking its CRS.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        The data, with its CRS set (from the file) or not.
    source : str
        The file the data came from, named in errors.
    declared : CRS-like, optional
        The CRS declared in the catalogue; it overrides the file's own CRS
        (use it to fix a wrong ``.prj``).
    check : bool
        Run :func:`check_plausible` first (default True).

    Returns
    -------
    geopandas.GeoDataFrame
        A reprojected copy, or ``gdf`` itself when it already is in EPSG:3006.

    Raises
    ------
    CrsError
        When there is no CRS at all, or the coordinates contradict it.
    """
    if declared is not None:
        gdf = gdf.set_crs(parse_crs(declared, source), allow_override=True)
    if gdf.crs is None:
        raise CrsError.keyed("problem.crs.missing", source or "layer")
    if check and len(gdf) and not gdf.geometry.is_empty.all():
        check_plausible(tuple(gdf.total_bounds), gdf.crs, source)
    if crs_label(gdf.crs) == ANALYSIS_CRS:
        return gdf
    return gdf.to_crs(ANALYSIS_CRS)
