"""Benchmark the workspace: importing own sites, and scoring with local evidence.

Two cases, each against a plain baseline, interleaved (ours, baseline, ours, ...), best
of ``--repeat``, with wall and CPU seconds and the peak RSS of the process:

1. **import**: ``sites_from_file`` + ``WorkspaceStore.add_sites`` (checks, one
   transaction, one revision per site) of N polygon sites from a GeoPackage into a fresh
   SQLite workspace; baseline: ``geopandas.read_file`` of the same file (read only).
2. **score**: ``evaluate_workspace`` (catalogue + own sites, a confirmed capacity and a
   local station layer) on the demo region; baseline: ``evaluate`` of the same sites
   given as a GeoDataFrame without local evidence.

Usage::

    .venv/bin/python bench/bench_workspace.py --sites 2000 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
from shapely.geometry import Point


def _measure(func: Callable[[], Any]) -> tuple[float, float]:
    w0, c0 = time.perf_counter(), time.process_time()
    func()
    return time.perf_counter() - w0, time.process_time() - c0


def _sites_file(folder: Path, n: int) -> Path:
    geoms = [Point(700_000 + (i % 50) * 1_500, 7_150_000 + (i // 50) * 1_500).buffer(400)
             for i in range(n)]
    path = folder / "sites.gpkg"
    gpd.GeoDataFrame({"namn": [f"Plats {i}" for i in range(n)]}, geometry=geoms,
                     crs="EPSG:3006").to_file(path, layer="egna_platser")
    return path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sites", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    from siting.criteria.profiles import load_profile
    from siting.data.layers import load_layerset
    from siting.data.workspace import WorkspaceLayer, WorkspaceSite, sites_frame
    from siting.data.workspace_import import sites_from_file
    from siting.outcomes.workspace_store import WorkspaceStore
    from siting.scoring import evaluate
    from siting.scoring.workspace import evaluate_workspace

    out: dict[str, Any] = {"sites": args.sites, "load_avg": os.getloadavg()[0]}
    with tempfile.TemporaryDirectory() as tmp:
        path = _sites_file(Path(tmp), args.sites)
        runs = 0

        def ours() -> None:
            nonlocal runs
            runs += 1
            with WorkspaceStore.open(f"sqlite:///{tmp}/ws{runs}.sqlite") as ws:
                ws.add_sites(sites_from_file(path, layer="egna_platser"))

        imp = {"ours": [], "baseline": []}
        for _ in range(args.repeat):
            imp["ours"].append(_measure(ours))
            imp["baseline"].append(_measure(lambda: gpd.read_file(path, layer="egna_platser")))
        out["import"] = {k: {"wall_s": min(w for w, _ in v), "cpu_s": min(c for _, c in v)}
                         for k, v in imp.items()}

    ls = load_layerset("demo", region="9901,9902,9903,9904")
    prof = load_profile("battery_plant")
    base = ls.vector("sites")
    own = [WorkspaceSite(f"S{i}", f"Egen {i}", g.centroid.buffer(300).wkt,
                         grid_capacity_mw=150.0 if i % 2 else None,
                         grid_capacity_source="nätbolaget", grid_capacity_date="2026-11-20")
           for i, g in enumerate(base.geometry)]
    c = base.geometry.iloc[0].centroid
    layer = WorkspaceLayer("L1", "Stationer", "substations", "energy", "point", {
        "type": "FeatureCollection", "features": [{"type": "Feature", "properties": {
            "voltage_kv": 130.0, "available_capacity_mw": 80.0},
            "geometry": {"type": "Point", "coordinates": [c.x + 2000, c.y]}}]})
    plain_sites = sites_frame(own)
    sc = {"ours": [], "baseline": []}
    for _ in range(args.repeat):
        sc["ours"].append(_measure(lambda: evaluate_workspace(prof, ls, own, [layer])))
        sc["baseline"].append(_measure(lambda: evaluate(plain_sites, prof, ls)))
    out["score"] = {k: {"wall_s": min(w for w, _ in v), "cpu_s": min(c for _, c in v)}
                    for k, v in sc.items()}
    out["score"]["n_sites"] = len(base) + len(own)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for case in ("import", "score"):
        for who in ("ours", "baseline"):
            r = out[case][who]
            print(f"{case:<7} {who:<9} wall {r['wall_s']:7.2f} s  cpu {r['cpu_s']:7.2f} s")
    print(f"peak RSS {out['peak_rss_mb']:.0f} MB, load average {out['load_avg']:.1f}")
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
