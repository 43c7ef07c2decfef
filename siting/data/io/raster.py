"""Reading GeoTIFF rasters into EPSG:3006, clipped to a window.

Only the window covering the region extent is read, so a national raster
stays cheap for one municipality. A raster in another CRS is warped on the
fly (``rasterio.vrt.WarpedVRT``) to EPSG:3006; nodata becomes ``nan``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import rasterio
import rasterio.errors
from affine import Affine
from rasterio.enums import Resampling
from rasterio.vrt import WarpedVRT
from rasterio.windows import Window

from siting.core.crs import ANALYSIS_CRS, check_plausible, crs_label, parse_crs
from siting.core.errors import CrsError, DataError
from siting.data.layerset import RasterData

__all__ = ["RASTER_SUFFIXES", "RasterRead", "read_raster"]

#: File suffixes read as rasters.
RASTER_SUFFIXES = (".tif", ".tiff", ".vrt", ".img", ".asc")

ResamplingName = Literal["nearest", "bilinear", "average", "mode"]


@dataclass(frozen=True)
class RasterRead:
    """A raster as read: the data in EPSG:3006 plus facts about the file."""

    data: RasterData
    source: str
    source_crs: str | None
    source_shape: tuple[int, int]
    notes: tuple[str, ...] = ()


def _open_error(path: Path, exc: BaseException) -> DataError:
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return DataError.keyed("problem.raster.unreadable", str(path), detail=detail)


#: At most this many GeoTIFF blocks are checked for truncation (the last ones, written last).
_MAX_BLOCKS_CHECKED = 20_000


def _truncated(path: Path, detail: str) -> DataError:
    return DataError.keyed("problem.raster.truncated", str(path), detail=detail)


def open_checked(path: Path) -> Any:
    """``rasterio.open`` a raster and refuse it when truncated (:func:`check_complete`).

    A truncated header makes GDAL warn that the file is not georeferenced; that
    warning is silenced here because the truncation itself is reported.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rasterio.errors.NotGeoreferencedWarning)
        src = rasterio.open(path)
    try:
        check_complete(src, path)
    except DataError:
        src.close()
        raise
    return src


def check_complete(src: Any, path: Path) -> None:
    """Refuse a GeoTIFF whose data blocks end beyond the end of the file (truncated).

    Reads only the TIFF block index (``BLOCK_OFFSET_x_y`` / ``BLOCK_SIZE_x_y``), not
    the pixels, so it is cheap even for national rasters.

    Raises
    ------
    DataError
        Naming the file.
    """
    if src.driver != "GTiff":
        return
    size = path.stat().st_size
    blocks = [ij for ij, _ in src.block_windows(1)][-_MAX_BLOCKS_CHECKED:]
    for bidx in range(1, src.count + 1):
        for row, col in blocks:
            off = src.get_tag_item(f"BLOCK_OFFSET_{col}_{row}", "TIFF", bidx=bidx)
            length = src.get_tag_item(f"BLOCK_SIZE_{col}_{row}", "TIFF", bidx=bidx)
            if off is None or length is None:
                raise _truncated(path, "its block index cannot be read")
            if int(off) + int(length) > size:
                raise _truncated(path, f"data block {row},{col} of band {bidx} ends at byte "
                                       f"{int(off) + int(length)} but the file has {size} bytes")
        if src.interleaving is not None and src.interleaving.name == "PIXEL":
            break


def read_raster(path: str | Path, *, bounds_3006: tuple[float, float, float, float] | None = None,
                declared_crs: Any = None, band: int = 1,
                resampling: ResamplingName = "nearest", units: str = "") -> RasterRead:
    """Read one band of a raster into EPSG:3006.

    Parameters
    ----------
    path : str or Path
        A GeoTIFF (or any raster GDAL reads).
    bounds_3006 : tuple of float, optional
        (minx, miny, maxx, maxy) in EPSG:3006; only this window is read.
    declared_crs : CRS-like, optional
        The CRS to use when the file has none (or overrides a wrong one).
    band : int
        1-based band number.
    resampling : {"nearest", "bilinear", "average", "mode"}
        Used only when warping; ``nearest`` keeps class codes intact.
    units : str
        Units of the values, recorded on the result.

    Returns
    -------
    RasterRead

    Raises
    ------
    DataError
        Missing or unreadable file, or a window outside the raster.
    CrsError
        No CRS, or bounds implausible for the CRS.
    """
    p = Path(path)
    if not p.is_file():
        raise DataError.keyed("problem.file.not_found", str(p))
    notes: list[str] = []
    try:
        with open_checked(p) as src:
            crs = parse_crs(declared_crs, str(p)) if declared_crs is not None else src.crs
            if crs is None:
                raise CrsError.keyed("problem.raster.no_crs", str(p))
            check_plausible(tuple(src.bounds), crs, str(p))
            source_label = crs_label(crs)
            nodata = src.nodatavals[band - 1] if src.nodatavals else None
            if source_label == ANALYSIS_CRS:
                data, transform = _read_window(src, band, bounds_3006, p)
            else:
                notes.append(f"reprojected from {source_label} to {ANALYSIS_CRS} "
                             f"({resampling} resampling)")
                with WarpedVRT(src, crs=ANALYSIS_CRS, src_crs=crs,
                               resampling=Resampling[resampling],
                               src_nodata=nodata, nodata=nodata) as vrt:
                    data, transform = _read_window(vrt, band, bounds_3006, p)
            source_shape = (src.height, src.width)
    except rasterio.errors.RasterioIOError as exc:
        raise _open_error(p, exc) from exc
    raster = RasterData(array=data, transform=transform,
                        nodata=None if nodata is None else float(nodata), units=units)
    return RasterRead(data=raster, source=str(p), source_crs=source_label,
                      source_shape=source_shape, notes=tuple(notes))


def _read_window(src: Any, band: int, bounds: tuple[float, float, float, float] | None,
                 path: Path) -> tuple[np.ndarray, Affine]:
    t = src.transform
    if t.b != 0 or t.d != 0 or t.e >= 0:
        raise DataError.single(
            str(path), "the raster is rotated or not north-up",
            hint="warp it to a north-up grid first (gdalwarp -t_srs EPSG:3006)")
    if bounds is None:
        window = Window(0, 0, src.width, src.height)
    else:
        minx, miny, maxx, maxy = bounds
        col0 = int(np.floor((minx - t.c) / t.a))
        col1 = int(np.ceil((maxx - t.c) / t.a))
        row0 = int(np.floor((t.f - maxy) / -t.e))
        row1 = int(np.ceil((t.f - miny) / -t.e))
        col0, row0 = max(col0, 0), max(row0, 0)
        col1, row1 = min(col1, src.width), min(row1, src.height)
        if col1 <= col0 or row1 <= row0:
            raise DataError.single(
                str(path), "the raster does not cover the study region",
                hint="use a raster that covers the region, or choose another region")
        window = Window(col0, row0, col1 - col0, row1 - row0)
    arr = src.read(band, window=window, masked=True)
    data = np.ma.filled(arr.astype("float32"), np.nan)
    transform = Affine(t.a, 0.0, t.c + window.col_off * t.a, 0.0, t.e, t.f + window.row_off * t.e)
    return data, transform
