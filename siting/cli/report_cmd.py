"""``siting dossier`` and ``siting report compare``: PDF or self-contained HTML reports.

Examples
--------
::

    siting dossier --profile battery_plant --site NV-01 --out NV-01.pdf
    siting dossier --profile steelworks --site NV-01 --lang en --out NV-01.html \\
        --db outcomes.sqlite
    siting report compare --profile data_center --region 9901,9902,9903,9904 --out cmp.pdf

Defaults as for ``siting score``: catalogue ``demo``; region = the demo study area for
the demo catalogue, ``all`` otherwise. The outcome log (for "lessons from past
establishments") is read from ``--db``, else from ``$SITING_DB_URL`` or the user's
default store when one exists; ``--no-outcomes`` leaves it out. Confidential cases are
never used; your own organisation's ``internal`` ones only with ``--include-internal``
(every page is then marked).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from siting.cli._args import (
    add_dataset_args,
    add_sites_args,
    load_profile_and_layers,
    parse_weights,
    sites_for,
)
from siting.cli.sites_cmd import add_workspace_args, workspace_content
from siting.core.errors import Problem, ScoringError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from siting.data.layerset import LayerSet
    from siting.scoring.result import SitingResult

__all__ = ["register", "run_compare", "run_dossier"]


def register(subparsers: Any) -> None:
    """Add the ``dossier`` and ``report`` subcommands."""
    dossier = subparsers.add_parser(
        "dossier", help="write a site dossier (PDF or self-contained HTML)",
        description="A report on one candidate site for one profile: map, key facts, every "
                    "hard criterion with its measured value, soft criteria with weights and "
                    "contributions, rank and rank acceptability, labour pool, schools and "
                    "housing in the catchment, lessons from the outcome log, sources.")
    _common(dossier)
    add_sites_args(dossier)
    dossier.add_argument("--site", required=True, metavar="SITE_ID",
                         help="the candidate site's id, e.g. NV-01 or 2482-O01, or 'best' for "
                              "the best-ranked site")
    dossier.add_argument("--no-outcomes", action="store_true",
                         help="leave the outcome log out of the dossier")
    dossier.add_argument("--include-internal", action="store_true",
                         help="also use your own organisation's internal cases (every page is "
                              "marked); confidential cases never appear")
    dossier.add_argument("--draws", type=int, default=2000,
                         help="weight draws for the rank acceptability (default 2000)")
    dossier.set_defaults(func=run_dossier)

    report = subparsers.add_parser(
        "report", help="reports for regional planners (see 'siting report compare')",
        description="Reports over several municipalities.")
    sub = report.add_subparsers(dest="report_command", metavar="REPORT")
    sub.required = True
    compare = sub.add_parser(
        "compare", help="compare municipalities for a profile (PDF or HTML)",
        description="The comparison table, a map and one short section per municipality.")
    _common(compare)
    compare.set_defaults(func=run_compare)


def _common(p: argparse.ArgumentParser) -> None:
    add_dataset_args(p)
    add_workspace_args(p, toggle=True)
    p.add_argument("--weights", default=None, metavar="ID=W,...",
                   help="override soft-criterion weights, e.g. labour=0.4,grid=0.3")
    p.add_argument("--lang", choices=("sv", "en"), default="sv",
                   help="language of the report (default sv)")
    p.add_argument("--out", type=Path, required=True, metavar="FILE.pdf|FILE.html",
                   help="the report file; the suffix chooses PDF or HTML")


def _check_out(out: Path) -> None:
    from siting.views.report.render import output_format

    output_format(out)
    if not out.parent.exists():
        raise ScoringError.single(str(out), "the output folder does not exist",
                                  hint="create the folder or choose another path")


def _evaluate(args: argparse.Namespace) -> tuple[SitingResult, LayerSet]:
    from siting.criteria.profiles import load_profile
    from siting.scoring.sites import evaluate

    # Check --weights against the profile before loading any data.
    profile = load_profile(args.profile)
    overrides = parse_weights(args.weights, [c.id for c in profile.soft]) if args.weights else {}
    profile, ls = load_profile_and_layers(args)
    own_sites, own_layers = workspace_content(args) if getattr(args, "sites", None) is None \
        else ([], [])
    if own_sites or own_layers:
        from siting.scoring.workspace import evaluate_workspace, with_workspace_layers

        base, _source = sites_for(args, profile, ls)  # the catalogue's or candidate areas
        result = evaluate_workspace(profile, ls, own_sites, own_layers, base_sites=base,
                                    lang_default=args.lang, strict=args.strict)
        ls = with_workspace_layers(ls, own_layers)
    elif getattr(args, "func", None) is run_compare:
        catalogue_sites = ls.vector("sites")
        if catalogue_sites is None or len(catalogue_sites) == 0:
            from siting.compare import municipality_sites

            sites = municipality_sites(ls.municipalities, list(ls.region.kommunkoder))
            result = evaluate(sites, profile, ls, lang_default=args.lang,
                              sites_source="municipality representative points",
                              strict=args.strict)
        else:
            result = evaluate(None, profile, ls, lang_default=args.lang, progress=True,
                              strict=args.strict)
    else:
        sites, source = sites_for(args, profile, ls)
        result = evaluate(sites, profile, ls, lang_default=args.lang, progress=True,
                          sites_source=source, strict=args.strict)
    if overrides:
        result = result.rerank({**dict(result.weights), **overrides})
    return result, ls


def run_dossier(args: argparse.Namespace) -> int:
    """Run ``siting dossier``."""
    from siting.views.report.dossier import build_dossier
    from siting.views.report.outcome_cases import load_cases
    from siting.views.report.render import write_dossier

    out: Path = args.out
    _check_out(out)
    if args.draws < 1:
        raise ScoringError.single("--draws", f"must be at least 1, got {args.draws}")
    result, ls = _evaluate(args)
    if args.site.casefold() in {"best", "bäst"} and len(result.ranks):
        args.site = str(result.site_ids.loc[result.ranks.idxmin()])
        print(f"best-ranked site: {args.site}", file=sys.stderr)
    try:
        result.site_index(args.site)
    except ScoringError as exc:
        hint = exc.problems[0].hint if exc.problems else ""
        raise ScoringError.from_problems("Cannot write the dossier", [Problem(
            "--site", "", "site_id", f"no candidate site '{args.site}' in the study area",
            f"{hint + '; ' if hint else ''}a site outside the study area needs --region "
            f"(e.g. --region all)")]) from None
    cases: pd.DataFrame | None = None
    own: tuple[str, ...] = ()
    if not args.no_outcomes:
        cases, own = load_cases(args.db, industry=str(result.profile.industry),
                                include_internal=args.include_internal)
    from siting.scoring.dossier import dossier_data

    data = dossier_data(result, args.site, ls, cases=cases, n_draws=args.draws,
                        include_internal=args.include_internal, own_organisations=own)
    d = build_dossier(result, args.site, ls, lang=args.lang, data=data)
    write_dossier(d, out)
    print(str(out))
    return 0


def run_compare(args: argparse.Namespace) -> int:
    """Run ``siting report compare``: the comparison of :func:`siting.compare.compare`,
    laid out (the same verdicts as ``siting compare``)."""
    from siting.compare import compare
    from siting.criteria.profiles import load_profile
    from siting.views.report.compare_report import build_comparison, write_comparison

    out: Path = args.out
    _check_out(out)

    profile = load_profile(args.profile)
    overrides = parse_weights(args.weights, [c.id for c in profile.soft]) if args.weights else {}
    profile, ls = load_profile_and_layers(args)
    if overrides:
        profile = profile.with_weights({**dict(profile.weights), **overrides})
    comparison = compare(profile, ls, strict=args.strict, progress=True)
    comp = build_comparison(comparison, ls, lang=args.lang)
    write_comparison(comp, out)
    print(str(out))
    return 0
