"""``siting demo``: build the fictional demo region Demolän.

``siting demo build [--out DIR] [--seed N]`` writes every file of the demo
data set (default: the data folder of the ``demo`` catalogue, ``data/demo``)
and prints the paths written, one per line.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from siting.data.catalog import load_catalog
from siting.demo import DEFAULT_SEED, build_demo

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``demo`` command and its ``build`` subcommand."""
    parser = subparsers.add_parser(
        "demo", help="the fictional demo region Demolän",
        description="Work with Demolän, the bundled fictional demo region.")
    sub = parser.add_subparsers(dest="demo_command", metavar="SUBCOMMAND")
    sub.required = True
    build = sub.add_parser(
        "build", help="generate the demo data files",
        description="Generate Demolän deterministically: the same seed gives the same data.")
    build.add_argument("--out", type=Path, default=None,
                       help="output folder (default: the demo catalogue's folder, data/demo)")
    build.add_argument("--seed", type=int, default=DEFAULT_SEED,
                       help=f"random seed (default: {DEFAULT_SEED})")
    build.set_defaults(func=_run_build)


def _run_build(args: argparse.Namespace) -> int:
    out = args.out if args.out is not None else load_catalog("demo").resolve_data_dir(None)
    start = time.perf_counter()
    files = build_demo(out, seed=args.seed)
    for path in files.values():
        print(path)
    print(f"Demolän built with seed {args.seed}: {len(files)} files in {out} "
          f"({time.perf_counter() - start:.1f} s)", file=sys.stderr)
    return 0
