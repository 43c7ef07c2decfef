"""``siting admin``: organisations and people of a shared outcome log.

Examples
--------
::

    siting admin --db postgresql+psycopg://owner@host/log org add skelleftea \\
        --name "Skellefteå kommun" --kommun 2482
    siting admin org list
    siting admin user add anna@skelleftea.se --org skelleftea --role editor --password-env PW
    siting admin user role anna@skelleftea.se --org skelleftea --role admin
    siting admin user remove anna@skelleftea.se --org skelleftea
    siting admin user list --org skelleftea
    siting admin grant SE-2024-X bo@skelleftea.se

Who runs a command is the database role the connection authenticates as
(PostgreSQL) or the login (SQLite); the rights are checked by the store and,
on PostgreSQL, again by the database's row-level security.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from siting.core.errors import StoreError

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    """Add the ``admin`` subcommand."""
    p = subparsers.add_parser("admin", help="organisations, people and roles of the outcome log",
                              description="Manage organisations (network admin), members and "
                                          "their roles (organisation admins).")
    p.add_argument("--db", default=None, metavar="URL",
                   help="outcome-log URL or SQLite file (default: $SITING_DB_URL)")
    sub = p.add_subparsers(dest="admin_what", metavar="WHAT")
    sub.required = True

    org = sub.add_parser("org", help="organisations").add_subparsers(dest="admin_action")
    org.required = True
    add = org.add_parser("add", help="register an organisation (network admin)")
    add.add_argument("org_id", help="id (slug), e.g. skelleftea")
    add.add_argument("--name", required=True)
    add.add_argument("--kommun", dest="kommunkod", help="4-digit kommunkod")
    org.add_parser("list", help="list organisations")

    user = sub.add_parser("user", help="members and roles").add_subparsers(dest="admin_action")
    user.required = True
    uadd = user.add_parser("add", help="give a person a role in an organisation")
    uadd.add_argument("person", help="login / database role, e.g. anna@skelleftea.se")
    uadd.add_argument("--org", required=True)
    uadd.add_argument("--role", required=True, choices=("viewer", "editor", "admin"))
    uadd.add_argument("--password-env", metavar="VAR",
                      help="PostgreSQL: let the role log in with the password in $VAR")
    uadd.add_argument("--network-admin", action="store_true",
                      help="also make the person a network admin")
    urole = user.add_parser("role", help="change a member's role")
    urole.add_argument("person")
    urole.add_argument("--org", required=True)
    urole.add_argument("--role", required=True, choices=("viewer", "editor", "admin"))
    urem = user.add_parser("remove", help="end a membership")
    urem.add_argument("person")
    urem.add_argument("--org", required=True)
    ulist = user.add_parser("list", help="list members")
    ulist.add_argument("--org")
    user.add_parser("whoami", help="show who you are and your roles")

    grant = sub.add_parser("grant", help="let a named person read a confidential case")
    grant.add_argument("case_id")
    grant.add_argument("person")
    p.set_defaults(func=run)


def _password(args: argparse.Namespace) -> str | None:
    var = getattr(args, "password_env", None)
    if not var:
        return None
    value = os.environ.get(var, "")
    if not value:
        raise StoreError.single("--password-env", f"${var} is empty or not set",
                                hint=f"export {var}=... before the command")
    return value


def run(args: argparse.Namespace) -> int:
    """Execute one ``siting admin`` command."""
    from siting.outcomes import OutcomeStore, people

    what, act = args.admin_what, getattr(args, "admin_action", None)
    with OutcomeStore.open(args.db) as store:
        if what == "org" and act == "add":
            people.add_organisation(store, args.org_id, args.name, kommunkod=args.kommunkod)
            print(f"added organisation {args.org_id}")
        elif what == "org":
            for o in people.list_organisations(store):
                print(f"{o.id:<24} {o.kommunkod or '':<5} {o.name}")
        elif act == "add":
            people.add_user(store, args.person, args.org, args.role, password=_password(args),
                            network_admin=args.network_admin)
            print(f"{args.person} is {args.role} of {args.org}")
        elif act == "role":
            people.set_role(store, args.person, args.org, args.role)
            print(f"{args.person} is now {args.role} of {args.org}")
        elif act == "remove":
            people.remove_user(store, args.person, args.org)
            print(f"{args.person} is no longer a member of {args.org}")
        elif act == "list":
            for m in people.list_members(store, args.org):
                print(f"{m.organisation_id:<24} {m.role:<7} {m.person}")
        elif act == "whoami":
            me = store.whoami()
            roles = ", ".join(f"{r} of {o}" for o, r in sorted(me.roles.items())) or "no role"
            extra = " (network admin)" if me.network_admin else ""
            extra += " (full access: local mode or database owner)" if me.full else ""
            print(f"{me.user}: {roles}{extra}")
        elif what == "grant":
            people.grant_case(store, args.case_id, args.person)
            print(f"{args.person} may read {args.case_id}")
    return 0
