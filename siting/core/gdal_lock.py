"""One process-wide lock around GDAL work on in-memory arrays.

rasterio's array functions (``warp.reproject``, ``features.rasterize``,
``features.shapes``) create GDAL in-memory datasets. Run from several threads at
once they can lose a dataset's georeferencing: two tiles resampled concurrently
gave ``NotGeoreferencedWarning`` and an identity transform from
``rasterio.warp.reproject``. Streamlit serves each user session from its own
thread and the suitability surface computes criteria in a thread pool, so every
such call goes through :data:`GDAL_LOCK`. The lock synchronises; it holds no data.
"""

from __future__ import annotations

import threading

__all__ = ["GDAL_LOCK"]

#: Held while rasterio/GDAL works on in-memory arrays.
GDAL_LOCK = threading.Lock()
