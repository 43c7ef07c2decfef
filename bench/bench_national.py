"""National runs of the suitability surface on the real data: streamed, with candidate areas.

One case per process: load the ``sweden_open`` catalogue for a region (untimed
apart from its own figure), compute the surface streamed to a GeoTIFF
(``in_memory=False``: tiles written as they finish) and the candidate areas
read back strip by strip. Reported per phase: CPU seconds (this process plus
its finished children, i.e. Dask workers), wall seconds, and peak memory
(this process' high-water mark; with Dask also the largest worker's).

* ``--res 100`` (default): all of Sweden at 100 m. Targets: surface + areas
  <= 30 s CPU and <= 1.5 GB peak.
* ``--res 25``: all of Sweden at 25 m (about 1.6 G cells in the box). Target:
  completes within 8 GB peak.
* ``--scaling``: the surface of ``--region`` (default ``lan:25``, Norrbotten,
  about 400 M cells at 25 m) on a local Dask cluster of 1 and then 2 worker
  processes; wall and CPU per run, speed-up = wall(1) / wall(2).

Usage::

    .venv/bin/python bench/bench_national.py [--res 100] [--profile battery_plant]
    .venv/bin/python bench/bench_national.py --res 25
    .venv/bin/python bench/bench_national.py --scaling --res 25 --region lan:25
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "data" / "sweden"
TARGET_100_CPU_S = 30.0
TARGET_100_MB = 1536.0
TARGET_25_MB = 8192.0


def _cpu() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _reset_peak() -> None:
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5", encoding="ascii")


def run_case(profile_id: str, res_m: float, region: str, workers: int | None,
             areas: bool) -> dict:
    """One national run (in this process)."""
    from siting.criteria.profiles import load_profile
    from siting.data.layers import load_layerset
    from siting.surface.candidates import candidate_areas
    from siting.surface.run import suitability_surface

    t0, c0 = time.perf_counter(), _cpu()
    ls = load_layerset("sweden_open", SHARED, region=region)
    profile = load_profile(profile_id)
    out = {"case": f"{region}@{res_m:g}m", "profile": profile_id, "workers": workers or 1,
           "load_s": round(time.perf_counter() - t0, 2), "load_cpu_s": round(_cpu() - c0, 2),
           "load_peak_mb": round(_peak_mb(), 0), "loadavg_before": os.getloadavg()[0]}
    _reset_peak()
    with tempfile.TemporaryDirectory(prefix="bench_national_") as tmp, \
            contextlib.ExitStack() as stack:
        address = None
        if workers:  # a local cluster of that many worker processes, used by its address
            from distributed import LocalCluster

            cluster = stack.enter_context(LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True,
                dashboard_address=":0"))
            address = cluster.scheduler_address
        t0, c0 = time.perf_counter(), _cpu()
        surf = suitability_surface(profile, ls, resolution_m=res_m, out_path=Path(tmp) / "s.tif",
                                   in_memory=False, scheduler=address)
        out.update(cells=surf.shape[0] * surf.shape[1],
                   study_cells=int(sum(surf.cells_study.values())),
                   surface_s=round(time.perf_counter() - t0, 2),
                   surface_cpu_s=round(_cpu() - c0, 2),
                   criteria_evaluated=len(profile.hard) + len(profile.soft)
                   - len(surf.not_evaluated), tile_px=surf.provenance["tile_px"])
        if workers:  # CPU of the workers counts once they have exited
            stack.close()
            out["surface_cpu_s"] = round(_cpu() - c0, 2)
        if areas:
            t0, c0 = time.perf_counter(), _cpu()
            found = candidate_areas(surf)
            out.update(areas=len(found), areas_s=round(time.perf_counter() - t0, 2),
                       areas_cpu_s=round(_cpu() - c0, 2))
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
    out.update(peak_mb=round(_peak_mb(), 0), largest_worker_peak_mb=round(kids, 0),
               total_cpu_s=round(out["surface_cpu_s"] + out.get("areas_cpu_s", 0.0), 2))
    return out


def _child(args: list[str]) -> dict:
    env = {**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    proc = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True,
                          text=True, check=False, env=env, timeout=3600)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        return {"error": (proc.stderr.strip().splitlines() or ["?"])[-1],
                "returncode": proc.returncode}
    return json.loads(lines[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--res", type=float, default=100.0)
    parser.add_argument("--profile", default="battery_plant")
    parser.add_argument("--region", default=None, help="default: all (lan:25 with --scaling)")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--scaling", action="store_true")
    parser.add_argument("--no-areas", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    region = args.region or ("lan:25" if args.scaling else "all")
    if args.child:
        print(json.dumps(run_case(args.profile, args.res, region, args.workers,
                                  not args.no_areas)))
        return
    if not SHARED.is_dir():
        print(json.dumps({"bench": "national", "error": f"no data pack at {SHARED}"}))
        return
    base = ["--res", str(args.res), "--profile", args.profile, "--region", region]
    if args.scaling:
        runs = [_child([*base, "--workers", str(w), "--no-areas"]) for w in (1, 2)]
        for r in runs:
            print(f"{r.get('case')} {args.profile}: {r.get('workers')} worker(s): surface "
                  f"{r.get('surface_s')} s wall, {r.get('surface_cpu_s')} s CPU, "
                  f"{r.get('cells', 0) / 1e6:.0f} M cells; driver peak {r.get('peak_mb')} MB, "
                  f"largest worker {r.get('largest_worker_peak_mb')} MB {r.get('error', '')}")
        ok = all("error" not in r for r in runs)
        speedup = runs[0]["surface_s"] / runs[1]["surface_s"] if ok else None
        print(f"speed-up 1 -> 2 workers: {speedup if speedup is None else round(speedup, 2)} "
              f"(wall; load average {os.getloadavg()[0]:.1f})")
        print(json.dumps({"bench": "national_scaling", "runs": runs,
                          "speedup_wall": None if speedup is None else round(speedup, 3)}))
        return
    r = _child([*base] + (["--workers", str(args.workers)] if args.workers else [])
               + (["--no-areas"] if args.no_areas else []))
    if "error" in r:
        print(f"ERROR {r}")
    else:
        print(f"{r['case']} {args.profile}: {r['cells'] / 1e6:.0f} M cells "
              f"({r['study_cells'] / 1e6:.0f} M on land), {r['criteria_evaluated']} criteria; "
              f"load {r['load_s']} s; surface {r['surface_s']} s wall / {r['surface_cpu_s']} s "
              f"CPU; candidate areas ({r.get('areas')}) {r.get('areas_s')} s / "
              f"{r.get('areas_cpu_s')} s CPU; total {r['total_cpu_s']} s CPU, peak "
              f"{r['peak_mb']:.0f} MB")
        if args.res == 100:
            print(f"  targets: <= {TARGET_100_CPU_S:g} s CPU "
                  f"{'met' if r['total_cpu_s'] <= TARGET_100_CPU_S else 'NOT met'}, <= "
                  f"{TARGET_100_MB:g} MB {'met' if r['peak_mb'] <= TARGET_100_MB else 'NOT met'}")
        elif args.res == 25:
            print(f"  target: within {TARGET_25_MB:g} MB "
                  f"{'met' if r['peak_mb'] <= TARGET_25_MB else 'NOT met'}")
    print(json.dumps({"bench": "national", **r}))


if __name__ == "__main__":
    main()
