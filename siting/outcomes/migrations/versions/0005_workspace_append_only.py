"""Workspace revisions become append-only, like the case revisions of ``0002_people``.

- both backends: a trigger refuses every UPDATE and DELETE of a row of
  ``workspace_site_revision`` and ``workspace_layer_revision`` (PostgreSQL also
  TRUNCATE), whoever runs it;
- PostgreSQL: the application roles (``siting_member``, ``PUBLIC``) hold no
  UPDATE, DELETE or TRUNCATE privilege on them, and a revision's ``changed_by``
  must be the database role writing it (as for case revisions).

Revision ID: 0005_workspace_append_only
Revises: 0004_workspace_security
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

from siting.outcomes import access

revision = "0005_workspace_append_only"
down_revision = "0004_workspace_security"
branch_labels = None
depends_on = None

#: The workspace audit-trail tables (children in :data:`access.WORKSPACE_TABLES`).
TABLES: tuple[str, ...] = tuple(t for t, _, parent in access.WORKSPACE_TABLES
                                if parent is not None)


def _sqlite_upgrade() -> None:
    for table in TABLES:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"""
CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table}
BEGIN SELECT RAISE(ABORT, '{table} is append-only: {verb} refused'); END""")


def _pg_upgrade() -> None:
    # siting_append_only() and siting_revision_author() come with 0002_people
    for table in TABLES:
        op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM {access.MEMBER_ROLE}, PUBLIC")
        op.execute(f"CREATE TRIGGER {table}_guard BEFORE UPDATE OR DELETE ON {table} "
                   "FOR EACH ROW EXECUTE FUNCTION siting_append_only()")
        op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION siting_append_only()")
        op.execute(f"CREATE TRIGGER {table}_author BEFORE INSERT ON {table} "
                   "FOR EACH ROW EXECUTE FUNCTION siting_revision_author()")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _pg_upgrade()
    else:
        _sqlite_upgrade()


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in TABLES:
        if postgres:
            for trigger in ("guard", "no_truncate", "author"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_{trigger} ON {table}")
        else:
            for verb in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")
    # the privileges stay as 0004 granted them (SELECT, INSERT): nothing to give back
