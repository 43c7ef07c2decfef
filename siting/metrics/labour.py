"""Labour pool: working-age population reachable from each site within a travel time.

Two methods, chosen by what is loaded:

* **network** (a ``roads`` layer exists): travel time along the road graph.
  Road vertices closer than 1 m are merged, lines are densified to 1 km, and
  chains of degree-2 vertices are contracted so that scipy ``dijkstra`` (with
  ``limit`` = the time budget, many sources per call, in chunks) runs over
  junctions only. Edge time = length / speed, speed from the ``speed_kmh``
  field or by ``road_class`` (1: 100, 2: 90, 3: 80, 4: 70, 5: 50 km/h).
  Sites and population cells join the graph at their nearest road vertex
  through an *access leg* at 30 km/h straight line. A cell counts when
  access + network + access <= budget. Cells within ``max_access_m`` of a
  site also count through a direct leg at the access speed (local streets);
  cells (or sites) farther than ``max_access_m`` from any road fall back to the
  straight-line rule below.
* **straight_line** (no roads): a cell counts when
  ``distance * detour_factor / speed_kmh <= budget``.

Distances are measured from the site geometry (a polygon's edge). Nothing
stops at municipal or county borders: every cell in the layer counts.
The result's ``attrs`` say which method and field were used
(``attrs["method"]``, ``attrs["note"] = {"sv": ..., "en": ...}``).

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import Point
>>> sites = gpd.GeoDataFrame(geometry=[Point(0, 0)], crs="EPSG:3006")
>>> cells = gpd.GeoDataFrame({"working_age_population": [1000.0, 500.0]},
...                          geometry=[Point(30_000, 0), Point(60_000, 0)], crs="EPSG:3006")
>>> s = labour_pool(sites, cells, travel_time_min=45)   # 45 min * 70 km/h / 1.3 = 40.4 km
>>> float(s.iloc[0]), s.attrs["method"]
(1000.0, 'straight_line')
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from siting.errors import DataError, ProfileError
from siting.i18n import format_number
from siting.metrics._base import (
    as_series,
    check_layer,
    check_sites,
    numeric_values,
    site_geometries,
    valid_geometry_mask,
)

__all__ = [
    "ACCESS_SPEED_KMH",
    "CLASS_SPEEDS_KMH",
    "MAX_ACCESS_M",
    "RoadGraph",
    "build_road_graph",
    "labour_pool",
    "population_points",
]

#: Default travel speed per ``road_class`` (1 = European route ... 5 = local), km/h.
CLASS_SPEEDS_KMH: Mapping[int, float] = {1: 100.0, 2: 90.0, 3: 80.0, 4: 70.0, 5: 50.0}
#: Speed of the straight-line access leg between a site/cell and its road node, km/h.
ACCESS_SPEED_KMH = 30.0
#: Longest access leg; cells/sites farther from any road use the straight-line rule, m.
MAX_ACCESS_M = 5_000.0
#: Vertices closer than this are merged into one graph node, m.
MERGE_TOLERANCE_M = 1.0
#: Road lines are densified so that no edge is longer than this, m (bounds the snapping error).
MAX_EDGE_M = 1_000.0
_M_PER_MIN_PER_KMH = 1000.0 / 60.0
_CHUNK_CELLS = 4_000_000  # elements of one dense (sites x cells) block
_MAX_DIST_ELEMENTS = 10_000_000  # largest (sources x key nodes) Dijkstra matrix kept at once


@dataclass(frozen=True)
class RoadGraph:
    """An undirected road graph weighted by travel time, with degree-2 chains contracted.

    Every vertex of the road lines (merged within 1 m, densified) is a *node*
    that sites and population cells can snap to. Junctions and dead ends are
    *key nodes*; the chains of degree-2 nodes between them become single
    edges of ``graph``, so shortest paths run over the junctions only. A node
    on a chain knows the two key nodes that end it and its travel time to
    each along the chain.

    Parameters
    ----------
    graph : scipy.sparse.csr_matrix
        (K, K) travel times in minutes between key nodes (use ``directed=False``).
    nodes_xy : numpy.ndarray
        (N, 2) node coordinates, EPSG:3006 metres.
    key_node : numpy.ndarray
        (K,) node id of every key node.
    end_a, end_b : numpy.ndarray
        (N,) key-node index (0..K-1) at either end of the node's chain
        (both the node's own index for a key node).
    off_a, off_b : numpy.ndarray
        (N,) minutes along the chain from the node to ``end_a`` / ``end_b``.
    chain : numpy.ndarray
        (N,) chain id of a chain node, -1 for key nodes.
    n_roads : int
        Road features used.
    """

    graph: csr_matrix
    nodes_xy: np.ndarray
    key_node: np.ndarray
    end_a: np.ndarray
    end_b: np.ndarray
    off_a: np.ndarray
    off_b: np.ndarray
    chain: np.ndarray
    n_roads: int
    tree: cKDTree = field(repr=False, compare=False, default=None)  # type: ignore[assignment]

    @property
    def n_nodes(self) -> int:
        """Number of nodes (vertices)."""
        return int(self.nodes_xy.shape[0])

    @property
    def n_key_nodes(self) -> int:
        """Number of key nodes (junctions and dead ends)."""
        return int(self.key_node.shape[0])


def build_road_graph(
    roads: gpd.GeoDataFrame,
    *,
    default_speed_kmh: float = 70.0,
    merge_tolerance_m: float = MERGE_TOLERANCE_M,
    max_edge_m: float | None = MAX_EDGE_M,
) -> RoadGraph:
    """Build the travel-time graph of a road layer.

    Parameters
    ----------
    roads : GeoDataFrame
        Road lines in EPSG:3006 with optional ``speed_kmh`` and ``road_class``.
    default_speed_kmh : float
        Speed for roads with neither a speed nor a known class.
    merge_tolerance_m : float
        Vertices closer than this are one node, so segments that almost meet join.
        Lines that cross without a shared vertex (bridges) are not joined.
    max_edge_m : float or None
        Densify lines so no edge is longer than this (None: keep the vertices);
        bounds the error of snapping to the nearest node.

    Returns
    -------
    RoadGraph
    """
    check_layer(roads, "roads")
    geoms = np.asarray(roads.geometry.values, dtype=object)
    ok = valid_geometry_mask(geoms)
    types = shapely.get_type_id(geoms)
    not_line = ok & ~np.isin(types, (1, 2, 5))
    if not_line.any():
        raise DataError.single(
            "roads", f"{int(not_line.sum())} feature(s) are not lines", field="geometry",
            hint="the roads layer must hold LineString/MultiLineString geometries")
    speeds = _road_speeds(roads, default_speed_kmh)
    geoms, speeds = geoms[ok], speeds[ok]
    parts, owner = shapely.get_parts(geoms, return_index=True)
    if max_edge_m:
        parts = shapely.segmentize(parts, max_segment_length=float(max_edge_m))
    coords, line_idx = shapely.get_coordinates(parts, return_index=True)
    if coords.shape[0] < 2:
        return _empty_graph(int(ok.sum()))
    node_of, nodes_xy = _merge_vertices(coords, merge_tolerance_m)
    same = line_idx[:-1] == line_idx[1:]
    a = np.flatnonzero(same)
    u, v = node_of[a], node_of[a + 1]
    length = np.hypot(*(coords[a + 1] - coords[a]).T)
    minutes = length / (speeds[owner[line_idx[a]]] * _M_PER_MIN_PER_KMH)
    keep = u != v
    u, v, minutes = u[keep], v[keep], minutes[keep]
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    order = np.argsort(minutes, kind="stable")
    lo, hi, minutes = lo[order], hi[order], minutes[order]
    n = nodes_xy.shape[0]
    _, first = np.unique(lo.astype(np.int64) * n + hi, return_index=True)
    lo, hi, minutes = lo[first], hi[first], minutes[first]
    return _contract(n, lo, hi, minutes, nodes_xy, int(ok.sum()))


def _empty_graph(n_roads: int) -> RoadGraph:
    empty_i = np.zeros(0, dtype=np.int64)
    return RoadGraph(csr_matrix((0, 0)), np.zeros((0, 2)), empty_i, empty_i, empty_i,
                     np.zeros(0), np.zeros(0), empty_i, n_roads, cKDTree(np.zeros((0, 2))))


def _contract(n: int, lo: np.ndarray, hi: np.ndarray, minutes: np.ndarray,
              nodes_xy: np.ndarray, n_roads: int) -> RoadGraph:
    """Contract chains of degree-2 nodes into single edges between key nodes."""
    sym = coo_matrix((np.concatenate([minutes, minutes]),
                      (np.concatenate([lo, hi]), np.concatenate([hi, lo]))), shape=(n, n)).tocsr()
    indptr, indices, data = sym.indptr, sym.indices, sym.data
    deg = np.diff(indptr)
    key = deg != 2
    end_a = np.arange(n, dtype=np.int64)
    end_b = np.arange(n, dtype=np.int64)
    off_a, off_b = np.zeros(n), np.zeros(n)
    chain = np.full(n, -1, dtype=np.int64)
    visited = key.copy()
    ka: list[int] = []
    kb: list[int] = []
    kw: list[float] = []
    n_chain = 0
    ind_l, dat_l, ptr_l = indices.tolist(), data.tolist(), indptr.tolist()
    key_l = key.tolist()

    def walk(start: int) -> None:
        nonlocal n_chain
        for e in range(ptr_l[start], ptr_l[start + 1]):
            first_nb, w0 = ind_l[e], dat_l[e]
            if key_l[first_nb]:
                if start < first_nb:
                    ka.append(start)
                    kb.append(first_nb)
                    kw.append(w0)
                continue
            if visited[first_nb]:
                continue
            path, cum = [], []
            total, prev, cur = w0, start, first_nb
            while not key_l[cur]:
                visited[cur] = True
                path.append(cur)
                cum.append(total)
                e0 = ptr_l[cur]
                if ind_l[e0] != prev:
                    nxt, w = ind_l[e0], dat_l[e0]
                else:
                    nxt, w = ind_l[e0 + 1], dat_l[e0 + 1]
                prev, cur = cur, nxt
                total += w
            p = np.asarray(path, dtype=np.int64)
            c = np.asarray(cum)
            end_a[p], end_b[p] = start, cur
            off_a[p], off_b[p] = c, total - c
            chain[p] = n_chain
            n_chain += 1
            if start != cur:
                ka.append(min(start, cur))
                kb.append(max(start, cur))
                kw.append(total)

    for start in np.flatnonzero(key).tolist():
        walk(start)
    while not visited.all():  # closed loops without a junction: make one node a key node
        start = int(np.flatnonzero(~visited)[0])
        key[start] = True
        key_l[start] = True
        visited[start] = True
        walk(start)
    key_node = np.flatnonzero(key)
    kidx = np.full(n, -1, dtype=np.int64)
    kidx[key_node] = np.arange(key_node.size)
    k = key_node.size
    if ka:
        ea, eb, ew = kidx[np.asarray(ka)], kidx[np.asarray(kb)], np.asarray(kw)
        order = np.argsort(ew, kind="stable")
        ea, eb, ew = ea[order], eb[order], ew[order]
        _, first = np.unique(ea * k + eb, return_index=True)
        graph = coo_matrix((ew[first], (ea[first], eb[first])), shape=(k, k)).tocsr()
    else:
        graph = csr_matrix((k, k))
    return RoadGraph(graph, nodes_xy, key_node, kidx[end_a], kidx[end_b], off_a, off_b,
                     chain, n_roads, cKDTree(nodes_xy))


def population_points(population: gpd.GeoDataFrame, field: str = "working_age_population"
                      ) -> tuple[np.ndarray, np.ndarray, str]:
    """Cell locations (centroids), their counts, and the field actually used.

    Falls back to ``population`` when ``field`` is absent or entirely missing.
    Missing counts are 0. Cells with empty geometry are dropped; records at
    the same location are summed.
    """
    check_layer(population, "population_grid")
    used = field
    if field not in population.columns or population[field].isna().all():
        if field != "population" and "population" in population.columns:
            used = "population"
        else:
            raise DataError.single(
                "population_grid", f"has no field '{field}'", field=field,
                hint="map working_age_population or population in the layer catalogue")
    values = np.nan_to_num(numeric_values(population, used, "population_grid"), nan=0.0)
    geoms = np.asarray(population.geometry.values, dtype=object)
    ok = valid_geometry_mask(geoms)
    pts = shapely.centroid(geoms[ok])
    xy = np.column_stack([shapely.get_x(pts), shapely.get_y(pts)])
    # records at the same location (e.g. one per age group) are summed into one cell
    uniq, inverse = np.unique(xy, axis=0, return_inverse=True)
    if uniq.shape[0] < xy.shape[0]:
        return uniq, np.bincount(inverse.ravel(), weights=values[ok]), used
    return xy, values[ok], used


def labour_pool(
    sites: gpd.GeoDataFrame,
    population: gpd.GeoDataFrame,
    *,
    travel_time_min: float,
    roads: gpd.GeoDataFrame | None = None,
    speed_kmh: float = 70.0,
    detour_factor: float = 1.3,
    field: str = "working_age_population",
    access_speed_kmh: float = ACCESS_SPEED_KMH,
    max_access_m: float = MAX_ACCESS_M,
    graph: RoadGraph | None = None,
    name: str | None = None,
) -> pd.Series:
    """Population reachable from each site within ``travel_time_min`` minutes.

    Parameters
    ----------
    sites : GeoDataFrame
        Candidate sites (points or polygons), EPSG:3006.
    population : GeoDataFrame
        ``population_grid`` cells (points or polygons), EPSG:3006; include the
        neighbourhood (other municipalities and counties count).
    travel_time_min : float
        Time budget in minutes.
    roads : GeoDataFrame, optional
        Road lines; when given (and not empty) the network method is used.
    speed_kmh : float
        Straight-line speed; in network mode also the speed of roads with
        neither ``speed_kmh`` nor ``road_class``.
    detour_factor : float
        Straight-line distance multiplier (>= 1).
    field : str
        Population field; falls back to ``population`` (noted in ``attrs``).
    access_speed_kmh, max_access_m : float
        Speed and maximum length of the straight-line access leg (network mode).
    graph : RoadGraph, optional
        A prebuilt graph of ``roads`` (reuse it across several metrics).
    name : str, optional
        Series name (default ``labour_pool_<T>min``).

    Returns
    -------
    pandas.Series
        float population per site; ``attrs``: ``method`` ("network" |
        "straight_line"), ``note`` ({"sv", "en"}), ``note_sv``, ``note_en``,
        ``field``, ``travel_time_min``.
    """
    check_sites(sites)
    for key, val in (("travel_time_min", travel_time_min), ("speed_kmh", speed_kmh),
                     ("access_speed_kmh", access_speed_kmh)):
        if not np.isfinite(val) or val <= 0:
            raise ProfileError.single("labour_pool", f"{key} must be > 0, got {val!r}", field=key)
    if not np.isfinite(detour_factor) or detour_factor < 1:
        raise ProfileError.single("labour_pool", f"detour_factor must be >= 1, got {detour_factor!r}",
                                  field="detour_factor")
    label = name or f"labour_pool_{format_number(travel_time_min, 'en')}min"
    cell_xy, pop, used = population_points(population, field)
    if graph is None and roads is not None and len(roads):
        graph = build_road_graph(roads, default_speed_kmh=speed_kmh)
    network = graph is not None and graph.n_nodes > 1
    sl_radius_m = speed_kmh * _M_PER_MIN_PER_KMH * travel_time_min / detour_factor
    geoms = site_geometries(sites)
    valid = valid_geometry_mask(geoms)
    total = np.zeros(len(sites))
    total[~valid] = np.nan
    n_off = 0
    if network:
        assert graph is not None
        total_net, n_off = _network_pool(
            geoms, valid, cell_xy, pop, graph, travel_time_min, access_speed_kmh,
            max_access_m, sl_radius_m)
        total[valid] = total_net[valid]
    else:
        total[valid] = _straight_pool(geoms, np.flatnonzero(valid), cell_xy, pop,
                                      sl_radius_m, len(sites))[valid]
    notes = _notes("network" if network else "straight_line", travel_time_min, speed_kmh,
                   detour_factor, access_speed_kmh, max_access_m, used, field, n_off)
    return as_series(total, sites, label, method="network" if network else "straight_line",
                     note=notes, note_sv=notes["sv"], note_en=notes["en"], field=used,
                     travel_time_min=float(travel_time_min))


# ---------------------------------------------------------------- internals


def _road_speeds(roads: gpd.GeoDataFrame, default_speed_kmh: float) -> np.ndarray:
    """Speed per road feature: ``speed_kmh``, else by ``road_class``, else the default."""
    n = len(roads)
    speed = np.full(n, np.nan)
    if "speed_kmh" in roads.columns:
        speed = numeric_values(roads, "speed_kmh", "roads")
        speed[~(speed > 0)] = np.nan
    if "road_class" in roads.columns:
        cls = numeric_values(roads, "road_class", "roads")
        by_class = np.full(n, np.nan)
        for code, kmh in CLASS_SPEEDS_KMH.items():
            by_class[cls == code] = kmh
        speed = np.where(np.isnan(speed), by_class, speed)
    return np.where(np.isnan(speed), float(default_speed_kmh), speed)


def _merge_vertices(coords: np.ndarray, tol_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Node id per coordinate, merging coordinates within ``tol_m``; and node coordinates."""
    uniq, inverse = np.unique(coords[:, :2], axis=0, return_inverse=True)
    inverse = inverse.ravel()
    if tol_m > 0 and uniq.shape[0] > 1:
        pairs = cKDTree(uniq).query_pairs(r=tol_m, output_type="ndarray")
        if pairs.size:
            m = uniq.shape[0]
            adj = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(m, m))
            _, comp = connected_components(adj, directed=False)
            counts = np.bincount(comp)
            xy = np.column_stack([np.bincount(comp, weights=uniq[:, 0]) / counts,
                                  np.bincount(comp, weights=uniq[:, 1]) / counts])
            return comp[inverse], xy
    return inverse, uniq


def _straight_pool(geoms: np.ndarray, idx: np.ndarray, cell_xy: np.ndarray, pop: np.ndarray,
                   radius_m: float, n: int) -> np.ndarray:
    """Sum of ``pop`` over cells within ``radius_m`` of each site in ``idx`` (others 0)."""
    out = np.zeros(n)
    for si, ci in _iter_pairs_within(geoms, idx, cell_xy, radius_m):
        out += np.bincount(si, weights=pop[ci], minlength=n)
    return out


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
    min/max thresholds, so that most (site, group) pairs are decided whole.
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
    return _Cells(
        ea, eb, thr_a, thr_b, chain, pos, acc, pop, group_of_chain, order, start, count,
        ea[first], eb[first], np.bincount(gid, weights=pop),
        np.minimum.reduceat(thr_a[order], start), np.maximum.reduceat(thr_a[order], start),
        np.minimum.reduceat(thr_b[order], start), np.maximum.reduceat(thr_b[order], start))


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
    """
    n = len(geoms)
    out = np.zeros(n)
    access_m_per_min = access_kmh * _M_PER_MIN_PER_KMH
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
    chunk = max(1, _CHUNK_CELLS // max(cells.g_pop.size, graph.n_key_nodes))
    block_of_row = np.empty(rows.size, dtype=np.int64)
    block_of_row[rows] = np.arange(rows.size) // chunk
    p_block = block_of_row[p_row]
    p_order = np.argsort(p_block, kind="stable")
    p_bounds = np.searchsorted(p_block[p_order], np.arange(block_of_row.max() + 2))
    p_net = np.zeros(p_site.size, dtype=bool)
    dist_all = _all_source_dist(graph, row_node, row_acc, budget_min)
    for bi, start in enumerate(range(0, rows.size, chunk)):
        block = rows[start:start + chunk]
        if budget_min < float(row_acc[block].min()):
            continue  # every row is farther from its node than the budget
        to_key = _rows_to_key(graph, row_node[block], row_acc[block], budget_min, dist_all)
        row_pool[block] = _rows_pool(graph, cells, to_key, row_node[block], row_acc[block],
                                     budget_min)
        sel = p_order[p_bounds[bi]:p_bounds[bi + 1]]
        if sel.size:
            local = np.full(rows.size, -1, dtype=np.int64)
            local[block] = np.arange(block.size)
            p_net[sel] = _cells_reached(graph, cells, to_key, local[p_row[sel]], p_cell[sel],
                                        row_node[block], row_acc[block], budget_min)
    out[site_pos] += row_pool[row_of]
    # direct legs to cells the network does not reach (exact distance only where needed)
    extra = ~p_net
    test = np.flatnonzero(extra & ~p_sure)
    if test.size:
        extra[test] = _exact_within(geoms, p_site[test], cell_xy[c_on][p_cell[test]], direct_r)
    out += np.bincount(p_site[extra], weights=pop_on[p_cell[extra]], minlength=n)
    return out, int(off_site.size)


def _all_source_dist(g: RoadGraph, sn: np.ndarray, s_acc: np.ndarray, budget_min: float
                     ) -> tuple[np.ndarray, np.ndarray] | None:
    """Dijkstra from every chain end the rows need at once, when that matrix is small.

    Returns (sources, (sources, K) minutes), or None when it would exceed
    ``_MAX_DIST_ELEMENTS`` (then each block runs its own Dijkstra).
    """
    src = np.unique(np.concatenate([g.end_a[sn], g.end_b[sn]]))
    if src.size * g.n_key_nodes > _MAX_DIST_ELEMENTS or budget_min < float(s_acc.min()):
        return None
    return src, dijkstra(g.graph, directed=False, indices=src,
                         limit=budget_min - float(s_acc.min()))


def _rows_to_key(g: RoadGraph, sn: np.ndarray, s_acc: np.ndarray, budget_min: float,
                 dist_all: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """(rows, K) minutes from each row's site (node ``sn``, access ``s_acc``) to every key node.

    Site access + along the site's chain to a chain end + shortest path
    between key nodes (Dijkstra limited to the budget; farther is inf).
    ``dist_all`` holds Dijkstra rows computed beforehand for every source.
    """
    s_ea, s_eb = g.end_a[sn], g.end_b[sn]
    if dist_all is not None:
        src, dist = dist_all
        ra, rb = np.searchsorted(src, s_ea), np.searchsorted(src, s_eb)
    else:
        src, inv = np.unique(np.concatenate([s_ea, s_eb]), return_inverse=True)
        ra, rb = inv[:sn.size], inv[sn.size:]
        dist = dijkstra(g.graph, directed=False, indices=src,
                        limit=budget_min - float(s_acc.min()))
    to_key = np.minimum(dist[ra] + g.off_a[sn][:, None], dist[rb] + g.off_b[sn][:, None])
    to_key += s_acc[:, None]
    return to_key


def _cells_reached(g: RoadGraph, cells: _Cells, to_key: np.ndarray, r: np.ndarray,
                   c: np.ndarray, sn: np.ndarray, s_acc: np.ndarray, budget_min: float
                   ) -> np.ndarray:
    """Whether row ``r[i]`` (of ``to_key``) reaches on-road cell ``c[i]`` over the network.

    Through either end of the cell's chain; or, for a cell on the row's own
    chain, straight along that chain.
    """
    reach = to_key[r, cells.ea[c]] <= cells.thr_a[c]
    reach |= to_key[r, cells.eb[c]] <= cells.thr_b[c]
    s_node = sn[r]
    same = (g.chain[s_node] >= 0) & (g.chain[s_node] == cells.chain[c])
    if same.any():
        k = np.flatnonzero(same)
        along = (np.abs(g.off_a[s_node[k]] - cells.pos[c[k]]) + cells.acc[c[k]]
                 + s_acc[r[k]])
        reach[k[along <= budget_min]] = True
    return reach


def _rows_pool(g: RoadGraph, cells: _Cells, to_key: np.ndarray, sn: np.ndarray,
               s_acc: np.ndarray, budget_min: float) -> np.ndarray:
    """Population each row reaches over the network (see :func:`_network_pool`).

    Works on the transposed (groups x rows) layout: gathering whole rows of
    ``to_key.T`` per group is much cheaper than gathering columns.
    """
    key_t = np.ascontiguousarray(to_key.T)
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
    ta = key_t[cells.g_a[grp_ids]]
    tb = key_t[cells.g_b[grp_ids]]
    whole = ta <= cells.min_a[grp_ids, None]
    whole |= tb <= cells.min_b[grp_ids, None]
    partial = ta <= cells.max_a[grp_ids, None]
    partial |= tb <= cells.max_b[grp_ids, None]
    partial &= ~whole
    del ta, tb
    lo = local[own[has]]
    partial[lo, has] = ~whole[lo, has]
    pool = cells.g_pop[grp_ids] @ whole
    flat = np.flatnonzero(partial)
    if flat.size:
        grp, r = np.divmod(flat, sn.size)
        grp = grp_ids[grp]
        cnt = cells.g_count[grp]
        total = int(cnt.sum())
        rr = np.repeat(r, cnt)
        within = np.arange(total) - np.repeat(np.cumsum(cnt) - cnt, cnt)
        cc = cells.order[np.repeat(cells.g_start[grp], cnt) + within]
        ok = _cells_reached(g, cells, to_key, rr, cc, sn, s_acc, budget_min)
        pool += np.bincount(rr[ok], weights=cells.pop[cc[ok]], minlength=sn.size)
    return pool


def _notes(method: str, budget_min: float, speed_kmh: float, detour: float, access_kmh: float,
           max_access_m: float, used: str, asked: str, n_off: int) -> dict[str, str]:
    """Swedish and English notes saying how the labour pool was computed."""
    t_sv, t_en = format_number(budget_min, "sv"), format_number(budget_min, "en")
    if method == "network":
        acc_sv = format_number(access_kmh, "sv")
        km_sv = format_number(max_access_m / 1000, "sv")
        sv = (f"Restid längs vägnätet inom {t_sv} min (anslutning fågelvägen i {acc_sv} km/h, "
              f"högst {km_sv} km)")
        en = (f"Travel time along the road network within {t_en} min (access legs straight line "
              f"at {format_number(access_kmh, 'en')} km/h, at most "
              f"{format_number(max_access_m / 1000, 'en')} km)")
        if n_off:
            sv += f"; {n_off} område(n) långt från väg räknade fågelvägen"
            en += f"; {n_off} site(s) far from any road used the straight line"
    else:
        sv = (f"Fågelvägen × {format_number(detour, 'sv')} omvägsfaktor, "
              f"{format_number(speed_kmh, 'sv')} km/h, inom {t_sv} min (inget vägnät laddat)")
        en = (f"Straight line × {format_number(detour, 'en')} detour factor, "
              f"{format_number(speed_kmh, 'en')} km/h, within {t_en} min (no road network loaded)")
    if used != asked:
        sv += f"; fältet '{asked}' saknas, total befolkning ('{used}') används"
        en += f"; field '{asked}' missing, total population ('{used}') used"
    return {"sv": sv, "en": en}
