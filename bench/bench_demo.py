"""Benchmark the Demolän generator.

Times ``build_demo`` (all files, default seed), with the CPU time next to the
wall time (the machine may be shared), the size of
``data/demo``, and ``demo_sites_large`` for 10 000 random sites. Prints the
median of ``--repeat`` runs.

Run: ``.venv/bin/python bench/bench_demo.py [--repeat 3] [--sites 10000]``
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from siting.demo import build_demo, demo_sites_large

DATA = Path(__file__).resolve().parents[1] / "data" / "demo"


def _timed(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median wall and CPU seconds of ``repeat`` calls."""
    wall, cpu = [], []
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sites", type=int, default=10_000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        wall, cpu = _timed(lambda: build_demo(Path(tmp) / "demo"), args.repeat)
    print(f"build_demo (all files)          wall {wall:6.2f} s   cpu {cpu:6.2f} s   (budget 5 s)")

    wall, cpu = _timed(lambda: demo_sites_large(args.sites, seed=1), args.repeat)
    print(f"demo_sites_large({args.sites})     wall {wall:6.2f} s   cpu {cpu:6.2f} s")

    sizes = {p.name: p.stat().st_size for p in sorted(DATA.iterdir()) if p.is_file()}
    for name, size in sizes.items():
        print(f"  {name:28s} {size / 1024:8.1f} KiB")
    print(f"data/demo total                 {sum(sizes.values()) / 1024 / 1024:6.2f} MiB"
          "   (budget 5 MiB)")


if __name__ == "__main__":
    main()
