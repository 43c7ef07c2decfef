"""The bulk import path: the same rows, revisions and hashes as the per-case ORM path.

An import writes new cases with set-based INSERTs (SQLAlchemy Core executemany).
These tests hold it to the per-case ORM path on the same input (every column of
every table, the revision snapshots, digests and hash chain), check that the
audit trail verifies after imports, updates and re-imports, and that a bad row
anywhere, a file over the row limit or a concurrent refusal leaves the log as it was.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest_outcomes import BACKENDS, backend_url, pg_schema_url
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from siting.cli import main
from siting.core.errors import ImportValidationError, StoreError
from siting.outcomes import (
    Case,
    OutcomeStore,
    export_cases,
    import_file,
    importexport,
    people,
    read_cases,
    trail,
)
from siting.outcomes import bulk as bulk_module
from siting.outcomes import store as store_module
from siting.outcomes.audit import field_digests
from siting.outcomes.models import CaseRow, MetricSnapshotRow, RevisionRow, SoftAssessmentRow
from siting.outcomes.revisions import DigestMemo
from siting.outcomes.seed import demo_cases

POLYGON = ("POLYGON ((800000 7200000, 800500.125 7200000, 800500.125 7200400, 800000 7200400, "
           "800000 7200000))")
FROZEN = dt.datetime(2026, 5, 4, 3, 2, 1, 123456, tzinfo=dt.UTC)


def _cases() -> list[Case]:
    """Cases using every kind of field: geometry, lists, soft scores, evidence, metrics."""
    full = Case("B-1", "Fabrik; med \"citat\"", "battery", "0480", "won", profile="battery_plant",
                geometry_wkt=POLYGON, year_started=2016, year_decided=2017,
                competing_kommuner=("1980", "2482"), investment_msek=12000.5, jobs=1500,
                power_mw=230.25, land_ha=20.0, detaljplan_months=6.0, permit_months=6.5,
                metrics={"grid_capacity_10km_mw": 1250.0, "dist_rail_m": 0.0},
                metrics_vintage="2026-11", soft={"responsiveness": 5, "site_control": 3},
                soft_evidence={"responsiveness": "offer in a week", "planning_speed": "n/a"},
                decisive_factors=("responsiveness", "grid"), notes="rad 1\nrad 2 åäö",
                source="https://example.org/a", confidentiality="public", is_fictional=True)
    point = Case("B-2", "Punkt", "data_center", "2580", "lost",
                 geometry_wkt="POINT (833000.5 7290000.25)", metrics={"site_area_ha": 40.0},
                 confidentiality="network")
    bare = Case("B-3", "Utan geometri", "steel", "0481", "ongoing", confidentiality="confidential")
    return [full, point, bare, *demo_cases()[:12]]


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Both paths stamp the same time, so their hashes can be compared."""
    monkeypatch.setattr(bulk_module, "_now", lambda: FROZEN)
    monkeypatch.setattr(store_module, "_now", lambda: FROZEN)


@pytest.fixture(params=BACKENDS)
def two_stores(request: pytest.FixtureRequest,
               tmp_path: Path) -> Iterator[tuple[OutcomeStore, OutcomeStore]]:
    with backend_url(request.param, tmp_path / "a") as url_a, \
            backend_url(request.param, tmp_path / "b") as url_b, \
            OutcomeStore.open(url_a) as a, OutcomeStore.open(url_b) as b:
        yield a, b


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OutcomeStore]:
    with backend_url(request.param, tmp_path) as url, OutcomeStore.open(url) as opened:
        yield opened


def _dump(store: OutcomeStore) -> dict[str, list[tuple[Any, ...]]]:
    """Every stored column of every case table, surrogate keys replaced by the case id."""
    with store.transaction(write=False) as (session, _access):
        ids = dict(session.execute(select(CaseRow.id, CaseRow.case_id)).all())

        def rows(model: Any, order: tuple[str, ...]) -> list[tuple[Any, ...]]:
            out = []
            for obj in session.scalars(select(model)):
                values = {c.key: getattr(obj, c.key) for c in model.__mapper__.column_attrs
                          if c.key != "id"}
                if "case_pk" in values:
                    values["case_pk"] = ids[values["case_pk"]]
                out.append(tuple(sorted(values.items())))
                session.expunge(obj)
            key_of = {name: i for i, (name, _) in enumerate(out[0])} if out else {}
            return sorted(out, key=lambda r: tuple(str(r[key_of[k]][1]) for k in order))

        return {"case": rows(CaseRow, ("case_id",)),
                "soft": rows(SoftAssessmentRow, ("case_pk", "factor")),
                "metric": rows(MetricSnapshotRow, ("case_pk", "metric_id")),
                "revision": rows(RevisionRow, ("case_pk", "revision_no"))}


def _per_case(store: OutcomeStore, path: Path, user: str) -> None:
    """What an import wrote before the bulk path: the ORM, one case object at a time."""
    store.upsert_batches(lambda: [read_cases(path)], user=user, action="import",
                         comment=f"imported from {path.name}", bulk=False)


@pytest.mark.usefixtures("frozen_clock")
def test_bulk_import_stores_exactly_what_the_per_case_path_stores(
        two_stores: tuple[OutcomeStore, OutcomeStore], tmp_path: Path) -> None:
    bulk, per_case = two_stores
    path = tmp_path / "cases.csv"
    export_cases(_cases(), path)
    report = import_file(bulk, path, user="anna")
    _per_case(per_case, path, "anna")
    assert len(report.created) == len(_cases())
    first = _dump(bulk)
    assert first == _dump(per_case)
    assert len(first["case"]) == len(_cases()) and len(first["revision"]) == len(_cases())
    assert first["soft"] and first["metric"]
    # a second file: two changed cases, the rest unchanged, two new ones
    changed = _cases()
    changed[0] = dataclasses.replace(changed[0], title="Ny titel", soft={"responsiveness": 2})
    changed[2] = dataclasses.replace(changed[2], outcome="withdrawn", year_decided=2021)
    changed += [Case("B-8", "Åtta", "other", "1280", "won", year_decided=2020),
                Case("B-9", "Nio", "steel", "2480", "ongoing", metrics={"dist_port_m": 12.5})]
    export_cases(changed, path)
    again = import_file(bulk, path, user="anna")
    _per_case(per_case, path, "anna")
    assert again.created == ("B-8", "B-9") and again.updated == ("B-1", "B-3")
    second = _dump(bulk)
    assert second == _dump(per_case)
    assert len(second["revision"]) == len(changed) + 2
    assert trail.verify(bulk) == [] and trail.verify(per_case) == []


def test_import_chains_revisions_and_verifies(store: OutcomeStore, tmp_path: Path) -> None:
    path = tmp_path / "cases.csv"
    export_cases(_cases(), path)
    import_file(store, path, user="anna")
    store.delete("B-2", expected_version=1, user="anna")
    changed = [dataclasses.replace(c, notes=c.notes + " (rättad)") for c in _cases()]
    export_cases(changed, path)
    report = import_file(store, path, user="bo")
    assert report.skipped_deleted == ("B-2",)
    assert len(report.updated) == len(_cases()) - 1
    history = store.history("B-1")
    assert [r.action for r in history] == ["import", "import"]
    assert store.get("B-1") == dataclasses.replace(changed[0], organisation="local")
    assert trail.verify(store) == []
    with store.transaction(write=False) as (session, _access):
        first, second = session.scalars(select(RevisionRow).where(
            RevisionRow.case_id == "B-1").order_by(RevisionRow.revision_no)).all()
        assert first.prev_hash == "" and second.prev_hash == first.row_hash


def test_cli_verify_passes_after_a_bulk_import(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "cli.sqlite"
    path = tmp_path / "cases.csv"
    export_cases(_cases(), path)
    assert main(["outcomes", "import", str(path), "--db", str(db)]) == 0
    capsys.readouterr()
    assert main(["outcomes", "verify", "--db", str(db)]) == 0
    with OutcomeStore.open(str(db)) as opened:
        assert opened.revision_count() == len(_cases())


def test_bad_row_after_written_batches_rolls_everything_back(
        store: OutcomeStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importexport, "IMPORT_BATCH", 3)  # several batches written first
    path = tmp_path / "late.csv"
    export_cases(_cases(), path)
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    lines.append(lines[2].replace("B-2", "B-99").replace(",2580,", ",258,"))
    lines.append(lines[3])  # B-3 a second time
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    seen: list[tuple[int, int]] = []
    with pytest.raises(ImportValidationError) as caught:
        import_file(store, path, progress=lambda done, total: seen.append((done, total)))
    fields = {(p.location, p.field) for p in caught.value.problems}
    n = len(_cases())
    assert (f"row {n + 2}", "kommunkod") in fields
    assert (f"row {n + 3}", "case_id") in fields
    assert store.list(include_deleted=True) == [] and store.revision_count() == 0
    assert seen[0] == (0, n + 2) and seen[-1] == (n + 2, n + 2)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_progress_reaches_the_total(store: OutcomeStore, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importexport, "IMPORT_BATCH", 4)
    path = tmp_path / "cases.csv"
    export_cases(_cases(), path)
    seen: list[tuple[int, int]] = []
    report = import_file(store, path, progress=lambda done, total: seen.append((done, total)))
    n = len(_cases())
    assert len(report.created) == n and store.revision_count() == n
    assert seen[0] == (0, n) and seen[-1] == (n, n) and len(seen) >= n // 4


def test_a_file_over_the_row_limit_is_refused_in_both_languages(
        store: OutcomeStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importexport, "MAX_IMPORT_ROWS", 5)
    path = tmp_path / "big.csv"
    export_cases(_cases()[:6], path)
    with pytest.raises(ImportValidationError, match="6 case rows; one import takes at most 5"):
        import_file(store, path)
    assert store.list() == []
    export_cases(_cases()[:5], path)
    assert len(import_file(store, path).created) == 5


def test_row_limit_message_has_swedish_text(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importexport, "MAX_IMPORT_ROWS", 1)
    path = tmp_path / "two.csv"
    export_cases(_cases()[:2], path)
    with OutcomeStore.open(str(tmp_path / "log.sqlite")) as opened, \
            pytest.raises(ImportValidationError) as caught:
        import_file(opened, path)
    problem = caught.value.problems[0]
    assert "högst 1" in problem.message_sv and "dela filen" in problem.hint_sv


def test_digest_memo_gives_field_digests_exactly() -> None:
    memo = DigestMemo(limit=4)  # small: the memory starts afresh several times
    snapshots = [{"a": v, "b": "x" * 300, "c": [], "d": {}, "e": None}
                 for v in (True, 1, 1.0, 0.0, -0.0, 0, "1", "", None, [1], {"k": 2}, math.inf,
                           False, 1, True, -0.0, 0.0, "åäö")]
    for snapshot in snapshots * 2:
        assert memo(snapshot) == field_digests(snapshot), snapshot


@pytest.mark.postgres
def test_bulk_import_as_an_editor_role_goes_through_row_level_security(tmp_path: Path) -> None:
    """Rows are written as the importing role: RLS checks them, its own org only."""
    editor, viewer = (f"bulk_{kind}_{uuid.uuid4().hex[:8]}" for kind in ("editor", "viewer"))
    with pg_schema_url() as owner:
        with OutcomeStore.open(owner) as admin:
            people.add_organisation(admin, "a-kommun", "A kommun")
            people.add_organisation(admin, "b-kommun", "B kommun")
            people.add_user(admin, editor, "a-kommun", "editor", password="pw")
            people.add_user(admin, viewer, "a-kommun", "viewer", password="pw")

        def url(role: str) -> str:
            return make_url(owner).set(username=role, password="pw").render_as_string(
                hide_password=False)

        try:
            path = tmp_path / "own.csv"
            export_cases([dataclasses.replace(c, organisation="") for c in _cases()], path)
            named = tmp_path / "named.csv"
            export_cases([dataclasses.replace(c, organisation="a-kommun") for c in _cases()],
                         named)
            with OutcomeStore.open(url(viewer)) as as_viewer, \
                    pytest.raises(StoreError, match="may not change cases of organisation"):
                import_file(as_viewer, named)
            with OutcomeStore.open(url(editor)) as as_editor:
                report = import_file(as_editor, path)
                assert len(report.created) == len(_cases())
                assert {c.organisation for c in as_editor.list()} == {"a-kommun"}
                assert {r.changed_by for r in as_editor.history("B-1")} == {editor}
                assert trail.verify(as_editor) == []
                foreign = tmp_path / "foreign.csv"
                export_cases([Case("B-X1", "Ny", "steel", "2480", "won", year_decided=2020,
                                   organisation="b-kommun")], foreign)
                with pytest.raises(StoreError, match="may not change cases of organisation"):
                    import_file(as_editor, foreign)
                assert not as_editor.exists("B-X1")
        finally:
            engine = create_engine(owner)
            with engine.begin() as conn:
                for role in (editor, viewer):
                    conn.execute(text(f"DROP OWNED BY \"{role}\""))
                    conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
            engine.dispose()
