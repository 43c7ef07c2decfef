"""Schema versions both ways, write validation and concurrent imports."""

from __future__ import annotations

import datetime as dt
import multiprocessing as mp
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest_outcomes import BACKENDS, backend_url, pg_schema_url
from sqlalchemy import bindparam, create_engine, inspect, text

from siting.cli import main
from siting.core.errors import StoreError
from siting.outcomes import Case, OutcomeStore, case_to_dict
from siting.outcomes.database import make_engine, upgrade_schema
from siting.outcomes.trail import verify
from siting.outcomes.types import JsonType, UtcDateTime

WHEN = dt.datetime(2024, 3, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with backend_url(request.param, tmp_path) as opened:
        yield opened


def _old_log(url: str) -> None:
    """A log at schema 0001 holding one case written by an older siting."""
    engine = make_engine(url)
    upgrade_schema(engine, "0001_initial")
    old = Case("OLD-1", "Gammal fabrik", "battery", "2482", "won",
               organisation="Skellefteå kommun", confidentiality="internal", notes="old notes")
    snapshot = {**case_to_dict(old), "version": 1, "deleted_at": None}
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO outcome_case (case_id, version, title, industry, profile, kommunkod, "
            "outcome, competing_kommuner, metrics_vintage, decisive_factors, notes, source, "
            "confidentiality, is_fictional, organisation, created_by, created_at, updated_by, "
            "updated_at) VALUES ('OLD-1', 1, 'Gammal fabrik', 'battery', '', '2482', 'won', "
            "'[]', '', '[]', 'old notes', '', 'internal', :f, 'Skellefteå kommun', 'anna', :t, "
            "'anna', :t)").bindparams(bindparam("t", type_=UtcDateTime())),
            {"t": WHEN, "f": False})
        conn.execute(text(
            "INSERT INTO outcome_revision (case_pk, case_id, revision_no, action, snapshot, "
            "changed_by, changed_at, comment) SELECT id, case_id, 1, 'create', :s, 'anna', :t, "
            "'' FROM outcome_case").bindparams(bindparam("t", type_=UtcDateTime()),
                                                bindparam("s", type_=JsonType)),
            {"t": WHEN, "s": snapshot})
    engine.dispose()


def test_a_log_from_a_newer_siting_is_refused_clearly(url: str) -> None:
    OutcomeStore.open(url).close()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE siting_outcomes_alembic_version SET version_num = '0099_x'"))
    engine.dispose()
    for migrate in (True, False):
        with pytest.raises(StoreError, match="written by a newer siting"):
            OutcomeStore.open(url, migrate=migrate)


def test_sqlite_upgrade_backs_up_and_converts_the_old_log(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite"
    _old_log(f"sqlite:///{db}")
    with OutcomeStore.open(str(db)) as store:
        case = store.get("OLD-1")
        assert case.organisation == "skelleftea-kommun" and case.confidentiality == "internal"
        assert store.history("OLD-1")[0].changed_by == "anna"
        assert verify(store) == []  # the migration chained the existing history
    backups = list(tmp_path.glob("old.sqlite.before-upgrade-from-0001_initial.bak"))
    assert len(backups) == 1
    assert "organisation" in {c["name"] for c in inspect(create_engine(
        f"sqlite:///{backups[0]}")).get_columns("outcome_case")}


@pytest.mark.postgres
def test_a_shared_postgres_log_is_only_migrated_when_confirmed(
        capsys: pytest.CaptureFixture[str]) -> None:
    with pg_schema_url() as url:
        _old_log(url)
        with pytest.raises(StoreError, match="pg_dump"):
            OutcomeStore.open(url)
        assert main(["outcomes", "--db", url, "migrate"]) == 0
        assert "schema is at head" in capsys.readouterr().out
        with OutcomeStore.open(url) as store:
            assert store.get("OLD-1").organisation == "skelleftea-kommun"
            assert verify(store) == []


def test_downgrade_and_upgrade_again(url: str) -> None:
    with OutcomeStore.open(url) as store:
        store.add(Case("D-1", "Ned", "steel", "2480", "lost", confidentiality="network"))
    engine = make_engine(url)
    upgrade_schema(engine, "0001_initial", confirmed=True)
    tables = set(inspect(engine).get_table_names())
    with engine.connect() as conn:  # (reflection would warn about the PostGIS type)
        columns = set(conn.execute(text("SELECT * FROM outcome_case LIMIT 0")).keys())
    engine.dispose()
    assert "organisation" not in tables and {"organisation", "confidentiality"} <= columns
    with OutcomeStore.open(url, confirm_upgrade=True) as store:
        case = store.get("D-1")
        assert case.confidentiality == "internal"  # 'network' did not exist: the stricter level
        assert case.organisation == "local"


def test_every_write_is_validated_nul_bytes_and_lengths(url: str) -> None:
    with OutcomeStore.open(url) as store:
        with pytest.raises(StoreError, match="NUL character"):
            store.add(Case("N-1", "x", "battery", "2482", "won", notes="a\x00b"))
        with pytest.raises(StoreError, match="shorten it to 300"):
            store.add(Case("N-2", "x" * 301, "battery", "2482", "won"))
        with pytest.raises(StoreError, match="4-digit municipality code"):
            store.add(Case("N-3", "x", "battery", "248", "won"))
        with pytest.raises(StoreError, match="is above"):
            store.add(Case("N-4", "x", "battery", "2482", "won", year_decided=3024))
        with pytest.raises(StoreError, match="not an organisation id"):
            store.add(Case("N-5", "x", "battery", "2482", "won", organisation="Min Kommun"))
        assert store.list() == []


def _import_same_ids(url: str, barrier: object, results: object) -> None:
    from siting.outcomes import Case, OutcomeStore

    store = OutcomeStore.open(url)
    cases = [Case(f"SAME-{i:03d}", f"Fall {i}", "other", "2482", "won") for i in range(60)]
    try:
        barrier.wait(timeout=60)  # type: ignore[attr-defined]
        report = store.upsert_many(cases)
        results.put(("ok", len(report.created) + len(report.unchanged)))  # type: ignore[attr-defined]
    except Exception as exc:  # noqa: BLE001 - reported to the parent
        results.put(("error", f"{type(exc).__name__}: {exc}"))  # type: ignore[attr-defined]
    finally:
        store.close()


def test_concurrent_imports_of_the_same_new_ids_both_succeed(url: str) -> None:
    OutcomeStore.open(url).close()
    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_import_same_ids, args=(url, barrier, results))
             for _ in range(2)]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert outcomes == [("ok", 60), ("ok", 60)], outcomes
    with OutcomeStore.open(url) as store:
        assert len(store.list()) == 60 and store.revision_count() == 60
