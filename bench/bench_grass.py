"""Fair side-by-side benchmark of the suitability surface: ours, GRASS GIS and plain scipy.

The same work on every side: three point layers (substations, ports, schools;
points at cell centres, so every side measures the same cell-centre
distances), three Euclidean distance rasters, a weighted overlay of three
linear value functions (score 0..100), and the same two-band GeoTIFF (the
score, and the band marking verdicts that rest on unknown data, all 0 here;
float32, tiled 256, band-interleaved, DEFLATE level 1 with predictor 3, nodata -9999,
four nearest-cell overviews, the only kind ``r.out.gdal`` builds; the settings the engine
writes its own GeoTIFFs with).

* **ours**: :func:`siting.surface.suitability_surface` with ``out_path`` on an
  in-memory LayerSet (serial, one thread);
* **peer**: GRASS ``r.grow.distance -m`` x3, ``r.mapcalc``, ``r.out.gdal``
  (``createopt`` as above, ``overviews=4``) in a temporary EPSG:3006 location;
  importing the seed rasters and starting GRASS are not timed;
* **baseline**: plain ``scipy.ndimage.distance_transform_edt`` x3 on a seed
  raster burnt from the points, a ``numexpr`` overlay, ``rasterio`` write and
  overviews.

Every side runs in its own process with ``OMP_NUM_THREADS``,
``NUMEXPR_NUM_THREADS``, ``OPENBLAS_NUM_THREADS`` and ``GDAL_NUM_THREADS`` at
1 (``--threads``), the sides interleaved (rotated each round), best of
``--repeat``; CPU is user+system of the process (GRASS: of its modules), peak
memory the high-water mark of the timed part (GRASS: its largest module).

Checks, from the written GeoTIFFs: ours vs the exact baseline (scores within
1e-4 on every cell), GRASS' distances vs the exact baseline (within one cell;
cells off by more than 1 cm counted), GRASS' scores vs the baseline (cells off
by more than 1e-4 counted, and whether each is explained by GRASS' distance
error). ``same_result`` is true when ours equals the exact baseline within
1e-4 and every GRASS score difference is explained by GRASS' distance error
(``r.grow.distance`` propagates nearest cells and is not exact; its largest
error is reported). The FINAL LINE is JSON.

Usage::

    .venv/bin/python bench/bench_grass.py [--cells 4000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

RES = 100.0
X0, Y0 = 600_000.0, 7_000_000.0
WEIGHTS = (0.5, 0.3, 0.2)
LINEAR = ((30_000.0, 1_000.0), (60_000.0, 5_000.0), (20_000.0, 0.0))  # (x0, x1) per layer
LAYERS = ("substations", "ports", "schools")
COUNTS = (300, 20, 500)
NODATA = -9999.0
CREATE = {"tiled": True, "blockxsize": 256, "blockysize": 256, "compress": "deflate",
          "predictor": 3, "interleave": "band", "zlevel": 1}
REPO = Path(__file__).resolve().parent.parent

PROFILE = """
[profile]
id = "bench_grass"
name_sv = "GRASS-jämförelse"
name_en = "GRASS comparison"
industry = "other"
aggregation = "weighted_sum"
min_area_ha = 10
""" + "".join(f"""
[[metric]]
id = "dist_{lyr}_m"
kind = "distance"
layer = "{lyr}"
unit = "m"
label_sv = "{lyr}"
label_en = "{lyr}"

[[soft]]
id = "{lyr}"
metric = "dist_{lyr}_m"
weight = {w}
value = {{ kind = "linear", x0 = {x0}, x1 = {x1} }}
""" for lyr, w, (x0, x1) in zip(LAYERS, WEIGHTS, LINEAR, strict=True))


def _inputs(n_side: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Seed cell (row, col) arrays per layer."""
    rng = np.random.default_rng(seed)
    return {lyr: rng.integers(0, n_side, size=(n, 2)) for lyr, n in zip(LAYERS, COUNTS,
                                                                          strict=True)}


def _centres(rc: np.ndarray, n_side: int) -> np.ndarray:
    top = Y0 + n_side * RES
    return np.column_stack([X0 + (rc[:, 1] + 0.5) * RES, top - (rc[:, 0] + 0.5) * RES])


def _transform(n_side: int):
    from affine import Affine

    return Affine(RES, 0, X0, 0, -RES, Y0 + n_side * RES)


def _reset_peak() -> None:
    """Reset the process' peak RSS (Linux ``clear_refs`` 5) so the timed part has its own."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5", encoding="ascii")


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024.0
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _threads() -> int:
    return len(os.listdir("/proc/self/task"))


# ----------------------------------------------------------------------------- sides


def side_ours(n_side: int, out: Path) -> dict:
    """Our surface with the GeoTIFF written (LayerSet built untimed)."""
    import datetime as dt

    import geopandas as gpd
    from shapely.geometry import box

    from siting.criteria.profiles import parse_profile
    from siting.data.catalog import Catalog, LayerSpec
    from siting.data.layerset import LayerSet, LoadedLayer, LoadReport, Region
    from siting.surface.run import suitability_surface

    side = n_side * RES
    layers = {}
    for lyr, rc in _inputs(n_side).items():
        xy = _centres(rc, n_side)
        spec = LayerSpec(id=lyr, type=lyr, theme="infra", kind="point", title_sv=lyr,
                         title_en=lyr, source=f"{lyr}.gpkg", attribution="bench",
                         licence="CC0-1.0", vintage=dt.date(2026, 1, 1))
        gdf = gpd.GeoDataFrame(geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs="EPSG:3006")
        layers[lyr] = LoadedLayer(spec, gdf, LoadReport("", len(gdf), len(gdf)))
    area = box(X0, Y0, X0 + side, Y0 + side)
    munis = gpd.GeoDataFrame({"kommunkod": ["9901"], "name": ["Bänkby"],
                              "in_study_area": [True]}, geometry=[area], crs="EPSG:3006")
    ls = LayerSet(Catalog(id="bench", path=Path("bench.toml"), title_sv="b", title_en="b",
                          layers=tuple(v.spec for v in layers.values())),
                  Region(("9901",), ("Bänkby",), area, buffer_m=0.0), layers, munis)
    profile = parse_profile(PROFILE)
    _reset_peak()
    t0, c0 = time.perf_counter(), time.process_time()
    suitability_surface(profile, ls, resolution_m=RES, out_path=out)
    return {"wall_s": time.perf_counter() - t0, "cpu_s": time.process_time() - c0,
            "peak_mb": _peak_mb(), "threads": _threads(), "processes": 1}


def side_baseline(n_side: int, out: Path) -> dict:
    """Plain scipy EDT + numexpr overlay + rasterio write: the simplest correct solution."""
    import numexpr as ne
    import rasterio
    from rasterio.enums import Resampling
    from scipy import ndimage

    seeds = _inputs(n_side)
    _reset_peak()
    t0, c0 = time.perf_counter(), time.process_time()
    d = {}
    for j, lyr in enumerate(LAYERS):
        xy = _centres(seeds[lyr], n_side)  # from the points, as ours starts from vectors
        col = np.floor((xy[:, 0] - X0) / RES).astype(np.int64)
        row = np.floor((Y0 + n_side * RES - xy[:, 1]) / RES).astype(np.int64)
        free = np.ones((n_side, n_side), dtype=bool)
        free[row, col] = False
        d[f"d{j}"] = ndimage.distance_transform_edt(free, sampling=RES)
    lin = [f"((d{j} - {a!r}) / {b - a!r})" for j, (a, b) in enumerate(LINEAR)]
    terms = " + ".join(f"{w!r} * where({x} < 0, 0.0, where({x} > 1, 1.0, {x}))"
                       for w, x in zip(WEIGHTS, lin, strict=True))
    score = ne.evaluate(f"100.0 * ({terms})", local_dict=d).astype("float32")
    del d
    with rasterio.open(out, "w", driver="GTiff", width=n_side, height=n_side, count=2,
                       dtype="float32", crs="EPSG:3006", transform=_transform(n_side),
                       nodata=NODATA, **CREATE) as dst:
        dst.write(score, 1)
        dst.write(np.zeros_like(score), 2)  # no verdict rests on unknown data
    with rasterio.open(out, "r+") as dst:
        dst.build_overviews([2, 4, 8, 16], Resampling.nearest)  # as r.out.gdal does
    return {"wall_s": time.perf_counter() - t0, "cpu_s": time.process_time() - c0,
            "peak_mb": _peak_mb(), "threads": _threads(), "processes": 1}


_INSIDE = r'''
import json, resource, sys, time
import grass.script as gs
work, n_side, res, x0, y0 = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), \
    float(sys.argv[4]), float(sys.argv[5])
layers = json.loads(sys.argv[6]); weights = json.loads(sys.argv[7]); linear = json.loads(sys.argv[8])
gs.run_command("g.region", w=x0, e=x0 + n_side * res, s=y0, n=y0 + n_side * res, res=res,
               quiet=True)
for lyr in layers:
    gs.run_command("r.in.gdal", input=f"{work}/{lyr}.tif", output=f"seed_{lyr}", quiet=True,
                   flags="o")
terms = " + ".join(
    f"{w} * max(0.0, min(1.0, (dist_{lyr} - {a}) / ({b} - {a})))"
    for lyr, w, (a, b) in zip(layers, weights, linear))
def child():
    u = resource.getrusage(resource.RUSAGE_CHILDREN)
    return u.ru_utime + u.ru_stime, u.ru_maxrss
t0, (c0, _) = time.perf_counter(), child()
for lyr in layers:
    gs.run_command("r.grow.distance", input=f"seed_{lyr}", distance=f"dist_{lyr}",
                   metric="euclidean", flags="m", overwrite=True, quiet=True)
gs.run_command("r.mapcalc", expression=f"score = float(100.0 * ({terms}))", overwrite=True,
               quiet=True)
gs.run_command("r.mapcalc", expression="unknown = float(0.0)", overwrite=True, quiet=True)
gs.run_command("i.group", group="out", input="score,unknown", quiet=True)
gs.run_command("r.out.gdal", input="out", output=f"{work}/grass_score.tif", format="GTiff",
               type="Float32", nodata=-9999, overviews=4, flags="cf", overwrite=True,
               quiet=True, createopt="TILED=YES,BLOCKXSIZE=256,BLOCKYSIZE=256,"
               "COMPRESS=DEFLATE,PREDICTOR=3,INTERLEAVE=BAND,ZLEVEL=1")
wall = time.perf_counter() - t0
c1, rss = child()
for lyr in layers:  # for the checks only (not timed)
    gs.run_command("r.out.gdal", input=f"dist_{lyr}", output=f"{work}/grass_dist_{lyr}.tif",
                   format="GTiff", type="Float64", flags="cf", overwrite=True, quiet=True)
print(json.dumps({"wall_s": wall, "cpu_s": c1 - c0, "peak_mb": rss / 1024.0, "threads": 1,
                  "processes": 1}))
'''


def side_grass(n_side: int, work: Path) -> dict:
    """GRASS: a fresh temporary location per run; import untimed, compute + export timed."""
    import rasterio

    for lyr, rc in _inputs(n_side).items():
        path = work / f"{lyr}.tif"
        if not path.exists():
            arr = np.zeros((n_side, n_side), dtype="uint8")
            arr[rc[:, 0], rc[:, 1]] = 1
            with rasterio.open(path, "w", driver="GTiff", width=n_side, height=n_side, count=1,
                               dtype="uint8", crs="EPSG:3006", nodata=0,
                               transform=_transform(n_side)) as dst:
                dst.write(arr, 1)
    script = work / "inside_grass.py"
    script.write_text(_INSIDE, encoding="utf-8")
    cmd = ["grass", "--tmp-location", "EPSG:3006", "--exec", sys.executable, str(script),
           str(work), str(n_side), str(RES), str(X0), str(Y0), json.dumps(list(LAYERS)),
           json.dumps(list(WEIGHTS)), json.dumps([list(p) for p in LINEAR])]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False,
                         env={**os.environ, "GRASS_VERBOSE": "0"}, timeout=1800)
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
    if out.returncode != 0 or not lines:
        raise RuntimeError(f"GRASS run failed:\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")
    return json.loads(lines[-1])


# ------------------------------------------------------------------------- driver


def _run_side(name: str, n_side: int, work: Path, threads: int) -> dict:
    """One timed run of one side in a fresh process."""
    env = {**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    for var in ("OMP_NUM_THREADS", "NUMEXPR_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                "MKL_NUM_THREADS", "GDAL_NUM_THREADS"):
        env[var] = str(threads)
    if name == "peer":
        return side_grass(n_side, work)
    cmd = [sys.executable, __file__, "--child", name, "--cells", str(n_side * n_side),
           "--work", str(work)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env,
                         timeout=1800)
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
    if out.returncode != 0 or not lines:
        raise RuntimeError(f"{name} failed:\n{out.stdout[-2000:]}\n{out.stderr[-3000:]}")
    return json.loads(lines[-1])


def _read(path: Path) -> np.ndarray:
    import rasterio

    with rasterio.open(path) as src:
        a = src.read(1).astype("float64")
        a[a == NODATA] = np.nan
        return a


def _layout(path: Path) -> dict:
    """What the written GeoTIFF holds and how it is laid out (compared across the sides)."""
    import rasterio

    with rasterio.open(path) as src:
        tags = src.tags(ns="IMAGE_STRUCTURE")
        return {"bands": src.count, "dtype": src.dtypes[0], "nodata": src.nodata,
                "block": src.block_shapes[0], "compression": tags.get("COMPRESSION"),
                "interleave": tags.get("INTERLEAVE"), "predictor": tags.get("PREDICTOR"),
                "overviews": src.overviews(1), "crs": str(src.crs)}


def _checks(n_side: int, work: Path) -> dict:
    """Compare the written outputs (see the module docstring)."""
    from scipy import ndimage

    layouts = {f: _layout(work / f) for f in ("ours.tif", "baseline.tif", "grass_score.tif")}
    differ = sorted({k for v in layouts.values() for k in v
                     if v[k] != layouts["ours.tif"][k]})

    ours, base, grass = (_read(work / f) for f in ("ours.tif", "baseline.tif",
                                                    "grass_score.tif"))
    worst_d, off_cells = 0.0, np.zeros(ours.shape, dtype=bool)
    for lyr, rc in _inputs(n_side).items():
        free = np.ones((n_side, n_side), dtype=bool)
        free[rc[:, 0], rc[:, 1]] = False
        exact = ndimage.distance_transform_edt(free, sampling=RES)
        diff = np.abs(_read(work / f"grass_dist_{lyr}.tif") - exact)
        worst_d = max(worst_d, float(diff.max()))
        off_cells |= diff > 1e-2
    d_ours = np.abs(ours - base)
    d_grass = np.abs(grass - base)
    grass_bad = d_grass > 1e-4
    return {
        "same_layout": not differ,
        "layout_differs_in": ",".join(differ),
        "ours_vs_baseline_max_score_diff": float(np.nanmax(d_ours)),
        "ours_cells_off_1e-4": int((d_ours > 1e-4).sum()),
        "nodata_same": bool((np.isnan(ours) == np.isnan(base)).all()
                            and (np.isnan(grass) == np.isnan(base)).all()),
        "grass_max_distance_error_m": worst_d,
        "grass_cells_distance_off_1cm": int(off_cells.sum()),
        "grass_cells_score_off_1e-4": int(grass_bad.sum()),
        "grass_score_diffs_explained_by_distance": bool((~grass_bad | off_cells).all()),
        "grass_max_score_diff_where_distances_exact": float(np.nanmax(
            np.where(off_cells, 0.0, d_grass))),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=4_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="best of N rounds (default 3)")
    parser.add_argument("--threads", type=int, default=1, help="threads per side (default 1)")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--work", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    n_side = int(round(math.sqrt(args.cells)))
    if args.child:
        fn = side_ours if args.child == "ours" else side_baseline
        print(json.dumps(fn(n_side, Path(args.work) / f"{args.child}.tif")))
        return
    have_grass = shutil.which("grass") is not None
    sides = ["ours", "baseline"] + (["peer"] if have_grass else [])
    runs: dict[str, list[dict]] = {s: [] for s in sides}
    with tempfile.TemporaryDirectory(prefix="bench_grass_") as tmp:
        work = Path(tmp)
        for i in range(args.repeat):  # interleaved, the order rotated every round
            for s in sides[i % len(sides):] + sides[:i % len(sides)]:
                runs[s].append(_run_side(s, n_side, work, args.threads))
        checks = _checks(n_side, work) if have_grass else {}
    best = {s: {k: min(r[k] for r in rs) for k in ("wall_s", "cpu_s", "peak_mb")}
            | {"threads": max(r["threads"] for r in rs), "processes": rs[0]["processes"]}
            for s, rs in runs.items()}
    cells = n_side * n_side
    print(f"grid {n_side} x {n_side} = {cells / 1e6:.1f} M cells of {RES:g} m: "
          f"3 distance rasters + weighted overlay + GeoTIFF (deflate, overviews); best of "
          f"{args.repeat}, interleaved; load average {os.getloadavg()[0]:.1f}")
    for s, b in best.items():
        rounds = ", ".join(f"{r['cpu_s']:.2f}" for r in runs[s])
        print(f"  {s:<9} CPU {b['cpu_s']:7.3f} s  wall {b['wall_s']:7.3f} s  peak "
              f"{b['peak_mb']:7.1f} MB  threads {b['threads']}  processes {b['processes']}  "
              f"(CPU of the rounds: {rounds})")
    for k, v in checks.items():
        print(f"  check {k}: {v}")
    peer = best.get("peer", {})
    ours_cpu = best["ours"]["cpu_s"]
    # r.grow.distance is not exact (it propagates nearest cells): its differences count as
    # the same result when each is explained by its distance error
    same = bool(checks) and (checks["same_layout"]
                             and checks["ours_vs_baseline_max_score_diff"] <= 1e-4
                             and checks["nodata_same"]
                             and checks["grass_score_diffs_explained_by_distance"])
    if peer:
        print(f"  CPU ratio GRASS/ours {peer['cpu_s'] / ours_cpu:.2f} [target >= 3], "
              f"baseline/ours {best['baseline']['cpu_s'] / ours_cpu:.2f} [target >= 1]")
    print(json.dumps({
        "bench": "grass", "cells": cells, "repeat": args.repeat,
        "ours_cpu_s": round(ours_cpu, 4), "peer_cpu_s": round(peer.get("cpu_s", math.nan), 4),
        "baseline_cpu_s": round(best["baseline"]["cpu_s"], 4),
        "ours_wall_s": round(best["ours"]["wall_s"], 4),
        "peer_wall_s": round(peer.get("wall_s", math.nan), 4),
        "baseline_wall_s": round(best["baseline"]["wall_s"], 4),
        "ours_peak_mb": round(best["ours"]["peak_mb"], 1),
        "peer_peak_mb": round(peer.get("peak_mb", math.nan), 1),
        "baseline_peak_mb": round(best["baseline"]["peak_mb"], 1),
        "threads": args.threads,
        "threads_seen": {s: b["threads"] for s, b in best.items()},
        "cpu_ratio_peer": round(peer.get("cpu_s", math.nan) / ours_cpu, 3),
        "cpu_ratio_baseline": round(best["baseline"]["cpu_s"] / ours_cpu, 3),
        **{k: (round(v, 6) if isinstance(v, float) else v) for k, v in checks.items()},
        "same_result": same,
        "error": None if have_grass else "grass not installed"}))


if __name__ == "__main__":
    main()
