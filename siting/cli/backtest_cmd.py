"""``siting backtest``: where does a profile rank the places that actually won?"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from siting.cli._args import add_dataset_args, load_profile_and_layers

__all__ = ["register", "run_backtest"]


def register(subparsers: Any) -> None:
    """Add the ``backtest`` subcommand."""
    p = subparsers.add_parser(
        "backtest", help="rank the outcome log's decided cases with a profile",
        description="For every decided (won/lost) case of the profile's industry in the "
                    "outcome log: the percentile (0 = top, 0.5 = chance) at which the profile "
                    "ranks its municipality (or site) among all municipalities; the winners' "
                    "mean with a bootstrap 95 % interval, losers beside them, and weights "
                    "learned from the other cases judged out of sample (leave one case out). "
                    "Without --db the real seed cases of the outcome log are used.")
    add_dataset_args(p)
    p.add_argument("--db", default=None, metavar="URL|FILE",
                   help="outcome log (SQLAlchemy URL or SQLite file); default the real seed "
                        "cases shipped with siting")
    p.add_argument("--resolution", type=float, default=1000.0, metavar="M",
                   help="cell size of the comparison surface in metres (default 1000)")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.add_argument("--out", type=Path, default=None, metavar="FILE.csv",
                   help="write the per-case percentiles as CSV")
    p.set_defaults(func=run_backtest)


def _cases(args: argparse.Namespace, industry: str) -> Any:
    from siting.backtest import cases_frame

    if args.db is None:
        from siting.outcomes.seed import real_cases

        return cases_frame(real_cases())
    from siting.views.report.outcome_cases import load_cases

    frame, _ = load_cases(args.db, industry=industry)
    if frame is None:
        from siting.core.errors import StoreError

        raise StoreError.single(str(args.db), "no outcome log found",
                                hint="give an existing database with --db")
    return frame


def run_backtest(args: argparse.Namespace) -> int:
    """Run ``siting backtest``."""
    from siting.backtest import backtest

    if args.region is None:
        args.region = "all"
    profile, ls = load_profile_and_layers(args)
    result = backtest(profile, ls, _cases(args, str(profile.industry)),
                      resolution_m=args.resolution)
    if args.out is not None:
        result.cases.to_csv(args.out, index=False, encoding="utf-8")
        print(f"{len(result.cases)} cases -> {args.out}", file=sys.stderr)
    if args.json:
        print(result.to_json())
        return 0
    s = result.summary
    print(f"{profile.id}: {s['n_candidates']} municipalities, percentile 0 = top, 0.5 = chance")
    for key, label in (("profile_ranking", "profile ranking (best candidate area)"),
                       ("profile_weights_at_points", "profile weights at kommun points"),
                       ("learned_weights_loo", "learned weights, leave-one-case-out")):
        b = s[key]
        lo, hi = b["winners_ci95"]
        losers = "-" if b["losers_mean"] is None else f"{b['losers_mean']:.2f}"
        print(f"  {label}: winners mean {b['winners_mean']:.2f} (95 % CI {lo:.2f}-{hi:.2f}, "
              f"n={b['n_winners']}); losers mean {losers} (n={b['n_losers']})")
    for row in result.cases.itertuples():
        print(f"    {row.outcome:4}  {row.kommunkod} {row.name:<14} {row.percentile:.2f}  "
              f"(loo {row.percentile_learned_loo:.2f})  {row.case_id}")
    return 0
