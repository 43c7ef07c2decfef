"""Who may see and change what in the outcome log: organisations, roles, secrecy levels.

One place decides visibility, for both backends:

- on **PostgreSQL** the rules are row-level security policies (installed by the
  Alembic migrations from :func:`row_security_sql`), so they hold for every
  query whichever program runs it; the identity is the database role the
  session runs as (``current_user``);
- on **SQLite** (a single analyst's file) the store applies the same rules in
  Python through :class:`Access`.

Levels (see ``/shared/DOMAIN.md`` section 6):

``public``
    the whole network and anyone it is shown to;
``network``
    every member organisation of the network;
``internal``
    the owning organisation's members;
``confidential``
    the owning organisation's editors and admins, plus people granted the row.

Roles per organisation: ``viewer`` (read), ``editor`` (read and write, sees
confidential rows), ``admin`` (editor plus membership, grants and redaction).
A *network admin* manages organisations; it reads what any member reads, and
never another organisation's internal or confidential rows unless granted.

Examples
--------
>>> a = Access(user="anna", roles={"skelleftea": "editor"})
>>> a.can_read("skelleftea", "confidential"), a.can_read("lulea", "internal")
(True, False)
>>> Access(user="bo", roles={"lulea": "viewer"}).can_read("skelleftea", "network")
True
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

__all__ = [
    "CONTENT_TABLES",
    "WORKSPACE_TABLES",
    "install_row_security",
    "LEVELS",
    "LOCAL_ORG",
    "ROLES",
    "SHAREABLE_LEVELS",
    "Access",
    "MEMBER_ROLE",
    "GATEWAY_ROLE",
    "is_org_id",
    "may_leave",
    "org_slug",
    "quote_ident",
    "row_security_sql",
]

LEVELS: tuple[str, ...] = ("public", "network", "internal", "confidential")
#: Levels whose material may leave the owning organisation (dossiers, reports).
SHAREABLE_LEVELS: tuple[str, ...] = ("public", "network")
ROLES: tuple[str, ...] = ("viewer", "editor", "admin")
#: The organisation of a single analyst's log (local mode: one organisation, one user).
LOCAL_ORG = "local"
#: PostgreSQL group role holding the table privileges of every person's role.
MEMBER_ROLE = "siting_member"
#: PostgreSQL group role of application servers: may ``SET ROLE`` to any person.
GATEWAY_ROLE = "siting_gateway"

_ORG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")

#: Tables holding organisation content: ``(table, key column, parent)``. A table with
#: a parent (``"outcome_case"``) is visible and writable exactly when its parent row
#: is; a table without one carries ``organisation_id`` and ``level`` itself. Extend
#: this list (in a new migration calling :func:`row_security_sql`) for new content.
CONTENT_TABLES: tuple[tuple[str, str, str | None], ...] = (
    ("outcome_case", "case_id", None),
    ("outcome_soft_assessment", "case_pk", "outcome_case"),
    ("outcome_metric_snapshot", "case_pk", "outcome_case"),
    ("outcome_revision", "case_pk", "outcome_case"),
    ("outcome_redaction", "case_pk", "outcome_case"),
)
#: The workspace tables of migration ``0003_workspace``, in the same form: row-level
#: security by ``0004_workspace_security``, append-only revisions by
#: ``0005_workspace_append_only``.
WORKSPACE_TABLES: tuple[tuple[str, str, str | None], ...] = (
    ("workspace_site", "site_id", None),
    ("workspace_layer", "layer_id", None),
    ("workspace_site_revision", "item_pk", "workspace_site"),
    ("workspace_layer_revision", "item_pk", "workspace_layer"),
)


def is_org_id(text: str) -> bool:
    """True for an organisation id: lower-case slug, e.g. ``skelleftea``."""
    return bool(_ORG_RE.match(text))


def org_slug(name: str) -> str:
    """An organisation id made from a free-text name (``"Skellefteå kommun"`` -> ``skelleftea-kommun``).

    >>> org_slug("Skellefteå kommun (fiktiv)")
    'skelleftea-kommun-fiktiv'
    """
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:63]
    return slug or LOCAL_ORG


def quote_ident(name: str) -> str:
    """A PostgreSQL identifier in double quotes (role names may hold ``@`` and ``.``)."""
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class Access:
    """What one identity may do.

    Parameters
    ----------
    user : str
        The authenticated identity (database role, or the login in local mode).
    roles : mapping of organisation id to role
    network_admin : bool
    full : bool
        Everything (local mode, or the database owner doing maintenance).
    grants : frozenset of (table, key)
        Confidential rows this person was granted.
    """

    user: str
    roles: Mapping[str, str] = field(default_factory=dict)
    network_admin: bool = False
    full: bool = False
    grants: frozenset[tuple[str, str]] = frozenset()

    @property
    def is_member(self) -> bool:
        """True for a member of any organisation (or a network admin)."""
        return self.full or self.network_admin or bool(self.roles)

    def role(self, org: str) -> str | None:
        """The role in ``org`` (None when not a member)."""
        return "admin" if self.full else self.roles.get(org)

    def can_read(self, org: str, level: str, key: tuple[str, str] | None = None) -> bool:
        """True when a row of ``org`` at ``level`` is visible (``key``: table, row key)."""
        if self.full or level == "public":
            return True
        if level == "network":
            return self.is_member
        role = self.roles.get(org)
        if level == "internal":
            return role is not None
        if level == "confidential":
            return role in ("editor", "admin") or (key is not None and key in self.grants)
        return False

    def can_write(self, org: str) -> bool:
        """True when the identity may create or change rows of ``org``."""
        return self.role(org) in ("editor", "admin")

    def is_admin(self, org: str) -> bool:
        """True for an admin of ``org`` (may grant, redact, manage members)."""
        return self.role(org) == "admin"

    @property
    def manages_network(self) -> bool:
        """True for the network admin (and local mode's one analyst): organisations."""
        return self.full or self.network_admin

    def may_manage(self, org: str | None = None) -> bool:
        """True when the identity manages the members of ``org``; with ``org`` None,
        of at least one organisation (who sees the Administration page)."""
        if self.manages_network:
            return True
        return self.is_admin(org) if org is not None else "admin" in self.roles.values()

    def default_org(self) -> str | None:
        """The organisation new rows belong to when none is given (one membership only)."""
        if self.full and not self.roles:
            return LOCAL_ORG
        writable = sorted(o for o, r in self.roles.items() if r in ("editor", "admin"))
        return writable[0] if len(writable) == 1 else None


def may_leave(org: str, level: str, own_orgs: Iterable[str], include_internal: bool) -> bool:
    """True when a row may appear in material that leaves the organisation (dossier, report).

    Public and network rows of any organisation; the reader's own organisations'
    internal rows only when asked for (the report then carries a marking);
    confidential rows never.

    >>> may_leave("lulea", "network", ["skelleftea"], False)
    True
    >>> [may_leave("skelleftea", "internal", ["skelleftea"], asked) for asked in (False, True)]
    [False, True]
    """
    if level in SHAREABLE_LEVELS:
        return True
    return include_internal and level == "internal" and org in set(own_orgs)


# ----------------------------------------------------------------- PostgreSQL
def functions_sql() -> list[str]:
    """The SQL functions the policies call (identity = ``current_user``)."""
    role_fn = """
CREATE OR REPLACE FUNCTION siting_org_role(p_org text) RETURNS text
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
  SELECT role FROM membership WHERE person = current_user AND organisation_id = p_org
$$"""
    member_fn = """
CREATE OR REPLACE FUNCTION siting_is_member() RETURNS boolean
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
  SELECT EXISTS (SELECT 1 FROM membership WHERE person = current_user)
      OR EXISTS (SELECT 1 FROM person WHERE name = current_user AND network_admin)
$$"""
    netadmin_fn = """
CREATE OR REPLACE FUNCTION siting_is_network_admin() RETURNS boolean
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
  SELECT EXISTS (SELECT 1 FROM person WHERE name = current_user AND network_admin)
$$"""
    write_fn = """
CREATE OR REPLACE FUNCTION siting_can_write(p_org text) RETURNS boolean
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
  SELECT coalesce(siting_org_role(p_org) IN ('editor', 'admin'), false)
$$"""
    read_fn = """
CREATE OR REPLACE FUNCTION siting_can_read(p_tbl text, p_org text, p_lvl text, p_key text)
RETURNS boolean LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
  SELECT CASE p_lvl
    WHEN 'public' THEN true
    WHEN 'network' THEN siting_is_member()
    WHEN 'internal' THEN siting_org_role(p_org) IS NOT NULL
    WHEN 'confidential' THEN coalesce(siting_org_role(p_org) IN ('editor', 'admin'), false)
      OR EXISTS (SELECT 1 FROM access_grant g WHERE g.table_name = p_tbl
                 AND g.row_key = p_key AND g.organisation_id = p_org
                 AND g.person = current_user)
    ELSE false END
$$"""
    return [role_fn, member_fn, netadmin_fn, write_fn, read_fn]


def row_security_sql(table: str, key: str, parent: str | None) -> list[str]:
    """Statements enabling row-level security with the level policies on ``table``.

    Parameters
    ----------
    table : str
        A content table (see :data:`CONTENT_TABLES`).
    key : str
        The row key used by confidential grants (own table) or the parent's
        primary-key column (child table).
    parent : str or None
        The parent content table a child row inherits visibility from.
    """
    if parent is None:
        read = f"siting_can_read('{table}', organisation_id, level, {key}::text)"
        write = "siting_can_write(organisation_id)"
    else:
        read = f"EXISTS (SELECT 1 FROM {parent} p WHERE p.id = {key})"
        write = (f"EXISTS (SELECT 1 FROM {parent} p WHERE p.id = {key} "
                 "AND siting_can_write(p.organisation_id))")
    if table == "outcome_redaction":  # redaction is an admin's act
        write = (f"EXISTS (SELECT 1 FROM {parent} p WHERE p.id = {key} "
                 "AND siting_org_role(p.organisation_id) = 'admin')")
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"CREATE POLICY {table}_read ON {table} FOR SELECT USING ({read})",
        f"CREATE POLICY {table}_insert ON {table} FOR INSERT WITH CHECK ({write})",
        f"CREATE POLICY {table}_update ON {table} FOR UPDATE USING ({write}) WITH CHECK ({write})",
        f"CREATE POLICY {table}_delete ON {table} FOR DELETE USING ({write})",
    ]


def drop_row_security_sql(table: str) -> list[str]:
    """The reverse of :func:`row_security_sql`."""
    return [*(f"DROP POLICY IF EXISTS {table}_{p} ON {table}"
              for p in ("read", "insert", "update", "delete")),
            f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY"]


def people_security_sql() -> list[str]:
    """Policies of the people tables: readable by all, changed by admins only."""
    org_admin = "coalesce(siting_org_role(organisation_id) = 'admin', false)"
    out = ["ALTER TABLE organisation ENABLE ROW LEVEL SECURITY",
           "CREATE POLICY organisation_read ON organisation FOR SELECT USING (true)",
           "CREATE POLICY organisation_write ON organisation FOR ALL "
           "USING (siting_is_network_admin()) WITH CHECK (siting_is_network_admin())"]
    for table in ("membership", "access_grant"):
        out += [f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
                f"CREATE POLICY {table}_read ON {table} FOR SELECT USING (true)",
                f"CREATE POLICY {table}_write ON {table} FOR ALL "
                f"USING ({org_admin} OR siting_is_network_admin()) "
                f"WITH CHECK ({org_admin} OR siting_is_network_admin())"]
    out += ["ALTER TABLE person ENABLE ROW LEVEL SECURITY",
            "CREATE POLICY person_read ON person FOR SELECT USING (true)",
            # an org admin may register people (not network admins); the network admin anyone
            "CREATE POLICY person_insert ON person FOR INSERT WITH CHECK (siting_is_network_admin() "
            "OR (NOT network_admin AND EXISTS (SELECT 1 FROM membership m "
            "WHERE m.person = current_user AND m.role = 'admin')))",
            "CREATE POLICY person_change ON person FOR UPDATE USING (siting_is_network_admin())",
            "CREATE POLICY person_delete ON person FOR DELETE USING (siting_is_network_admin())"]
    return out


def privileges_sql(tables: Iterable[str]) -> list[str]:
    """Create the group roles (once per cluster) and grant them the schema's tables."""
    create = f"""
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{MEMBER_ROLE}') THEN
    CREATE ROLE {MEMBER_ROLE} NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{GATEWAY_ROLE}') THEN
    CREATE ROLE {GATEWAY_ROLE} NOLOGIN;
  END IF;
  EXECUTE format('GRANT USAGE ON SCHEMA %I TO {MEMBER_ROLE}', current_schema());
END $$"""
    out = [create]
    for table in tables:
        if table.endswith("_revision") or table == "outcome_redaction":
            privs = "SELECT, INSERT"  # append-only
        elif table in ("outcome_case", "workspace_site", "workspace_layer"):
            privs = "SELECT, INSERT, UPDATE"  # soft deletes only
        else:
            privs = "SELECT, INSERT, UPDATE, DELETE"
        out.append(f"GRANT {privs} ON {table} TO {MEMBER_ROLE}")
    out.append(f"""
DO $$
BEGIN
  EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO {MEMBER_ROLE}',
                 current_schema());
END $$""")
    return out


def install_row_security(execute: Callable[[str], object],
                         tables: Iterable[tuple[str, str, str | None]]) -> None:
    """Enable the level policies and grant the member privileges on content ``tables``.

    ``execute`` runs one SQL statement (``op.execute`` in a migration). Tables
    named ``*_revision`` or ``outcome_redaction`` get no UPDATE/DELETE privilege.
    """
    tables = list(tables)
    for table, key, parent in tables:
        for statement in row_security_sql(table, key, parent):
            execute(statement)
    for statement in privileges_sql([t for t, _, _ in tables]):
        execute(statement)
