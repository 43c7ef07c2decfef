"""Fast raster kernels for the suitability surface: exact distances (disk sums: :mod:`.disks`).

The surface evaluates metrics at cell centres of windows of up to a few million
cells; these kernels keep that at a fraction of a microsecond per cell:

* :func:`seed_distance` - distance from each cell centre to the nearest feature.
  Points (distance metrics) are measured exactly, block by block of cells
  against the few points that can be nearest there (no transform). Lines and
  polygon boundaries are densified to a quarter cell into *seed cells* that
  carry an exact vertex and the segment it lies on; a Euclidean distance
  transform gives each cell its nearest seed cell (``edt``'s float32 squared
  distances when no re-check is needed, ``scipy.ndimage``'s feature indices
  when one is), and the distance is measured exactly to the seed's segment
  only where a result can depend on it (near a hard threshold or in a value
  function's sloped band), re-checking neighbouring seeds where seed regions
  meet; never by pixel growing. Cells whose centre lies inside a polygon get 0.

It takes a window grid plus a halo: only features within the halo can
influence the window, so a surface computed in tiles equals one computed whole.

Examples
--------
>>> import numpy as np
>>> from siting.metrics.surface_ops import Grid
>>> g = Grid.from_bounds((0, 0, 500, 300), 100)
>>> d, _ = seed_distance(np.array([[250.0, 150.0]]), g, halo_m=1000)
>>> float(d[1, 2])
0.0
>>> float(round(d[1, 0], 1))
200.0
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import edt
import numexpr as ne
import numpy as np
import rasterio.features
import shapely
from scipy import ndimage

from siting.core.gdal_lock import GDAL_LOCK
from siting.metrics.surface_ops import Grid

__all__ = ["PolygonIndex", "densify_vertices", "near_bands",
           "polygon_interior",
           "seed_distance", "segment_distance"]

#: Neighbourhood (cells) in which seed-region borders are re-checked exactly: points,
#: and lines (where segments meet at corners the border region is wider).
_REACH = 1
_REACH_LINES = 2
#: Share of a tile's cells below which the exact re-check gathers seeds cell by cell.
_SPARSE_BAND = 0.1


def densify_vertices(geoms: np.ndarray, spacing_m: float
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Vertices of points, lines and polygon boundaries every ``spacing_m``, with their segments.

    Returns
    -------
    (ndarray, ndarray, ndarray, ndarray)
        Vertex coordinates ``(n, 2)``, the index of the geometry each came from,
        the segment ``(ax, ay, bx, by)`` of the original geometry each lies on
        (a point is a segment of length 0), so distances can be measured to the
        segment rather than to the vertex, and the segment's number.
    """
    if geoms.size == 0:
        return (np.zeros((0, 2)), np.zeros(0, dtype=np.int64), np.zeros((0, 4)),
                np.zeros(0, dtype=np.int64))
    types = shapely.get_type_id(geoms)
    lines = np.where(np.isin(types, (3, 6)), shapely.boundary(geoms), geoms)
    parts, gidx = shapely.get_parts(lines, return_index=True)
    coords, pidx = shapely.get_coordinates(parts, return_index=True)
    single = np.bincount(pidx, minlength=parts.size) == 1  # points
    same = pidx[1:] == pidx[:-1]
    seg_a = np.concatenate([coords[:-1][same], coords[single[pidx]]])
    seg_b = np.concatenate([coords[1:][same], coords[single[pidx]]])
    seg_owner = np.concatenate([gidx[pidx[:-1][same]], gidx[pidx[single[pidx]]]])
    length = np.hypot(*(seg_b - seg_a).T)
    n = np.maximum(1, np.ceil(length / spacing_m)).astype(np.int64)
    seg_id = np.repeat(np.arange(n.size), n + 1)
    start = np.repeat(np.cumsum(n + 1) - (n + 1), n + 1)
    t = (np.arange(seg_id.size) - start) / n[seg_id]
    xy = seg_a[seg_id] + t[:, None] * (seg_b - seg_a)[seg_id]
    segs = np.column_stack([seg_a, seg_b])[seg_id]
    return xy, seg_owner[seg_id].astype(np.int64), segs, seg_id.astype(np.int64)


def segment_distance(qx: np.ndarray, qy: np.ndarray, segs: np.ndarray) -> np.ndarray:
    """Euclidean distance from points ``(qx, qy)`` to segments ``(ax, ay, bx, by)`` (same shape)."""
    ax, ay, bx, by = segs[..., 0], segs[..., 1], segs[..., 2], segs[..., 3]
    dx, dy = bx - ax, by - ay
    den = dx * dx + dy * dy
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(den > 0, ((qx - ax) * dx + (qy - ay) * dy) / np.where(den > 0, den, 1.0),
                     0.0)
    t = np.clip(t, 0.0, 1.0)
    return np.hypot(qx - (ax + t * dx), qy - (ay + t * dy))


class PolygonIndex:
    """Polygons prepared for repeated rasterisation on tiles (spatial index, GeoJSON once).

    Parameters
    ----------
    geoms : ndarray of shapely geometries
        Any geometries; only polygons and multipolygons are kept.
    """

    def __init__(self, geoms: np.ndarray) -> None:
        polys = geoms[np.isin(shapely.get_type_id(geoms), (3, 6))] if geoms.size else geoms
        self.geoms = polys
        self.tree = shapely.STRtree(polys)
        self._json: dict[int, dict] = {}

    def interior(self, grid: Grid) -> np.ndarray:
        """True where the cell centre of ``grid`` lies inside one of the polygons."""
        if self.geoms.size == 0:
            return np.zeros(grid.shape, dtype=bool)
        hits = self.tree.query(shapely.box(*grid.bounds))
        if hits.size == 0:
            return np.zeros(grid.shape, dtype=bool)
        shapes = []
        for i in hits.tolist():
            if i not in self._json:
                self._json[i] = shapely.geometry.mapping(self.geoms[i])
            shapes.append((self._json[i], 1))
        with GDAL_LOCK:
            burnt = rasterio.features.rasterize(shapes, out_shape=grid.shape,
                                                transform=grid.transform, fill=0, dtype="uint8")
        return burnt.astype(bool)


def polygon_interior(geoms: np.ndarray, grid: Grid) -> np.ndarray:
    """True where the cell centre lies inside one of the polygons among ``geoms``."""
    return PolygonIndex(geoms).interior(grid)


def seed_distance(xy: np.ndarray, grid: Grid, *, halo_m: float,
                  interior: np.ndarray | None = None, owner: np.ndarray | None = None,
                  segments: np.ndarray | None = None, segment_id: np.ndarray | None = None,
                  exact_bands: Sequence[tuple[float, float]] | None = None,
                  nearest: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Distance from every cell centre of ``grid`` to the nearest of the points ``xy``.

    Parameters
    ----------
    xy : ndarray, shape (n, 2)
        Feature vertices in EPSG:3006 (points, or densified lines/boundaries).
    grid : Grid
        The window.
    halo_m : float
        Distances up to this are resolved exactly; cells with no vertex within
        the window grown by ``halo_m`` get ``inf`` (the true distance is larger).
    interior : ndarray of bool, optional
        Cells of ``grid`` inside polygons (distance 0, nearest = -1 there unless a
        vertex is in the cell).
    owner : ndarray of int, optional
        Feature index per vertex (default: the vertex index).
    segments : ndarray, shape (n, 4), optional
        The segment each vertex lies on (:func:`densify_vertices`); distances are
        then measured to the segment (exact for lines), else to the vertex.
    segment_id : ndarray of int, optional
        The segment's number per vertex: cells whose neighbours' seeds lie on the
        same segment need no re-check.
    exact_bands : sequence of (lo_m, hi_m), optional
        Distance intervals where a result depends on the exact distance (a hard
        threshold ``(t, t)``, a value function's sloped band). The exact re-check
        is then made only for cells whose distance may lie in one of them;
        elsewhere the distance is the one to the transform's seed cell centre,
        off by at most the seeds' offset from their cells' centres (a few
        centimetres to a cell), which changes no verdict and no value. None:
        exact everywhere.
    nearest : bool
        Also return the nearest feature (False: the second array is all -1).

    Returns
    -------
    (ndarray float32, ndarray int64)
        Distances in metres and the owner of the nearest vertex (-1 where none).
    """
    big, k = grid.expand(halo_m)
    res = big.resolution_m
    rows, cols = big.shape
    dist = np.full(grid.shape, np.inf, dtype="float32")
    near = np.full(grid.shape if nearest else (1, 1), -1, dtype=np.int64)
    owner = np.arange(xy.shape[0]) if owner is None else owner
    if xy.shape[0]:
        c = np.floor((xy[:, 0] - big.transform.c) / res).astype(np.int64)
        r = np.floor((big.transform.f - xy[:, 1]) / res).astype(np.int64)
        ok = (r >= 0) & (r < rows) & (c >= 0) & (c < cols)
        if ok.any():
            segs = (np.column_stack([xy, xy]) if segments is None else segments)[ok]
            segs = segs[:, :2] if segments is None else segs
            key = (np.arange(xy.shape[0]) if segment_id is None else segment_id)[ok]
            key = key.astype(np.int32)  # half the memory of the neighbourhood checks
            r, c, pts, own = r[ok], c[ok], xy[ok], owner[ok]
            # crop the window to the tile (plus the re-check margin) and the seeds: sides of
            # the halo without seeds need no distance transform
            reach = _REACH if segments is None else _REACH_LINES
            m = min(reach, k)
            r0 = int(min(k - m, r.min()))
            c0 = int(min(k - m, c.min()))
            r1 = int(max(k + grid.shape[0] + m, r.max() + 1))
            c1 = int(max(k + grid.shape[1] + m, c.max() + 1))
            big = big.window(r0, c0, r1 - r0, c1 - c0)
            r, c = r - r0, c - c0
            rows, cols = big.shape
            cx = big.transform.c + (c + 0.5) * res
            cy = big.transform.f - (r + 0.5) * res
            off = (pts[:, 0] - cx) ** 2 + (pts[:, 1] - cy) ** 2
            # how far a seed may sit from its cell's centre bounds the transform's error
            slack = 2.0 * math.sqrt(float(off.max())) + (0.0 if segments is None else res / 4.0)
            kr, kc = k - r0, k - c0
            if segments is None and not nearest and slack > 0.0:
                d = _point_distance(pts, grid)  # exact, block by block, no transform
                s = None
            else:
                s, d = _transform_distance(segs, key, big, (r, c), off, (kr, kc), grid,
                                           points=segments is None, reach=m, slack_m=slack,
                                           bands=exact_bands, nearest=nearest)
            # a seed cell farther than the halo may hide a nearer feature outside the window
            beyond = d > halo_m
            d[beyond] = np.inf
            dist = d
            if s is not None:
                near = own[s]
                near[beyond] = -1
    if interior is not None and interior.any():
        dist[interior] = 0.0
    return dist, near


def _transform_distance(segs: np.ndarray, key: np.ndarray, big: Grid,
                        rc: tuple[np.ndarray, np.ndarray], off: np.ndarray,
                        offset: tuple[int, int], grid: Grid, *, points: bool, reach: int,
                        slack_m: float, bands: Sequence[tuple[float, float]] | None,
                        nearest: bool) -> tuple[np.ndarray | None, np.ndarray]:
    """:func:`seed_distance` through a distance transform on the seed cells of ``big``.

    ``rc`` are the seeds' cells in ``big``, ``off`` their squared offsets from the cell
    centres; per seed cell the vertex nearest its centre is kept (deterministic).
    """
    rows, cols = big.shape
    r, c = rc
    flat = r * cols + c
    kr, kc = offset
    m, slack, exact_bands = reach, slack_m, bands
    if not nearest and (slack == 0.0 or (exact_bands is not None and not exact_bands)):
        open_cells = np.ones(rows * cols, dtype=bool)  # no re-check: no seed identities
        open_cells[flat] = False
        return None, _centre_distance(open_cells.reshape(rows, cols), grid, (kr, kc))
    order = np.lexsort((off, flat))
    first = np.ones(order.size, dtype=bool)
    first[1:] = flat[order][1:] != flat[order][:-1]
    keep = order[first]
    seed_of = np.full(rows * cols, -1, dtype=np.int32)  # EDT indices are int32 too
    seed_of[flat[keep]] = keep
    free = (seed_of < 0).reshape(rows, cols)
    if exact_bands is not None or slack == 0.0:
        transform = _Transform(free)
        # without any re-check edt's distances suffice; with one the transform's
        # indices are needed anyway, and give the distances of the tile's cells too
        d = (_centre_distance(free, grid, (kr, kc)) if slack == 0.0 or not exact_bands
             else _index_distance(transform(), grid, (kr, kc)))
        s, d = _band_refined(d, transform, seed_of, segs, key, grid, (kr, kc),
                             cols, points=points, reach=m,
                             bands=exact_bands, slack_m=slack, need_seed=nearest)
    else:
        s, d = _refined_nearest(_Transform(free)(), seed_of, segs, key, grid, (kr, kc),
                                cols, points=points, reach=m)
    del free
    return s, d


def _point_distance(pts: np.ndarray, grid: Grid, block: int = 128) -> np.ndarray:
    """Exact distance (m, float32) from every cell centre of ``grid`` to the nearest of ``pts``.

    Block by block of ``block`` x ``block`` cells: the point whose farthest
    distance to the block's cell centres is smallest bounds every cell's nearest
    distance there, so only points at most that bound from the block can be
    nearest; those are measured at every cell of the block (float64, then
    rounded once).
    """
    rows, cols = grid.shape
    res = grid.resolution_m
    xs = grid.transform.c + (np.arange(cols) + 0.5) * res
    ys = grid.transform.f - (np.arange(rows) + 0.5) * res
    out = np.empty(grid.shape, dtype="float32")
    px, py = pts[:, 0], pts[:, 1]
    for r0 in range(0, rows, block):
        yb = ys[r0:r0 + block]
        # per point: distance along y to the block's rows (nearest and farthest)
        dy_near = np.maximum(np.maximum(yb[-1] - py, py - yb[0]), 0.0)
        dy_far = np.maximum(np.abs(py - yb[0]), np.abs(py - yb[-1]))
        for c0 in range(0, cols, block):
            xb = xs[c0:c0 + block]
            dx_near = np.maximum(np.maximum(xb[0] - px, px - xb[-1]), 0.0)
            dx_far = np.maximum(np.abs(px - xb[0]), np.abs(px - xb[-1]))
            bound = float(np.min(dx_far ** 2 + dy_far ** 2))
            cand = np.flatnonzero(dx_near ** 2 + dy_near ** 2 <= bound * (1 + 1e-12) + 1e-6)
            dy2 = (yb[None, :] - py[cand, None]) ** 2
            dx2 = (xb[None, :] - px[cand, None]) ** 2
            best = dy2[0][:, None] + dx2[0][None, :]
            for j in range(1, cand.size):
                np.minimum(best, dy2[j][:, None] + dx2[j][None, :], out=best)
            out[r0:r0 + block, c0:c0 + block] = np.sqrt(best)
    return out


def _centre_distance(free: np.ndarray, grid: Grid, offset: tuple[int, int]) -> np.ndarray:
    """Distance (m, float32) from each tile cell's centre to the nearest seed cell's centre.

    ``edt`` (exact squared distances in cells, float32: integers exact up to 2**24)
    without the feature indices, which only the exact re-check needs
    (:class:`_Transform`); root and scale in float32 (within a unit in the last
    place of the float64 form).
    """
    rows, cols = grid.shape
    kr, kc = offset
    sq = edt.edtsq(free, anisotropy=(1.0, 1.0), black_border=False, parallel=1)
    out = np.sqrt(sq[kr:kr + rows, kc:kc + cols])  # contiguous: the overlay reads it fast
    out *= np.float32(grid.resolution_m)
    return out


def _index_distance(idx: np.ndarray, grid: Grid, offset: tuple[int, int]) -> np.ndarray:
    """Distance (m, float32) from each tile cell's centre to its seed cell's centre (indices)."""
    rows, cols = grid.shape
    kr, kc = offset
    out = np.empty(grid.shape, dtype="float32")
    ne.evaluate("res * sqrt((ir - r) * (ir - r) + (ic - c) * (ic - c))", local_dict={
        "ir": idx[0, kr:kr + rows, kc:kc + cols], "ic": idx[1, kr:kr + rows, kc:kc + cols],
        "r": np.arange(kr, kr + rows, dtype=np.int32)[:, None],
        "c": np.arange(kc, kc + cols, dtype=np.int32)[None, :],
        "res": np.float64(grid.resolution_m)}, out=out, casting="same_kind")
    return out


class _Transform:
    """The feature transform's indices of the nearest seed cell, computed on first use."""

    def __init__(self, free: np.ndarray) -> None:
        self._free: np.ndarray | None = free
        self._idx: np.ndarray | None = None

    def __call__(self) -> np.ndarray:
        if self._idx is None:
            self._idx = ndimage.distance_transform_edt(self._free, return_distances=False,
                                                       return_indices=True)
            self._free = None
        assert self._idx is not None
        return self._idx


def _local_seeds(segs: np.ndarray, grid: Grid, points: bool) -> tuple[np.ndarray, ...]:
    """Seed coordinates local to the tile's top-left corner (float32 keeps centimetres)."""
    x0, y0 = grid.transform.c, grid.transform.f
    local = (segs - np.array([x0, y0, x0, y0])[:segs.shape[1]]).astype("float32")
    return tuple(np.ascontiguousarray(local[:, j]) for j in range(2 if points else 4))


def _seed_dist(ends: tuple[np.ndarray, ...], qx: np.ndarray, qy: np.ndarray,
               seeds: np.ndarray) -> np.ndarray:
    """Exact distance from local points to the seeds' vertex (points) or segment (lines)."""
    if len(ends) == 2:
        return np.hypot(qx - ends[0][seeds], qy - ends[1][seeds])
    return _segment_distance(qx, qy, *(e[seeds] for e in ends))


def _centres_local(grid: Grid) -> tuple[np.ndarray, np.ndarray]:
    res = grid.resolution_m
    rows, cols = grid.shape
    return (((np.arange(cols) + 0.5) * res).astype("float32"),
            (-(np.arange(rows) + 0.5) * res).astype("float32"))


def _band_refined(d: np.ndarray, idx: _Transform, seed_of: np.ndarray, segs: np.ndarray,
                  key: np.ndarray, grid: Grid, offset: tuple[int, int], cols: int, *,
                  points: bool, reach: int, bands: Sequence[tuple[float, float]] | None,
                  slack_m: float, need_seed: bool) -> tuple[np.ndarray | None, np.ndarray]:
    """The transform's distances ``d``, made exact only where a result can depend on them.

    ``d`` is the distance to the nearest seed cell's centre; ``slack_m`` bounds
    how far that is from the exact distance (twice the largest offset of a
    seed from its cell's centre, plus the vertex spacing for lines). Cells
    farther than the slack from every band keep it (no verdict or value can
    change there); the others are measured exactly against their seed and,
    where the neighbourhood holds other segments, those seeds too. A slack of
    0 (points at cell centres) needs no exact measure at all.
    """
    rows, cols_t = grid.shape
    kr, kc = offset
    tile = (slice(kr, kr + rows), slice(kc, kc + cols_t))

    def seed_at(r: Any, c: Any) -> np.ndarray:  # the transform's seed of window cells
        ind = idx()
        return seed_of[ind[0, r, c] * np.int32(cols) + ind[1, r, c]]

    if slack_m == 0.0 or bands is None:
        return (seed_at(*tile) if need_seed else None), d
    band = near_bands(d, bands, slack_m + 0.05)  # float32 coordinates: some centimetres more
    if not band.any():
        return (seed_at(*tile) if need_seed else None), d
    m = min(reach, kr, kc)
    ends = _local_seeds(segs, grid, points)
    x1, y1 = _centres_local(grid)
    if not need_seed and np.count_nonzero(band) < _SPARSE_BAND * band.size:
        _sparse_refine(d, band, seed_at, None if points else key, (kr, kc), m, ends, x1, y1)
        return None, d
    sbig = seed_at(slice(kr - m, kr + rows + m), slice(kc - m, kc + cols_t + m))
    s = sbig[m:m + rows, m:m + cols_t]
    for rr, cc in _cells_by_rows(band):  # exact distance to the cell's own seed
        d[rr, cc] = _seed_dist(ends, x1[cc], y1[rr], s[rr, cc])
    # ... and to the seeds around it where those belong to another segment
    band &= _mixed_neighbourhood(sbig if points else key[sbig], m)[m:m + rows, m:m + cols_t]
    _recheck(d, s, sbig, band, ends, x1, y1, m)
    return (s.copy() if need_seed else None), d


def _sparse_refine(d: np.ndarray, band: np.ndarray, seed_at: Callable[..., np.ndarray],
                   key: np.ndarray | None, offset: tuple[int, int], m: int,
                   ends: tuple[np.ndarray, ...], x1: np.ndarray, y1: np.ndarray) -> None:
    """:func:`_band_refined`'s re-check for a band of few cells, gathered cell by cell.

    The same measure as the dense form (the cell's own seed, then, where the
    ``(2m+1)^2`` neighbourhood holds another segment, every seed of it in the
    same order), without the transform's seeds and the neighbourhood test on
    the whole window.
    """
    kr, kc = offset
    for rr, cc in _cells_by_rows(band, block_rows=1024):  # few cells: large blocks
        own = seed_at(rr + kr, cc + kc)
        qx, qy = x1[cc], y1[rr]
        best_d, best_s = _seed_dist(ends, qx, qy, own), own
        k0 = own if key is None else key[own]
        around = [seed_at(rr + kr + dr, cc + kc + dc) for dr in range(-m, m + 1)
                  for dc in range(-m, m + 1) if dr or dc]
        mixed = np.zeros(own.shape, dtype=bool)
        for cand in around:
            mixed |= (cand if key is None else key[cand]) != k0
        sel = np.flatnonzero(mixed)
        if sel.size:
            bd, bs = best_d[sel], best_s[sel]
            for cand in around:
                dd = _seed_dist(ends, qx[sel], qy[sel], cand[sel])
                better = dd < bd
                bd = np.where(better, dd, bd)
                bs = np.where(better, cand[sel], bs)
            best_d[sel] = bd
        d[rr, cc] = best_d


def _recheck(d: np.ndarray, s: np.ndarray, sbig: np.ndarray, where: np.ndarray,
             ends: tuple[np.ndarray, ...], x1: np.ndarray, y1: np.ndarray, m: int) -> None:
    """Where ``where``, compare the exact distances to every seed of the neighbourhood (in place)."""
    for rr, cc in _cells_by_rows(where):
        qx, qy = x1[cc], y1[rr]
        best_d, best_s = d[rr, cc], s[rr, cc]
        for dr in range(-m, m + 1):
            for dc in range(-m, m + 1):
                if dr or dc:
                    cand = sbig[m + dr + rr, m + dc + cc]
                    dd = _seed_dist(ends, qx, qy, cand)
                    better = dd < best_d
                    best_d = np.where(better, dd, best_d)
                    best_s = np.where(better, cand, best_s)
        d[rr, cc] = best_d
        s[rr, cc] = best_s


def _cells_by_rows(mask: np.ndarray, block_rows: int = 256
                   ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Row and column indices of the True cells, a block of rows at a time (bounded memory)."""
    for r0 in range(0, mask.shape[0], block_rows):
        rr, cc = np.nonzero(mask[r0:r0 + block_rows])
        if rr.size:
            yield rr + r0, cc


def _refined_nearest(idx: np.ndarray, seed_of: np.ndarray, segs: np.ndarray, key: np.ndarray,
                     grid: Grid, offset: tuple[int, int], cols: int, *, points: bool = False,
                     reach: int = _REACH) -> tuple[np.ndarray, np.ndarray]:
    """Nearest exact vertex per cell: the EDT's seed, re-checked near seed-region borders.

    The transform picks the seed cell whose *centre* is nearest; the vertex
    inside a neighbouring seed cell may be nearer. Cells whose
    ``(2*reach+1)^2`` neighbourhood holds seeds of another segment (``key``)
    compare the exact distances to all of those seeds. Coordinates are made
    local to the tile (float32 keeps centimetres at these extents).
    """
    rows, cols_t = grid.shape
    kr, kc = offset
    m = min(reach, kr, kc)
    ends = _local_seeds(segs, grid, points)
    x1, y1 = _centres_local(grid)
    ir = idx[0, kr - m:kr + rows + m, kc - m:kc + cols_t + m]
    ic = idx[1, kr - m:kr + rows + m, kc - m:kc + cols_t + m]
    sbig = seed_of[ir * np.int32(cols) + ic]
    del ir, ic
    kbig = sbig if points else key[sbig]
    s = sbig[m:m + rows, m:m + cols_t].copy()
    d = _seed_dist(ends, x1[None, :], y1[:, None], s)
    _recheck(d, s, sbig, _mixed_neighbourhood(kbig, m)[m:m + rows, m:m + cols_t], ends, x1, y1,
             m)
    return s, d


def near_bands(d: np.ndarray, bands: Sequence[tuple[float, float]], tol_m: float
               ) -> np.ndarray:
    """True where ``d`` lies within ``tol_m`` of one of the intervals ``(lo, hi)``."""
    out = np.zeros(d.shape, dtype=bool)
    for lo, hi in bands:
        out |= (d >= lo - tol_m) & (d <= hi + tol_m)
    return out


def _mixed_neighbourhood(key: np.ndarray, m: int) -> np.ndarray:
    """True where the ``(2m+1)^2`` neighbourhood of a cell holds more than one key."""
    if m != 1:  # more than one key in the neighbourhood <=> its max and min differ
        size = 2 * m + 1
        return (ndimage.maximum_filter(key, size=size, mode="nearest")
                != ndimage.minimum_filter(key, size=size, mode="nearest"))
    out = np.zeros(key.shape, dtype=bool)
    h = key[:, 1:] != key[:, :-1]
    v = key[1:, :] != key[:-1, :]
    d1 = key[1:, 1:] != key[:-1, :-1]
    d2 = key[1:, :-1] != key[:-1, 1:]
    out[:, 1:] |= h
    out[:, :-1] |= h
    out[1:, :] |= v
    out[:-1, :] |= v
    out[1:, 1:] |= d1
    out[:-1, :-1] |= d1
    out[1:, :-1] |= d2
    out[:-1, 1:] |= d2
    return out


def _segment_distance(qx: np.ndarray, qy: np.ndarray, ax: np.ndarray, ay: np.ndarray,
                      bx: np.ndarray, by: np.ndarray) -> np.ndarray:
    dx, dy = bx - ax, by - ay
    den = dx * dx + dy * dy
    num = (qx - ax) * dx + (qy - ay) * dy
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.minimum(np.maximum(np.where(den > 0, num / np.where(den > 0, den, 1), 0), 0), 1)
    return np.hypot(qx - (ax + t * dx), qy - (ay + t * dy))
