"""Row-level security on the workspace tables (sites, layers and their revisions).

The same level policies as the outcome log (:func:`siting.outcomes.access.install_row_security`
over :data:`siting.outcomes.access.WORKSPACE_TABLES`), and the member privileges
(revisions append-only). PostgreSQL only; SQLite filters in the store.

Revision ID: 0004_workspace_security
Revises: 0003_workspace
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

from siting.outcomes import access

revision = "0004_workspace_security"
down_revision = "0003_workspace"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    access.install_row_security(op.execute, access.WORKSPACE_TABLES)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, _, _ in access.WORKSPACE_TABLES:
        for statement in access.drop_row_security_sql(table):
            op.execute(statement)
        op.execute(f"REVOKE ALL ON {table} FROM {access.MEMBER_ROLE}")
