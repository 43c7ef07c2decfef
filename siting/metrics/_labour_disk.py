"""Straight-line labour pool without enumerating every (site, cell) pair.

The population within ``radius_m`` of each site geometry (distance from a
polygon's edge, 0 inside) is summed in three tiers, each exact:

1. Cells are sorted into rows (one row per distinct y on a regular grid,
   else horizontal bands) and by x within a row. With ``p`` a point inside
   the site, ``d_in`` its distance to the boundary and ``rho`` the largest
   vertex distance from ``p``, a cell within ``radius + d_in`` of ``p`` is
   certainly in range and one farther than ``radius + rho`` certainly not.
   Per (site, row) the certain cells form a contiguous x range, summed from
   prefix sums; only the cells between the two radii are looked at.
2. For those, bounds by direction: with ``u`` the unit vector from ``p`` to
   the cell at distance ``D`` and the directions cut into sectors, the
   distance is at least ``D - max_v u.(v - p)`` (the support of the convex
   hull) and at most ``|cell - v|`` for a hull vertex ``v`` (which lies on the
   site). Both are bounded per (site, sector) table.
3. The few pairs that neither bound decides (within a millimetre-scale
   margin of the radius, or close to the site) get ``shapely.distance``,
   the same test as a brute-force evaluation.

The decisions equal ``shapely.distance(site, cell) <= radius_m`` for every
pair; only the order of summation differs.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import shapely

__all__: list[str] = []

_SECTORS = 64  # direction sectors of the per-site support tables
_CHUNK_PAIRS = 3_000_000  # candidate (site, cell) pairs per chunk
_TABLE_COORDS = 50_000  # site vertices per chunk of the sector tables
_TAU = 2.0 * np.pi


def _margin_m(radius_m: float, scale_m: float) -> float:
    """Safety margin covering float rounding of distances and bounds (metres)."""
    return 1e-3 + 1e-9 * (radius_m + scale_m)


def _sector(angle: np.ndarray) -> np.ndarray:
    """Direction sector of angles in [-pi, pi]."""
    return np.clip(((angle + np.pi) * (_SECTORS / _TAU)).astype(np.int64), 0, _SECTORS - 1)


def _site_tables(g: np.ndarray) -> tuple[np.ndarray, ...]:
    """Inner point, d_in, rho and the per-sector tables of the sites ``g``.

    Returns ``pxy`` (n, 2), ``d_in``, ``rho``, ``h_up`` (n, K): an upper bound of
    the hull's support in every direction of the sector, and ``a_lo``/``m2``
    (n, K): for one hull vertex per sector, a lower bound of ``u.(v - p)`` over
    the sector and ``|v - p|**2``.
    """
    n = g.size
    inner = shapely.point_on_surface(g)
    pxy = np.column_stack([shapely.get_x(inner), shapely.get_y(inner)])
    poly = np.isin(shapely.get_type_id(g), (3, 6))
    d_in = np.zeros(n)
    if poly.any():
        d_in[poly] = shapely.distance(inner[poly], shapely.boundary(g[poly]))
    # vertices of the site (of its hull when there are many): all lie on the site
    big = shapely.get_num_coordinates(g) > 16
    verts = g.copy()
    if big.any():
        verts[big] = shapely.convex_hull(g[big])
    coords, owner = shapely.get_coordinates(verts, return_index=True)
    # a ring repeats its first vertex at the end: one copy is enough for the tables
    again = np.r_[False, (owner[1:] == owner[:-1]) & (coords[1:] == coords[:-1]).all(axis=1)]
    closing = np.zeros(owner.size, dtype=bool)
    firsts = np.searchsorted(owner, np.arange(n))
    ring_end = np.r_[firsts[1:], owner.size] - 1
    closing[ring_end] = (coords[ring_end] == coords[firsts]).all(axis=1) & (ring_end > firsts)
    keep = ~(again | closing)
    coords, owner = coords[keep], owner[keep]
    first = np.searchsorted(owner, np.arange(n))  # every valid site has coordinates
    w = coords - pxy[owner]
    m = np.hypot(w[:, 0], w[:, 1])
    rho = np.maximum.reduceat(m, first)
    h_up, a_lo, m2 = (np.empty((n, _SECTORS)) for _ in range(3))
    # sites in chunks of about _TABLE_COORDS vertices: (K, vertices) arrays stay small
    ends = np.append(first, coords.shape[0])
    cut = np.flatnonzero(np.diff(first // _TABLE_COORDS, prepend=-1))
    for s0, s1 in zip(cut, np.append(cut[1:], n), strict=True):
        c0, c1 = int(ends[s0]), int(ends[s1])
        h_up[s0:s1], a_lo[s0:s1], m2[s0:s1] = _sector_tables(
            w[c0:c1], m[c0:c1], owner[c0:c1] - s0, first[s0:s1] - c0)
    return pxy, d_in, rho, h_up, a_lo, m2


def _sector_tables(w: np.ndarray, m: np.ndarray, owner: np.ndarray, first: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(sites, K) tables ``h_up``, ``a_lo``, ``m2`` (see :func:`_site_tables`).

    ``w`` are vertices relative to their site's inner point, ``m`` their
    lengths, ``owner`` their site (sorted), ``first`` each site's first vertex.
    """
    edges = -np.pi + np.arange(_SECTORS + 1) * (_TAU / _SECTORS)
    # (sector, vertex) layout: the per-site reductions run along contiguous rows
    on_edge = np.cos(edges)[:, None] * w[:, 0] + np.sin(edges)[:, None] * w[:, 1]
    e0, e1 = on_edge[:-1], on_edge[1:]
    # over a sector, u.w peaks at the edges unless w's own direction is inside it
    # (then |w|), and bottoms out at the edges unless the opposite one is (then -|w|)
    hi = np.maximum(e0, e1)
    lo = np.minimum(e0, e1)
    cols = np.arange(w.shape[0])
    phi = np.arctan2(w[:, 1], w[:, 0])
    hi[_sector(phi), cols] = m
    lo[_sector(np.where(phi > 0, phi - np.pi, phi + np.pi)), cols] = -m
    # p lies in the site: the support is never negative
    h_up = np.maximum(np.maximum.reduceat(hi, first, axis=1), 0.0)
    a_lo = np.maximum.reduceat(lo, first, axis=1)
    # |v - p|^2 of a vertex attaining a_lo (the smallest such; any one is valid)
    m2 = np.minimum.reduceat(np.where(lo >= a_lo[:, owner], m * m, np.inf), first, axis=1)
    return h_up.T, a_lo.T, m2.T


def _rows(cell_xy: np.ndarray, band_m: float
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Sort cells into rows: (order, row of each sorted cell, row start, row y min, row y max)."""
    y = cell_xy[:, 1]
    uy = np.unique(y)
    if uy.size <= max(1, cell_xy.shape[0] // 4):
        row = np.searchsorted(uy, y)  # a regular grid: one row per y, exact
    else:
        row = np.floor((y - y.min()) / band_m).astype(np.int64)
    order = np.lexsort((cell_xy[:, 0], row))
    row_s = row[order]
    uniq, start = np.unique(row_s, return_index=True)
    dense = np.searchsorted(uniq, row_s)
    ys = y[order]
    return (order, dense, start, np.minimum.reduceat(ys, start),
            np.maximum.reduceat(ys, start))


def _disk_pool(geoms: np.ndarray, idx: np.ndarray, cell_xy: np.ndarray, pop: np.ndarray,
               radius_m: float, n: int) -> np.ndarray:
    """Sum of ``pop`` over cells within ``radius_m`` of each site in ``idx`` (others 0)."""
    out = np.zeros(n)
    keep = pop != 0
    if idx.size == 0 or not keep.any():
        return out
    cell_xy, pop = cell_xy[keep], pop[keep]
    g = geoms[idx]
    pxy, d_in, rho, h_up, a_lo, m2 = _site_tables(g)
    span = float(np.ptp(cell_xy, axis=0).max()) + 1.0
    eps = _margin_m(radius_m, span + float(rho.max()))
    r_in = radius_m + d_in - eps
    r_out = radius_m + rho + eps
    area = float(np.prod(np.ptp(cell_xy, axis=0) + 1.0))
    band = max(float(np.median(r_out - r_in)), np.sqrt(area / cell_xy.shape[0]),
               2.0 * float(r_out.max()) / 400.0)
    order, row_of, start, y_lo, y_hi = _rows(cell_xy, band)
    xy = cell_xy[order]
    pp = pop[order]
    prefix = np.concatenate([[0.0], np.cumsum(pp.astype(np.longdouble))])
    x0 = float(xy[:, 0].min())
    x1 = float(xy[:, 0].max())
    stride = x1 - x0 + 1.0
    key = row_of * stride + (xy[:, 0] - x0)
    # (site, row) pairs whose y band meets the outer disk
    lo = np.searchsorted(y_hi, pxy[:, 1] - r_out, side="left")
    hi = np.searchsorted(y_lo, pxy[:, 1] + r_out, side="right")
    cnt = np.maximum(hi - lo, 0)
    s_of = np.repeat(np.arange(idx.size), cnt)
    r_of = np.repeat(lo, cnt) + (np.arange(int(cnt.sum())) - np.repeat(np.cumsum(cnt) - cnt, cnt))
    py, px = pxy[s_of, 1], pxy[s_of, 0]
    dy_min = np.maximum(0.0, np.maximum(y_lo[r_of] - py, py - y_hi[r_of]))
    dy_max = np.maximum(np.abs(y_lo[r_of] - py), np.abs(y_hi[r_of] - py))
    w_out = np.sqrt(np.maximum(r_out[s_of] ** 2 - dy_min ** 2, 0.0)) + eps
    w_in2 = r_in[s_of] ** 2 - dy_max ** 2
    has_in = (w_in2 > 0) & (r_in[s_of] > 0)
    w_in = np.where(has_in, np.sqrt(np.maximum(w_in2, 0.0)) - eps, -1.0)
    has_in &= w_in >= 0
    base = r_of * stride

    def _pos(x: np.ndarray, side: Literal["left", "right"]) -> np.ndarray:
        return np.searchsorted(key, base + np.clip(x - x0, 0.0, stride - 1.0), side=side)

    a_out = _pos(px - w_out, "left")
    b_out = _pos(px + w_out, "right")
    a_in = np.where(has_in, _pos(px - w_in, "left"), a_out)
    b_in = np.where(has_in, _pos(px + w_in, "right"), a_out)
    a_in = np.clip(a_in, a_out, b_out)
    b_in = np.clip(b_in, a_in, b_out)
    # certain cells: prefix sums (long double keeps each range sum to ~1 ulp)
    sure = (prefix[b_in] - prefix[a_in]).astype(np.float64)
    tot = np.bincount(s_of, weights=sure, minlength=idx.size)
    # candidate cells: [a_out, a_in) and [b_in, b_out)
    c_site = np.concatenate([s_of, s_of])
    c_a = np.concatenate([a_out, b_in])
    c_n = np.concatenate([a_in - a_out, b_out - b_in])
    nz = c_n > 0
    c_site, c_a, c_n = c_site[nz], c_a[nz], c_n[nz]
    chunk_of = np.cumsum(c_n) // _CHUNK_PAIRS
    bounds = np.flatnonzero(np.diff(chunk_of, prepend=-1))
    for a, b in zip(bounds, np.append(bounds[1:], c_n.size)[:bounds.size], strict=True):
        k_n = c_n[a:b]
        si = np.repeat(c_site[a:b], k_n)
        ci = np.repeat(c_a[a:b], k_n) + (np.arange(int(k_n.sum()))
                                           - np.repeat(np.cumsum(k_n) - k_n, k_n))
        ok = _decide(g, si, xy[ci], pxy, d_in, h_up, a_lo, m2, radius_m, eps)
        tot += np.bincount(si[ok], weights=pp[ci[ok]], minlength=idx.size)
    out[idx] = tot
    return out


def _decide(g: np.ndarray, si: np.ndarray, cxy: np.ndarray, pxy: np.ndarray, d_in: np.ndarray,
            h_up: np.ndarray, a_lo: np.ndarray, m2: np.ndarray, radius_m: float, eps: float
            ) -> np.ndarray:
    """Whether cell ``cxy[i]`` is within ``radius_m`` of site ``g[si[i]]`` (exactly)."""
    dx = cxy[:, 0] - pxy[si, 0]
    dy = cxy[:, 1] - pxy[si, 1]
    dist = np.hypot(dx, dy)
    sec = _sector(np.arctan2(dy, dx))
    lower = dist - h_up[si, sec]
    a, b = a_lo[si, sec], m2[si, sec]
    upper = np.minimum(np.maximum(dist - d_in[si], 0.0),
                       np.sqrt(np.maximum(dist * dist - 2.0 * dist * a + b, 0.0)))
    ok = upper <= radius_m - eps
    unsure = np.flatnonzero(~ok & (lower <= radius_m + eps))
    if unsure.size:
        ok[unsure] = shapely.distance(g[si[unsure]], shapely.points(cxy[unsure])) <= radius_m
    return ok
