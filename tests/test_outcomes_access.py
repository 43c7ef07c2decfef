"""Who may see what, on PostgreSQL with real (non-superuser) database roles and two organisations.

Organisation A (``a-kommun``) has a viewer, an editor and an admin; organisation B
(``b-kommun``) a viewer; a network admin manages both. A owns one case per level.
Every entry point (Python API, CLI, export, dossier loader, history, learning, raw
SQL) must show B's viewer only A's public and network cases; the row-level security
policies are checked in the catalogue and by raw SQL, which no Python filter can help.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from _access_world import LEVEL_CASES, SECRET, World, make_world
from _access_world import level_case as _case
from sqlalchemy import create_engine, text

from siting.cli import main
from siting.core.errors import StoreError
from siting.learn.adapters import cases_frame_from_store
from siting.outcomes import Case, OutcomeStore, people
from siting.outcomes.access import CONTENT_TABLES, WORKSPACE_TABLES
from siting.views.report.outcome_cases import load_cases

pytestmark = pytest.mark.postgres

@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    with make_world() as w:
        yield w


def _ids(cases: list[Case]) -> set[str]:
    return {c.case_id for c in cases}


def test_roles_are_real_non_superusers(world: World) -> None:
    engine = create_engine(world.url("b_viewer"))
    with engine.connect() as conn:
        row = conn.execute(text("SELECT current_user, rolsuper, rolbypassrls FROM pg_roles "
                                "WHERE rolname = current_user")).one()
    engine.dispose()
    assert row == (world.roles["b_viewer"], False, False)


def test_rls_is_on_with_policies_for_every_content_table(world: World) -> None:
    engine = create_engine(world.owner)
    with engine.connect() as conn:
        schema = conn.execute(text("SELECT current_schema()")).scalar_one()
        for table, _, _ in (*CONTENT_TABLES, *WORKSPACE_TABLES):
            enabled = conn.execute(text(
                "SELECT c.relrowsecurity FROM pg_class c JOIN pg_namespace n "
                "ON n.oid = c.relnamespace WHERE n.nspname = :s AND c.relname = :t"),
                {"s": schema, "t": table}).scalar_one()
            commands = {r[0] for r in conn.execute(text(
                "SELECT cmd FROM pg_policies WHERE schemaname = :s AND tablename = :t"),
                {"s": schema, "t": table})}
            assert enabled, table
            assert {"SELECT", "INSERT", "UPDATE", "DELETE"} <= commands, table
    engine.dispose()


def test_other_organisations_viewer_sees_only_public_and_network(world: World) -> None:
    with world.open("b_viewer") as b:
        assert _ids(b.list()) == {"A-PUB", "A-NET", "B-INT"}
        for hidden in ("A-INT", "A-CONF"):
            with pytest.raises(StoreError, match="no case with id"):
                b.get(hidden)
            with pytest.raises(StoreError, match="no case with id"):
                b.history(hidden)
            assert not b.exists(hidden)
        frame = cases_frame_from_store(b, include_confidential=True)  # learning's input
        assert set(frame["case_id"]) == {"A-PUB", "A-NET", "B-INT"}


def test_database_itself_hides_rows_from_raw_sql(world: World) -> None:
    """No Python in between: the policies filter every table, children included."""
    engine = create_engine(world.url("b_viewer"))
    with engine.connect() as conn:
        ids = {r[0] for r in conn.execute(text("SELECT case_id FROM outcome_case"))}
        revs = {r[0] for r in conn.execute(text("SELECT case_id FROM outcome_revision"))}
        evidence = [r[0] for r in conn.execute(text(
            "SELECT evidence FROM outcome_soft_assessment"))]
    engine.dispose()
    assert ids == revs == {"A-PUB", "A-NET", "B-INT"}
    assert len(evidence) == 3  # one soft assessment per visible case


def test_own_organisation_roles(world: World) -> None:
    with world.open("a_editor") as a:
        assert _ids(a.list()) == set(LEVEL_CASES)
        assert a.get("A-CONF").notes == SECRET
    with world.open("a_viewer") as v:  # internal yes, confidential only for editors
        assert _ids(v.list()) == {"A-PUB", "A-NET", "A-INT"}
        with pytest.raises(StoreError, match="may not change"):
            v.update(dataclasses.replace(v.get("A-INT"), title="x"))


def test_network_admin_reads_confidential_only_when_granted(world: World) -> None:
    with world.open("netadmin") as n:
        assert "A-CONF" not in _ids(n.list()) and "A-INT" not in _ids(n.list())
    with world.open("a_admin") as a:
        people.grant_case(a, "A-CONF", world.roles["netadmin"])
    with world.open("netadmin") as n:
        assert n.get("A-CONF").notes == SECRET
        assert "A-INT" not in _ids(n.list())


def test_writes_into_another_organisation_are_refused(world: World) -> None:
    with world.open("b_editor") as b, pytest.raises(StoreError, match="may not change"):
        b.add(_case("X-1", "public", "a-kommun"))
    engine = create_engine(world.url("b_editor"))  # and by the database, bypassing Python
    with engine.connect() as conn, pytest.raises(Exception, match="row-level security"):
        conn.execute(text(
            "INSERT INTO outcome_case (case_id, version, title, industry, profile, kommunkod, "
            "outcome, competing_kommuner, metrics_vintage, decisive_factors, notes, source, "
            "level, is_fictional, organisation_id, created_by, created_at, updated_by, "
            "updated_at) VALUES ('X-2', 1, 't', 'other', '', '2482', 'won', '[]', '', '[]', "
            "'', '', 'public', false, 'a-kommun', 'x', now(), 'x', now())"))
    engine.dispose()


def test_cli_export_and_dossier_as_other_organisation(world: World, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    url = world.url("b_viewer")
    assert main(["outcomes", "--db", url, "list", "--json"]) == 0
    listed = {c["case_id"] for c in json.loads(capsys.readouterr().out)}
    assert listed == {"A-PUB", "A-NET", "B-INT"}
    assert main(["outcomes", "--db", url, "show", "A-CONF"]) == 2
    assert "no case with id" in capsys.readouterr().err
    assert main(["outcomes", "--db", url, "history", "A-INT"]) == 2
    out = tmp_path / "all.csv"
    assert main(["outcomes", "--db", url, "export", str(out)]) == 0
    exported = pd.read_csv(out, dtype=str)
    assert set(exported["case_id"]) == {"A-PUB", "A-NET", "B-INT"}
    assert SECRET not in out.read_text(encoding="utf-8")
    frame, own = load_cases(url, include_internal=True)
    assert own == ("b-kommun",)
    assert set(frame["case_id"]) == {"A-PUB", "A-NET", "B-INT"}
    frame, _ = load_cases(url)  # own internal only on request
    assert set(frame["case_id"]) == {"A-PUB", "A-NET"}


def test_dossier_of_own_editor_never_holds_confidential(world: World) -> None:
    frame, own = load_cases(world.url("a_editor"), include_internal=True)
    assert own == ("a-kommun",) and set(frame["case_id"]) == {"A-PUB", "A-NET", "A-INT"}
    assert isinstance(frame, pd.DataFrame)


def test_app_gateway_acts_as_the_logged_in_person(world: World) -> None:
    """The app connects with one role and SET ROLEs to the person per transaction."""
    with OutcomeStore.open(world.owner, act_as=world.roles["b_viewer"]) as b:
        assert b.whoami().user == world.roles["b_viewer"]
        assert _ids(b.list()) == {"A-PUB", "A-NET", "B-INT"}


def test_author_is_the_database_role_not_a_flag(world: World,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    url = world.url("b_editor")
    code = main(["outcomes", "--db", url, "update", "B-INT", "--title", "Ny", "--user", "anna"])
    assert code == 0
    assert "--user is ignored" in capsys.readouterr().err
    with world.open("b_editor") as b:
        assert b.history("B-INT")[-1].changed_by == world.roles["b_editor"]
    engine = create_engine(url)  # a forged author is refused by the database
    with engine.connect() as conn, pytest.raises(Exception, match="is not the database role"):
        conn.execute(text(
            "INSERT INTO outcome_revision (case_pk, case_id, revision_no, action, snapshot, "
            "changed_by, changed_at, comment) SELECT id, case_id, 99, 'update', '{}', 'anna', "
            "now(), '' FROM outcome_case WHERE case_id = 'B-INT'"))
    engine.dispose()


def test_application_roles_have_no_update_or_delete_on_revisions(world: World) -> None:
    engine = create_engine(world.url("a_admin"))
    try:
        for statement in ("UPDATE outcome_revision SET comment = 'x'",
                          "DELETE FROM outcome_revision"):
            with engine.connect() as conn, pytest.raises(Exception, match="permission denied"):
                conn.execute(text(statement))
    finally:
        engine.dispose()


def test_every_write_path_respects_the_organisation(world: World) -> None:
    with world.open("b_editor") as b:
        for act in (lambda: b.delete("A-PUB"), lambda: b.undelete("A-PUB"),
                    lambda: b.restore("A-PUB", 1), lambda: b.delete("A-INT")):
            with pytest.raises(StoreError, match="may not change|no case with id"):
                act()
        with pytest.raises(StoreError, match="may not change cases of organisation 'a-kommun'"):
            b.upsert_many([dataclasses.replace(b.get("A-PUB"), title="taken over")])
        with pytest.raises(StoreError, match="belongs to organisation 'a-kommun'"):
            b.upsert_many([dataclasses.replace(b.get("A-PUB"), organisation="b-kommun")])
        assert b.revision_count() == sum(len(b.history(i)) for i in ("A-PUB", "A-NET", "B-INT"))
    with world.open("a_viewer") as v:
        assert v.get("A-PUB").title == "Fabrik A-PUB"


def test_admin_acts_need_the_admin_role(world: World) -> None:
    from siting.outcomes.trail import redact, verify

    with world.open("a_editor") as a:
        with pytest.raises(StoreError, match="not an admin"):
            redact(a, "A-CONF", ["notes"], reason="x")
        with pytest.raises(StoreError, match="not an admin"):
            people.grant_case(a, "A-CONF", world.roles["b_viewer"])
        with pytest.raises(StoreError, match="not an admin"):
            people.add_user(a, world.roles["b_viewer"], "a-kommun", "viewer")
        with pytest.raises(StoreError, match="not a network admin"):
            people.add_organisation(a, "c-kommun", "C kommun")
    with world.open("netadmin") as n:
        people.add_organisation(n, "c-kommun", "C kommun")
        assert "c-kommun" in {o.id for o in people.list_organisations(n)}
    with world.open("b_viewer") as b:
        assert verify(b) == []  # checks only the chains it may see
        with pytest.raises(StoreError, match="no case with id"):
            verify(b, "A-CONF")
