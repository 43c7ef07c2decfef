"""The workspace store: sites and layers of an organisation, with revisions, on both backends."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest_outcomes import BACKENDS, backend_url
from sqlalchemy import create_engine, inspect, text

from siting.core.errors import StoreError
from siting.data.workspace import WorkspaceLayer, WorkspaceSite
from siting.outcomes.workspace_store import WorkspaceStore

_POINT = "POINT (760000 7200000)"


def _site(name: str, **kw: object) -> WorkspaceSite:
    return WorkspaceSite("", name, kw.pop("geometry_wkt", _POINT), **kw)  # type: ignore[arg-type]


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with backend_url(request.param, tmp_path) as u:
        yield u


@pytest.fixture
def ws(url: str) -> Iterator[WorkspaceStore]:
    with WorkspaceStore.open(url) as store:
        yield store


def test_import_edit_delete_restore_keeps_every_revision(ws: WorkspaceStore) -> None:
    a, b = ws.add_sites([_site("Hamnen"), _site("Bruket", geometry_wkt="POINT (761000 7201000)")],
                        user="anna", comment="import x.gpkg")
    assert (a.site_id, b.site_id) == ("S1", "S2")
    assert a.organisation_id == "local" and a.level == "internal"
    a2 = ws.update_site(dataclasses.replace(a, zoning="industrial", grid_capacity_mw=150.0,
                                            grid_capacity_source="Nätbolaget",
                                            grid_capacity_date="2026-11-20"), user="bo")
    # SQLite records the given author; PostgreSQL always the database role writing it
    bo = "bo" if ws.url.startswith("sqlite") else ws._store.whoami().user
    assert a2.meta is not None and a2.meta.version == 2 and a2.meta.updated_by == bo
    ws.delete_site("S1", user="bo")
    assert [s.name for s in ws.list_sites()] == ["Bruket"]
    assert [s.name for s in ws.list_sites(include_deleted=True)] == ["Hamnen", "Bruket"]
    back = ws.restore_site("S1", 1, user="anna")  # the imported state, visible again
    assert back.zoning == "none" and back.grid_capacity_mw is None
    assert back.meta is not None and back.meta.deleted_at is None
    history = ws.site_history("S1")
    assert [r.action for r in history] == ["import", "update", "delete", "restore"]
    assert history[1].snapshot["grid_capacity_mw"] == 150.0
    assert history[1].changed_fields(history[0]) == ["grid_capacity_date", "grid_capacity_mw",
                                                     "grid_capacity_source", "zoning"]
    again = ws.restore_site("S1", 2)  # later revisions are never lost
    assert again.zoning == "industrial" and len(ws.site_history("S1")) == 5


def test_a_bad_import_saves_nothing(ws: WorkspaceStore) -> None:
    ws.add_sites([_site("Hamnen")])
    with pytest.raises(StoreError) as err:
        ws.add_sites([_site("Ny plats"), _site("hamnen"), _site("Ny plats"),
                      _site("Tom", geometry_wkt="POLYGON EMPTY")], source="fil.gpkg")
    problems = {(p.location, p.field, p.message) for p in err.value.problems}
    assert ("hamnen", "name", "the name 'hamnen' is already used by another site") in problems
    assert ("Ny plats", "name", "the name 'Ny plats' is already used by another site") in problems
    assert any(p.field == "geometry" for p in err.value.problems)
    assert all(p.source == "fil.gpkg" and p.message_sv for p in err.value.problems)
    assert [s.name for s in ws.list_sites()] == ["Hamnen"]
    assert len(ws.site_history("S1")) == 1


def test_stale_edits_and_unknown_ids_are_refused(ws: WorkspaceStore) -> None:
    [a] = ws.add_sites([_site("Hamnen")])
    ws.update_site(dataclasses.replace(a, notes="first"))
    with pytest.raises(StoreError, match="someone else changed 'S1'"):
        ws.update_site(dataclasses.replace(a, notes="second"))  # still version 1
    with pytest.raises(StoreError, match="no site with id 'S9'") as err:
        ws.get_site("S9")
    assert "ingen plats" in err.value.text("sv")
    with pytest.raises(StoreError, match="no revision 7"):
        ws.restore_site("S1", 7)


def test_undelete_refuses_a_name_taken_meanwhile(ws: WorkspaceStore) -> None:
    ws.add_sites([_site("Hamnen")])
    ws.delete_site("S1")
    ws.add_sites([_site("Hamnen")])
    with pytest.raises(StoreError, match="already used"):
        ws.undelete_site("S1")


def test_organisations_see_only_their_own_sites(url: str) -> None:
    with WorkspaceStore.open(url, organisation_id="2482") as one, \
            WorkspaceStore.open(url, organisation_id="2580") as two:
        one.add_sites([_site("Hamnen")])
        two.add_sites([_site("Hamnen")])  # the same name in another organisation is fine
        assert [s.organisation_id for s in one.list_sites()] == ["2482"]
        with pytest.raises(StoreError):
            two.get_site("S2")


def test_layers_are_stored_with_features_and_history(ws: WorkspaceStore) -> None:
    feats = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"voltage_kv": 130.0, "available_capacity_mw": 80.0},
         "geometry": {"type": "Point", "coordinates": [761000.0, 7201000.0]}}]}
    saved = ws.add_layer(WorkspaceLayer("", "Stationer", "substations", "energy", "point", feats,
                                        coverage=("2482",), source="st.gpkg",
                                        vintage="2026-11-01"))
    assert saved.layer_id == "L1" and saved.n_features == 1
    assert ws.get_layer("L1").features["features"][0]["properties"]["available_capacity_mw"] == 80
    ws.delete_layer("L1")
    assert ws.list_layers() == []
    ws.undelete_layer("L1")
    assert [r.action for r in ws.layer_history("L1")] == ["create", "delete", "undelete"]


def test_migration_0003_creates_and_drops_the_workspace_tables(url: str) -> None:
    import geoalchemy2  # noqa: F401 - teaches SQLAlchemy to reflect PostGIS columns

    from siting.outcomes.database import upgrade_schema

    WorkspaceStore.open(url).close()
    engine = create_engine(url)
    tables = set(inspect(engine).get_table_names())
    assert {"workspace_site", "workspace_site_revision", "workspace_layer",
            "workspace_layer_revision"} <= tables
    cols = {c["name"]: c for c in inspect(engine).get_columns("workspace_site")}
    assert cols["organisation_id"]["nullable"] is False and "level" in cols
    upgrade_schema(engine, "0002_people", confirmed=True)  # down past 0004 and 0003
    assert not {"workspace_site", "workspace_layer"} & set(inspect(engine).get_table_names())
    upgrade_schema(engine, confirmed=True)
    assert "workspace_site" in set(inspect(engine).get_table_names())
    engine.dispose()


def test_an_import_killed_midway_leaves_the_workspace_unchanged(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ws.sqlite'}"
    with WorkspaceStore.open(url) as ws:
        ws.add_sites([_site("Före")])
    script = textwrap.dedent(f"""
        import os, signal
        from siting.data.workspace import WorkspaceSite
        from siting.outcomes import workspace_store as m
        calls = []
        original = m.WorkspaceStore._revise
        def dying(self, *args, **kwargs):
            calls.append(1)
            if len(calls) == 3:   # two sites and their revisions are written: die hard
                os.kill(os.getpid(), signal.SIGKILL)
            return original(self, *args, **kwargs)
        m.WorkspaceStore._revise = dying
        ws = m.WorkspaceStore.open({url!r})
        ws.add_sites([WorkspaceSite("", f"Plats {{i}}", "POINT (760000 7200000)")
                      for i in range(5)])
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == -9, proc.stderr
    with WorkspaceStore.open(url) as ws:
        assert [s.name for s in ws.list_sites(include_deleted=True)] == ["Före"]
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM workspace_site_revision")).scalar() == 1
    engine.dispose()
