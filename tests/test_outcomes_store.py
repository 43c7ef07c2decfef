"""The outcome store on SQLite and PostgreSQL/PostGIS: writes, audit trail, concurrency."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest_outcomes import BACKENDS, backend_url
from sqlalchemy import create_engine, inspect, text

from siting.core.errors import StoreError
from siting.outcomes import Case, OutcomeStore, default_url

POLYGON = ("POLYGON ((800000 7200000, 800500 7200000, 800500 7200400, 800000 7200400, "
           "800000 7200000))")


def _case(case_id: str = "T-1", **changes: object) -> Case:
    base = Case(case_id, "Testfabrik", "battery", "2482", "won", profile="battery_plant",
                geometry_wkt=POLYGON, year_started=2016, year_decided=2017,
                competing_kommuner=("2480",), investment_msek=12000.5, jobs=1500,
                power_mw=230.0, land_ha=20.0, detaljplan_months=6.0, permit_months=6.5,
                metrics={"grid_capacity_10km_mw": 1250.0, "dist_rail_m": 830.25},
                metrics_vintage="2026-11 demo", soft={"responsiveness": 5, "site_control": 3},
                soft_evidence={"responsiveness": "offer in a week"},
                decisive_factors=("responsiveness", "grid"), notes="åäö ÅÄÖ",
                source="https://example.org", confidentiality="public", organisation="norrvik")
    return dataclasses.replace(base, **changes)


def _by(store: OutcomeStore, name: str) -> str:
    """The recorded author: the given name on SQLite, the database role on PostgreSQL."""
    return name if store.dialect == "sqlite" else store.whoami().user


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with backend_url(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def store(store_url: str) -> Iterator[OutcomeStore]:
    with OutcomeStore.open(store_url) as opened:
        yield opened


def test_add_and_get_returns_identical_content(store: OutcomeStore) -> None:
    saved = store.add(_case(), user="anna")
    assert saved == _case()
    got = store.get("T-1")
    assert got == _case()
    assert got.geometry_wkt == POLYGON
    assert got.meta is not None and got.meta.version == 1
    assert got.meta.created_by == _by(store, "anna") and got.meta.created_at.tzinfo is not None
    with pytest.raises(StoreError, match="already exists"):
        store.add(_case(), user="bo")


def test_update_bumps_version_and_writes_revision(store: OutcomeStore) -> None:
    saved = store.add(_case(), user="anna")
    changed = store.update(dataclasses.replace(saved, title="Ny titel", soft={"site_control": 4},
                                               metrics={"dist_rail_m": 100.0}), user="bo")
    assert changed.meta is not None and changed.meta.version == 2
    assert store.get("T-1").soft == {"site_control": 4}
    assert store.get("T-1").metrics == {"dist_rail_m": 100.0}
    history = store.history("T-1")
    assert [(r.revision_no, r.action, r.changed_by) for r in history] == [
        (1, "create", _by(store, "anna")), (2, "update", _by(store, "bo"))]
    assert history[0].case() == _case()
    assert history[1].snapshot["title"] == "Ny titel"
    # an update that changes nothing writes nothing
    same = store.update(changed, user="cecilia")
    assert same.meta is not None and same.meta.version == 2
    assert len(store.history("T-1")) == 2


def test_stale_update_is_rejected(store: OutcomeStore) -> None:
    saved = store.add(_case(), user="anna")
    store.update(dataclasses.replace(saved, title="First"), user="bo")
    with pytest.raises(StoreError, match="someone else changed"):
        store.update(dataclasses.replace(saved, title="Second"), user="cecilia")
    assert store.get("T-1").title == "First"
    with pytest.raises(StoreError, match="no version given"):
        store.update(_case(title="No meta"))


def test_soft_delete_undelete_and_restore(store: OutcomeStore) -> None:
    saved = store.add(_case(), user="anna")
    store.update(dataclasses.replace(saved, title="Changed"), user="bo")
    store.delete("T-1", user="bo", comment="duplicate?")
    assert store.list() == []
    assert [c.case_id for c in store.list(include_deleted=True)] == ["T-1"]
    with pytest.raises(StoreError, match="deleted"):
        store.get("T-1")
    with pytest.raises(StoreError, match="deleted"):
        store.update(dataclasses.replace(store.get("T-1", include_deleted=True), title="x"))
    store.undelete("T-1", user="anna")
    assert store.get("T-1").title == "Changed"
    restored = store.restore("T-1", 1, user="anna")
    assert restored == _case()
    history = store.history("T-1")
    assert [r.action for r in history] == ["create", "update", "delete", "undelete", "restore"]
    assert [r.revision_no for r in history] == [1, 2, 3, 4, 5]
    assert history[2].is_deleted and not history[4].is_deleted
    assert store.get("T-1").meta.version == 5  # type: ignore[union-attr]
    with pytest.raises(StoreError, match="no revision 9"):
        store.restore("T-1", 9)


def test_restoring_a_deleted_state_deletes_again(store: OutcomeStore) -> None:
    store.add(_case(), user="anna")
    store.delete("T-1", user="anna")
    store.undelete("T-1", user="anna")
    store.restore("T-1", 2, user="anna")
    assert store.list() == []
    assert store.history("T-1")[-1].is_deleted


def test_list_filters(store: OutcomeStore) -> None:
    store.add(_case("A"), user="u")
    store.add(_case("B", industry="steel", outcome="lost", kommunkod="2480",
                    competing_kommuner=(), confidentiality="confidential"), user="u")
    store.add(_case("C", industry="data_center", is_fictional=True), user="u")
    assert [c.case_id for c in store.list()] == ["A", "B", "C"]
    assert [c.case_id for c in store.list(industry="steel")] == ["B"]
    assert [c.case_id for c in store.list(outcome="won")] == ["A", "C"]
    assert [c.case_id for c in store.list(kommunkod="2480")] == ["B"]
    assert [c.case_id for c in store.list(include_fictional=False)] == ["A", "B"]
    assert [c.case_id for c in store.list(confidentiality=["public"])] == ["A", "C"]


def test_upsert_many_is_atomic_and_idempotent(store: OutcomeStore) -> None:
    first = store.upsert_many([_case("A"), _case("B")], user="import")
    assert first.created == ("A", "B")
    again = store.upsert_many([_case("A"), _case("B", title="Changed")], user="import")
    assert again.unchanged == ("A",) and again.updated == ("B",)
    assert store.revision_count() == 3
    with pytest.raises(StoreError, match="duplicate"):
        store.upsert_many([_case("C"), _case("C")])
    assert not store.exists("C")


def test_database_constraints_back_the_validator(store: OutcomeStore) -> None:
    store.add(_case(), user="u")
    engine = store._engine  # noqa: SLF001 - the store's connections (with its pragmas)
    with pytest.raises(Exception, match="(?i)check|constraint"), engine.begin() as conn:
        conn.execute(text("UPDATE outcome_soft_assessment SET score = 9"))
    with pytest.raises(Exception, match="(?i)foreign key|constraint"), engine.begin() as conn:
        conn.execute(text("DELETE FROM outcome_case"))
    assert store.get("T-1") == _case()


def test_postgis_stores_native_geometry(store: OutcomeStore, store_url: str) -> None:
    store.add(_case(), user="u")
    if store.dialect != "postgresql":
        assert store.get("T-1").geometry_wkt == POLYGON
        return
    engine = create_engine(store_url)
    with engine.connect() as conn:
        srid, area = conn.execute(text(
            "SELECT ST_SRID(geometry), ST_Area(geometry) FROM outcome_case")).one()
    engine.dispose()
    assert (srid, area) == (3006, 200_000.0)


def test_migrations_are_idempotent_and_match_models(store_url: str) -> None:
    OutcomeStore.open(store_url).close()
    OutcomeStore.open(store_url).close()  # second run is a no-op
    with OutcomeStore.open(store_url, migrate=False) as store:
        assert store.list() == []
    engine = create_engine(store_url)
    tables = set(inspect(engine).get_table_names())
    assert {"outcome_case", "outcome_soft_assessment", "outcome_metric_snapshot",
            "outcome_revision", "siting_outcomes_alembic_version"} <= tables
    import geoalchemy2  # noqa: F401 - teaches SQLAlchemy to reflect PostGIS columns
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from siting.outcomes.models import Base

    def _ours(obj: object, name: str | None, type_: str, *_: object) -> bool:
        if type_ == "table":
            return name in Base.metadata.tables
        return name != "ix_outcome_case_geometry"  # PostGIS-only GiST index

    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"include_object": _ours})
            diff = compare_metadata(ctx, Base.metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_unmigrated_database_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="missing or outdated"):
        OutcomeStore.open(f"sqlite:///{tmp_path / 'empty.sqlite'}", migrate=False)


def test_default_url_and_plain_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SITING_DB_URL", f"sqlite:///{tmp_path / 'env.sqlite'}")
    assert default_url().endswith("env.sqlite")
    monkeypatch.delenv("SITING_DB_URL")
    assert default_url().startswith("sqlite:///") and default_url().endswith("outcomes.sqlite")
    with OutcomeStore.open(str(tmp_path / "plain.sqlite")) as store:
        assert store.dialect == "sqlite"
        store.add(_case(), user="u")
    assert (tmp_path / "plain.sqlite").is_file()


def test_sqlite_pragmas(tmp_path: Path) -> None:
    with OutcomeStore.open(str(tmp_path / "p.sqlite")) as store, \
            store._engine.connect() as conn:  # noqa: SLF001 - checking the setup
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000


def test_bad_urls_are_plain_errors(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="unsupported database backend"):
        OutcomeStore.open("mysql://u:p@localhost/db")
    with pytest.raises(StoreError, match="cannot open the outcome log"):
        OutcomeStore.open("postgresql+psycopg://nobody:pw@127.0.0.1:1/none?connect_timeout=1")


def test_history_reports_changed_fields(store: OutcomeStore) -> None:
    saved = store.add(_case(), user="anna")
    store.update(dataclasses.replace(saved, outcome="lost", soft={"responsiveness": 5},
                                     metrics={"grid_capacity_10km_mw": 1250.0,
                                              "dist_rail_m": 900.0}), user="bo")
    store.delete("T-1", user="bo")
    first, second, third = store.history("T-1")
    assert "title" in first.changed_fields(None)
    assert second.changed_fields(first) == ["outcome", "metrics.dist_rail_m",
                                            "soft.site_control"]
    assert third.changed_fields(second) == ["deleted"]


def test_sqlite_reads_do_not_wait_for_a_writer(tmp_path: Path) -> None:
    import sqlite3
    import time

    path = tmp_path / "r.sqlite"
    with OutcomeStore.open(str(path)) as store:
        store.add(_case(), user="u")
        other = sqlite3.connect(path, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # another program holds the write lock
            start = time.perf_counter()
            assert store.get("T-1") == _case() and len(store.list()) == 1
            assert time.perf_counter() - start < 5.0
            other.execute("ROLLBACK")
        finally:
            other.close()
