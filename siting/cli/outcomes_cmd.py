"""``siting outcomes``: the establishment outcome log from the command line.

Examples
--------
::

    siting outcomes seed --which demo
    siting outcomes list --industry battery --outcome won
    siting outcomes add --id SE-2024-X --title "Battery plant" --industry battery \\
        --kommun 2482 --outcome won --year-decided 2024 --lon 20.95 --lat 64.75 \\
        --soft responsiveness=5 planning_speed=4 --metric grid_capacity_10km_mw=450
    siting outcomes update SE-2024-X --outcome lost --soft site_control=2
    siting outcomes history SE-2024-X
    siting outcomes restore SE-2024-X 1
    siting outcomes export cases.xlsx
    siting outcomes verify
    siting outcomes redact SE-2024-X --fields notes soft_evidence --reason "erasure request"
    siting outcomes migrate --db postgresql+psycopg://owner:pw@host/db
    siting --help; siting outcomes --db postgresql+psycopg://u:pw@host/db list --json

Who makes a change is the authenticated identity: the database role of the
connection (PostgreSQL) or ``$SITING_USER`` / the login (SQLite). There is no
``--user`` flag any more (it is ignored with a message).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from siting.core.errors import StoreError
from siting.outcomes.access import LEVELS

if TYPE_CHECKING:  # pragma: no cover
    from siting.outcomes.store import OutcomeStore

__all__ = ["register", "run"]

_ACTIONS = ("add", "update", "list", "show", "history", "restore", "delete", "undelete", "import",
            "export", "seed", "verify", "redact", "migrate")


def _db_option(parser: argparse.ArgumentParser, default: Any) -> None:
    parser.add_argument("--db", default=default, metavar="URL",
                        help="outcome-log URL or SQLite file (default: $SITING_DB_URL or "
                             "outcomes.sqlite in the user data directory)")
    # the author is the authenticated identity; a free-text --user is ignored (see _ignored_user)
    parser.add_argument("--user", default=default, help=argparse.SUPPRESS)


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
    _case_options(add, for_update=False)
    upd = action("update", "change fields of a case (others stay as they are)")
    upd.add_argument("case_id")
    upd.add_argument("--expected-version", type=int,
                     help="the version you based the change on (default: the current one)")
    _case_options(upd, for_update=True)

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

    ver = action("verify", "check the audit trail's hash chain (changes, deletions, gaps)")
    ver.add_argument("case_id", nargs="?", help="only this case")

    red = action("redact", "purge text of a case's earlier revisions (admins; recorded)")
    red.add_argument("case_id")
    red.add_argument("--fields", nargs="+", default=["notes", "soft_evidence"],
                     help="fields to purge (default: notes soft_evidence)")
    red.add_argument("--reason", required=True, help="why (kept with who and when)")
    red.add_argument("--up-to", type=int, dest="up_to",
                     help="last revision to purge (default: all but the current one)")

    mig = action("migrate", "upgrade (or downgrade) the log's schema; back a shared log up first")
    mig.add_argument("--to", default="head", help="target revision (default: head)")


def _case_options(p: argparse.ArgumentParser, *, for_update: bool) -> None:
    """Options for the case fields; for ``update`` every one is optional and unset."""
    kw: dict[str, Any] = {"default": argparse.SUPPRESS} if for_update else {}
    req = not for_update
    if not for_update:
        p.add_argument("--id", dest="case_id", required=True, help="stable case id")
    p.add_argument("--title", required=req, **kw)
    p.add_argument("--industry", required=req, choices=("battery", "steel", "data_center",
                                                        "other"), **kw)
    p.add_argument("--kommun", dest="kommunkod", required=req, help="4-digit kommunkod", **kw)
    p.add_argument("--outcome", required=req, choices=("won", "lost", "withdrawn", "ongoing"),
                   **kw)
    p.add_argument("--profile", help="profile id, e.g. battery_plant", **kw)
    p.add_argument("--year-started", type=int, **kw)
    p.add_argument("--year-decided", type=int, **kw)
    where = p.add_mutually_exclusive_group()
    where.add_argument("--lonlat", nargs=2, type=float, metavar=("LON", "LAT"),
                       help="site point in WGS 84 degrees", **kw)
    where.add_argument("--xy", nargs=2, type=float, metavar=("X", "Y"),
                       help="site point in EPSG:3006 metres", **kw)
    where.add_argument("--wkt", help="site point or polygon as WKT in EPSG:3006", **kw)
    p.add_argument("--competing", nargs="*", metavar="KOMMUNKOD",
                   help="other municipalities that competed", **kw)
    for flag in ("--investment-msek", "--power-mw", "--land-ha", "--detaljplan-months",
                 "--permit-months"):
        p.add_argument(flag, type=float, **kw)
    p.add_argument("--jobs", type=int, **kw)
    p.add_argument("--soft", nargs="+", metavar="FACTOR=SCORE",
                   help="soft-factor scores 1..5, e.g. responsiveness=4 "
                        "(FACTOR= removes a score)", **kw)
    p.add_argument("--evidence", nargs="+", metavar="FACTOR=TEXT",
                   help="evidence behind a score, e.g. 'responsiveness=offer in a week'", **kw)
    p.add_argument("--metric", nargs="+", metavar="ID=VALUE",
                   help="metric snapshot values, e.g. dist_rail_m=1200 (ID= removes one)", **kw)
    p.add_argument("--metrics-vintage", **kw)
    p.add_argument("--decisive", nargs="*", metavar="TAG", **kw)
    p.add_argument("--notes", **kw)
    p.add_argument("--source", help="public source (URL or citation)", **kw)
    p.add_argument("--confidentiality", choices=LEVELS,
                   help="who may see it (default for a new case: internal)", **kw)
    fict = p.add_mutually_exclusive_group()
    fict.add_argument("--fictional", dest="is_fictional", action="store_true",
                      help="mark as a fictional case", **kw)
    if for_update:
        fict.add_argument("--not-fictional", dest="is_fictional", action="store_false", **kw)
    p.add_argument("--organisation", help="owning organisation id (default: yours)", **kw)
    p.add_argument("--comment", default="")


_OPTION_FIELDS = {
    "title": "title", "industry": "industry", "kommunkod": "kommunkod", "outcome": "outcome",
    "profile": "profile", "year_started": "year_started", "year_decided": "year_decided",
    "competing": "competing_kommuner", "investment_msek": "investment_msek", "jobs": "jobs",
    "power_mw": "power_mw", "land_ha": "land_ha", "detaljplan_months": "detaljplan_months",
    "permit_months": "permit_months", "metrics_vintage": "metrics_vintage",
    "decisive": "decisive_factors", "notes": "notes", "source": "source",
    "confidentiality": "confidentiality", "is_fictional": "is_fictional",
    "organisation": "organisation",
}


def _filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--industry", choices=("battery", "steel", "data_center", "other"))
    parser.add_argument("--outcome", choices=("won", "lost", "withdrawn", "ongoing"))
    parser.add_argument("--kommun", dest="kommunkod", help="4-digit kommunkod")
    parser.add_argument("--exclude-fictional", action="store_true")
    parser.add_argument("--confidentiality", nargs="+", metavar="LEVEL",
                        choices=LEVELS,
                        help="only these levels, e.g. --confidentiality public before sharing")


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


def _geometry_from_args(args: argparse.Namespace) -> tuple[bool, str | None]:
    """(given, WKT) from --wkt / --xy / --lonlat."""
    import shapely

    from siting.outcomes.importexport import flat_to_case_dict

    if getattr(args, "wkt", None):
        return True, args.wkt
    if getattr(args, "xy", None):
        return True, shapely.Point(*args.xy).wkt
    if getattr(args, "lonlat", None):
        converted, problems = flat_to_case_dict(
            {"lon": args.lonlat[0], "lat": args.lonlat[1]}, source="command line",
            location="--lonlat")
        if problems:
            raise StoreError.from_problems("Invalid site position", problems)
        return True, converted.get("geometry_wkt")
    return False, None


def _merge(current: dict[str, Any], pairs: dict[str, str]) -> dict[str, Any]:
    out = dict(current)
    for key, value in pairs.items():
        if value == "":
            out.pop(key, None)
        else:
            out[key] = value
    return out


def _case_data(args: argparse.Namespace, base: dict[str, Any]) -> dict[str, Any]:
    data = dict(base)
    for option, fld in _OPTION_FIELDS.items():
        if hasattr(args, option) and getattr(args, option) is not None:
            data[fld] = getattr(args, option)
    for option, fld in (("soft", "soft"), ("evidence", "soft_evidence"), ("metric", "metrics")):
        if getattr(args, option, None):
            data[fld] = _merge(data.get(fld) or {}, _pairs(getattr(args, option), f"--{option}"))
    given, wkt = _geometry_from_args(args)
    if given:
        data["geometry_wkt"] = wkt
    return data


def _add(store: Any, args: argparse.Namespace) -> int:
    from siting.outcomes import case_from_dict

    data = _case_data(args, {"case_id": args.case_id})
    case = case_from_dict(data, source="command line")
    saved = store.add(case, comment=args.comment)
    print(f"added {saved.case_id} (version {saved.meta.version})")
    return 0


def _update(store: Any, args: argparse.Namespace) -> int:
    from siting.outcomes import case_from_dict, case_to_dict

    current = store.get(args.case_id)
    case = case_from_dict(_case_data(args, case_to_dict(current)), source="command line",
                          location=f"case {args.case_id}")
    expected = args.expected_version or current.meta.version
    saved = store.update(case, expected_version=expected, comment=args.comment)
    if saved.meta.version == current.meta.version:
        print(f"{saved.case_id}: nothing changed (version {saved.meta.version})")
    else:
        print(f"updated {saved.case_id} (version {saved.meta.version})")
    return 0


def _list(store: Any, args: argparse.Namespace) -> list[Any]:
    return store.list(industry=args.industry, outcome=args.outcome, kommunkod=args.kommunkod,
                      include_deleted=getattr(args, "include_deleted", False),
                      include_fictional=not args.exclude_fictional,
                      confidentiality=args.confidentiality)


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


def _ignored_user(store: Any, args: argparse.Namespace) -> None:
    if getattr(args, "user", None):
        print(f"note: --user is ignored; changes are recorded as {store.whoami().user} "
              "(the database role you connect as, or $SITING_USER / your login locally)",
              file=sys.stderr)


def _import_with_bar(store: Any, path: str) -> Any:
    """Import with a tqdm progress bar on a terminal (rows counted, then validated and written in batches)."""
    from tqdm import tqdm

    from siting.outcomes import import_file

    bar = tqdm(total=0, unit="case", desc="importing", file=sys.stderr,
               disable=not sys.stderr.isatty())

    def progress(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)

    try:
        return import_file(store, path, progress=progress)
    finally:
        bar.close()


def _migrate(args: argparse.Namespace) -> int:
    from siting.outcomes.database import default_url, make_engine, normalise_url, upgrade_schema

    engine = make_engine(normalise_url(args.db or default_url()))
    try:
        upgrade_schema(engine, args.to, confirmed=True)
    finally:
        engine.dispose()
    print(f"the outcome log's schema is at {args.to}")
    return 0


def _trail(store: Any, args: argparse.Namespace) -> int:
    from siting.outcomes import trail

    if args.outcomes_action == "redact":
        red = trail.redact(store, args.case_id, args.fields, reason=args.reason,
                           up_to_revision=args.up_to)
        print(f"redacted {', '.join(red.fields)} of {red.case_id} revisions 1..{red.up_to_revision}"
              f" (by {red.redacted_by}: {red.reason})")
        return 0
    problems = trail.verify(store, args.case_id)
    for problem in problems:
        print(str(problem))
    if problems:
        print(f"the audit trail was changed outside siting: {len(problems)} problem(s)",
              file=sys.stderr)
        return 1
    print("audit trail intact")
    return 0


def _history(store: OutcomeStore, args: argparse.Namespace) -> int:
    revisions = store.history(args.case_id)
    if args.json:
        _json([{"revision_no": r.revision_no, "action": r.action,
                "changed_by": r.changed_by, "changed_at": r.changed_at.isoformat(),
                "comment": r.comment, "snapshot": r.snapshot} for r in revisions])
        return 0
    rows = []
    for i, r in enumerate(revisions):
        changed = r.changed_fields(revisions[i - 1] if i else None)
        shown = ", ".join(changed[:6]) + (" …" if len(changed) > 6 else "")
        rows.append([str(r.revision_no), r.action, r.changed_by,
                     f"{r.changed_at:%Y-%m-%d %H:%M:%S}",
                     "(new case)" if i == 0 else shown, r.comment])
    print(_table(rows, ["rev", "action", "by", "at (UTC)", "changed", "comment"]))
    from siting.outcomes.trail import redactions

    for red in redactions(store, args.case_id):
        print(f"redacted {', '.join(red.fields)} of revisions 1..{red.up_to_revision} "
              f"by {red.redacted_by} at {red.redacted_at:%Y-%m-%d %H:%M} UTC: "
              f"{red.reason}")
    return 0


def run(args: argparse.Namespace) -> int:
    """Execute one ``siting outcomes`` action; returns the exit code."""
    from siting.outcomes import OutcomeStore, export_cases, seed_store

    act = args.outcomes_action
    if act == "migrate":
        return _migrate(args)
    with OutcomeStore.open(args.db) as store:
        _ignored_user(store, args)
        if act in ("verify", "redact"):
            return _trail(store, args)
        if act == "add":
            return _add(store, args)
        if act == "update":
            return _update(store, args)
        if act == "list":
            cases = _list(store, args)
            if args.json:
                _json([_case_json(c) for c in cases])
                return 0
            rows = [[c.case_id, c.industry, c.kommunkod, c.outcome,
                     "" if c.year_decided is None else str(c.year_decided),
                     c.organisation, c.confidentiality,
                     "deleted" if c.meta and c.meta.is_deleted else "",
                     c.title if len(c.title) <= 50 else c.title[:49] + "…"] for c in cases]
            print(_table(rows, ["case_id", "industry", "kommun", "outcome", "decided",
                                "organisation", "level", "", "title"]))
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
            return _history(store, args)
        if act == "restore":
            case = store.restore(args.case_id, args.revision, comment=args.comment)
            assert case.meta is not None  # a stored case always carries its meta
            print(f"restored {case.case_id} to revision {args.revision} "
                  f"(now version {case.meta.version})")
            return 0
        if act == "delete":
            case = store.delete(args.case_id, comment=args.comment)
            print(f"deleted {case.case_id} (undo: siting outcomes undelete {case.case_id})")
            return 0
        if act == "undelete":
            case = store.undelete(args.case_id, comment=args.comment)
            print(f"undeleted {case.case_id}")
            return 0
        if act == "import":
            report = _import_with_bar(store, args.file)
            print(f"imported {args.file}: {report.summary()}")
            return 0
        if act == "export":
            cases = _list(store, args)
            export_cases(cases, args.file, swedish_csv=args.swedish_csv)
            print(f"exported {len(cases)} case(s) to {args.file}")
            return 0
        if act == "seed":
            report = seed_store(store, args.which)
            print(f"seeded ({args.which}): {report.summary()}")
            return 0
    print(f"unknown action {act!r}", file=sys.stderr)  # pragma: no cover - argparse guards
    return 2
