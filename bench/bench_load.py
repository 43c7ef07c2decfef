"""Benchmark loading the real-data catalogue (sweden_open) from ../shared/data/sweden.

Times ``load_layerset`` for region ``all`` and for one municipality (Uppsala,
with the 50 km buffer), and a naive peer: ``geopandas.read_file`` of every
vector file whole plus ``to_crs(3006)`` without any validation. Prints the
median of ``--repeat`` runs and the ratio to the peer.

Run: ``.venv/bin/python bench/bench_load.py [--repeat 5] [--data-dir ../shared/data/sweden]``
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pandas as pd

from siting.data.catalog import load_catalog
from siting.data.layers import load_layerset

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "sweden"


def _median_s(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _naive_peer(data_dir: Path) -> None:
    cat = load_catalog("sweden_open")
    for spec in cat.layers:
        path = data_dir / spec.source
        if spec.kind == "table":
            pd.read_csv(path, dtype=str)
        elif spec.coords is not None:
            df = pd.read_csv(path)
            gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df[spec.coords.x], df[spec.coords.y]),
                             crs=spec.crs).to_crs(3006)
        else:
            gpd.read_file(path).to_crs(3006)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    data_dir: Path = args.data_dir

    load_layerset("sweden_open", data_dir=data_dir)  # warm-up (imports, GDAL caches)
    peer = _median_s(lambda: _naive_peer(data_dir), args.repeat)
    t_all = _median_s(lambda: load_layerset("sweden_open", data_dir=data_dir), args.repeat)
    t_one = _median_s(lambda: load_layerset("sweden_open", data_dir=data_dir, region="0380"),
                      args.repeat)
    ls = load_layerset("sweden_open", data_dir=data_dir)
    n_features = sum(lyr.n_features for lyr in ls.layers.values())
    print(f"sweden_open: {len(ls.layers)} layers, {n_features} features/rows (region all)")
    print(f"naive peer (read_file + to_crs, no checks): {peer:7.3f} s")
    print(f"load_layerset region=all                  : {t_all:7.3f} s  "
          f"({t_all / peer:.2f} x peer)")
    print(f"load_layerset region=0380 Uppsala (+50 km): {t_one:7.3f} s  "
          f"({t_one / peer:.2f} x peer)")


if __name__ == "__main__":
    main()
