"""``siting sites ...`` and ``siting layers add``: the organisation's own sites and layers.

Examples::

    siting sites add mina_platser.gpkg --layer kandidater --name-field namn
    siting sites list
    siting sites edit S2 --zoning industrial --capacity-mw 150 \\
        --capacity-source "Skellefteå Kraft" --capacity-date 2026-11-20
    siting sites remove S2
    siting sites restore S2            # bring it back (or --revision N for an old state)
    siting layers add stationer.gpkg --type substations --map voltage_kv=spanning \\
        --map available_capacity_mw=ledig_mw --title "Nätägarens stationer"

Everything is stored in the outcome-log database (``--db``, default ``$SITING_DB_URL``
or the user data dir) with a revision per change; an import saves every site or none.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import Any

from siting.core.errors import DataError, Problem

__all__ = ["add_workspace_args", "open_workspace", "register", "workspace_content"]


def add_workspace_args(p: argparse.ArgumentParser, *, toggle: bool = False) -> None:
    """``--db``, ``--org`` (and ``--no-workspace`` for the analysis commands)."""
    p.add_argument("--db", default=None, metavar="URL|FILE",
                   help="outcome log holding the workspace (SQLAlchemy URL or SQLite file; "
                        "default: $SITING_DB_URL or outcomes.sqlite in the user data dir)")
    p.add_argument("--org", default="local", metavar="ID",
                   help="organisation whose workspace is used (default: local)")
    if toggle:
        p.add_argument("--no-workspace", action="store_true",
                       help="leave the workspace's own sites and layers out")
    else:
        p.add_argument("--lang", dest="error_lang", choices=("sv", "en"), default="sv",
                       help="language of messages (default sv)")


def open_workspace(args: argparse.Namespace) -> Any:
    """The :class:`~siting.outcomes.workspace_store.WorkspaceStore` named by the arguments."""
    from siting.outcomes.workspace_store import WorkspaceStore

    ws = WorkspaceStore.open(args.db, organisation_id=args.org)
    if getattr(args, "user", None):  # the author is the identity, never a free-text flag
        print(f"note: --user is ignored; changes are recorded as {ws.whoami().user} "
              "(the database role you connect as, or $SITING_USER / your login locally)",
              file=sys.stderr)
        args.user = None
    return ws


def _default_store_exists() -> bool:
    from sqlalchemy.engine import make_url

    from siting.outcomes.store import default_url

    url = make_url(default_url()) if "://" in default_url() else None
    if url is None or url.get_backend_name() != "sqlite":
        return True
    if not url.database:
        return False
    return Path(url.database).is_file()


def workspace_content(args: argparse.Namespace) -> tuple[list[Any], list[Any]]:
    """(kept sites, kept layers) of the workspace; empty with ``--no-workspace``."""
    if getattr(args, "no_workspace", False):
        return [], []
    if args.db is None and not _default_store_exists():
        return [], []  # nobody has saved anything yet: do not create a database for reading
    with open_workspace(args) as ws:
        return ws.list_sites(), ws.list_layers()


def register(subparsers: Any) -> None:
    """Add ``sites`` (and ``layers add`` / ``layers workspace`` via :func:`register_layers`)."""
    sites = subparsers.add_parser("sites", help="the organisation's own candidate sites",
                                  description=__doc__,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = sites.add_subparsers(dest="sites_command", metavar="ACTION")
    sub.required = True

    add = sub.add_parser("add", help="import sites from a file (all or none)")
    add.add_argument("file", type=Path)
    add.add_argument("--layer", default=None, help="layer of a GeoPackage/KML with several")
    add.add_argument("--name-field", default=None, help="column holding the site names")
    _read_args(add)
    add_workspace_args(add)
    add.set_defaults(func=_run_add)

    lst = sub.add_parser("list", help="list the sites")
    lst.add_argument("--deleted", action="store_true", help="include removed sites")
    add_workspace_args(lst)
    lst.set_defaults(func=_run_list)

    edit = sub.add_parser("edit", help="change a site's attributes")
    edit.add_argument("site_id")
    edit.add_argument("--name", default=None)
    edit.add_argument("--zoning", choices=("none", "in_progress", "adopted", "industrial"),
                      default=None, help="detaljplan: none, in_progress, adopted (= industrial)")
    edit.add_argument("--owner", choices=("municipal", "private", "state"), default=None)
    edit.add_argument("--capacity-mw", type=float, default=None,
                      help="confirmed available grid capacity in MW")
    edit.add_argument("--capacity-source", default=None, help="who confirmed the capacity")
    edit.add_argument("--capacity-date", default=None, help="when (YYYY-MM-DD)")
    edit.add_argument("--notes", default=None)
    edit.add_argument("--user", default=None, help=argparse.SUPPRESS)
    add_workspace_args(edit)
    edit.set_defaults(func=_run_edit)

    for name, helptext, func in (("remove", "remove a site (reversible)", _run_remove),
                                 ("restore", "bring a removed site back, or an old state",
                                  _run_restore),
                                 ("history", "the revisions of a site", _run_history)):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("site_id")
        if name == "restore":
            p.add_argument("--revision", type=int, default=None,
                           help="revision number to bring back (default: undo the removal)")
        p.add_argument("--user", default=None, help=argparse.SUPPRESS)
        add_workspace_args(p)
        p.set_defaults(func=func)


def register_layers(layers_sub: Any) -> None:
    """Add ``layers add`` and ``layers workspace`` to the ``layers`` command."""
    add = layers_sub.add_parser("add", help="save an own layer into the workspace")
    add.add_argument("file", type=Path)
    add.add_argument("--type", required=True, dest="layer_type",
                     help="canonical layer type, e.g. substations, flood_zones")
    add.add_argument("--map", action="append", default=[], metavar="FIELD=COLUMN",
                     help="map a canonical field onto a column of the file (repeatable)")
    add.add_argument("--title", default="", help="title shown in the app and reports")
    add.add_argument("--theme", default=None, help="theme (default: the type's theme)")
    add.add_argument("--layer", default=None, help="layer of a GeoPackage with several")
    add.add_argument("--coverage", default="",
                     help="kommunkoder where this layer decides (default: where its features are)")
    add.add_argument("--vintage", default="", help="date of the data (YYYY-MM-DD)")
    _read_args(add)
    add_workspace_args(add)
    add.set_defaults(func=_run_layer_add)

    lst = layers_sub.add_parser("workspace", help="list the workspace's own layers")
    add_workspace_args(lst)
    lst.set_defaults(func=_run_layer_list)


def _read_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--crs", default=None, choices=("EPSG:3006", "EPSG:4326"),
                   help="CRS of a file without one, or of a table's coordinates")
    p.add_argument("--x", default=None, metavar="COLUMN", help="x/lon column of a table")
    p.add_argument("--y", default=None, metavar="COLUMN", help="y/lat column of a table")
    p.add_argument("--user", default=None, help=argparse.SUPPRESS)
    p.add_argument("--level", choices=("public", "network", "internal", "confidential"),
                   default="internal", help="who may see it (default: internal)")


def _coords(args: argparse.Namespace) -> tuple[str, str] | None:
    if (args.x is None) != (args.y is None):
        raise DataError.keyed("problem.sites.half_coordinate", "--x/--y", field="x/y")
    return (args.x, args.y) if args.x else None


def _run_add(args: argparse.Namespace) -> int:
    from siting.data.workspace_import import sites_from_file

    sites = [dataclasses.replace(s, level=args.level) for s in sites_from_file(
        args.file, layer=args.layer, name_field=args.name_field, crs=args.crs,
        coords=_coords(args))]
    with open_workspace(args) as ws:
        saved = ws.add_sites(sites, user=args.user, comment=f"import {args.file.name}",
                             source=args.file.name)
    for s in saved:
        print(f"{s.site_id}\t{s.name}")
    print(f"{len(saved)} sites saved", file=sys.stderr)
    return 0


def _run_list(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        sites = ws.list_sites(include_deleted=args.deleted)
    print("id\tname\tzoning\towner\tgrid_capacity_mw\tsource\tlevel\tdeleted")
    for s in sites:
        cap = "" if s.grid_capacity_mw is None else f"{s.grid_capacity_mw:g}"
        gone = "yes" if s.meta and s.meta.deleted_at else ""
        print(f"{s.site_id}\t{s.name}\t{s.zoning}\t{s.owner or ''}\t{cap}\t{s.source}\t"
              f"{s.level}\t{gone}")
    return 0


def _run_edit(args: argparse.Namespace) -> int:
    changes: dict[str, Any] = {}
    for key, attr in (("name", "name"), ("owner", "owner"), ("notes", "notes"),
                      ("capacity_mw", "grid_capacity_mw"),
                      ("capacity_source", "grid_capacity_source"),
                      ("capacity_date", "grid_capacity_date")):
        if getattr(args, key) is not None:
            changes[attr] = getattr(args, key)
    if args.zoning is not None:
        changes["zoning"] = "industrial" if args.zoning == "adopted" else args.zoning
    if not changes:
        raise DataError.keyed("problem.sites.nothing_to_change", "sites edit")
    with open_workspace(args) as ws:
        site = ws.get_site(args.site_id)
        saved = ws.update_site(dataclasses.replace(site, **changes), user=args.user)
    print(f"{saved.site_id}\t{saved.name}\tversion {saved.meta.version if saved.meta else '?'}")
    return 0


def _run_remove(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        site = ws.delete_site(args.site_id, user=args.user)
    print(f"{site.site_id}\t{site.name}\tremoved (siting sites restore {site.site_id})")
    return 0


def _run_restore(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        if args.revision is None:
            site = ws.undelete_site(args.site_id, user=args.user)
        else:
            site = ws.restore_site(args.site_id, args.revision, user=args.user)
    print(f"{site.site_id}\t{site.name}\trestored")
    return 0


def _run_history(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        revs = ws.site_history(args.site_id)
    for rev in revs:
        print(f"{rev.revision_no}\t{rev.action}\t{rev.changed_by}\t"
              f"{rev.changed_at:%Y-%m-%d %H:%M}\t{rev.comment}")
    return 0


def _parse_map(items: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    problems = []
    for item in items:
        key, sep, val = item.partition("=")
        if not sep or not key.strip() or not val.strip():
            problems.append(Problem("--map", item, "", "expected FIELD=COLUMN",
                                    "e.g. --map voltage_kv=spanning", "väntade FÄLT=KOLUMN",
                                    "t.ex. --map voltage_kv=spanning"))
            continue
        out[key.strip()] = val.strip()
    if problems:
        raise DataError.from_problems("Invalid --map", problems)
    return out


def _run_layer_add(args: argparse.Namespace) -> int:
    from siting.data.workspace_import import layer_from_file

    coverage = tuple(c.strip().zfill(4) for c in args.coverage.split(",") if c.strip())
    layer = layer_from_file(args.file, args.layer_type, field_map=_parse_map(args.map),
                            title=args.title, theme=args.theme, layer=args.layer, crs=args.crs,
                            coords=_coords(args), coverage=coverage, vintage=args.vintage)
    layer = dataclasses.replace(layer, level=args.level)
    with open_workspace(args) as ws:
        saved = ws.add_layer(layer, user=args.user, comment=f"upload {args.file.name}")
    print(f"{saved.layer_id}\t{saved.title}\t{saved.type}\t{saved.n_features} features")
    return 0


def _run_layer_list(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        layers = ws.list_layers()
    print("id\ttitle\ttype\ttheme\tfeatures\tcoverage\tsource")
    for lyr in layers:
        print(f"{lyr.layer_id}\t{lyr.title}\t{lyr.type}\t{lyr.theme}\t{lyr.n_features}\t"
              f"{','.join(lyr.coverage)}\t{lyr.source}")
    return 0
