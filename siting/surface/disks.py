"""Disk sums for the suitability surface: point weights within a true circle of each cell.

:func:`disk_sum` bins points into the cells of a window grown by the radius and
sums them over a disk of cell centres: one run of columns per point and disk
row, marked at its ends and summed along the rows (:func:`_row_runs`), or an FFT
convolution with the disk when the points are dense. Sums of whole weights are
exact; the window's halo makes a tiled surface equal one computed whole.

Examples
--------
>>> import numpy as np
>>> from siting.metrics.surface_ops import Grid
>>> g = Grid.from_bounds((0, 0, 500, 300), 100)
>>> s = disk_sum(np.array([[250.0, 150.0], [50.0, 50.0]]), np.array([1.0, 2.0]), g, 150.0)
>>> s.tolist()
[[0.0, 1.0, 1.0, 1.0, 0.0], [2.0, 3.0, 1.0, 1.0, 0.0], [2.0, 3.0, 1.0, 1.0, 0.0]]
"""

from __future__ import annotations

import numpy as np
from scipy import fft as sfft

from siting.metrics.surface_ops import Grid

__all__ = ["disk_sum"]

#: Row runs per cell of the grown window below which :func:`disk_sum` marks runs rather than
#: convolving by FFT (measured: a run costs less than a quarter of an FFT's work per cell).
_RUNS_PER_CELL = 4


def disk_sum(xy: np.ndarray, weights: np.ndarray, grid: Grid, radius_m: float,
             cache: dict | None = None) -> np.ndarray:
    """Sum of ``weights`` of the points within ``radius_m`` of each cell centre.

    Points are binned into cells of a window grown by the radius, then summed
    over a true disk (cell centres within the radius): by row runs
    (:func:`_row_runs`) when there are few, else by FFT. A point counts
    when the centre of its cell is within the radius of the cell centre
    measured, i.e. exact up to half a cell diagonal at the disk's rim.
    ``cache`` (any dict kept by the caller) memoises the disk's spectrum
    across tiles of one shape.
    """
    big, k = grid.expand(radius_m)
    res = big.resolution_m
    rows, cols = big.shape
    out = np.zeros(grid.shape, dtype="float32")
    if xy.shape[0] == 0:
        return out
    c = np.floor((xy[:, 0] - big.transform.c) / res).astype(np.int64)
    r = np.floor((big.transform.f - xy[:, 1]) / res).astype(np.int64)
    ok = (r >= 0) & (r < rows) & (c >= 0) & (c < cols)
    if not ok.any():
        return out
    offs = np.arange(-k, k + 1) * res
    kernel = offs[None, :] ** 2 + offs[:, None] ** 2 <= radius_m ** 2 + 1e-6
    cells, at = np.unique(r[ok] * cols + c[ok], return_inverse=True)  # points per cell
    w = np.bincount(at, weights=np.asarray(weights, dtype="float64")[ok])
    whole = bool(np.array_equal(w, np.round(w)))
    if cells.size * (2 * k + 1) <= _RUNS_PER_CELL * rows * cols:  # one run per point and row
        inner = _row_runs(cells // cols - k, cells % cols - k, w, kernel, grid.shape)
        if whole:
            return inner.astype("float32")  # sums of integers are exact
    else:
        dens = np.zeros(rows * cols)
        dens[cells] = w
        summed = _fft_same(dens.reshape(rows, cols), kernel.astype("float64"), k,
                           {} if cache is None else cache)
        inner = summed[k:k + grid.shape[0], k:k + grid.shape[1]]
    # integers stay integers despite round-off
    return np.clip(np.round(inner, 6), 0.0, None).astype("float32")


def _row_runs(r: np.ndarray, c: np.ndarray, w: np.ndarray, kernel: np.ndarray,
              shape: tuple[int, int], chunk: int = 1 << 20) -> np.ndarray:
    """Disk sums on a ``shape`` window from points at window cells ``(r, c)`` (may lie outside).

    Each row of the disk around a point is a run of columns: the run adds ``w``
    at its first column and subtracts it after its last, and a cumulative sum
    along the rows turns those marks into the sums. The work is one mark pair
    per point and disk row plus one pass over the window, where stamping the
    disk would touch every cell of it per point.
    """
    rows, cols = shape
    k = kernel.shape[0] // 2
    half = (kernel.sum(axis=1) - 1) // 2  # the disk's half width per row offset
    dr = np.arange(-k, k + 1)
    marks = np.zeros(rows * (cols + 1), dtype="float64")
    step = max(1, chunk // dr.size)
    for p0 in range(0, r.size, step):
        rr = r[p0:p0 + step, None] + dr[None, :]
        h = half[None, :]
        c0 = np.clip(c[p0:p0 + step, None] - h, 0, cols)
        c1 = np.clip(c[p0:p0 + step, None] + h + 1, 0, cols)
        hit = (rr >= 0) & (rr < rows) & (c0 < c1)
        ww = np.broadcast_to(w[p0:p0 + step, None], hit.shape)[hit]
        base = rr[hit] * (cols + 1)
        np.add.at(marks, base + c0[hit], ww)
        np.add.at(marks, base + c1[hit], -ww)
    return np.cumsum(marks.reshape(rows, cols + 1)[:, :cols], axis=1)


def _fft_same(dens: np.ndarray, kernel: np.ndarray, k: int, cache: dict) -> np.ndarray:
    """``fftconvolve(dens, kernel, mode="same")`` for an odd square kernel, spectrum memoised."""
    rows, cols = dens.shape
    shape = (sfft.next_fast_len(rows + 2 * k, real=True),
             sfft.next_fast_len(cols + 2 * k, real=True))
    key = (shape, kernel.shape, float(kernel.sum()))
    spec = cache.get(key)
    if spec is None:
        spec = cache[key] = sfft.rfft2(kernel, shape, workers=-1)
    full = sfft.irfft2(sfft.rfft2(dens, shape, workers=-1) * spec, shape, workers=-1)
    return full[k:k + rows, k:k + cols]
