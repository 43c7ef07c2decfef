"""Numeric core of the labour pool: pair searches and the network pool.

Used by :mod:`siting.metrics.labour` (the public wrapper); see its docstring
for the rules. The network pool is computed once per distinct (site node,
access time) *row*; population cells are grouped by the road chain they join,
and a (row, chain) pair is decided whole when every cell of the chain is
reached through one chain end, or none through either; only the remaining
pairs are tested cell by cell. Direct local legs add the cells the network
misses. Dense arrays are bounded to about ``_BLOCK_ELEMENTS`` elements per block.
Straight-line sums (no roads, off-road sites and cells) never list every
(site, cell) pair: :mod:`siting.metrics._labour_disk` sums rows of certain
cells from prefix sums and decides only the cells near the radius.

Every (site, cell) decision is the same float64 comparison as in a plain
sites x cells evaluation (tests check this against the earlier dense code):
the chain bounds only decide pairs whose outcome the comparison would give
for every cell of the chain, and the float32 first pass uses bounds with a
margin wide enough for float32 rounding, leaving anything closer to the
exact test. Only the order of summation differs (about 1e-15 relative).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import shapely
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from siting.metrics._labour_disk import _disk_pool
from siting.metrics.roadgraph import M_PER_MIN_PER_KMH, RoadGraph

__all__: list[str] = []

_CHUNK_CELLS = 4_000_000  # (site, cell) pairs per chunk of a pair search
_BLOCK_ELEMENTS = 400_000  # rows x groups per block: small enough to stay in cache (measured)
_MAX_DIST_ELEMENTS = 10_000_000  # largest (sources x key nodes) Dijkstra matrix kept at once


def _straight_pool(geoms: np.ndarray, idx: np.ndarray, cell_xy: np.ndarray, pop: np.ndarray,
                   radius_m: float, n: int) -> np.ndarray:
    """Sum of ``pop`` over cells within ``radius_m`` of each site in ``idx`` (others 0).

    Exact distance from the site geometry, without listing every pair
    (:func:`siting.metrics._labour_disk._disk_pool`).
    """
    return _disk_pool(geoms, idx, cell_xy, pop, radius_m, n)


def _iter_pairs_within(geoms: np.ndarray, idx: np.ndarray, cell_xy: np.ndarray,
                       radius_m: float) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(site position, cell index) pairs with the cell within ``radius_m`` of the site, in chunks.

    Exact distance from the site geometry (see :func:`_iter_candidate_pairs`).
    """
    for si, ci, sure in _iter_candidate_pairs(geoms, idx, cell_xy, radius_m):
        maybe = np.flatnonzero(~sure)
        if maybe.size:
            sure = sure.copy()
            sure[maybe] = _exact_within(geoms, si[maybe], cell_xy[ci[maybe]], radius_m)
        yield si[sure], ci[sure]


def _exact_within(geoms: np.ndarray, site: np.ndarray, xy: np.ndarray, radius_m: float
                  ) -> np.ndarray:
    """True where point ``xy[i]`` is within ``radius_m`` of ``geoms[site[i]]``."""
    return shapely.distance(geoms[site], shapely.points(xy)) <= radius_m


def _iter_candidate_pairs(geoms: np.ndarray, idx: np.ndarray, cell_xy: np.ndarray,
                          radius_m: float) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(site position, cell index, sure) for every pair that may be within ``radius_m``, in chunks.

    Pairs with ``sure`` are within ``radius_m`` of the site geometry; the
    others need the exact test (:func:`_exact_within`); pairs certainly
    farther are not returned. Found without testing every (site, cell) pair
    against the polygon: with ``p`` a point inside the site, a cell within
    ``radius_m + dist(p, boundary)`` of ``p`` is certainly within ``radius_m``
    of the site, one farther than ``radius_m + max vertex distance``
    certainly not.
    """
    if idx.size == 0 or cell_xy.shape[0] == 0:
        return
    g = geoms[idx]
    inner = shapely.point_on_surface(g)
    pxy = np.column_stack([shapely.get_x(inner), shapely.get_y(inner)])
    poly = np.isin(shapely.get_type_id(g), (3, 6))
    d_in = np.zeros(idx.size)
    if poly.any():
        d_in[poly] = shapely.distance(inner[poly], shapely.boundary(g[poly]))
    coords, owner = shapely.get_coordinates(g, return_index=True)
    rho = np.zeros(idx.size)
    np.maximum.at(rho, owner, np.hypot(coords[:, 0] - pxy[owner, 0],
                                       coords[:, 1] - pxy[owner, 1]))
    r_in, r_out = radius_m + d_in, radius_m + rho
    cell_tree = cKDTree(cell_xy)
    expected = np.asarray(cell_tree.query_ball_point(pxy, r_out, return_length=True))
    chunk_of = np.cumsum(expected) // _CHUNK_CELLS  # chunks of about _CHUNK_CELLS pairs
    starts = np.flatnonzero(np.diff(chunk_of, prepend=-1))
    for a, b in zip(starts, np.append(starts[1:], idx.size), strict=True):
        sub = slice(a, b)
        pairs = cKDTree(pxy[sub]).sparse_distance_matrix(
            cell_tree, float(r_out[sub].max()), output_type="ndarray")
        si, ci, d = pairs["i"] + a, pairs["j"], pairs["v"]
        sure = d <= r_in[si]
        cand = sure | (d <= r_out[si])
        yield idx[si[cand]], ci[cand], sure[cand]


@dataclass(frozen=True)
class _Cells:
    """On-road cells as they join the contracted graph, grouped by chain (or key node).

    Per cell (order of the on-road cells): chain ends ``ea``/``eb`` (key
    indices), thresholds ``thr_a``/``thr_b`` (budget minus the time from that
    end to the cell, access leg included), ``chain``, ``pos`` (minutes from
    ``end_a``) and ``acc`` (access minutes), ``pop``. Cells on one chain share both
    ends; cells at a key node form a group of their own. Per group: its ends,
    population, the cell range ``start``/``count`` in ``order``, and the
    min/max thresholds, so that most (site, group) pairs are decided whole;
    and the same bounds as float32 with a safety margin (``sure_*``: a float32
    time at or below it is certainly at or below ``min_*``; ``maybe_*``: one
    above it is certainly above ``max_*``), for a cheaper first pass.
    """

    ea: np.ndarray
    eb: np.ndarray
    thr_a: np.ndarray
    thr_b: np.ndarray
    chain: np.ndarray
    pos: np.ndarray
    acc: np.ndarray
    pop: np.ndarray
    group_of_chain: np.ndarray
    order: np.ndarray
    g_start: np.ndarray
    g_count: np.ndarray
    g_a: np.ndarray
    g_b: np.ndarray
    g_pop: np.ndarray
    min_a: np.ndarray
    max_a: np.ndarray
    min_b: np.ndarray
    max_b: np.ndarray
    sure_a: np.ndarray
    sure_b: np.ndarray
    maybe_a: np.ndarray
    maybe_b: np.ndarray


def _group_cells(g: RoadGraph, node: np.ndarray, acc: np.ndarray, pop: np.ndarray,
                 budget_min: float) -> _Cells:
    """Where each on-road cell joins the contracted graph, grouped (see :class:`_Cells`)."""
    ea, eb = g.end_a[node], g.end_b[node]
    pos = g.off_a[node]
    thr_a = budget_min - (pos + acc)
    thr_b = budget_min - (g.off_b[node] + acc)
    chain = g.chain[node]
    n_chain = int(g.chain.max()) + 1 if g.chain.size else 0
    raw = np.where(chain >= 0, chain, n_chain + ea)
    uniq, gid = np.unique(raw, return_inverse=True)
    gid = gid.ravel()
    order = np.argsort(gid, kind="stable")
    count = np.bincount(gid)
    start = np.cumsum(count) - count
    group_of_chain = np.full(n_chain + 1, -1, dtype=np.int64)  # last slot: "no chain"
    is_chain = uniq < n_chain
    group_of_chain[uniq[is_chain]] = np.flatnonzero(is_chain)
    first = order[start]
    min_a, max_a = np.minimum.reduceat(thr_a[order], start), np.maximum.reduceat(thr_a[order], start)
    min_b, max_b = np.minimum.reduceat(thr_b[order], start), np.maximum.reduceat(thr_b[order], start)
    return _Cells(
        ea, eb, thr_a, thr_b, chain, pos, acc, pop, group_of_chain, order, start, count,
        ea[first], eb[first], np.bincount(gid, weights=pop), min_a, max_a, min_b, max_b,
        _f32_below(min_a), _f32_below(min_b), _f32_above(max_a), _f32_above(max_b))


def _f32_below(x: np.ndarray) -> np.ndarray:
    """float32 bounds ``w`` with: ``float32(t) <= w`` implies ``t <= x`` for every t >= 0.

    The margin (2**-20 relative, at least 2**-20) covers the float32 rounding of t (2**-24).
    """
    x64 = x - np.ldexp(np.maximum(np.abs(x), 1.0), -20)
    w = x64.astype(np.float32)
    return np.where(w > x64, np.nextafter(w, np.float32(-np.inf)), w).astype(np.float32)


def _f32_above(x: np.ndarray) -> np.ndarray:
    """float32 bounds ``n`` with: ``float32(t) > n`` implies ``t > x`` for every t >= 0."""
    x64 = x + np.ldexp(np.maximum(np.abs(x), 1.0), -20)
    n = x64.astype(np.float32)
    return np.where(n < x64, np.nextafter(n, np.float32(np.inf)), n).astype(np.float32)


def _network_pool(
    geoms: np.ndarray, valid: np.ndarray, cell_xy: np.ndarray, pop: np.ndarray,
    graph: RoadGraph, budget_min: float, access_kmh: float, max_access_m: float,
    sl_radius_m: float,
) -> tuple[np.ndarray, int]:
    """Network labour pool per site (positions where ``valid``); also the count of off-road sites.

    A site reaches an on-road cell through the network (site access + path
    + cell access <= budget) or through a direct local leg. The network part
    depends on the site only through its node and access time, so it is
    computed once per distinct (node, access) *row*; cells are grouped by
    road chain and a (row, chain) pair is decided whole when every cell of
    the chain is reached through one end, or none through either; only the
    rest are tested cell by cell. Direct legs add the cells the network
    does not reach.

    Long because: snapping sites and cells to the graph, the off-road share, the chain groups and
    the chunked shortest-path loop share the same index arrays (site rows, cell rows, nodes); the
    heavy steps are already functions (``_group_cells``, ``_source_dist``), and what remains is
    the bookkeeping that ties their arrays together.
    """
    n = len(geoms)
    out = np.zeros(n)
    access_m_per_min = access_kmh * M_PER_MIN_PER_KMH
    # sites -> nearest node (distance from the site's edge)
    node_pts = shapely.points(graph.nodes_xy)
    ntree = shapely.STRtree(node_pts)
    sidx = np.flatnonzero(valid)
    (qi, ni), sdist = ntree.query_nearest(geoms[sidx], return_distance=True, all_matches=False)
    site_node = np.full(n, -1, dtype=np.int64)
    site_acc_m = np.full(n, np.inf)
    site_node[sidx[qi]] = ni
    site_acc_m[sidx[qi]] = sdist
    on_site = valid & (site_acc_m <= max_access_m)
    off_site = np.flatnonzero(valid & ~on_site)
    if off_site.size:
        out += _straight_pool(geoms, off_site, cell_xy, pop, sl_radius_m, n)
    if cell_xy.shape[0] == 0:
        return out, int(off_site.size)
    # cells -> nearest node
    cdist, cnode = graph.tree.query(cell_xy)
    on_cell = cdist <= max_access_m
    c_on = np.flatnonzero(on_cell)
    c_off = np.flatnonzero(~on_cell)
    site_pos = np.flatnonzero(on_site)
    # off-road cells: straight-line rule
    if c_off.size and site_pos.size:
        out += _straight_pool(geoms, site_pos, cell_xy[c_off], pop[c_off], sl_radius_m, n)
    if site_pos.size == 0 or c_on.size == 0:
        return out, int(off_site.size)
    pop_on = pop[c_on]
    cells = _group_cells(graph, cnode[c_on], cdist[c_on] / access_m_per_min, pop_on, budget_min)
    # rows: distinct (node, access minutes) of the on-road sites
    site_acc_min = site_acc_m[site_pos] / access_m_per_min
    key = np.column_stack([site_node[site_pos].astype(np.float64), site_acc_min])
    uniq, row_of = np.unique(key, axis=0, return_inverse=True)
    row_of = row_of.ravel()
    row_node, row_acc = uniq[:, 0].astype(np.int64), uniq[:, 1]
    # candidate direct local legs (site -> nearby on-road cell at the access speed)
    direct_r = min(max_access_m, access_m_per_min * budget_min)
    found = list(_iter_candidate_pairs(geoms, site_pos, cell_xy[c_on], direct_r))
    p_site = np.concatenate([f[0] for f in found]) if found else np.zeros(0, np.int64)
    p_cell = np.concatenate([f[1] for f in found]) if found else np.zeros(0, np.int64)
    p_sure = np.concatenate([f[2] for f in found]) if found else np.zeros(0, bool)
    pos_of_site = np.full(n, -1, dtype=np.int64)
    pos_of_site[site_pos] = np.arange(site_pos.size)
    p_row = row_of[pos_of_site[p_site]]
    # rows in blocks sorted by chain end, so that blocks share Dijkstra sources
    rows = np.argsort(graph.end_a[row_node], kind="stable")
    row_pool = np.zeros(rows.size)
    chunk = max(1, _BLOCK_ELEMENTS // max(cells.g_pop.size, graph.n_key_nodes))
    block_of_row = np.empty(rows.size, dtype=np.int64)
    block_of_row[rows] = np.arange(rows.size) // chunk
    p_block = block_of_row[p_row]
    p_order = np.argsort(p_block, kind="stable")
    p_bounds = np.searchsorted(p_block[p_order], np.arange(block_of_row.max() + 2))
    p_net = np.zeros(p_site.size, dtype=bool)
    # Dijkstra once per super-block of rows (all rows when the matrix is small enough)
    n_src_all = np.unique(np.concatenate([graph.end_a[row_node], graph.end_b[row_node]])).size
    if n_src_all * graph.n_key_nodes <= _MAX_DIST_ELEMENTS:
        super_n = rows.size
    else:
        super_n = chunk * max(1, _MAX_DIST_ELEMENTS // (2 * graph.n_key_nodes * chunk))
    for s0 in range(0, rows.size, super_n):
        sup = rows[s0:s0 + super_n]
        dist = _source_dist(graph, row_node[sup], row_acc[sup], budget_min)
        if dist is None:
            continue  # every row is farther from its node than the budget
        for start in range(s0, min(s0 + super_n, rows.size), chunk):
            block = rows[start:start + chunk]
            if budget_min < float(row_acc[block].min()):
                continue
            key_t = np.ascontiguousarray(
                _rows_to_key(graph, row_node[block], row_acc[block], dist).T)
            row_pool[block] = _rows_pool(graph, cells, key_t, row_node[block],
                                         row_acc[block], budget_min)
            bi = start // chunk
            sel = p_order[p_bounds[bi]:p_bounds[bi + 1]]
            if sel.size:
                local = np.full(rows.size, -1, dtype=np.int64)
                local[block] = np.arange(block.size)
                p_net[sel] = _cells_reached(graph, cells, key_t, local[p_row[sel]],
                                            p_cell[sel], row_node[block], row_acc[block],
                                            budget_min)
    out[site_pos] += row_pool[row_of]
    # direct legs to cells the network does not reach (exact distance only where needed)
    extra = ~p_net
    test = np.flatnonzero(extra & ~p_sure)
    if test.size:
        extra[test] = _exact_within(geoms, p_site[test], cell_xy[c_on][p_cell[test]], direct_r)
    out += np.bincount(p_site[extra], weights=pop_on[p_cell[extra]], minlength=n)
    return out, int(off_site.size)


def _source_dist(g: RoadGraph, sn: np.ndarray, s_acc: np.ndarray, budget_min: float
                 ) -> tuple[np.ndarray, np.ndarray] | None:
    """Dijkstra from every chain end that rows (nodes ``sn``, access ``s_acc``) need.

    Returns (sorted sources, (sources, K) minutes, inf beyond the budget less
    the smallest access), or None when every row's access exceeds the budget.
    """
    if budget_min < float(s_acc.min()):
        return None
    src = np.unique(np.concatenate([g.end_a[sn], g.end_b[sn]]))
    return src, dijkstra(g.graph, directed=False, indices=src,
                         limit=budget_min - float(s_acc.min()))


def _rows_to_key(g: RoadGraph, sn: np.ndarray, s_acc: np.ndarray,
                 dist: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """(rows, K) minutes from each row's site (node ``sn``, access ``s_acc``) to every key node.

    Site access + along the site's chain to a chain end + shortest path
    between key nodes (``dist`` from :func:`_source_dist`; farther is inf).
    """
    src, d = dist
    ra, rb = np.searchsorted(src, g.end_a[sn]), np.searchsorted(src, g.end_b[sn])
    to_key = np.minimum(d[ra] + g.off_a[sn][:, None], d[rb] + g.off_b[sn][:, None])
    to_key += s_acc[:, None]
    return to_key


def _cells_reached(g: RoadGraph, cells: _Cells, key_t: np.ndarray, r: np.ndarray,
                   c: np.ndarray, sn: np.ndarray, s_acc: np.ndarray, budget_min: float
                   ) -> np.ndarray:
    """Whether row ``r[i]`` reaches on-road cell ``c[i]`` over the network.

    ``key_t`` is (K, rows): minutes from each row to each key node. Through
    either end of the cell's chain; or, for a cell on the row's own chain,
    straight along that chain.
    """
    flat = key_t.ravel()
    n_rows = key_t.shape[1]
    reach = flat[cells.ea[c] * n_rows + r] <= cells.thr_a[c]
    reach |= flat[cells.eb[c] * n_rows + r] <= cells.thr_b[c]
    s_chain = g.chain[sn]
    if (s_chain >= 0).any():
        same = np.flatnonzero(cells.chain[c] == s_chain[r])
        k = same[cells.chain[c[same]] >= 0]
        if k.size:
            along = (np.abs(g.off_a[sn[r[k]]] - cells.pos[c[k]]) + cells.acc[c[k]]
                     + s_acc[r[k]])
            reach[k[along <= budget_min]] = True
    return reach


def _rows_pool(g: RoadGraph, cells: _Cells, key_t: np.ndarray, sn: np.ndarray,
               s_acc: np.ndarray, budget_min: float) -> np.ndarray:
    """Population each row reaches over the network (see :func:`_network_pool`).

    ``key_t`` is (K, rows). Works on the (groups x rows) layout (gathering
    whole rows of ``key_t`` per group is cheap), first in float32 with safe
    bounds; (row, group) pairs that pass is not sure of are tested cell by
    cell in float64, exactly as a single cell would be.
    """
    # a row's own chain: cells may also be reached straight along it
    own = cells.group_of_chain[np.where(g.chain[sn] >= 0, g.chain[sn], -1)]
    has = np.flatnonzero(own >= 0)
    # groups no row of the block reaches through either end are left out
    k_min = key_t.min(axis=1)
    active = (k_min[cells.g_a] <= cells.max_a) | (k_min[cells.g_b] <= cells.max_b)
    active[own[has]] = True
    grp_ids = np.flatnonzero(active)
    local = np.full(active.size, -1, dtype=np.int64)
    local[grp_ids] = np.arange(grp_ids.size)
    key32 = key_t.astype(np.float32)
    ta = key32[cells.g_a[grp_ids]]
    tb = key32[cells.g_b[grp_ids]]
    whole = ta <= cells.sure_a[grp_ids, None]
    whole |= tb <= cells.sure_b[grp_ids, None]
    check = ta <= cells.maybe_a[grp_ids, None]
    check |= tb <= cells.maybe_b[grp_ids, None]
    check &= ~whole
    del ta, tb
    lo = local[own[has]]
    check[lo, has] = ~whole[lo, has]
    pool = np.dot(cells.g_pop[grp_ids], whole.astype(np.float64))
    flat = np.flatnonzero(check)
    if flat.size:
        grp, r = np.divmod(flat, sn.size)
        grp = grp_ids[grp]
        cnt = cells.g_count[grp]
        total = int(cnt.sum())
        rr = np.repeat(r, cnt)
        within = np.arange(total) - np.repeat(np.cumsum(cnt) - cnt, cnt)
        cc = cells.order[np.repeat(cells.g_start[grp], cnt) + within]
        ok = _cells_reached(g, cells, key_t, rr, cc, sn, s_acc, budget_min)
        pool += np.bincount(rr[ok], weights=cells.pop[cc[ok]], minlength=sn.size)
    return pool
