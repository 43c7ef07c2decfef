"""People, organisations and secrecy: memberships, levels, row-level security, hash chain.

- new tables ``organisation``, ``person``, ``membership``, ``access_grant`` and
  ``outcome_redaction``;
- ``outcome_case.organisation`` (free text) becomes ``organisation_id`` (a slug
  referencing ``organisation``; existing names are turned into slugs and their
  organisations created, an empty one becomes ``local``), ``confidentiality``
  becomes ``level`` with the new level ``network``;
- revision rows get ``field_digests``, ``prev_hash`` and ``row_hash`` (the chain
  of existing histories is computed here) and become append-only (triggers);
- on PostgreSQL: the policy functions, row-level security on every content table
  (:data:`siting.outcomes.access.CONTENT_TABLES`) and the group role
  ``siting_member`` with the table privileges (no UPDATE/DELETE of revisions).

Revision ID: 0002_people
Revises: 0001_initial
Create Date: 2026-12-03
"""

from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa
from alembic import op

from siting.outcomes import access, audit
from siting.outcomes.types import JsonType, UtcDateTime

revision = "0002_people"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

_LEVELS = "level IN ('public', 'network', 'internal', 'confidential')"
_PEOPLE_TABLES = ("organisation", "person", "membership", "access_grant")
_REVISION_FIELDS = ("row_hash", "prev_hash", "field_digests", "changed_by", "changed_at",
                    "comment", "action", "revision_no", "case_pk", "case_id")


def _people_tables() -> None:
    op.create_table(
        "organisation",
        sa.Column("id", sa.Text(), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kommunkod", sa.Text(), nullable=True),
        sa.CheckConstraint("kommunkod IS NULL OR length(kommunkod) = 4",
                           name="ck_organisation_kommunkod"),
    )
    op.create_table(
        "person",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("network_admin", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "membership",
        sa.Column("person", sa.String(200), sa.ForeignKey("person.name", ondelete="CASCADE",
                                                          name="fk_membership_person"),
                  primary_key=True),
        sa.Column("organisation_id", sa.Text(),
                  sa.ForeignKey("organisation.id", name="fk_membership_organisation"),
                  primary_key=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.CheckConstraint("role IN ('viewer', 'editor', 'admin')", name="ck_membership_role"),
    )
    op.create_table(
        "access_grant",
        sa.Column("table_name", sa.String(80), primary_key=True),
        sa.Column("row_key", sa.String(200), primary_key=True),
        sa.Column("person", sa.String(200), primary_key=True),
        sa.Column("organisation_id", sa.Text(),
                  sa.ForeignKey("organisation.id", name="fk_access_grant_organisation"),
                  nullable=False),
        sa.Column("granted_by", sa.String(200), nullable=False),
        sa.Column("granted_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "outcome_redaction",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("case_pk", sa.Integer(),
                  sa.ForeignKey("outcome_case.id", ondelete="RESTRICT",
                                name="fk_outcome_redaction_case"), nullable=False),
        sa.Column("case_id", sa.String(80), nullable=False),
        sa.Column("up_to_revision", sa.Integer(), nullable=False),
        sa.Column("fields", JsonType, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("redacted_by", sa.String(200), nullable=False),
        sa.Column("redacted_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint("length(reason) > 0", name="ck_outcome_redaction_reason"),
    )


def _case_columns(bind: sa.Connection) -> None:
    with op.batch_alter_table("outcome_case") as batch:
        batch.add_column(sa.Column("organisation_id", sa.Text(), nullable=True))
        batch.add_column(sa.Column("level", sa.String(20), nullable=True))
    names = [r[0] for r in bind.execute(sa.text(
        "SELECT DISTINCT organisation FROM outcome_case"))]
    orgs = {name: access.org_slug(name or "") for name in names}
    for slug in sorted(set(orgs.values()) | {access.LOCAL_ORG}):
        original = next((n for n, s in orgs.items() if s == slug and n), slug)
        bind.execute(sa.text("INSERT INTO organisation (id, name) VALUES (:i, :n)"),
                     {"i": slug, "n": original})
    for name, slug in orgs.items():
        bind.execute(sa.text("UPDATE outcome_case SET organisation_id = :s "
                             "WHERE organisation = :n"), {"s": slug, "n": name})
    bind.execute(sa.text("UPDATE outcome_case SET level = confidentiality"))
    with op.batch_alter_table("outcome_case") as batch:
        batch.drop_constraint("ck_outcome_case_confidentiality", type_="check")
        batch.drop_column("confidentiality")
        batch.drop_column("organisation")
        batch.alter_column("organisation_id", existing_type=sa.Text(), nullable=False)
        batch.alter_column("level", existing_type=sa.String(20), nullable=False)
        batch.create_check_constraint("ck_outcome_case_level", _LEVELS)
        batch.create_foreign_key("fk_outcome_case_organisation", "organisation",
                                 ["organisation_id"], ["id"])
    op.create_index("ix_outcome_case_organisation", "outcome_case", ["organisation_id"])


def _chain_existing(bind: sa.Connection) -> None:
    """Rewrite old snapshots to the new organisation ids and hash every history."""
    with op.batch_alter_table("outcome_revision") as batch:
        batch.add_column(sa.Column("field_digests", JsonType, nullable=True))
        batch.add_column(sa.Column("prev_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("row_hash", sa.String(64), nullable=True))
    rows = bind.execute(sa.text(
        "SELECT id, case_id, revision_no, action, changed_by, changed_at, comment, snapshot "
        "FROM outcome_revision ORDER BY case_pk, revision_no")).all()
    prev: dict[str, str] = {}
    when_type = UtcDateTime()
    for row in rows:
        snapshot = row.snapshot if isinstance(row.snapshot, dict) else json.loads(row.snapshot)
        snapshot["organisation"] = access.org_slug(snapshot.get("organisation") or "")
        changed_at = when_type.process_result_value(
            dt.datetime.fromisoformat(row.changed_at) if isinstance(row.changed_at, str)
            else row.changed_at, bind.dialect)
        digests = audit.field_digests(snapshot)
        before = prev.get(row.case_id, "")
        now = audit.row_hash(before, row.case_id, row.revision_no, row.action, row.changed_by,
                             changed_at, row.comment, digests)
        prev[row.case_id] = now
        bind.execute(sa.text("UPDATE outcome_revision SET snapshot = :s, field_digests = :d, "
                             "prev_hash = :p, row_hash = :h WHERE id = :i")
                     .bindparams(sa.bindparam("s", type_=JsonType),
                                 sa.bindparam("d", type_=JsonType)),
                     {"s": snapshot, "d": digests, "p": before, "h": now, "i": row.id})


def _sqlite_triggers() -> None:
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in _REVISION_FIELDS)
    op.execute(f"""
CREATE TRIGGER outcome_revision_no_update BEFORE UPDATE ON outcome_revision
WHEN {changed} OR NOT EXISTS (SELECT 1 FROM outcome_redaction r
     WHERE r.case_pk = OLD.case_pk AND r.up_to_revision >= OLD.revision_no)
BEGIN SELECT RAISE(ABORT, 'outcome_revision is append-only: revisions cannot be changed'); END""")
    for table in ("outcome_revision", "outcome_redaction"):
        op.execute(f"""
CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
BEGIN SELECT RAISE(ABORT, '{table} is append-only: rows cannot be deleted'); END""")
    op.execute("""
CREATE TRIGGER outcome_redaction_no_update BEFORE UPDATE ON outcome_redaction
BEGIN SELECT RAISE(ABORT, 'outcome_redaction is append-only'); END""")


def _pg_triggers() -> None:
    unchanged = " AND ".join(f"NEW.{c} IS NOT DISTINCT FROM OLD.{c}" for c in _REVISION_FIELDS)
    op.execute(f"""
CREATE OR REPLACE FUNCTION siting_revision_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND current_setting('siting.redacting', true) = 'on'
     AND {unchanged} THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'TRUNCATE' THEN
    RAISE EXCEPTION '% is append-only: TRUNCATE refused', TG_TABLE_NAME;
  END IF;
  RAISE EXCEPTION '% is append-only: % of case % revision % refused',
    TG_TABLE_NAME, TG_OP, OLD.case_id, OLD.revision_no;
END $$""")
    op.execute("""
CREATE OR REPLACE FUNCTION siting_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
END $$""")
    op.execute("""
CREATE OR REPLACE FUNCTION siting_revision_author() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.changed_by IS DISTINCT FROM current_user::text THEN
    RAISE EXCEPTION 'revision author % is not the database role % writing it',
      NEW.changed_by, current_user;
  END IF;
  RETURN NEW;
END $$""")
    op.execute("""
CREATE OR REPLACE FUNCTION siting_redaction_author() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.redacted_by := current_user;
  RETURN NEW;
END $$""")
    op.execute("""
CREATE OR REPLACE FUNCTION siting_apply_redaction() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
  PERFORM set_config('siting.redacting', 'on', true);
  UPDATE outcome_revision r SET snapshot = r.snapshot || coalesce((
      SELECT jsonb_object_agg(f, '{"__redacted__": true}'::jsonb)
      FROM jsonb_array_elements_text(NEW.fields) f WHERE r.snapshot ? f), '{}'::jsonb)
    WHERE r.case_pk = NEW.case_pk AND r.revision_no <= NEW.up_to_revision;
  PERFORM set_config('siting.redacting', 'off', true);
  RETURN NULL;
END $$""")
    op.execute("CREATE TRIGGER outcome_revision_guard BEFORE UPDATE OR DELETE ON "
               "outcome_revision FOR EACH ROW EXECUTE FUNCTION siting_revision_guard()")
    op.execute("CREATE TRIGGER outcome_revision_no_truncate BEFORE TRUNCATE ON "
               "outcome_revision FOR EACH STATEMENT EXECUTE FUNCTION siting_revision_guard()")
    op.execute("CREATE TRIGGER outcome_revision_author BEFORE INSERT ON outcome_revision "
               "FOR EACH ROW EXECUTE FUNCTION siting_revision_author()")
    op.execute("CREATE TRIGGER outcome_redaction_guard BEFORE UPDATE OR DELETE ON "
               "outcome_redaction FOR EACH ROW EXECUTE FUNCTION siting_append_only()")
    op.execute("CREATE TRIGGER outcome_redaction_author BEFORE INSERT ON outcome_redaction "
               "FOR EACH ROW EXECUTE FUNCTION siting_redaction_author()")
    op.execute("CREATE TRIGGER outcome_redaction_apply AFTER INSERT ON outcome_redaction "
               "FOR EACH ROW EXECUTE FUNCTION siting_apply_redaction()")


def upgrade() -> None:
    bind = op.get_bind()
    _people_tables()
    _case_columns(bind)
    _chain_existing(bind)
    if bind.dialect.name != "postgresql":
        _sqlite_triggers()
        return
    _pg_triggers()
    for statement in access.functions_sql():
        op.execute(statement)
    access.install_row_security(op.execute, access.CONTENT_TABLES)
    for statement in access.people_security_sql():
        op.execute(statement)
    for statement in access.privileges_sql(_PEOPLE_TABLES):
        op.execute(statement)
    # app servers (members of siting_gateway) check the schema version before SET ROLE
    op.execute("DO $$ BEGIN EXECUTE format('GRANT SELECT ON %I.siting_outcomes_alembic_version "
               f"TO {access.MEMBER_ROLE}, {access.GATEWAY_ROLE}', current_schema()); "
               f"EXECUTE format('GRANT USAGE ON SCHEMA %I TO {access.GATEWAY_ROLE}', "
               "current_schema()); END $$")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for table in ("outcome_revision", "outcome_redaction"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_guard ON {table}")
        for trig, table in (("outcome_revision_no_truncate", "outcome_revision"),
                            ("outcome_revision_author", "outcome_revision"),
                            ("outcome_redaction_author", "outcome_redaction"),
                            ("outcome_redaction_apply", "outcome_redaction")):
            op.execute(f"DROP TRIGGER IF EXISTS {trig} ON {table}")
        for table, _, _ in access.CONTENT_TABLES:
            for statement in access.drop_row_security_sql(table):
                op.execute(statement)
        op.execute(f"DO $$ BEGIN EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA %I FROM "
                   f"{access.MEMBER_ROLE}', current_schema()); END $$")
    else:
        for trig in ("outcome_revision_no_update", "outcome_revision_no_delete",
                     "outcome_redaction_no_delete", "outcome_redaction_no_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trig}")
    op.drop_table("outcome_redaction")
    with op.batch_alter_table("outcome_revision") as batch:
        batch.drop_column("row_hash")
        batch.drop_column("prev_hash")
        batch.drop_column("field_digests")
    op.drop_index("ix_outcome_case_organisation", "outcome_case")
    with op.batch_alter_table("outcome_case") as batch:
        batch.add_column(sa.Column("organisation", sa.String(200), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("confidentiality", sa.String(20), nullable=False,
                                   server_default="internal"))
    # 'network' did not exist before: the closest stricter old level is 'internal'
    bind.execute(sa.text("UPDATE outcome_case SET organisation = organisation_id, "
                         "confidentiality = CASE level WHEN 'network' THEN 'internal' "
                         "ELSE level END"))
    with op.batch_alter_table("outcome_case") as batch:
        batch.drop_constraint("fk_outcome_case_organisation", type_="foreignkey")
        batch.drop_constraint("ck_outcome_case_level", type_="check")
        batch.drop_column("level")
        batch.drop_column("organisation_id")
        batch.create_check_constraint("ck_outcome_case_confidentiality",
                                      "confidentiality IN ('public', 'internal', 'confidential')")
    for table in ("access_grant", "membership", "person", "organisation"):
        if bind.dialect.name == "postgresql":  # with their policies
            op.execute(f"DROP TABLE {table} CASCADE")
        else:
            op.drop_table(table)
    if bind.dialect.name == "postgresql":
        for fn in ("siting_can_read(text, text, text, text)", "siting_can_write(text)",
                   "siting_is_member()", "siting_is_network_admin()", "siting_org_role(text)",
                   "siting_revision_guard()", "siting_append_only()", "siting_revision_author()",
                   "siting_redaction_author()", "siting_apply_redaction()"):
            op.execute(f"DROP FUNCTION IF EXISTS {fn}")
