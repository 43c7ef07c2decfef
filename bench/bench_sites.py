"""Site scoring on the real Sweden data against a plain shapely STRtree + numpy baseline.

What is measured
----------------
Sites: ``--n`` candidate sites (comma-separated counts, e.g. ``10000,100000``),
drawn reproducibly (seed ``--seed``) on land anywhere in Sweden (a uniform
point inside a municipality of the ``sweden_open`` data pack): 80 % are
axis-aligned square polygons of 5-150 ha, 20 % are points carrying an
``area_ha`` attribute (the mix of drawn areas and listed plots a municipality
has). Layers: ``sweden_open`` on ``../shared/data/sweden``, region ``all``.

Three sides, each in its own Python process (layers loaded before the clock
starts, BLAS and OpenMP pinned to 1 thread on every side), the sides rotated
each round, best of ``--repeat`` rounds by CPU time:

``ours_metrics``
    :func:`siting.metrics.compute_metric` for every metric of the profile that
    the plain baseline can also compute (see ``base``), with the per-run caches
    :func:`siting.scoring.sites.compute_metrics` uses.
``base``
    The same metrics the plain way: ``shapely.STRtree`` on the whole (filtered)
    layer geometries, ``query_nearest`` for distances, ``query(dwithin)`` and
    ``np.bincount`` for counts and sums (a feature counts once per site),
    ``union_all`` + ``query(intersects)`` + intersection areas for overlap shares,
    a point-in-polygon ``query`` for the municipality and a pandas lookup for
    municipality attributes, ``shapely.area`` for site areas.
``ours_evaluate``
    The whole :func:`siting.scoring.evaluate`: every metric of the profile
    (including the road-network labour pool, which has no plain STRtree
    equivalent and is therefore not in the head-to-head), the hard verdicts
    with their Swedish and English sentences, values, scores, ranks, the
    result table and provenance. This is the "scoring N sites" figure.

Per side: CPU seconds (``time.process_time``, all threads of the process),
wall seconds, peak memory above the loaded state (``ru_maxrss`` minus the
resident size before the measured step) and the OS thread count of the process.

``same_result``: every common metric agrees on every site (same missing
sites; numbers within 1e-6 m absolute + 1e-9 relative; text equal); the number
of differing sites per metric is listed with the reason (missing on one side,
number beyond tolerance, text differs).

Re-rank (one more process, ``--rerank-repeat`` interleaved rounds, best by CPU):
ours is :meth:`SitingResult.rerank` with new weights on an evaluated result of
N sites (a complete new result: scores, ranks, contributions, provenance); the
baseline is the plain numpy version of the same ranking on the same value
matrix: weighted sum (``values @ w``), a stable ``argsort`` and failing sites
moved last. Both must give the same ranks (``rerank_same``).

The last line of output is one JSON object per run.

Usage::

    .venv/bin/python bench/bench_sites.py [--n 10000,100000] [--repeat 3]
        [--profiles battery_plant,data_center]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import geopandas as gpd  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import shapely  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "data" / "sweden"
BASE_KINDS = ("site_area", "distance", "overlap_share", "count_within", "sum_within",
              "municipality_attribute")
SIDES = ("ours_metrics", "base", "ours_evaluate")


# ----------------------------------------------------------------------------- sites
def make_sites(ls: Any, n: int, seed: int = 0) -> gpd.GeoDataFrame:
    """``n`` reproducible sites on Swedish land: 80 % squares of 5-150 ha, 20 % points."""
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
    area_ha = rng.uniform(5.0, 150.0, n)
    half = np.sqrt(area_ha * 1e4) / 2.0
    is_point = rng.uniform(size=n) < 0.2
    geoms = shapely.box(xy[:, 0] - half, xy[:, 1] - half, xy[:, 0] + half, xy[:, 1] + half)
    geoms[is_point] = shapely.points(xy[is_point])
    return gpd.GeoDataFrame({"site_id": [f"S{i:06d}" for i in range(n)],
                             "area_ha": np.where(is_point, area_ha.round(1), np.nan)},
                            geometry=geoms, crs="EPSG:3006")


# ----------------------------------------------------------------------------- baseline
def _rep_points(s: np.ndarray) -> np.ndarray:
    return shapely.point_on_surface(s)


def base_metric(m: Any, sites: gpd.GeoDataFrame, ls: Any, memo: dict[str, Any]) -> np.ndarray:
    """One metric the plain way (STRtree on whole geometries + numpy/pandas); ``memo``
    keeps each site's municipality and the merged tables for the run."""
    from siting.metrics.filters import apply_filter

    s = np.asarray(sites.geometry.values, dtype=object)
    p = dict(m.params)
    if m.kind == "site_area":
        area = shapely.area(s) / 1e4
        poly = np.isin(shapely.get_type_id(s), (3, 6))
        return np.where(poly, area, sites["area_ha"].to_numpy(dtype=float))
    if m.kind == "municipality_attribute":
        if "kommun" not in memo:  # the municipality of each site, once per run
            muni = ls.municipalities
            qi, ti = shapely.STRtree(np.asarray(muni.geometry.values)).query(
                _rep_points(s), predicate="intersects")
            first = pd.Series(ti).groupby(qi).min()
            codes = np.full(len(s), None, dtype=object)
            codes[first.index.to_numpy()] = muni["kommunkod"].astype(str).str.zfill(4)\
                .to_numpy()[first.to_numpy()]
            memo["kommun"] = codes
        if p["layer"] not in memo:
            memo[p["layer"]] = ls.table(str(p["layer"]))
        table = memo[p["layer"]]
        col = table.set_index(table["kommunkod"].astype(str).str.zfill(4))[p["field"]]
        got = col.reindex(memo["kommun"]).to_numpy()
        return got.astype(float) if pd.api.types.is_numeric_dtype(col.dtype) else got
    layer = apply_filter(ls.vector(str(p["layer"])), p.get("filter"))
    g = np.asarray(layer.geometry.values, dtype=object)
    keep = ~(shapely.is_missing(g) | shapely.is_empty(g))
    g = g[keep]
    if m.kind == "distance":
        out = np.full(len(s), np.inf if len(layer) == 0 else np.nan)
        if g.size:
            (qi, _), d = shapely.STRtree(g).query_nearest(s, return_distance=True,
                                                          all_matches=False)
            out[qi] = d
        return out
    if m.kind == "overlap_share":
        parts = shapely.get_parts(shapely.union_all(g)) if g.size else g
        qi, pi = shapely.STRtree(parts).query(s, predicate="intersects")
        area = shapely.area(s)
        is_area = area > 0
        inter = np.where(is_area[qi], shapely.area(shapely.intersection(s[qi], parts[pi])),
                         0.0)
        cov = np.bincount(qi, weights=inter, minlength=len(s))
        hit = np.bincount(qi, minlength=len(s)) > 0
        return np.where(is_area, np.clip(cov / np.where(is_area, area, 1.0), 0, 1),
                        hit.astype(float))
    qi, pi = shapely.STRtree(g).query(s, predicate="dwithin", distance=float(p["radius_m"]))
    w = (np.ones(g.size) if m.kind == "count_within" else
         np.nan_to_num(pd.to_numeric(layer[p["field"]], errors="coerce").to_numpy(
             dtype="float64", na_value=np.nan)[keep]))
    return np.bincount(qi, weights=w[pi], minlength=len(s))


def common_metrics(profile: Any, ls: Any) -> list[Any]:
    """The profile's metrics both sides compute (their layer and fields are loaded)."""
    out = []
    for m in profile.metrics:
        if m.kind not in BASE_KINDS:
            continue
        p = dict(m.params)
        if m.kind == "municipality_attribute":
            table = ls.table(str(p["layer"]))
            if table is None or p["field"] not in table.columns:
                continue
        elif m.kind != "site_area":
            layer = ls.vector(str(p["layer"]))
            need = ([p["field"]] if "field" in p else []) + list(dict(p.get("filter") or {}))
            if layer is None or not all(f in layer.columns for f in need):
                continue
        out.append(m)
    return out


# ----------------------------------------------------------------------------- workers
def _rss_kb() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)


def _threads() -> int:
    return len(os.listdir("/proc/self/task"))


def _load() -> Any:
    from siting.data.layers import load_layerset

    return load_layerset("sweden_open", SHARED, region="all")


def worker(side: str, n: int, seed: int, profile_id: str, out: Path) -> None:
    """Run one side once and write its figures (JSON) and values (npz) next to ``out``."""
    from siting.criteria.profiles import load_profile
    from siting.metrics.registry import compute_metric
    from siting.metrics.roadgraph import RoadGraphCache
    from siting.scoring import evaluate
    from siting.scoring.sites import prepare_sites

    ls = _load()
    profile = load_profile(profile_id)
    specs = common_metrics(profile, ls)
    raw = make_sites(ls, n, seed)  # every side starts from the sites as drawn
    values: dict[str, np.ndarray] = {}
    per_metric: dict[str, float] = {}
    rss0 = _rss_kb()
    c0, w0 = time.process_time(), time.perf_counter()
    if side == "ours_evaluate":
        res = evaluate(raw, profile, ls)
        for m in specs:
            values[m.id] = res.table[f"metric_{m.id}"].to_numpy()
    elif side == "ours_metrics":  # with the site preparation (kommunkod) evaluate does
        sites = prepare_sites(raw, ls)
        graphs, tables = RoadGraphCache(), {}
        for m in specs:
            t = time.process_time()
            values[m.id] = compute_metric(m.kind, sites, ls, {**dict(m.params), "id": m.id},
                                          name=m.id, graph_cache=graphs,
                                          table_cache=tables).to_numpy()
            per_metric[m.id] = time.process_time() - t
    else:
        memo: dict[str, Any] = {}
        for m in specs:
            t = time.process_time()
            values[m.id] = base_metric(m, raw, ls, memo)
            per_metric[m.id] = time.process_time() - t
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0
    np.savez(out.with_suffix(".npz"), **{k: np.asarray(v, dtype=object) for k, v in
                                         values.items()})
    out.write_text(json.dumps({"side": side, "cpu_s": cpu, "wall_s": wall,
                               "peak_mb": max(peak, 0) / 1024, "threads": _threads(),
                               "per_metric": per_metric, "metrics": [m.id for m in specs]}))


def rerank_worker(n: int, seed: int, profile_id: str, repeat: int, out: Path) -> None:
    """Ours (SitingResult.rerank) and the numpy baseline, interleaved, in one process."""
    from siting.criteria.evaluator import FAIL
    from siting.criteria.profiles import load_profile
    from siting.scoring import evaluate

    ls = _load()
    res = evaluate(make_sites(ls, n, seed), load_profile(profile_id), ls)
    ids = list(res.evaluated_soft_ids)
    rng = np.random.default_rng(seed)
    vals = res.table[[f"value_{c}" for c in ids]].to_numpy(dtype=float)
    fail = res.verdict_codes == FAIL
    none = res.no_data[ids].to_numpy(dtype=bool).all(axis=1)
    ours_t, base_t, same = [], [], True
    c0 = time.process_time()
    res.rerank(dict.fromkeys(ids, 1.0))  # the result gathers its value matrix once
    first_ms = (time.process_time() - c0) * 1e3
    for r in range(repeat):
        w = rng.uniform(0.1, 1.0, len(ids))
        weights = dict(zip(ids, w.tolist(), strict=True))
        for side in (("ours", "base") if r % 2 == 0 else ("base", "ours")):
            c0 = time.process_time()
            if side == "ours":
                got = res.rerank(weights)
                ours_t.append(time.process_time() - c0)
                ours_rank = got.table["rank"].to_numpy()
                ours_score = got.table["score"].to_numpy(dtype=float)
            else:
                score = vals @ (w / w.sum()) * 100.0
                key = np.where(none, np.inf, -score)
                order = np.argsort(key, kind="stable")
                order = np.concatenate([order[~fail[order]], order[fail[order]]])
                rank = np.empty(len(order), dtype=np.int64)
                rank[order] = np.arange(1, len(order) + 1)
                base_t.append(time.process_time() - c0)
        same &= _same_ranking(ours_rank, ours_score, rank, np.where(none, np.nan, score), fail)
    out.write_text(json.dumps({"ours_ms": min(ours_t) * 1e3, "base_ms": min(base_t) * 1e3,
                               "first_ms": first_ms, "same": same, "threads": _threads()}))


def _same_ranking(rank_a: np.ndarray, score_a: np.ndarray, rank_b: np.ndarray,
                  score_b: np.ndarray, fail: np.ndarray) -> bool:
    """Same scores (1e-9) and the same ranks, except among sites whose scores differ by
    less than 1e-9 (a different summation order may order such near-ties otherwise)."""
    if not np.allclose(score_a, score_b, rtol=0, atol=1e-9, equal_nan=True):
        return False
    if np.array_equal(rank_a, rank_b):
        return True
    order = np.argsort(rank_a)  # ours' order must be sorted under the baseline's key
    key = np.where(np.isnan(score_b), np.inf, -score_b)[order]
    f = fail[order]
    return bool(np.all(np.diff(f.astype(int)) >= 0) and np.all(
        (np.diff(key) >= -1e-9) | (f[1:] != f[:-1])))


# ----------------------------------------------------------------------------- driver
def _run(args: list[str], timeout_s: float) -> None:
    subprocess.run([sys.executable, __file__, *args], check=True, timeout=timeout_s,
                   env={**os.environ, "PYTHONPATH": str(REPO)})


def compare(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> tuple[bool, dict[str, Any]]:
    """Per metric: differing sites and why (missing on one side / beyond tolerance / text)."""
    same, diffs = True, {}
    for mid in a:
        x, y = a[mid], b[mid]
        xm, ym = pd.isna(x.astype(object)), pd.isna(y.astype(object))
        why: dict[str, int] = {"missing_on_one_side": int((xm != ym).sum())}
        both = ~xm & ~ym
        try:
            xf, yf = x[both].astype(float), y[both].astype(float)
            inf_mis = (np.isinf(xf) | np.isinf(yf)) & (xf != yf)
            fin = np.isfinite(xf) & np.isfinite(yf)
            beyond = fin & (np.abs(xf - yf) > 1e-6 + 1e-9 * np.abs(yf))
            why["beyond_tolerance"] = int(beyond.sum() + inf_mis.sum())
            why["max_abs_diff"] = float(np.abs(xf - yf)[fin].max()) if fin.any() else 0.0
        except (TypeError, ValueError):
            why["text_differs"] = int((x[both].astype(str) != y[both].astype(str)).sum())
        n_diff = why["missing_on_one_side"] + why.get("beyond_tolerance", 0) + \
            why.get("text_differs", 0)
        same &= n_diff == 0
        diffs[mid] = {"sites_differing": n_diff, **why}
    return same, diffs


def bench(n: int, profile_id: str, repeat: int, rerank_repeat: int, seed: int,
          tmp: Path) -> dict[str, Any]:
    """Every side ``repeat`` times, rotated; then the re-rank process."""
    runs: dict[str, list[dict[str, Any]]] = {s: [] for s in SIDES}
    timeout_s = 120 + n / 100
    for r in range(repeat):
        order = SIDES[r % 3:] + SIDES[:r % 3]
        for side in order:
            out = tmp / f"{side}_{n}_{profile_id}_{r}.json"
            _run(["--worker", side, "--n", str(n), "--seed", str(seed), "--profile",
                  profile_id, "--out", str(out)], timeout_s)
            runs[side].append(json.loads(out.read_text()) | {"npz": str(out.with_suffix(
                ".npz"))})
    best = {s: min(v, key=lambda d: d["cpu_s"]) for s, v in runs.items()}
    vals = {s: dict(np.load(best[s]["npz"], allow_pickle=True)) for s in SIDES}
    same, diffs = compare(vals["ours_metrics"], vals["base"])
    same_eval, _ = compare(vals["ours_evaluate"], vals["base"])
    rr_out = tmp / f"rerank_{n}_{profile_id}.json"
    _run(["--rerank-worker", "--n", str(n), "--seed", str(seed), "--profile", profile_id,
          "--repeat", str(rerank_repeat), "--out", str(rr_out)], timeout_s)
    rr = json.loads(rr_out.read_text())
    ours, base, ev = best["ours_metrics"], best["base"], best["ours_evaluate"]
    print(f"\n{n} sites (80 % polygons 5-150 ha, 20 % points), profile {profile_id}: "
          f"{len(ours['metrics'])} common metrics, best of {repeat} by CPU, sides rotated")
    for mid in ours["metrics"]:
        print(f"  {mid:<34} ours {ours['per_metric'][mid]:7.3f} s  baseline "
              f"{base['per_metric'][mid]:7.3f} s  differing sites "
              f"{diffs[mid]['sites_differing']}")
    for name, d in (("ours metrics", ours), ("baseline", base), ("ours evaluate", ev)):
        print(f"  {name:<14} CPU {d['cpu_s']:7.3f} s  wall {d['wall_s']:7.3f} s  peak "
              f"{d['peak_mb']:7.1f} MB  threads {d['threads']}")
    print(f"  same_result {same} (evaluate's metric columns too: {same_eval}); re-rank ours "
          f"{rr['ours_ms']:.2f} ms CPU (first after evaluate {rr['first_ms']:.2f} ms), "
          f"baseline {rr['base_ms']:.2f} ms (same ranks {rr['same']})")
    return {"bench": "sites", "n": n, "profile": profile_id, "repeat": repeat,
            "metrics": ours["metrics"],
            "ours_cpu_s": round(ours["cpu_s"], 4), "baseline_cpu_s": round(base["cpu_s"], 4),
            "ours_evaluate_cpu_s": round(ev["cpu_s"], 4),
            "ours_wall_s": round(ours["wall_s"], 4), "baseline_wall_s": round(base["wall_s"], 4),
            "ours_evaluate_wall_s": round(ev["wall_s"], 4),
            "ours_peak_mb": round(ours["peak_mb"], 1), "baseline_peak_mb": round(base["peak_mb"], 1),
            "ours_evaluate_peak_mb": round(ev["peak_mb"], 1),
            "threads": {s: best[s]["threads"] for s in SIDES},
            "rerank_ms": round(rr["ours_ms"], 3), "baseline_rerank_ms": round(rr["base_ms"], 3),
            "first_rerank_ms": round(rr["first_ms"], 3),
            "rerank_same": rr["same"], "same_result": same and same_eval, "differences": diffs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", default="10000", help="site counts, comma-separated")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rerank-repeat", type=int, default=21)
    parser.add_argument("--profiles", default="battery_plant,data_center")
    parser.add_argument("--profile", default="battery_plant")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--worker", choices=SIDES)
    parser.add_argument("--rerank-worker", action="store_true")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, int(args.n), args.seed, args.profile, args.out)
        return
    if args.rerank_worker:
        rerank_worker(int(args.n), args.seed, args.profile, args.repeat, args.out)
        return
    if not SHARED.is_dir():
        print(json.dumps({"bench": "sites", "error": f"no data pack at {SHARED}"}))
        return
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(x) for x in args.n.split(",")):
            for prof in args.profiles.split(","):
                results.append(bench(n, prof, args.repeat, args.rerank_repeat, args.seed,
                                     Path(tmp)))
    print(json.dumps({"bench": "sites", "runs": results,
                      "same_result": all(r["same_result"] and r["rerank_same"]
                                         for r in results)}))


if __name__ == "__main__":
    main()
