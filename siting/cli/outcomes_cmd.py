"""``siting outcomes``: the establishment outcome log from the command line.

Examples
--------
::

    siting outcomes seed --which demo
    siting outcomes list --industry battery --outcome won
    siting outcomes add --id SE-2024-X --title "Battery plant" --industry battery \\
        --kommun 2482 --outcome won --year-decided 2024 --lon 20.95 --lat 64.75 \\
        --soft responsiveness=5 planning_speed=4 --metric grid_capacity_10km_mw=450
    siting outcomes history SE-2024-X
    siting outcomes restore SE-2024-X 1
    siting outcomes export cases.xlsx
    siting --help; siting outcomes --db postgresql+psycopg://u:pw@host/db list --json
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from siting.errors import StoreError

__all__ = ["register", "run"]

_ACTIONS = ("add", "list", "show", "history", "restore", "delete", "undelete", "import",
            "export", "seed")


def _db_option(parser: argparse.ArgumentParser, default: Any) -> None:
    parser.add_argument("--db", default=default, metavar="URL",
                        help="outcome-log URL or SQLite file (default: $SITING_DB_URL or "
                             "outcomes.sqlite in the user data directory)")
    parser.add_argument("--user", default=default,
                        help="who is making the change (default: $SITING_USER or the login)")


def register(subparsers: Any) -> None:
    """Add the ``outcomes`` subcommand and its actions."""
    p = subparsers.add_parser(
        "outcomes", help="the log of past establishment processes (cases, history, import)",
        description="Record, browse, import and export past establishment processes. Every "
                    "change is kept as a revision; deletes are reversible.")
    _db_option(p, None)
    sub = p.add_subparsers(dest="outcomes_action", metavar="ACTION")
    sub.required = True

    def action(name: str, help_text: str) -> argparse.ArgumentParser:
        parser = sub.add_parser(name, help=help_text, description=help_text)
        _db_option(parser, argparse.SUPPRESS)
        parser.set_defaults(func=run)
        return parser

    add = action("add", "add a new case")
    add.add_argument("--id", dest="case_id", required=True, help="stable case id")
    add.add_argument("--title", required=True)
    add.add_argument("--industry", required=True,
                     choices=("battery", "steel", "data_center", "other"))
    add.add_argument("--kommun", dest="kommunkod", required=True, help="4-digit kommunkod")
    add.add_argument("--outcome", required=True, choices=("won", "lost", "withdrawn", "ongoing"))
    add.add_argument("--profile", help="profile id, e.g. battery_plant")
    add.add_argument("--year-started", type=int)
    add.add_argument("--year-decided", type=int)
    where = add.add_mutually_exclusive_group()
    where.add_argument("--lonlat", nargs=2, type=float, metavar=("LON", "LAT"),
                       help="site point in WGS 84 degrees")
    where.add_argument("--xy", nargs=2, type=float, metavar=("X", "Y"),
                       help="site point in EPSG:3006 metres")
    where.add_argument("--wkt", help="site point or polygon as WKT in EPSG:3006")
    add.add_argument("--competing", nargs="+", default=[], metavar="KOMMUNKOD",
                     help="other municipalities that competed")
    for flag in ("--investment-msek", "--power-mw", "--land-ha", "--detaljplan-months",
                 "--permit-months"):
        add.add_argument(flag, type=float)
    add.add_argument("--jobs", type=int)
    add.add_argument("--soft", nargs="+", default=[], metavar="FACTOR=SCORE",
                     help="soft-factor scores 1..5, e.g. responsiveness=4")
    add.add_argument("--evidence", nargs="+", default=[], metavar="FACTOR=TEXT",
                     help="evidence behind a score, e.g. 'responsiveness=offer in a week'")
    add.add_argument("--metric", nargs="+", default=[], metavar="ID=VALUE",
                     help="metric snapshot values, e.g. dist_rail_m=1200")
    add.add_argument("--metrics-vintage", default="")
    add.add_argument("--decisive", nargs="+", default=[], metavar="TAG")
    add.add_argument("--notes", default="")
    add.add_argument("--source", default="", help="public source (URL or citation)")
    add.add_argument("--confidentiality", default="internal",
                     choices=("public", "internal", "confidential"))
    add.add_argument("--fictional", action="store_true", help="mark as a fictional case")
    add.add_argument("--organisation", default="")
    add.add_argument("--comment", default="")

    lst = action("list", "list cases as a table (or JSON)")
    _filters(lst)
    lst.add_argument("--include-deleted", action="store_true")
    lst.add_argument("--json", action="store_true", help="print JSON")

    show = action("show", "show one case with every field")
    show.add_argument("case_id")
    show.add_argument("--json", action="store_true")

    hist = action("history", "list a case's revisions")
    hist.add_argument("case_id")
    hist.add_argument("--json", action="store_true", help="include the full snapshots")

    rest = action("restore", "write an old revision's state as a new revision")
    rest.add_argument("case_id")
    rest.add_argument("revision", type=int)
    rest.add_argument("--comment", default="")

    dele = action("delete", "soft-delete a case (reversible)")
    dele.add_argument("case_id")
    dele.add_argument("--comment", default="")

    undel = action("undelete", "bring back a deleted case")
    undel.add_argument("case_id")
    undel.add_argument("--comment", default="")

    imp = action("import", "import cases from .csv, .xlsx or .gpkg (all rows or none)")
    imp.add_argument("file")

    exp = action("export", "export cases; the format follows the extension (.csv/.xlsx/.gpkg)")
    exp.add_argument("file")
    _filters(exp)
    exp.add_argument("--swedish-csv", action="store_true",
                     help="CSV with ';' and decimal comma (Swedish Excel)")

    seed = action("seed", "load the seed cases (idempotent)")
    seed.add_argument("--which", choices=("real", "demo", "all"), default="all")


def _filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--industry", choices=("battery", "steel", "data_center", "other"))
    parser.add_argument("--outcome", choices=("won", "lost", "withdrawn", "ongoing"))
    parser.add_argument("--kommun", dest="kommunkod", help="4-digit kommunkod")
    parser.add_argument("--exclude-fictional", action="store_true")


def _pairs(items: list[str], option: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise StoreError.single("command line", f"{item!r} is not KEY=VALUE",
                                    field=option, hint=f"write e.g. {option} responsiveness=4")
        out[key.strip()] = value.strip()
    return out


def _json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _case_json(case: Any) -> dict[str, Any]:
    from siting.outcomes import case_to_dict

    data = case_to_dict(case)
    if case.meta is not None:
        data["meta"] = {"version": case.meta.version, "created_by": case.meta.created_by,
                        "created_at": case.meta.created_at.isoformat(),
                        "updated_by": case.meta.updated_by,
                        "updated_at": case.meta.updated_at.isoformat(),
                        "deleted_at": None if case.meta.deleted_at is None
                        else case.meta.deleted_at.isoformat()}
    return data


def _table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(v).ljust(w) for v, w in zip(header, widths, strict=True)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(str(v).ljust(w) for v, w in zip(r, widths, strict=True)).rstrip()
              for r in rows]
    return "\n".join(lines)


def _add(store: Any, args: argparse.Namespace) -> int:
    import shapely

    from siting.outcomes import case_from_dict
    from siting.outcomes.importexport import flat_to_case_dict

    geometry: str | None = args.wkt
    if args.xy:
        geometry = shapely.Point(*args.xy).wkt
    data: dict[str, Any] = {
        "case_id": args.case_id, "title": args.title, "industry": args.industry,
        "kommunkod": args.kommunkod, "outcome": args.outcome, "profile": args.profile,
        "year_started": args.year_started, "year_decided": args.year_decided,
        "competing_kommuner": args.competing, "investment_msek": args.investment_msek,
        "jobs": args.jobs, "power_mw": args.power_mw, "land_ha": args.land_ha,
        "detaljplan_months": args.detaljplan_months, "permit_months": args.permit_months,
        "metrics_vintage": args.metrics_vintage, "decisive_factors": args.decisive,
        "notes": args.notes, "source": args.source, "confidentiality": args.confidentiality,
        "is_fictional": args.fictional, "organisation": args.organisation,
        "soft": _pairs(args.soft, "--soft"), "soft_evidence": _pairs(args.evidence, "--evidence"),
        "metrics": _pairs(args.metric, "--metric"), "geometry_wkt": geometry,
    }
    if args.lonlat:
        converted, problems = flat_to_case_dict(
            {"lon": args.lonlat[0], "lat": args.lonlat[1]}, source="command line",
            location="--lonlat")
        if problems:
            raise StoreError.from_problems("Invalid site position", problems)
        data["geometry_wkt"] = converted.get("geometry_wkt")
    case = case_from_dict(data, source="command line")
    saved = store.add(case, user=args.user, comment=args.comment)
    print(f"added {saved.case_id} (version {saved.meta.version})")
    return 0


def _list(store: Any, args: argparse.Namespace) -> list[Any]:
    return store.list(industry=args.industry, outcome=args.outcome, kommunkod=args.kommunkod,
                      include_deleted=getattr(args, "include_deleted", False),
                      include_fictional=not args.exclude_fictional)


def _show(case: Any) -> str:
    from siting.outcomes.case import CONTENT_FIELDS

    lines = []
    for key in CONTENT_FIELDS:
        value = getattr(case, key)
        if isinstance(value, tuple):
            value = ", ".join(value)
        elif isinstance(value, dict):
            value = ", ".join(f"{k}={v}" for k, v in value.items())
        lines.append(f"{key:<20} {'' if value is None else value}")
    if case.meta is not None:
        m = case.meta
        lines.append(f"{'version':<20} {m.version}")
        lines.append(f"{'created':<20} {m.created_at:%Y-%m-%d %H:%M} UTC by {m.created_by}")
        lines.append(f"{'updated':<20} {m.updated_at:%Y-%m-%d %H:%M} UTC by {m.updated_by}")
        if m.deleted_at is not None:
            lines.append(f"{'deleted':<20} {m.deleted_at:%Y-%m-%d %H:%M} UTC")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Execute one ``siting outcomes`` action; returns the exit code."""
    from siting.outcomes import OutcomeStore, export_cases, import_file, seed_store

    act = args.outcomes_action
    with OutcomeStore.open(args.db) as store:
        if act == "add":
            return _add(store, args)
        if act == "list":
            cases = _list(store, args)
            if args.json:
                _json([_case_json(c) for c in cases])
                return 0
            rows = [[c.case_id, c.industry, c.kommunkod, c.outcome,
                     "" if c.year_decided is None else str(c.year_decided),
                     "deleted" if c.meta and c.meta.is_deleted else "",
                     c.title if len(c.title) <= 50 else c.title[:49] + "…"] for c in cases]
            print(_table(rows, ["case_id", "industry", "kommun", "outcome", "decided", "",
                                "title"]))
            print(f"{len(cases)} case(s)")
            return 0
        if act == "show":
            case = store.get(args.case_id, include_deleted=True)
            if args.json:
                _json(_case_json(case))
            else:
                print(_show(case))
            return 0
        if act == "history":
            revisions = store.history(args.case_id)
            if args.json:
                _json([{"revision_no": r.revision_no, "action": r.action,
                        "changed_by": r.changed_by, "changed_at": r.changed_at.isoformat(),
                        "comment": r.comment, "snapshot": r.snapshot} for r in revisions])
            else:
                print(_table([[str(r.revision_no), r.action, r.changed_by,
                               f"{r.changed_at:%Y-%m-%d %H:%M:%S}", r.comment]
                              for r in revisions],
                             ["rev", "action", "by", "at (UTC)", "comment"]))
            return 0
        if act == "restore":
            case = store.restore(args.case_id, args.revision, user=args.user,
                                 comment=args.comment)
            print(f"restored {case.case_id} to revision {args.revision} "
                  f"(now version {case.meta.version})")
            return 0
        if act == "delete":
            case = store.delete(args.case_id, user=args.user, comment=args.comment)
            print(f"deleted {case.case_id} (undo: siting outcomes undelete {case.case_id})")
            return 0
        if act == "undelete":
            case = store.undelete(args.case_id, user=args.user, comment=args.comment)
            print(f"undeleted {case.case_id}")
            return 0
        if act == "import":
            report = import_file(store, args.file, user=args.user)
            print(f"imported {args.file}: {report.summary()}")
            return 0
        if act == "export":
            cases = _list(store, args)
            export_cases(cases, args.file, swedish_csv=args.swedish_csv)
            print(f"exported {len(cases)} case(s) to {args.file}")
            return 0
        if act == "seed":
            report = seed_store(store, args.which, user=args.user or "siting-seed")
            print(f"seeded ({args.which}): {report.summary()}")
            return 0
    print(f"unknown action {act!r}", file=sys.stderr)  # pragma: no cover - argparse guards
    return 2
