"""Labour pool on a toy road graph: network vs straight line, gaps, speeds, cross-border."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

from siting.core.errors import CrsError, DataError
from siting.metrics import labour_pool
from siting.metrics.labour import build_road_graph

CRS = "EPSG:3006"
X0, Y0 = 700_000.0, 7_200_000.0


def _p(x: float, y: float) -> Point:
    return Point(X0 + x, Y0 + y)


def _line(*xy: tuple[float, float]) -> LineString:
    return LineString([(X0 + x, Y0 + y) for x, y in xy])


def _sites() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"site_id": ["NV-01"]}, geometry=[_p(0, 0)],
                            index=pd.Index(["nv"]), crs=CRS)


def _towns() -> gpd.GeoDataFrame:
    """A far town 40 km east (1 km off the road end), a town 40 km north with no road."""
    return gpd.GeoDataFrame(
        {"working_age_population": [10_000.0, 7_000.0], "population": [16_000.0, 11_000.0]},
        geometry=[_p(40_000, 1000), _p(0, 40_000)], crs=CRS)


def _fast_road(**cols) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(cols or {"road_class": [1]},
                            geometry=[_line((0, 0), (40_000, 0))], crs=CRS)


def test_straight_line_mode_misses_far_town() -> None:
    s = labour_pool(_sites(), _towns(), travel_time_min=30)  # 70 km/h * 0.5 h / 1.3 = 26.9 km
    assert s["nv"] == 0.0
    assert s.attrs["method"] == "straight_line"
    assert "Fågelvägen" in s.attrs["note"]["sv"] and "Straight line" in s.attrs["note_en"]
    wide = labour_pool(_sites(), _towns(), travel_time_min=45)  # 40.4 km radius
    assert wide["nv"] == 10_000.0 + 7_000.0  # both towns are ~40.0 km away


def test_fast_road_makes_far_town_reachable() -> None:
    # 40 km at 100 km/h = 24 min, plus a 1 km access leg at 30 km/h = 2 min -> 26 min
    s = labour_pool(_sites(), _towns(), travel_time_min=30, roads=_fast_road())
    assert s.attrs["method"] == "network"
    assert s["nv"] == 10_000.0  # the north town has no road and is 40 km away
    assert labour_pool(_sites(), _towns(), travel_time_min=25.9, roads=_fast_road())["nv"] == 0
    assert labour_pool(_sites(), _towns(), travel_time_min=26.1, roads=_fast_road())["nv"] == 10_000


def test_speed_field_overrides_class() -> None:
    slow = _fast_road(road_class=[1], speed_kmh=[50.0])  # 48 min + 2 min access
    assert labour_pool(_sites(), _towns(), travel_time_min=40, roads=slow)["nv"] == 0.0
    # the north town is > 5 km from any road: straight-line rule (reached from 44.6 min)
    assert labour_pool(_sites(), _towns(), travel_time_min=49.5, roads=slow)["nv"] == 7_000.0
    assert labour_pool(_sites(), _towns(), travel_time_min=50.5, roads=slow)["nv"] == 17_000.0


def test_missing_road_piece_makes_town_unreachable() -> None:
    gap = gpd.GeoDataFrame({"road_class": [1, 1]},
                           geometry=[_line((0, 0), (20_000, 0)), _line((20_050, 0), (40_000, 0))],
                           crs=CRS)
    assert labour_pool(_sites(), _towns(), travel_time_min=30, roads=gap)["nv"] == 0.0
    almost = gpd.GeoDataFrame({"road_class": [1, 1]},
                              geometry=[_line((0, 0), (20_000, 0)),
                                        _line((20_000.4, 0.3), (40_000, 0))],
                              crs=CRS)
    # ends 0.5 m apart are merged into one node, so the road is continuous
    assert labour_pool(_sites(), _towns(), travel_time_min=30, roads=almost)["nv"] == 10_000.0


def test_direct_local_leg_and_polygon_site_edge() -> None:
    roads = _fast_road()
    # a site 4 km off the road (8 min access) and a cell 500 m beyond it (1 min direct)
    sites = gpd.GeoDataFrame(geometry=[_p(0, 4000), box(X0 - 100, Y0 + 3900, X0 + 100,
                                                         Y0 + 4100)],
                             index=["pt", "poly"], crs=CRS)
    cells = gpd.GeoDataFrame({"working_age_population": [300.0]}, geometry=[_p(0, 4500)],
                             crs=CRS)
    s = labour_pool(sites, cells, travel_time_min=5, roads=roads)
    assert s.tolist() == [300.0, 300.0]
    assert list(s.index) == ["pt", "poly"]


def test_cross_border_population_counts() -> None:
    """Cells in the neighbouring county (9801 Grannby) count like any other cell."""
    roads = gpd.GeoDataFrame({"road_class": [2, 3]},
                             geometry=[_line((0, 0), (30_000, 0)), _line((0, 0), (0, -20_000))],
                             crs=CRS)
    cells = gpd.GeoDataFrame(
        {"kommunkod": ["9901", "9801", "9801"],
         "working_age_population": [2_000.0, 25_000.0, 900.0]},
        geometry=[_p(1000, 500), _p(30_000, 200), _p(0, -20_000)], crs=CRS)
    # 30 km at 90 km/h = 20 min; 20 km at 80 km/h = 15 min
    s = labour_pool(_sites(), cells, travel_time_min=21, roads=roads)
    assert s["nv"] == pytest.approx(2_000.0 + 25_000.0 + 900.0)
    sl = labour_pool(_sites(), cells, travel_time_min=21)  # 18.8 km straight-line radius
    assert sl["nv"] == pytest.approx(2_000.0)


def test_falls_back_to_total_population_with_a_note() -> None:
    cells = _towns().drop(columns="working_age_population")
    s = labour_pool(_sites(), cells, travel_time_min=45)
    assert s["nv"] == 16_000.0 + 11_000.0
    assert s.attrs["field"] == "population" and "population" in s.attrs["note_en"]
    with pytest.raises(DataError, match="working_age_population"):
        labour_pool(_sites(), cells.drop(columns="population"), travel_time_min=45)


def test_polygon_cells_use_centroids_and_crs_checked() -> None:
    cells = gpd.GeoDataFrame({"working_age_population": [50.0]},
                             geometry=[box(X0 + 9000, Y0 - 500, X0 + 10_000, Y0 + 500)], crs=CRS)
    s = labour_pool(_sites(), cells, travel_time_min=10, detour_factor=1.0)  # 11.67 km
    assert s["nv"] == 50.0  # centroid 9.5 km away
    with pytest.raises(CrsError):
        labour_pool(_sites().to_crs("EPSG:4326"), cells, travel_time_min=10)


def test_graph_merges_and_weights() -> None:
    roads = gpd.GeoDataFrame({"speed_kmh": [60.0, 60.0]},
                             geometry=[_line((0, 0), (1000, 0)), _line((1000, 0), (1000, 2000))],
                             crs=CRS)
    g = build_road_graph(roads, max_edge_m=None)
    assert g.n_nodes == 3  # the shared vertex is one node
    assert g.graph.sum() == pytest.approx(3.0)  # 3 km at 60 km/h = 3 min
    dense = build_road_graph(roads, max_edge_m=500)
    assert dense.n_nodes == 7 and dense.graph.sum() == pytest.approx(3.0)
    assert np.isfinite(dense.nodes_xy).all()


def test_straight_line_from_polygon_edge_matches_brute_force() -> None:
    """Random convex and concave (L-shaped) sites against brute-force distances."""
    from shapely import affinity
    from shapely.geometry import Polygon

    rng = np.random.default_rng(11)
    shapes = []
    for i in range(40):
        cx, cy = X0 + rng.uniform(0, 30_000), Y0 + rng.uniform(0, 30_000)
        w, h = rng.uniform(200, 3000, 2)
        if i % 2:
            geom = Polygon([(0, 0), (w, 0), (w, h / 3), (w / 3, h / 3), (w / 3, h), (0, h)])
        else:
            geom = box(0, 0, w, h)
        shapes.append(affinity.translate(affinity.rotate(geom, rng.uniform(0, 90)), cx, cy))
    sites = gpd.GeoDataFrame(geometry=shapes + [_p(5000, 5000)], crs=CRS)
    xy = rng.uniform([X0 - 8000, Y0 - 8000], [X0 + 38_000, Y0 + 38_000], size=(3000, 2))
    cells = gpd.GeoDataFrame({"working_age_population": rng.uniform(1, 100, 3000)},
                             geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=CRS)
    got = labour_pool(sites, cells, travel_time_min=6, detour_factor=1.0)  # 7 km
    pts = cells.geometry.values
    brute = [cells["working_age_population"][pts.distance(g) <= 7000.0].sum()
             for g in sites.geometry]
    np.testing.assert_allclose(got.to_numpy(), brute, rtol=1e-12)
    assert len(set(np.round(brute))) > 30  # the sites really differ


def _boundary_case(seed: int, grid: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Sites (boxes, concave L and U shapes, a multipolygon, a line, a point) and cells,
    some exactly ``radius`` from an edge, some inside or in a notch."""
    from shapely import affinity
    from shapely.geometry import MultiPolygon, Polygon

    rng = np.random.default_rng(seed)
    radius = 3000.0
    geoms, xy = [], []
    for i in range(60):
        cx = float(rng.integers(0, 40)) * 500.0
        cy = float(rng.integers(0, 40)) * 500.0
        w, h = float(rng.integers(2, 8)) * 250.0, float(rng.integers(2, 8)) * 250.0
        kind = i % 4
        if kind == 0:
            g = box(0, 0, w, h)
        elif kind == 1:  # L
            g = Polygon([(0, 0), (w, 0), (w, h / 2), (w / 2, h / 2), (w / 2, h), (0, h)])
        elif kind == 2:  # U: a notch open to the north
            g = Polygon([(0, 0), (w, 0), (w, h), (3 * w / 4, h), (3 * w / 4, h / 4),
                         (w / 4, h / 4), (w / 4, h), (0, h)])
        else:
            g = affinity.rotate(box(0, 0, w, h / 2), float(rng.uniform(0, 90)))
        g = affinity.translate(g, cx, cy)
        geoms.append(g)
        x0, y0, x1, y1 = g.bounds
        # cells exactly radius from the east/west/north/south edge, inside, in the notch
        xy += [(x1 + radius, (y0 + y1) / 2), (x0 - radius, y0), (x1, y1 + radius),
               (x0, y0 - radius), ((x0 + x1) / 2, y0 + 1.0), ((x0 + x1) / 2, y1 - 1.0),
               (x1 + radius + 1e-9 * radius, y0), (x1 + radius - 0.001, y1)]
    geoms.append(MultiPolygon([box(0, 0, 500, 500), box(4000, 0, 4500, 800)]))
    geoms.append(LineString([(1000, 1000), (9000, 6000), (12_000, 1000)]))
    geoms.append(Point(10_000, 10_000))
    xy += [(10_000 + radius, 10_000), (10_000, 10_000 - radius), (12_000 + radius, 1000)]
    if grid:  # a regular 250 m grid (one row per y)
        gx, gy = np.meshgrid(np.arange(-4000, 26_000, 250.0), np.arange(-4000, 26_000, 250.0))
        extra = np.column_stack([gx.ravel(), gy.ravel()])
    else:
        extra = rng.uniform(-4000, 26_000, size=(6000, 2))
    cell_xy = np.vstack([np.asarray(xy), extra]) + [X0, Y0]
    from shapely import affinity as aff
    sites = np.array([aff.translate(g, X0, Y0) for g in geoms], dtype=object)
    pop = rng.uniform(1, 100, cell_xy.shape[0])
    pop[::17] = 0.0
    return sites, cell_xy, pop, radius


@pytest.mark.parametrize(("seed", "grid", "small_chunks"),
                         [(1, True, False), (2, False, False), (3, True, True)])
def test_straight_pool_equals_brute_force_at_exact_boundaries(
        seed: int, grid: bool, small_chunks: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """The row/prefix-sum/direction-bound path decides every pair as shapely.distance does."""
    import shapely

    from siting.metrics import _labour_core as core
    from siting.metrics import _labour_disk

    if small_chunks:  # several chunks of site tables and of candidate pairs
        monkeypatch.setattr(_labour_disk, "_TABLE_COORDS", 40)
        monkeypatch.setattr(_labour_disk, "_CHUNK_PAIRS", 2000)

    sites, cell_xy, pop, radius = _boundary_case(seed, grid)
    n = sites.size
    d = shapely.distance(sites[:, None], shapely.points(cell_xy)[None, :])
    # the boundary cells really sit on the threshold, both ways
    assert (d == radius).sum() >= 100
    assert ((d > radius) & (d < radius + 1.0)).sum() >= 20
    assert (d == 0).sum() >= 100
    for r in (radius, 800.0, 12_345.6):
        got = core._straight_pool(sites, np.arange(n), cell_xy, pop, r, n)
        brute = (d <= r).astype(float) @ pop
        np.testing.assert_allclose(got, brute, rtol=1e-12, atol=0)
        # a subset of sites (others 0), and no cells
        sub = np.arange(0, n, 3)
        got_sub = core._straight_pool(sites, sub, cell_xy, pop, r, n)
        np.testing.assert_allclose(got_sub[sub], brute[sub], rtol=1e-12, atol=0)
        assert not got_sub[np.setdiff1d(np.arange(n), sub)].any()
    empty = core._straight_pool(sites, np.arange(n), np.zeros((0, 2)), np.zeros(0), radius, n)
    assert not empty.any()


def test_contracted_network_matches_plain_dijkstra() -> None:
    """The contracted graph gives the same pools as Dijkstra over every vertex."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import dijkstra
    from shapely.geometry import Polygon

    rng = np.random.default_rng(5)
    lines, classes = [], []
    for k in range(5):  # a 5 x 5 grid of roads with vertices every ~700 m
        xs = np.linspace(0, 20_000, 30)
        lines.append([(x, k * 5000.0) for x in xs])
        lines.append([(k * 5000.0, x) for x in xs])
        classes += [int(rng.integers(1, 6)), int(rng.integers(1, 6))]
    ring = Polygon(Point(10_000, 30_000).buffer(3000, quad_segs=8)).exterior  # a closed loop
    lines.append(list(ring.coords))
    classes.append(4)
    lines.append([(20_000, 20_000), (24_000, 23_000), (27_000, 23_500)])  # dead-end spur
    classes.append(5)
    roads = gpd.GeoDataFrame({"road_class": classes},
                             geometry=[_line(*c) for c in lines], crs=CRS)
    sites = gpd.GeoDataFrame(geometry=[_p(*xy) for xy in rng.uniform(-2000, 28_000, (25, 2))]
                             + [_p(10_000, 33_000)], crs=CRS)
    cxy = rng.uniform(-3000, 30_000, (400, 2))
    cells = gpd.GeoDataFrame({"working_age_population": rng.uniform(1, 50, 400)},
                             geometry=[_p(*xy) for xy in cxy], crs=CRS)
    from siting.metrics.labour import build_road_graph
    graph = build_road_graph(roads, max_edge_m=None)
    assert graph.n_key_nodes < graph.n_nodes / 5  # chains really were contracted
    budget = 18.0
    got = labour_pool(sites, cells, travel_time_min=budget, graph=graph)

    # reference: plain Dijkstra over all vertices, same rules
    speeds = {1: 100, 2: 90, 3: 80, 4: 70, 5: 50}
    xy, index = np.unique(np.round(np.concatenate([np.asarray(c) for c in lines]), 6), axis=0,
                          return_inverse=True)
    xy = xy + [X0, Y0]
    u, v, w, pos = [], [], [], 0
    for c, cls in zip(lines, classes, strict=True):
        ids = index.ravel()[pos:pos + len(c)]
        pos += len(c)
        seg = np.hypot(*np.diff(np.asarray(c), axis=0).T)
        u += list(ids[:-1])
        v += list(ids[1:])
        w += list(seg / (speeds[cls] * 1000 / 60))
    full = coo_matrix((w, (u, v)), shape=(len(xy),) * 2).tocsr()
    sxy = np.array([[g.x, g.y] for g in sites.geometry])
    cxy_abs = cxy + [X0, Y0]
    s_d = np.hypot(*(sxy[:, None, :] - xy[None]).transpose(2, 0, 1))
    c_d = np.hypot(*(cxy_abs[:, None, :] - xy[None]).transpose(2, 0, 1))
    s_node, c_node = s_d.argmin(1), c_d.argmin(1)
    s_acc, c_acc = s_d.min(1) / 500.0, c_d.min(1) / 500.0  # 30 km/h = 500 m/min
    dist = dijkstra(full, directed=False, indices=s_node)
    pop = cells["working_age_population"].to_numpy()
    direct = np.hypot(*(sxy[:, None, :] - cxy_abs[None]).transpose(2, 0, 1))
    expected = []
    for i in range(len(sites)):
        t = s_acc[i] + dist[i, c_node] + c_acc
        on_road = c_d.min(1) <= 5000
        net = on_road & (t <= budget)
        local = on_road & (direct[i] <= min(5000, 500 * budget))
        straight = direct[i] * 1.3 / (70 * 1000 / 60) <= budget
        if s_d[i].min() > 5000:  # a site far from every road: straight line for all cells
            expected.append(pop[straight].sum())
            continue
        expected.append(pop[net | local | (~on_road & straight)].sum())
    np.testing.assert_allclose(got.to_numpy(), expected, rtol=1e-9)
    assert len(set(np.round(expected))) > 15
    assert (s_d.min(1) > 5000).sum() >= 1  # the off-road rule is exercised too


def _dense_reference_pool(sites: gpd.GeoDataFrame, cells: gpd.GeoDataFrame, graph,
                          budget_min: float) -> np.ndarray:
    """The previous implementation: one dense (sites x on-road cells) reach matrix.

    Kept here verbatim in substance (same snapping, access legs, direct legs and
    straight-line rules) to check that the grouped fast path gives the same pools.
    """
    import shapely
    from scipy.sparse.csgraph import dijkstra

    from siting.metrics import _labour_core as core
    from siting.metrics import labour as lab

    geoms = np.asarray(sites.geometry.values, dtype=object)
    cell_xy, pop, _ = lab.population_points(cells)
    n = len(geoms)
    out = np.zeros(n)
    acc_m_min = lab.ACCESS_SPEED_KMH * 1000 / 60
    sl_r = 70 * 1000 / 60 * budget_min / 1.3
    g = graph
    (qi, ni), sdist = shapely.STRtree(shapely.points(g.nodes_xy)).query_nearest(
        geoms, return_distance=True, all_matches=False)
    site_node = np.full(n, -1)
    site_acc_m = np.full(n, np.inf)
    site_node[qi], site_acc_m[qi] = ni, sdist
    on_site = site_acc_m <= lab.MAX_ACCESS_M
    out += core._straight_pool(geoms, np.flatnonzero(~on_site), cell_xy, pop, sl_r, n)
    cdist, cnode = g.tree.query(cell_xy)
    on_cell = cdist <= lab.MAX_ACCESS_M
    site_pos = np.flatnonzero(on_site)
    out += core._straight_pool(geoms, site_pos, cell_xy[~on_cell], pop[~on_cell], sl_r, n)
    c_node, c_acc, pop_on = cnode[on_cell], cdist[on_cell] / acc_m_min, pop[on_cell]
    reach = np.zeros((n, c_node.size), dtype=bool)
    for si, ci in core._iter_pairs_within(geoms, site_pos, cell_xy[on_cell],
                                         min(lab.MAX_ACCESS_M, acc_m_min * budget_min)):
        reach[si, ci] = True
    sn, s_acc = site_node[site_pos], site_acc_m[site_pos] / acc_m_min
    src, inv = np.unique(np.concatenate([g.end_a[sn], g.end_b[sn]]), return_inverse=True)
    dist = dijkstra(g.graph, directed=False, indices=src, limit=budget_min - s_acc.min())
    ra, rb = inv.ravel()[:sn.size], inv.ravel()[sn.size:]
    to_key = np.minimum(dist[ra] + g.off_a[sn][:, None], dist[rb] + g.off_b[sn][:, None])
    to_key += s_acc[:, None]
    net = to_key[:, g.end_a[c_node]] <= budget_min - (g.off_a[c_node] + c_acc)
    net |= to_key[:, g.end_b[c_node]] <= budget_min - (g.off_b[c_node] + c_acc)
    same = (g.chain[sn][:, None] >= 0) & (g.chain[sn][:, None] == g.chain[c_node][None, :])
    along = (np.abs(g.off_a[sn][:, None] - g.off_a[c_node][None, :]) + c_acc[None, :]
             + s_acc[:, None])
    net |= same & (along <= budget_min)
    reach[site_pos] |= net
    return out + reach @ pop_on


@pytest.mark.parametrize("blocks", ["one block", "many blocks and Dijkstra super-blocks"])
def test_grouped_fast_path_equals_dense_reference(blocks: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Random seeded network, sites and cells: same pools as the dense previous path."""
    from shapely import affinity

    from siting.metrics import _labour_core as core

    if blocks != "one block":
        monkeypatch.setattr(core, "_BLOCK_ELEMENTS", 3_000)
        monkeypatch.setattr(core, "_MAX_DIST_ELEMENTS", 6_000)

    rng = np.random.default_rng(2024)
    k, step = 9, 4000.0
    gx, gy = np.meshgrid(np.arange(k) * step, np.arange(k) * step)
    gx, gy = gx + rng.normal(0, 400, gx.shape), gy + rng.normal(0, 400, gy.shape)
    lines, classes = [], []
    for i in range(k):
        for j in range(k):
            for di, dj in ((0, 1), (1, 0)):
                if i + di < k and j + dj < k and rng.random() < 0.8:  # some links missing
                    mid = ((gx[i, j] + gx[i + di, j + dj]) / 2 + rng.normal(0, 300),
                           (gy[i, j] + gy[i + di, j + dj]) / 2 + rng.normal(0, 300))
                    lines.append(_line((gx[i, j], gy[i, j]), mid,
                                       (gx[i + di, j + dj], gy[i + di, j + dj])))
                    classes.append(int(rng.integers(1, 6)))
    lines.append(_line(*[(16_000 + 2500 * np.cos(a), 45_000 + 2500 * np.sin(a))
                         for a in np.linspace(0, 2 * np.pi, 13)]))  # an isolated loop
    classes.append(4)
    roads = gpd.GeoDataFrame({"road_class": classes}, geometry=lines, crs=CRS)
    shapes = []
    for _ in range(300):
        cx, cy = rng.uniform(-8000, 42_000, 2)
        w, h = rng.uniform(50, 2500, 2)
        shapes.append(affinity.rotate(box(X0 + cx, Y0 + cy, X0 + cx + w, Y0 + cy + h),
                                      rng.uniform(0, 90)))
    shapes += [_p(*xy) for xy in gx.ravel()[:20, None] * [1, 0] + [0, 1000]]  # shared nodes
    sites = gpd.GeoDataFrame(geometry=shapes, crs=CRS)
    xy = rng.uniform(-10_000, 45_000, (2500, 2))
    cells = gpd.GeoDataFrame({"working_age_population": rng.gamma(0.8, 200, 2500)},
                             geometry=[_p(*c) for c in xy], crs=CRS)
    graph = build_road_graph(roads)
    seen = set()
    for budget in (4.0, 12.0, 25.0):
        got = labour_pool(sites, cells, travel_time_min=budget, graph=graph).to_numpy()
        ref = _dense_reference_pool(sites, cells, graph, budget)
        np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-9)
        seen.add(len(np.unique(np.round(ref))))
    assert min(seen) > 100  # the pools really differ between sites


def test_graph_cache_builds_once_per_road_content() -> None:
    from siting.metrics import RoadGraphCache

    cache = RoadGraphCache(max_entries=2)
    roads = _fast_road()
    a = labour_pool(_sites(), _towns(), travel_time_min=30, roads=roads, graph_cache=cache)
    b = labour_pool(_sites(), _towns(), travel_time_min=45, roads=roads.copy(),
                    graph_cache=cache)  # same content, another frame: reused
    assert cache.builds == 1 and len(cache) == 1
    assert a["nv"] == 10_000.0 and b["nv"] == 17_000.0  # north town: straight line at 45 min
    slow = roads.assign(speed_kmh=[50.0])  # other speeds: another graph, another answer
    assert labour_pool(_sites(), _towns(), travel_time_min=30, roads=slow,
                       graph_cache=cache)["nv"] == 0.0
    moved = roads.set_geometry([_line((0, 0), (20_000, 0))], crs=CRS)
    labour_pool(_sites(), _towns(), travel_time_min=30, roads=moved, graph_cache=cache)
    assert cache.builds == 3 and len(cache) == 2  # least recently used dropped
    assert cache.get(moved) is cache.get(moved) and cache.builds == 3


def test_compute_metric_reuses_graph_through_cache() -> None:
    import datetime as dt
    from pathlib import Path

    from siting.data.catalog import Catalog, LayerSpec
    from siting.data.layerset import LayerSet, LoadedLayer, LoadReport, Region
    from siting.metrics import RoadGraphCache, compute_metric

    def layer(type_name: str, kind: str, data: gpd.GeoDataFrame) -> LoadedLayer:
        spec = LayerSpec(id=type_name, type=type_name, theme="land", kind=kind,
                         title_sv=type_name, title_en=type_name, source="test",
                         attribution="test", licence="CC0-1.0", vintage=dt.date(2026, 1, 1))
        return LoadedLayer(spec, data, LoadReport("test", len(data), len(data)))

    layers = {"roads": layer("roads", "line", _fast_road()),
              "population_grid": layer("population_grid", "point", _towns())}
    munis = gpd.GeoDataFrame({"kommunkod": ["9901"]}, geometry=[box(X0, Y0, X0 + 1, Y0 + 1)],
                             crs=CRS)
    ls = LayerSet(Catalog("t", Path("t.toml"), "t", "t",
                          tuple(lyr.spec for lyr in layers.values())),
                  Region(("9901",), ("T",), munis.geometry.iloc[0]), layers, munis)
    cache = RoadGraphCache()
    got = [compute_metric("labour_pool", _sites(), ls, {"id": f"lp{t}", "travel_time_min": t},
                          graph_cache=cache) for t in (25.9, 26.1, 45)]
    assert cache.builds == 1
    assert [s["nv"] for s in got] == [0.0, 10_000.0, 17_000.0]
    assert got[2].name == "lp45" and got[2].attrs["method"] == "network"


def test_float32_first_pass_bounds_are_safe() -> None:
    """float32(t) <= below(x) implies t <= x; float32(t) > above(x) implies t > x."""
    from siting.metrics._labour_core import _f32_above, _f32_below

    rng = np.random.default_rng(3)
    x = np.concatenate([rng.uniform(-5, 120, 20_000), [0.0, 1e-9, 45.0, -1e-9]])
    below, above = _f32_below(x), _f32_above(x)
    assert below.dtype == np.float32 and above.dtype == np.float32
    for t in (x, np.nextafter(x, np.inf), np.nextafter(x, -np.inf), x + 1e-6, x - 1e-6,
              rng.uniform(0, 120, x.size)):
        t = np.abs(t)
        t32 = t.astype(np.float32)
        assert not np.any((t32 <= below) & (t > x))
        assert not np.any((t32 > above) & (t <= x))
    mid = np.abs(x) > 1  # the bounds are tight: a time 0.01 % inside is decided in float32
    assert np.all((np.abs(x[mid]) * (1 - 1e-4)).astype(np.float32)[x[mid] > 0]
                  <= below[mid][x[mid] > 0])
