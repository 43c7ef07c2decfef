"""Road graph for network travel times: build once, contract chains, reuse via a cache.

Road vertices closer than 1 m are merged, lines are densified to 1 km, and
chains of degree-2 vertices are contracted so that shortest paths run over
junctions only. Edge time = length / speed, speed from the ``speed_kmh`` field
or by ``road_class`` (1: 100, 2: 90, 3: 80, 4: 70, 5: 50 km/h).

:class:`RoadGraphCache` keeps built graphs keyed by the *content* of the roads
layer (a digest of its geometries and speed fields) and the build options, so
several labour-pool metrics over the same layer build the graph once. It is
an explicit object the caller owns (no module-level state); because the key
is the content, a cache shared across layer sets never returns a graph for
other or edited roads.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import LineString
>>> roads = gpd.GeoDataFrame({"road_class": [1]}, geometry=[LineString([(0, 0), (3000, 0)])],
...                          crs="EPSG:3006")
>>> cache = RoadGraphCache()
>>> g = cache.get(roads)
>>> cache.get(roads) is g, g.n_nodes, round(float(g.graph.sum()), 2)   # 3 km at 100 km/h
(True, 4, 1.8)
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import shapely
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from siting.core.errors import DataError
from siting.metrics._base import check_layer, numeric_values, valid_geometry_mask
from siting.metrics.spec import DEFAULT_SPEED_KMH

__all__ = [
    "CLASS_SPEEDS_KMH",
    "MAX_EDGE_M",
    "MERGE_TOLERANCE_M",
    "RoadGraph",
    "RoadGraphCache",
    "build_road_graph",
]

#: Default travel speed per ``road_class`` (1 = European route ... 5 = local), km/h.
CLASS_SPEEDS_KMH: Mapping[int, float] = {1: 100.0, 2: 90.0, 3: 80.0, 4: 70.0, 5: 50.0}
#: Vertices closer than this are merged into one graph node, m.
MERGE_TOLERANCE_M = 1.0
#: Road lines are densified so that no edge is longer than this, m (bounds the snapping error).
MAX_EDGE_M = 1_000.0
M_PER_MIN_PER_KMH = 1000.0 / 60.0


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
    tree: cKDTree = field(repr=False, compare=False, default=None)

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
    default_speed_kmh: float = DEFAULT_SPEED_KMH,
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
    minutes = length / (speeds[owner[line_idx[a]]] * M_PER_MIN_PER_KMH)
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


class RoadGraphCache:
    """Built road graphs keyed by the roads' content and the build options.

    Pass one instance to :func:`siting.metrics.labour_pool` (``graph_cache=``)
    or :func:`siting.metrics.compute_metric` for every metric of an
    evaluation, so the graph is built once. Holds at most ``max_entries``
    graphs (least recently used dropped first).

    Parameters
    ----------
    max_entries : int
        Graphs kept at most.
    """

    def __init__(self, max_entries: int = 2) -> None:
        if max_entries < 1:
            raise ValueError(f"max_entries must be >= 1, got {max_entries!r}")
        self.max_entries = int(max_entries)
        self._graphs: OrderedDict[bytes, RoadGraph] = OrderedDict()
        self.builds = 0

    def __len__(self) -> int:
        return len(self._graphs)

    def get(self, roads: gpd.GeoDataFrame, *,
            default_speed_kmh: float = DEFAULT_SPEED_KMH) -> RoadGraph:
        """The graph of ``roads`` (built on first use, see :func:`build_road_graph`)."""
        key = roads_digest(roads, default_speed_kmh)
        graph = self._graphs.get(key)
        if graph is None:
            graph = build_road_graph(roads, default_speed_kmh=default_speed_kmh)
            self.builds += 1
            self._graphs[key] = graph
            while len(self._graphs) > self.max_entries:
                self._graphs.popitem(last=False)
        else:
            self._graphs.move_to_end(key)
        return graph


def roads_digest(roads: gpd.GeoDataFrame, default_speed_kmh: float = DEFAULT_SPEED_KMH) -> bytes:
    """Digest of what :func:`build_road_graph` reads: geometries, speeds, options."""
    check_layer(roads, "roads")
    h = hashlib.blake2b(digest_size=20)
    h.update(np.asarray([len(roads), float(default_speed_kmh), MERGE_TOLERANCE_M, MAX_EDGE_M],
                        dtype=np.float64).tobytes())
    wkb = shapely.to_wkb(np.asarray(roads.geometry.values, dtype=object))
    h.update(np.asarray([len(b) if b is not None else -1 for b in wkb], dtype=np.int64).tobytes())
    h.update(b"".join(b for b in wkb if b is not None))
    h.update(_road_speeds(roads, default_speed_kmh).tobytes())
    return h.digest()


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
