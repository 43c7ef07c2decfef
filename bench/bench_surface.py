"""Benchmark the suitability surface: a synthetic 10-million-cell region and all of Sweden.

1. Synthetic: a 316 km x 316 km region at 100 m (~10 M cells) with 16
   municipalities, points (substations, ports, schools, population), lines
   (railways), polygons (protected areas, flood zones), a slope raster and
   municipality tables; a profile with 6 hard and 10 soft criteria covering
   every per-cell metric kind. Target: <= 10 s and <= 2 GB peak RSS.
2. Real data: the ``sweden_open`` catalogue, every municipality, at 100 m
   (~46 M land cells, ~100 M in the bounding box) with the data-centre
   profile (``--profile``). Target: <= 60 s for the surface (loading reported
   separately). Skipped with a message when the shared data pack is absent.

Wall and CPU seconds and the load average are printed: the machine may be
shared, and wall time under load says little on its own.

Peak memory is the process' peak resident set size (``resource.getrusage``),
measured in a fresh subprocess per case so cases do not inherit each other's
peak.

Usage::

    .venv/bin/python bench/bench_surface.py [--cells 10000000] [--skip-sweden]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from affine import Affine
from shapely.geometry import LineString, box

from siting.criteria.profiles import parse_profile
from siting.data.catalog import Catalog, LayerSpec
from siting.data.layerset import LayerSet, LoadedLayer, LoadReport, RasterData, Region

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "data" / "sweden"
TARGET_SYNTH_S = 10.0
TARGET_SYNTH_MB = 2048.0
TARGET_SWEDEN_S = 60.0
X0, Y0 = 600_000.0, 7_000_000.0

PROFILE = """
[profile]
id = "bench_surface"
name_sv = "Bänk"
name_en = "Bench"
industry = "other"
aggregation = "weighted_sum"
min_area_ha = 50

[[metric]]
id = "dist_400kv_m"
kind = "distance"
layer = "substations"
filter = { voltage_kv = { min = 380 } }
unit = "m"
label_sv = "a"
label_en = "a"

[[metric]]
id = "capacity_10km_mw"
kind = "sum_within"
layer = "substations"
field = "available_capacity_mw"
radius_m = 10000
unit = "MW"
label_sv = "b"
label_en = "b"

[[metric]]
id = "dist_rail_m"
kind = "distance"
layer = "railways"
unit = "m"
label_sv = "c"
label_en = "c"

[[metric]]
id = "dist_port_m"
kind = "distance"
layer = "ports"
unit = "m"
label_sv = "d"
label_en = "d"

[[metric]]
id = "protected_share"
kind = "overlap_share"
layer = "protected_areas"
unit = ""
label_sv = "e"
label_en = "e"

[[metric]]
id = "flood_share"
kind = "overlap_share"
layer = "flood_zones"
unit = ""
label_sv = "f"
label_en = "f"

[[metric]]
id = "slope_pct"
kind = "raster_stat"
layer = "slope"
stat = "mean"
unit = "%"
label_sv = "g"
label_en = "g"

[[metric]]
id = "labour_30min"
kind = "labour_pool"
travel_time_min = 30
unit = ""
label_sv = "h"
label_en = "h"

[[metric]]
id = "schools_20km"
kind = "count_within"
layer = "schools"
radius_m = 20000
unit = ""
label_sv = "i"
label_en = "i"

[[metric]]
id = "vacancy_pct"
kind = "municipality_attribute"
layer = "housing"
field = "vacancy_rate_pct"
unit = "%"
label_sv = "j"
label_en = "j"

[[metric]]
id = "price_area"
kind = "municipality_attribute"
layer = "municipality_stats"
field = "price_area"
unit = ""
label_sv = "k"
label_en = "k"

[[hard]]
id = "no_protected"
metric = "protected_share"
op = "=="
threshold = 0

[[hard]]
id = "no_flood"
metric = "flood_share"
op = "<="
threshold = 0

[[hard]]
id = "flat"
metric = "slope_pct"
op = "<="
threshold = 8

[[hard]]
id = "rail_max"
metric = "dist_rail_m"
op = "<="
threshold = 25000

[[hard]]
id = "capacity_max"
metric = "capacity_10km_mw"
op = ">="
threshold = 50

[[hard]]
id = "grid_near"
metric = "dist_400kv_m"
op = "<="
threshold = 40000

[[soft]]
id = "grid"
metric = "dist_400kv_m"
weight = 0.15
value = { kind = "linear", x0 = 40000, x1 = 2000 }

[[soft]]
id = "capacity"
metric = "capacity_10km_mw"
weight = 0.15
value = { kind = "linear", x0 = 50, x1 = 1000 }

[[soft]]
id = "rail"
metric = "dist_rail_m"
weight = 0.1
value = { kind = "linear", x0 = 25000, x1 = 1000 }

[[soft]]
id = "port"
metric = "dist_port_m"
weight = 0.1
value = { kind = "linear", x0 = 60000, x1 = 5000 }

[[soft]]
id = "labour"
metric = "labour_30min"
weight = 0.15
value = { kind = "linear", x0 = 5000, x1 = 80000 }

[[soft]]
id = "schools"
metric = "schools_20km"
weight = 0.05
value = { kind = "linear", x0 = 0, x1 = 5 }

[[soft]]
id = "slope"
metric = "slope_pct"
weight = 0.05
value = { kind = "linear", x0 = 8, x1 = 0 }

[[soft]]
id = "vacancy"
metric = "vacancy_pct"
weight = 0.05
value = { kind = "linear", x0 = 0, x1 = 3 }

[[soft]]
id = "price"
metric = "price_area"
weight = 0.1
value = { kind = "categories", values = { SE1 = 1.0, SE2 = 0.9, SE3 = 0.4, SE4 = 0.2 } }

[[soft]]
id = "flood_margin"
metric = "flood_share"
weight = 0.1
value = { kind = "step", threshold = 0, above = false }
"""


def _loaded(type_name: str, kind: str, data: object) -> LoadedLayer:
    spec = LayerSpec(id=type_name, type=type_name, theme="land", kind=kind,
                     title_sv=type_name, title_en=type_name, source=f"{type_name}.gpkg",
                     attribution="bench", licence="CC0-1.0", vintage=dt.date(2026, 1, 1))
    return LoadedLayer(spec, data, LoadReport(spec.source, 1, 1))


def synthetic_layerset(n_cells: int, res: float = 100.0, seed: int = 0) -> LayerSet:
    """A square synthetic region of about ``n_cells`` cells at ``res`` metres."""
    rng = np.random.default_rng(seed)
    side = math.ceil(math.sqrt(n_cells)) * res  # whole cells: rasters align with the grid
    crs = "EPSG:3006"
    k = 4
    step = side / k
    codes = [f"99{i:02d}" for i in range(k * k)]
    munis = gpd.GeoDataFrame(
        {"kommunkod": codes, "name": [f"Kommun {c}" for c in codes]},
        geometry=[box(X0 + (i % k) * step, Y0 + (i // k) * step, X0 + (i % k + 1) * step,
                      Y0 + (i // k + 1) * step) for i in range(k * k)], crs=crs)

    def pts(n: int) -> np.ndarray:
        return rng.uniform([X0 - 20_000, Y0 - 20_000], [X0 + side + 20_000, Y0 + side + 20_000],
                           size=(n, 2))

    xy = pts(400)
    subs = gpd.GeoDataFrame(
        {"voltage_kv": rng.choice([130.0, 220.0, 400.0], 400, p=[0.6, 0.25, 0.15]),
         "available_capacity_mw": rng.uniform(10, 600, 400)},
        geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=crs)
    pxy = pts(25)
    ports = gpd.GeoDataFrame({"draught_m": rng.uniform(6, 16, 25)},
                             geometry=gpd.points_from_xy(pxy[:, 0], pxy[:, 1]), crs=crs)
    sxy = pts(600)
    schools = gpd.GeoDataFrame({"school_type": ["upper_secondary"] * 600},
                               geometry=gpd.points_from_xy(sxy[:, 0], sxy[:, 1]), crs=crs)
    lines = []
    for _ in range(30):
        start = pts(1)[0]
        walk = np.cumsum(rng.normal(0, 4000, size=(60, 2)) + rng.normal(0, 3000, 2), axis=0)
        lines.append(LineString(start + walk))
    rail = gpd.GeoDataFrame({"name": [f"line {i}" for i in range(30)]}, geometry=lines, crs=crs)

    def polys(n: int, size: float) -> gpd.GeoDataFrame:
        c = pts(n)
        half = rng.uniform(size / 4, size, n)
        return gpd.GeoDataFrame({"name": [f"p{i}" for i in range(n)]},
                                geometry=[box(x - h, y - h * 0.6, x + h, y + h * 0.6).buffer(
                                    h / 3) for (x, y), h in zip(c, half, strict=True)], crs=crs)

    prot, flood = polys(400, 3000.0), polys(150, 1500.0)
    popxy = pts(60_000)
    pop = gpd.GeoDataFrame({"working_age_population": rng.gamma(0.5, 60, 60_000)},
                           geometry=gpd.points_from_xy(popxy[:, 0], popxy[:, 1]), crs=crs)
    n = int(math.ceil(side / res)) + 40
    yy, xx = np.mgrid[0:n, 0:n].astype("float32")
    slope = (4 + 3 * np.sin(xx / 37.0) * np.cos(yy / 53.0) + rng.gamma(1.0, 1.0, (n, n))
             ).astype("float32")
    raster = RasterData(slope, Affine(res, 0, X0 - 20 * res, 0, -res, Y0 + side + 20 * res))
    stats = pd.DataFrame({"kommunkod": codes, "price_area": pd.array(
        rng.choice(["SE1", "SE2", "SE3", "SE4"], k * k), dtype="string")})
    housing = pd.DataFrame({"kommunkod": codes, "vacancy_rate_pct": rng.uniform(0, 4, k * k)})
    layers = {
        "substations": _loaded("substations", "point", subs),
        "ports": _loaded("ports", "point", ports),
        "schools": _loaded("schools", "point", schools),
        "railways": _loaded("railways", "line", rail),
        "protected_areas": _loaded("protected_areas", "polygon", prot),
        "flood_zones": _loaded("flood_zones", "polygon", flood),
        "population_grid": _loaded("population_grid", "point", pop),
        "slope": _loaded("slope", "raster", raster),
        "municipality_stats": _loaded("municipality_stats", "table", stats),
        "housing": _loaded("housing", "table", housing),
    }
    catalog = Catalog(id="bench", path=Path("layers/bench.toml"), title_sv="b", title_en="b",
                      layers=tuple(lyr.spec for lyr in layers.values()))
    region = Region(tuple(codes), tuple(munis["name"]), box(X0, Y0, X0 + side, Y0 + side))
    return LayerSet(catalog, region, layers, munis.assign(in_study_area=True))


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_synthetic(n_cells: int) -> dict:
    from siting.surface.run import suitability_surface

    t0 = time.perf_counter()
    ls = synthetic_layerset(n_cells)
    build_s = time.perf_counter() - t0
    profile = parse_profile(PROFILE)
    rss0 = _peak_mb()
    load0 = os.getloadavg()[0]
    t0, c0 = time.perf_counter(), time.process_time()
    res = suitability_surface(profile, ls, resolution_m=100.0)
    surf_s, cpu_s = time.perf_counter() - t0, time.process_time() - c0
    cells = res.score.size
    return {"case": "synthetic", "cells": cells, "criteria": len(profile.hard) + len(
        profile.soft), "build_s": round(build_s, 2), "surface_s": round(surf_s, 2),
        "cpu_s": round(cpu_s, 2), "loadavg_before": round(load0, 2),
        "peak_rss_mb": round(_peak_mb(), 0), "rss_before_mb": round(rss0, 0),
        "passing_share": round(res.passing_share(), 4),
        "ns_per_cell_criterion": round(surf_s / cells / (len(profile.hard) + len(
            profile.soft)) * 1e9, 1)}


def run_sweden(profile_id: str) -> dict:
    from siting.criteria.profiles import load_profile
    from siting.data.layers import load_layerset
    from siting.surface.run import suitability_surface

    t0 = time.perf_counter()
    ls = load_layerset("sweden_open", SHARED, region="all")
    load_s = time.perf_counter() - t0
    load0 = os.getloadavg()[0]
    t0, c0 = time.perf_counter(), time.process_time()
    res = suitability_surface(load_profile(profile_id), ls, resolution_m=100.0)
    surf_s, cpu_s = time.perf_counter() - t0, time.process_time() - c0
    return {"case": f"sweden_{profile_id}", "cells": res.score.size,
            "study_cells": int(sum(res.cells_study.values())), "load_s": round(load_s, 2),
            "surface_s": round(surf_s, 2), "cpu_s": round(cpu_s, 2),
            "loadavg_before": round(load0, 2), "peak_rss_mb": round(_peak_mb(), 0),
            "criteria_evaluated": len(load_profile(profile_id).hard) + len(
                load_profile(profile_id).soft) - len(res.not_evaluated),
            "passing_share": round(res.passing_share(), 4)}


def _child(case: str, arg: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", case, "--arg", arg],
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        return {"case": case, "error": out.stderr.strip().splitlines()[-1:]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=10_000_000)
    parser.add_argument("--skip-sweden", action="store_true")
    parser.add_argument("--profile", default="data_center", help="profile for the Sweden run")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--arg", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "synthetic":
        print(json.dumps(run_synthetic(int(args.arg))))
        return
    if args.child == "sweden":
        print(json.dumps(run_sweden(args.arg)))
        return
    results = []
    syn = _child("synthetic", str(args.cells))
    results.append(syn)
    if "error" in syn:
        print(f"synthetic: ERROR {syn['error']}")
    else:
        ok = syn["surface_s"] <= TARGET_SYNTH_S and syn["peak_rss_mb"] <= TARGET_SYNTH_MB
        ok_cpu = syn["cpu_s"] <= TARGET_SYNTH_S and syn["peak_rss_mb"] <= TARGET_SYNTH_MB
        print(f"synthetic surface: {syn['cells'] / 1e6:.1f} M cells x {syn['criteria']} "
              f"criteria in {syn['surface_s']:.2f} s ({syn['ns_per_cell_criterion']} ns per "
              f"cell and criterion; CPU {syn['cpu_s']:.1f} s, load average "
              f"{syn['loadavg_before']:.1f} before), peak RSS {syn['peak_rss_mb']:.0f} MB "
              f"[target <= {TARGET_SYNTH_S:g} s, <= {TARGET_SYNTH_MB:g} MB: "
              f"wall {'met' if ok else 'NOT met'}, CPU {'met' if ok_cpu else 'NOT met'}]")
    if not args.skip_sweden:
        if not SHARED.is_dir():
            print(f"sweden: skipped, no data pack at {SHARED}")
        else:
            swe = _child("sweden", args.profile)
            results.append(swe)
            if "error" in swe:
                print(f"sweden: ERROR {swe['error']}")
            else:
                ok = swe["surface_s"] <= TARGET_SWEDEN_S
                ok_cpu = swe["cpu_s"] <= TARGET_SWEDEN_S
                print(f"sweden ({args.profile}, 100 m): {swe['cells'] / 1e6:.1f} M cells in the "
                      f"box, {swe['study_cells'] / 1e6:.1f} M on land; load {swe['load_s']:.1f} "
                      f"s, surface {swe['surface_s']:.1f} s (CPU {swe['cpu_s']:.1f} s, "
                      f"{swe['criteria_evaluated']} criteria evaluable), peak RSS "
                      f"{swe['peak_rss_mb']:.0f} MB [target <= {TARGET_SWEDEN_S:g} s: "
                      f"wall {'met' if ok else 'NOT met'}, CPU {'met' if ok_cpu else 'NOT met'}]")
    print(json.dumps({"bench": "surface", "results": results}))


if __name__ == "__main__":
    main()
