"""Site scoring on the real data against a plain shapely STRtree + numpy baseline.

``--n`` random square sites (300 m) on land anywhere in Sweden, the
``sweden_open`` catalogue, and the metrics of ``--profile`` that the plain
baseline also computes: ``distance`` (one ``STRtree.query_nearest``),
``overlap_share`` (``STRtree.query`` + intersection areas of the dissolved
layer) and ``count_within`` / ``sum_within`` (``STRtree.query`` with
``dwithin``). Both sides apply the same attribute filters and start from the
loaded layers; CPU seconds of each metric, summed, best of ``--repeat``, the
sides interleaved. ``same_result``: every metric agrees within 1e-6 (relative)
on every site. Re-rank: ours is :meth:`SitingResult.rerank`, the baseline a
numpy weighted sum and argsort over the same value matrix (best of 7).

Usage::

    .venv/bin/python bench/bench_sites.py [--n 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "data" / "sweden"
KINDS = ("distance", "overlap_share", "count_within", "sum_within")


def _sites(ls, n: int, seed: int = 0) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    land = np.asarray(ls.municipalities.geometry.values, dtype=object)
    tree = shapely.STRtree(land)
    minx, miny, maxx, maxy = shapely.total_bounds(land)
    out: list[np.ndarray] = []
    while sum(len(o) for o in out) < n:
        xy = rng.uniform([minx, miny], [maxx, maxy], size=(4 * n, 2))
        hit = np.unique(tree.query(shapely.points(xy), predicate="within")[0])
        out.append(xy[hit])
    xy = np.concatenate(out)[:n]
    geoms = shapely.box(xy[:, 0] - 150, xy[:, 1] - 150, xy[:, 0] + 150, xy[:, 1] + 150)
    return gpd.GeoDataFrame({"site_id": [f"S{i:06d}" for i in range(n)]}, geometry=geoms,
                            crs="EPSG:3006")


def _baseline(kind: str, sites: gpd.GeoDataFrame, layer: gpd.GeoDataFrame,
              params: dict) -> np.ndarray:
    """The plain STRtree + numpy version of one metric."""
    s = np.asarray(sites.geometry.values, dtype=object)
    g = np.asarray(layer.geometry.values, dtype=object)
    g = g[~(shapely.is_missing(g) | shapely.is_empty(g))]
    if kind == "distance":
        out = np.full(len(s), np.nan)
        if g.size:
            (qi, _), d = shapely.STRtree(g).query_nearest(s, return_distance=True,
                                                          all_matches=False)
            out[qi] = d
        return out
    if kind == "overlap_share":
        parts = shapely.get_parts(shapely.union_all(g)) if g.size else g
        qi, pi = shapely.STRtree(parts).query(s, predicate="intersects")
        inter = shapely.area(shapely.intersection(s[qi], parts[pi]))
        return np.bincount(qi, weights=inter, minlength=len(s)) / shapely.area(s)
    qi, pi = shapely.STRtree(g).query(s, predicate="dwithin", distance=float(params["radius_m"]))
    w = (np.ones(len(g)) if kind == "count_within" else
         np.nan_to_num(layer[params["field"]].to_numpy(dtype="float64")))
    return np.bincount(qi, weights=w[pi], minlength=len(s))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", default="battery_plant")
    args = parser.parse_args()
    if not SHARED.is_dir():
        print(json.dumps({"bench": "sites", "error": f"no data pack at {SHARED}"}))
        return
    from siting.criteria.profiles import load_profile
    from siting.data.layers import load_layerset
    from siting.metrics import compute_metric
    from siting.metrics.filters import apply_filter
    from siting.scoring import evaluate

    ls = load_layerset("sweden_open", SHARED, region="all")
    profile = load_profile(args.profile)
    sites = _sites(ls, args.n)
    def usable(m) -> bool:
        p = dict(m.params)
        layer = ls.vector(str(p.get("layer"))) if m.kind in KINDS else None
        need = [p["field"]] if "field" in p else []
        need += list(dict(p.get("filter") or {}))
        return layer is not None and all(f in layer.columns for f in need)

    specs = [m for m in profile.metrics if usable(m)]
    ours_t = {m.id: [] for m in specs}
    base_t = {m.id: [] for m in specs}
    same, worst = True, {}
    values: dict[tuple[str, str], np.ndarray] = {}
    for rnd in range(args.repeat):
        for side in (("ours", "base") if rnd % 2 == 0 else ("base", "ours")):
            for m in specs:
                params = dict(m.params)
                c0 = time.process_time()
                if side == "ours":
                    got = compute_metric(m.kind, sites, ls, {**params, "id": m.id}).to_numpy(
                        dtype="float64")
                    ours_t[m.id].append(time.process_time() - c0)
                else:
                    layer = apply_filter(ls.vector(str(params["layer"])), params.get("filter"))
                    got = _baseline(m.kind, sites, layer, params)
                    base_t[m.id].append(time.process_time() - c0)
                values[side, m.id] = got
    for m in specs:
        a, b = values["ours", m.id], values["base", m.id]
        diff = np.abs(a - b) / np.maximum(1.0, np.abs(b))
        worst[m.id] = float(np.nanmax(diff)) if np.isfinite(diff).any() else 0.0
        same &= bool(np.array_equal(np.isnan(a), np.isnan(b)) and worst[m.id] <= 1e-6)
    ours_cpu = sum(min(v) for v in ours_t.values())
    base_cpu = sum(min(v) for v in base_t.values())
    print(f"{args.n} sites on land in Sweden, {len(specs)} metrics of {args.profile} "
          f"({', '.join(m.id for m in specs)}); CPU best of {args.repeat}, interleaved")
    for m in specs:
        print(f"  {m.id:<40} ours {min(ours_t[m.id]):7.3f} s  baseline "
              f"{min(base_t[m.id]):7.3f} s  max rel. diff {worst[m.id]:.1e}")
    res = evaluate(sites, profile, ls)
    weights = {c.id: 1.0 for c in profile.soft}
    rr = []
    for _ in range(7):
        c0 = time.perf_counter()
        res.rerank(weights)
        rr.append(time.perf_counter() - c0)
    vals = np.random.default_rng(0).uniform(size=(len(sites), len(profile.soft)))
    w = np.ones(len(profile.soft)) / len(profile.soft)
    br = []
    for _ in range(7):
        c0 = time.perf_counter()
        np.argsort(-(vals @ w), kind="stable")
        br.append(time.perf_counter() - c0)
    print(f"  metrics total: ours {ours_cpu:.3f} s CPU, baseline {base_cpu:.3f} s CPU "
          f"(ratio {base_cpu / ours_cpu:.2f}); re-rank ours {min(rr) * 1000:.1f} ms, "
          f"baseline {min(br) * 1000:.1f} ms")
    print(json.dumps({"bench": "sites", "n": args.n, "ours_cpu_s": round(ours_cpu, 4),
                      "baseline_cpu_s": round(base_cpu, 4),
                      "rerank_ms": round(min(rr) * 1000, 2),
                      "baseline_rerank_ms": round(min(br) * 1000, 2),
                      "max_rel_diff": worst, "same_result": same}))


if __name__ == "__main__":
    main()
