"""Organisations, people and their roles; grants of confidential cases.

The functions check the caller's rights in Python (both backends) and, on
PostgreSQL, the row-level security policies check them again. On PostgreSQL a
person is a database role: :func:`add_user` creates it (the connecting role
needs ``CREATEROLE``), makes it a member of ``siting_member`` (the table
privileges) and lets ``siting_gateway`` (the app server) act as it.

Examples
--------
>>> import tempfile, pathlib
>>> from siting.outcomes import OutcomeStore
>>> store = OutcomeStore.open(str(pathlib.Path(tempfile.mkdtemp()) / "log.sqlite"))
>>> add_organisation(store, "skelleftea", "Skellefteå kommun", kommunkod="2482")
>>> add_user(store, "anna", "skelleftea", "editor")
>>> [(o.id, o.kommunkod) for o in list_organisations(store)]
[('local', None), ('skelleftea', '2482')]
>>> [(m.person, m.role) for m in list_members(store, "skelleftea")]
[('anna', 'editor')]
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from siting.core.errors import StoreError
from siting.outcomes.access import (
    GATEWAY_ROLE,
    MEMBER_ROLE,
    ROLES,
    Access,
    is_org_id,
    quote_ident,
)
from siting.outcomes.field_checks import ProblemCollector, check_kommunkod
from siting.outcomes.models import (
    AccessGrantRow,
    CaseRow,
    MembershipRow,
    OrganisationRow,
    PersonRow,
)
from siting.outcomes.store import OutcomeStore

__all__ = [
    "Member",
    "Organisation",
    "add_organisation",
    "add_user",
    "grant_case",
    "list_members",
    "list_organisations",
    "remove_user",
    "set_role",
]

_PERSON_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9@._+\-]{0,62}$")


@dataclass(frozen=True)
class Organisation:
    """A member organisation."""

    id: str
    name: str
    kommunkod: str | None


@dataclass(frozen=True)
class Member:
    """A person's role in an organisation."""

    person: str
    organisation_id: str
    role: str


def _refuse(store: OutcomeStore, key: str, **params: str) -> StoreError:
    """The refusal ``problem.people.<key>`` (Swedish and English in the locale files)."""
    return StoreError.keyed(f"problem.people.{key}", store.url, **params)


def _need_admin(store: OutcomeStore, access: Access, org: str | None) -> None:
    if access.manages_network or (org is not None and access.may_manage(org)):
        return
    if org:
        raise _refuse(store, "not_admin", user=access.user, org=org)
    raise _refuse(store, "not_network_admin", user=access.user)


def add_organisation(store: OutcomeStore, org_id: str, name: str, *,
                     kommunkod: str | None = None) -> None:
    """Register a member organisation (network admins only)."""
    if not is_org_id(org_id):
        raise _refuse(store, "bad_org_id", org=org_id)
    if kommunkod is not None:  # the one kommun check of case fields
        col = ProblemCollector(store.url, f"organisation {org_id}")
        check_kommunkod(kommunkod, "kommunkod", col)
        if col.problems:
            raise StoreError.from_problems(str(col.problems[0]), col.problems)
    if not name.strip() or "\x00" in name or len(name) > 300:
        raise _refuse(store, "org_name")
    with store.transaction() as (session, access):
        if not access.manages_network:
            raise _refuse(store, "not_network_admin", user=access.user)
        if session.get(OrganisationRow, org_id) is not None:
            raise _refuse(store, "org_exists", org=org_id)
        session.add(OrganisationRow(id=org_id, name=name.strip(), kommunkod=kommunkod))


def list_organisations(store: OutcomeStore) -> list[Organisation]:
    """Every organisation, by id."""
    with store.transaction(write=False) as (session, _access):
        return [Organisation(o.id, o.name, o.kommunkod) for o in session.scalars(
            select(OrganisationRow).order_by(OrganisationRow.id))]


def list_members(store: OutcomeStore, org: str | None = None) -> list[Member]:
    """Memberships (of one organisation when ``org`` is given), by person."""
    stmt = select(MembershipRow).order_by(MembershipRow.organisation_id, MembershipRow.person)
    if org:
        stmt = stmt.where(MembershipRow.organisation_id == org)
    with store.transaction(write=False) as (session, _access):
        return [Member(m.person, m.organisation_id, m.role) for m in session.scalars(stmt)]


def _ensure_db_role(session: Session, store: OutcomeStore, name: str,
                    password: str | None) -> None:
    """Create the person's database role if missing; give it the member privileges."""
    exists = session.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"),
                             {"n": name}).first()
    role = quote_ident(name)
    try:
        if not exists:
            login = "LOGIN" if password else "NOLOGIN"
            session.execute(text(f"CREATE ROLE {role} {login} NOSUPERUSER NOBYPASSRLS"))
        if password:
            session.execute(text(f"ALTER ROLE {role} LOGIN PASSWORD "
                                 f"'{password.replace(chr(39), chr(39) * 2)}'"))
        session.execute(text(f"GRANT {MEMBER_ROLE} TO {role}"))
        session.execute(text(f"GRANT {role} TO {GATEWAY_ROLE}"))
    except StoreError:
        raise
    except Exception as exc:  # noqa: BLE001 - the DB's refusal, made readable
        raise _refuse(store, "db_role", name=name,
                      reason=str(getattr(exc, "orig", exc)).splitlines()[0],
                      sql=f"CREATE ROLE {role} LOGIN PASSWORD '...'; GRANT {MEMBER_ROLE} TO "
                          f"{role}; GRANT {role} TO {GATEWAY_ROLE};") from exc


def add_user(store: OutcomeStore, person: str, org: str, role: str, *,
             password: str | None = None, network_admin: bool = False) -> None:
    """Give ``person`` ``role`` in ``org`` (creating the person, and on PostgreSQL its role).

    Parameters
    ----------
    person : str
        Login / database role name, e.g. ``anna@skelleftea.se``.
    org, role : str
        Organisation id and one of ``viewer``, ``editor``, ``admin``.
    password : str, optional
        PostgreSQL only: let the role log in (CLI use) with this password;
        without it the role can only be used through the app (``siting_gateway``).
    network_admin : bool
        Make the person a network admin (network admins only).
    """
    if not _PERSON_RE.match(person):
        raise _refuse(store, "bad_person", person=person)
    if role not in ROLES:
        raise _refuse(store, "unknown_role", role=role, roles=", ".join(ROLES))
    with store.transaction() as (session, access):
        _need_admin(store, access, None if network_admin else org)
        if session.get(OrganisationRow, org) is None:
            raise _refuse(store, "no_org", org=org)
        if store.dialect == "postgresql":
            _ensure_db_role(session, store, person, password)
        row = session.get(PersonRow, person)
        if row is None:
            session.add(PersonRow(name=person, network_admin=network_admin))
        elif network_admin:
            row.network_admin = True
        session.flush()
        member = session.get(MembershipRow, (person, org))
        if member is None:
            session.add(MembershipRow(person=person, organisation_id=org, role=role))
        else:
            member.role = role


def set_role(store: OutcomeStore, person: str, org: str, role: str) -> None:
    """Change ``person``'s role in ``org``."""
    if role not in ROLES:
        raise _refuse(store, "unknown_role", role=role, roles=", ".join(ROLES))
    with store.transaction() as (session, access):
        _need_admin(store, access, org)
        member = session.get(MembershipRow, (person, org))
        if member is None:
            raise _refuse(store, "not_member", person=person, org=org)
        member.role = role


def remove_user(store: OutcomeStore, person: str, org: str) -> None:
    """End ``person``'s membership of ``org`` (their recorded changes stay)."""
    with store.transaction() as (session, access):
        _need_admin(store, access, org)
        member = session.get(MembershipRow, (person, org))
        if member is None:
            raise _refuse(store, "not_member", person=person, org=org)
        session.delete(member)


def grant_case(store: OutcomeStore, case_id: str, person: str) -> None:
    """Let ``person`` read the confidential case ``case_id`` (admins of its organisation)."""
    with store.transaction() as (session, access):
        row = session.scalars(select(CaseRow).where(CaseRow.case_id == case_id)).one_or_none()
        if row is None or not access.can_read(row.organisation, row.confidentiality,
                                              ("outcome_case", case_id)):
            raise _refuse(store, "no_case", case_id=case_id)
        _need_admin(store, access, row.organisation)
        if session.get(PersonRow, person) is None:  # a typo must not grant nobody silently
            raise _refuse(store, "no_person", person=person)
        if session.get(AccessGrantRow, ("outcome_case", case_id, person)) is None:
            session.add(AccessGrantRow(table_name="outcome_case", row_key=case_id,
                                       person=person, organisation_id=row.organisation,
                                       granted_by=access.user,
                                       granted_at=dt.datetime.now(dt.UTC)))
