"""``siting learn``: learn a profile's weights from the outcome log.

Examples
--------
::

    siting learn --profile battery_plant --db outcomes.sqlite
    siting learn --profile data_center --json --withdrawn-as-lost
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    """Add the ``learn`` subcommand."""
    p = subparsers.add_parser(
        "learn",
        help="learn criterion weights from past establishment outcomes",
        description=(
            "Fit a sign-constrained logistic model, shrunk toward the profile's expert weights, "
            "to the won/lost cases of the outcome log; report cross-validated AUC and Brier "
            "score with bootstrap intervals and suggested weights next to the expert weights."
        ),
    )
    p.add_argument("--profile", required=True,
                   help="profile name (criteria/<name>.toml) or path to a profile TOML")
    p.add_argument("--db", default=None,
                   help="outcome-log URL or SQLite file (default: $SITING_DB_URL or the "
                        "user data directory)")
    p.add_argument("--json", action="store_true", help="print the full result as JSON")
    p.add_argument("--withdrawn-as-lost", action="store_true",
                   help="count withdrawn cases as lost (default: excluded and counted)")
    p.add_argument("--include-confidential", action="store_true",
                   help="also use cases marked confidential")
    p.add_argument("--exclude-fictional", action="store_true",
                   help="leave out fictional (demo) cases")
    p.add_argument("--all-industries", action="store_true",
                   help="use cases of every industry, not only the profile's")
    p.add_argument("--background", metavar="CSV", default=None,
                   help="learn the won cases against these eligible locations instead of "
                        "won against lost (presence-vs-background; probabilities become "
                        "relative), e.g. a 'siting score' CSV export: rows with "
                        "passes_hard = False are left out")
    p.add_argument("--group-by-municipality", action="store_true",
                   help="keep the cases of one municipality together in cross-validation "
                        "and bootstrap (they share soft scores, so they are not independent)")
    p.add_argument("--prior-strength", default="10",
                   help="pull toward the expert weights (a number, or 'cv'); default 10")
    p.add_argument("--bootstrap", type=int, default=200,
                   help="bootstrap refits for weight and probability intervals (default 200)")
    p.add_argument("--no-trees", action="store_true",
                   help="skip the random-forest comparison (faster)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--lang", choices=("sv", "en"), default="sv",
                   help="language of the text output (default sv)")
    p.set_defaults(func=run)


def _prior(text: str) -> float | str:
    if text.strip().lower() == "cv":
        return "cv"
    try:
        value = float(text)
    except ValueError:
        from siting.core.errors import LearningError

        raise LearningError.single("--prior-strength", f"{text!r} is not a number",
                                   hint="give a non-negative number or 'cv'") from None
    if value < 0:
        from siting.core.errors import LearningError

        raise LearningError.single("--prior-strength", f"{value} is negative",
                                   hint="give a non-negative number or 'cv'")
    return value


def _read_background(path: str) -> Any:
    """Background rows from a CSV; sites failing the hard criteria are left out."""
    from siting.data.io.tabular import read_csv

    frame = read_csv(path).data
    if "passes_hard" in frame.columns:
        passes = frame["passes_hard"].astype("string").str.strip().str.lower()
        frame = frame[passes.isin(["true", "1", "ja", "yes"]).fillna(False).to_numpy()]
    return frame


def run(args: argparse.Namespace) -> int:
    """Execute ``siting learn``."""
    from siting.learn import render_table
    from siting.learn.adapters import learn_from_store
    from siting.outcomes import OutcomeStore

    prior = _prior(args.prior_strength)
    background = _read_background(args.background) if args.background else None
    store = OutcomeStore.open(args.db)
    try:
        result = learn_from_store(
            store,
            args.profile,
            include_confidential=args.include_confidential,
            withdrawn_as_lost=args.withdrawn_as_lost,
            include_fictional=not args.exclude_fictional,
            all_industries=args.all_industries,
            presence_background=background,
            group_by="kommunkod" if args.group_by_municipality else None,
            prior_strength=prior,
            n_boot=args.bootstrap,
            compare_trees=not args.no_trees,
            seed=args.seed,
        )
    finally:
        store.close()
    if args.json:
        json.dump(result.to_dict(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print(render_table(result, args.lang))
    return 0
