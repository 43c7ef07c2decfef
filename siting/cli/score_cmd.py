"""``siting score`` and ``siting sensitivity``: rank candidate sites from the command line.

Examples
--------
::

    siting score --profile battery_plant                       # ranked table on stdout
    siting score --profile steelworks --out ranking.gpkg --lang en
    siting score --profile data_center --weights labour=0.4,price_area=0.1 --site NV-14
    siting score --profile my_profile.toml --catalog sweden_open --region "Luleå" \\
        --sites my_sites.gpkg --out sites.geojson
    siting sensitivity --profile battery_plant --draws 5000 --out robustness.csv

Defaults: catalogue ``demo``; region = the demo study area (9901-9904) for the
demo catalogue, ``all`` otherwise. Errors exit with code 2 and a plain message.
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
from siting.core.errors import ScoringError
from siting.core.i18n import t

if TYPE_CHECKING:  # pragma: no cover
    from siting.scoring.result import SitingResult

__all__ = ["parse_weights", "register", "run_score", "run_sensitivity"]

_OUT_SUFFIXES = (".csv", ".geojson", ".json", ".gpkg")
_PRINT_FAILURE_CHARS = 90


def register(subparsers: Any) -> None:
    """Add the ``score`` and ``sensitivity`` subcommands."""
    score = subparsers.add_parser(
        "score", help="score and rank candidate sites with an establishment profile",
        description="Measure every candidate site, check the profile's hard criteria (with "
                    "reasons in Swedish and English), score the passing sites 0-100 and rank "
                    "them. Prints a ranked table, or writes CSV/GeoJSON/GeoPackage with --out.")
    _common(score)
    score.add_argument("--out", type=Path, default=None,
                       help="write the result to FILE.csv, FILE.geojson (EPSG:4326) or "
                            "FILE.gpkg (EPSG:3006, with provenance); default: print a table")
    score.add_argument("--excel-sv", action="store_true",
                       help="CSV for Excel with Swedish settings (semicolons, decimal commas)")
    score.add_argument("--site", default=None, metavar="SITE_ID",
                       help="also explain one site in detail (every hard outcome, contributions)")
    score.add_argument("--top", type=int, default=0, metavar="N",
                       help="print only the N best-ranked sites (default: all)")
    score.add_argument("--provenance", type=Path, default=None, metavar="FILE.json",
                       help="also write the provenance (everything needed to reproduce) as JSON")
    score.set_defaults(func=run_score)

    sens = subparsers.add_parser(
        "sensitivity", help="how robust is the ranking to the weights?",
        description="Rank acceptability (probability of rank 1 and of the top 3 when the "
                    "weights vary around the profile's) per site, and how far each weight may "
                    "move before the top site changes. Writes FILE.csv (sites) and "
                    "FILE_sweep.csv (criteria).")
    _common(sens)
    sens.add_argument("--draws", type=int, default=2000, help="weight draws (default 2000)")
    sens.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    sens.add_argument("--out", type=Path, required=True,
                      help="CSV file for the rank acceptability; the weight sweep goes to "
                           "<name>_sweep.csv next to it")
    sens.set_defaults(func=run_sensitivity)


def _common(p: argparse.ArgumentParser) -> None:
    add_dataset_args(p)
    add_workspace_args(p, toggle=True)
    add_sites_args(p)
    p.add_argument("--weights", default=None, metavar="ID=W,...",
                   help="override soft-criterion weights, e.g. labour=0.4,grid=0.3 (others keep "
                        "the profile's weight; all are renormalised)")
    p.add_argument("--lang", choices=("sv", "en"), default="sv",
                   help="language of reasons and output (default sv)")


def _evaluate(args: argparse.Namespace) -> SitingResult:
    from siting.criteria.profiles import load_profile
    from siting.scoring.sites import evaluate

    # Check --weights against the profile before loading any data.
    profile = load_profile(args.profile)
    overrides = parse_weights(args.weights, [c.id for c in profile.soft]) if args.weights else {}
    profile, ls = load_profile_and_layers(args)
    strict = getattr(args, "strict", False)
    own_sites, own_layers = workspace_content(args) if args.sites is None else ([], [])
    if own_sites or own_layers:
        from siting.scoring.workspace import evaluate_workspace

        base, _source = sites_for(args, profile, ls)  # the catalogue's or candidate areas
        result = evaluate_workspace(profile, ls, own_sites, own_layers, base_sites=base,
                                    lang_default=args.lang, progress=True, strict=strict)
    else:
        sites, source = sites_for(args, profile, ls)
        result = evaluate(sites, profile, ls, lang_default=args.lang, progress=True,
                          sites_source=source, strict=strict)
    if overrides:
        result = result.rerank({**dict(result.weights), **overrides})
    for text in result.not_evaluated_texts(args.lang):
        print(f"warning: {text}", file=sys.stderr)
    return result


def _status_word(status: str, lang: str) -> str:
    return t(f"verdict.{status}", lang)


def _print_table(result: SitingResult, lang: str, top: int) -> None:
    from siting.core.i18n import format_number

    tbl = result.table.sort_values("rank", kind="stable")
    if top > 0:
        tbl = tbl.head(top)
    head = tuple(t(f"cli.col_{c}", lang)
                 for c in ("rank", "site", "name", "kommun", "score", "passes", "reasons"))
    rows = [head]
    fail_col = f"failures_{lang}"
    for _, r in tbl.iterrows():
        fails = str(r[fail_col] or "")
        if len(fails) > _PRINT_FAILURE_CHARS:
            fails = fails[: _PRINT_FAILURE_CHARS - 1] + "…"
        name = r["name"] if isinstance(r["name"], str) else ""
        rows.append((str(int(r["rank"])), str(r["site_id"]), name[:24],
                     str(r["kommunkod"]) if r["kommunkod"] is not None else "",
                     format_number(float(r["score"]), lang, decimals=1),
                     _status_word(str(r["status"]), lang), fails))
    widths = [max(len(row[i]) for row in rows) for i in range(len(head) - 1)]
    for row in rows:
        cells = [c.rjust(w) if i in (0, 4) else c.ljust(w)
                 for i, (c, w) in enumerate(zip(row[:-1], widths, strict=True))]
        print("  ".join(cells) + "  " + row[-1])


def _summary(result: SitingResult, lang: str) -> str:
    n = len(result.table)
    ok = int(result.passes.sum())
    inc = int(result.hard_incomplete.sum())
    name = result.profile.name(lang)
    text = t("cli.summary", lang, name=name, ok=ok, n=n)
    text += (" " + t("cli.summary_unchecked", lang, n=inc) if inc else "")
    return f"{text}. {result.policy(lang)}"


def run_score(args: argparse.Namespace) -> int:
    """Run ``siting score``."""
    out: Path | None = args.out
    if out is not None and out.suffix.lower() not in _OUT_SUFFIXES:
        raise ScoringError.single(str(out), f"unknown output format '{out.suffix}'",
                                  field="--out", hint="use a .csv, .geojson or .gpkg file name")
    result = _evaluate(args)
    if args.site:
        result.site_index(args.site)  # fail early with a clear message
    if out is None:
        _print_table(result, args.lang, args.top)
    else:
        suffix = out.suffix.lower()
        if suffix == ".csv":
            result.to_csv(out, args.lang, swedish_excel=args.excel_sv)
        elif suffix == ".gpkg":
            result.to_gpkg(out, args.lang)
        else:
            result.to_geojson(out, args.lang)
        print(str(out))
    if args.provenance is not None:
        args.provenance.write_text(result.provenance_json(), encoding="utf-8")
    if args.site:
        print()
        print(result.explain(args.site, args.lang))
    print(_summary(result, args.lang), file=sys.stderr)
    return 0


def run_sensitivity(args: argparse.Namespace) -> int:
    """Run ``siting sensitivity``."""
    out: Path = args.out
    if out.suffix.lower() != ".csv":
        raise ScoringError.single(str(out), "the sensitivity output must be a .csv file",
                                  field="--out", hint="e.g. --out robustness.csv")
    if args.draws < 1:
        raise ScoringError.single("--draws", f"must be at least 1, got {args.draws}")
    if not out.parent.exists():
        raise ScoringError.single(str(out), "the output folder does not exist",
                                  hint="create the folder or choose another path")
    result = _evaluate(args)
    report = result.sensitivity(n_draws=args.draws, seed=args.seed)
    acc = report.acceptability.sort_values(["p_rank1", "p_top3", "rank"],
                                           ascending=[False, False, True], kind="stable")
    acc.to_csv(out, index=False, encoding="utf-8-sig")
    sweep_path = out.with_name(f"{out.stem}_sweep.csv")
    report.sweep.to_csv(sweep_path, index=False, encoding="utf-8-sig")
    print(str(out))
    print(str(sweep_path))
    top = acc.head(5)
    label = t("ranking.p_rank1", args.lang)
    for _, r in top.iterrows():
        if r["p_rank1"] > 0 or r["p_top3"] > 0:
            print(f"  {r['site_id']}: {label} = {r['p_rank1']:.3f}, P(top 3) = "
                  f"{r['p_top3']:.3f}", file=sys.stderr)
    print(_summary(result, args.lang), file=sys.stderr)
    return 0
