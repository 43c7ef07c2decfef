"""Workspace revisions are append-only on both backends (migration ``0005_workspace_append_only``).

A direct UPDATE or DELETE of a revision row, bypassing the store, is refused by a
trigger whoever runs it (on PostgreSQL even the owner); on PostgreSQL the
application roles also hold no UPDATE/DELETE privilege. The downgrade removes
exactly these protections. Every table of the schema holding organisation
content is in the row-level security catalogue.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest_outcomes import BACKENDS, backend_url
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from siting.data.workspace import WorkspaceLayer, WorkspaceSite
from siting.outcomes import workspace_models  # noqa: F401 - registers the workspace tables
from siting.outcomes.access import CONTENT_TABLES, MEMBER_ROLE, WORKSPACE_TABLES
from siting.outcomes.database import upgrade_schema
from siting.outcomes.models import Base
from siting.outcomes.workspace_store import WorkspaceStore

REVISION_TABLES = ("workspace_site_revision", "workspace_layer_revision")
_FEATURES = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"voltage_kv": 130.0},
     "geometry": {"type": "Point", "coordinates": [761000.0, 7201000.0]}}]}


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with backend_url(request.param, tmp_path) as u:
        with WorkspaceStore.open(u) as ws:
            ws.add_sites([WorkspaceSite("", "Hamnen", "POINT (760000 7200000)")])
            ws.add_layer(WorkspaceLayer("", "Stationer", "substations", "energy", "point",
                                        _FEATURES))
        yield u


def _refused(url: str, statement: str) -> str:
    """Run ``statement`` directly (no store) and return the database's refusal."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn, pytest.raises(DBAPIError) as caught:
            conn.execute(text(statement))
        return str(caught.value.orig)
    finally:
        engine.dispose()


def _count(url: str, table: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
    finally:
        engine.dispose()


@pytest.mark.parametrize("table", REVISION_TABLES)
def test_direct_update_and_delete_of_a_revision_are_refused(url: str, table: str) -> None:
    for statement in (f"UPDATE {table} SET comment = 'rewritten', changed_by = 'someone'",
                      f"DELETE FROM {table}"):
        assert "append-only" in _refused(url, statement)
    assert _count(url, table) == 1
    engine = create_engine(url)
    with engine.connect() as conn:
        comment = conn.execute(text(f"SELECT comment FROM {table}")).scalar_one()
    engine.dispose()
    assert comment != "rewritten"


def test_the_store_still_appends_after_the_triggers(url: str) -> None:
    with WorkspaceStore.open(url) as ws:
        ws.delete_site("S1")
        ws.undelete_site("S1")
        assert [r.action for r in ws.site_history("S1")] == ["import", "delete", "undelete"]


def test_downgrade_removes_the_protection_and_upgrade_restores_it(url: str) -> None:
    engine = create_engine(url)
    try:
        upgrade_schema(engine, "0004_workspace_security", confirmed=True)
        with engine.begin() as conn:  # the owner may rewrite again: the guard is gone
            conn.execute(text("UPDATE workspace_site_revision SET comment = 'x'"))
        upgrade_schema(engine, confirmed=True)
    finally:
        engine.dispose()
    assert "append-only" in _refused(url, "DELETE FROM workspace_site_revision")


@pytest.mark.postgres
def test_application_roles_hold_no_update_or_delete_privilege(tmp_path: Path) -> None:
    with backend_url("postgres", tmp_path) as url:
        WorkspaceStore.open(url).close()
        engine = create_engine(url)
        with engine.connect() as conn:
            for table in REVISION_TABLES:
                privileges = {p: conn.execute(text(
                    "SELECT has_table_privilege(:r, :t, :p)"),
                    {"r": MEMBER_ROLE, "t": table, "p": p}).scalar_one()
                    for p in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE")}
                assert privileges == {"SELECT": True, "INSERT": True, "UPDATE": False,
                                      "DELETE": False, "TRUNCATE": False}, table
            assert "append-only" in _refused(url, "TRUNCATE workspace_layer_revision")
        engine.dispose()


def test_every_table_with_organisation_content_has_row_security() -> None:
    """From the models: a table owning content (``organisation_id``) or hanging off one
    is in the row-level security catalogue; only the people tables are not."""
    covered = {t for t, _, _ in (*CONTENT_TABLES, *WORKSPACE_TABLES)}
    people = {"organisation", "person", "membership", "access_grant"}
    content = set()
    for name, table in Base.metadata.tables.items():
        referenced = {fk.column.table.name for fk in table.foreign_keys}
        if name not in people and ("organisation_id" in table.c or referenced - people):
            content.add(name)
    assert content == covered
    for table, key, parent in (*CONTENT_TABLES, *WORKSPACE_TABLES):
        model = Base.metadata.tables[table]
        assert key in model.c, (table, key)
        if parent is not None:
            assert parent in {fk.column.table.name for fk in model.c[key].foreign_keys}
