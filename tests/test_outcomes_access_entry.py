"""More entry points on PostgreSQL with two organisations and real database roles.

Role changes and removals through ``siting admin`` (what the person then sees and
may write), learning through the CLI and the Python API (trained only on what the
reader may see), history and export by another organisation's viewer, and the app
in shared mode (a logged-in person, Streamlit's ``st.user``): the Lessons page and
the dossier download. See ``tests/_access_world.py`` for the world.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from _access_world import LEVEL_CASES, SECRET, World, level_case, make_world
from sqlalchemy.engine import make_url
from streamlit.testing.v1 import AppTest

from siting.cli import main
from siting.core.errors import StoreError
from siting.core.i18n import t
from siting.learn.adapters import cases_frame_from_store, learn_from_store
from siting.outcomes import Case, OutcomeStore
from siting.outcomes.seed import demo_cases

pytestmark = pytest.mark.postgres

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # the app's helper package lives next to app.py
    sys.path.insert(0, str(REPO))

#: Levels each reader sees of another organisation / of its own (learning leaves out
#: confidential cases unless asked).
OTHER_LEVELS = {"public", "network"}
OWN_LEVELS = {"public", "network", "internal"}
DOSSIER_TITLES = {"public": "Publikt fall 7101", "network": "Natverksfall 7102",
                  "internal": "Internt fall 7103", "confidential": "Hemligt fall 7104"}
DOSSIER_SITE = "NV-14"


def _learning_cases() -> list[Case]:
    """The demo's decided battery cases, owned by organisation A at their own levels."""
    return [dataclasses.replace(c, organisation="a-kommun", case_id=f"L-{c.case_id}")
            for c in demo_cases() if c.industry == "battery" and c.outcome in ("won", "lost")]


def _dossier_cases() -> list[Case]:
    """One data-centre case per level of A, at the dossier's site (Demolän, fictional)."""
    from siting.criteria.profiles import load_profile
    from siting.data.layers import load_layerset
    from siting.demo import STUDY_AREA
    from siting.scoring.sites import evaluate

    res = evaluate(None, load_profile("data_center"),
                   load_layerset("demo", region=list(STUDY_AREA)))
    idx = res.table.index[res.table["site_id"] == DOSSIER_SITE][0]
    point = res.sites.geometry.loc[idx].representative_point()
    return [Case(f"D-{level[:3].upper()}", title, "data_center", "9901", "won",
                 year_decided=2021, geometry_wkt=point.wkt, confidentiality=level,
                 organisation="a-kommun", is_fictional=True)
            for level, title in DOSSIER_TITLES.items()]


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    with make_world(extra=[("c_person", "a-kommun", "viewer")]) as w:
        with OutcomeStore.open(w.owner) as owner:
            owner.upsert_many([*_learning_cases(), *_dossier_cases()])
        try:
            yield w
        finally:
            _wait_for_background_learning()  # before the schema goes: no job may outlive it


def _wait_for_background_learning() -> None:
    """Let the app's background learning jobs (started by every page run) finish."""
    from app_pages._learning import _registry

    for job in list(_registry()._jobs.values()):
        job.exception(timeout=180)


def _ids(cases: list[Case]) -> set[str]:
    return {c.case_id for c in cases}


def _visible_level_cases(levels: set[str]) -> set[str]:
    return {cid for cid, level in LEVEL_CASES.items() if level in levels}


# ------------------------------------------------------------------ admin CLI
def test_role_change_and_removal_change_what_the_person_sees_and_writes(
        world: World, capsys: pytest.CaptureFixture[str]) -> None:
    admin, person = world.url("a_admin"), world.roles["c_person"]
    with world.open("c_person") as c:  # viewer: internal yes, confidential no, no writes
        assert _visible_level_cases(OWN_LEVELS) <= _ids(c.list())
        assert "A-CONF" not in _ids(c.list())
        with pytest.raises(StoreError, match="may not change"):
            c.update(dataclasses.replace(c.get("A-INT"), title="by a viewer"))

    assert main(["admin", "--db", admin, "user", "role", person, "--org", "a-kommun",
                 "--role", "editor"]) == 0
    assert "now editor" in capsys.readouterr().out
    with world.open("c_person") as c:
        assert c.get("A-CONF").notes == SECRET
        saved = c.update(dataclasses.replace(c.get("A-INT"), title="by the new editor"))
        assert saved.meta is not None and saved.meta.updated_by == person

    assert main(["admin", "--db", admin, "user", "remove", person, "--org", "a-kommun"]) == 0
    assert "no longer a member" in capsys.readouterr().out
    with world.open("c_person") as c:  # no membership left: public only
        assert _ids(c.list()) & {*LEVEL_CASES, "B-INT"} == {"A-PUB"}
        with pytest.raises(StoreError, match="no case with id"):
            c.get("A-INT")
        with pytest.raises(StoreError, match="may not change"):
            c.add(Case("C-1", "Ny", "battery", "2482", "ongoing", organisation="a-kommun"))
    assert main(["admin", "--db", world.url("a_editor"), "user", "list",
                 "--org", "a-kommun"]) == 0
    assert person not in capsys.readouterr().out


def test_only_an_admin_of_the_organisation_changes_its_roles(
        world: World, capsys: pytest.CaptureFixture[str]) -> None:
    target = world.roles["a_viewer"]
    for who in ("a_editor", "b_editor", "netadmin"):
        code = main(["admin", "--db", world.url(who), "user", "role", target, "--org",
                     "a-kommun", "--role", "admin"])
        if who == "netadmin":  # the network admin manages every organisation's members
            assert code == 0
            assert main(["admin", "--db", world.url(who), "user", "role", target, "--org",
                         "a-kommun", "--role", "viewer"]) == 0
            continue
        assert code == 2 and "not an admin" in capsys.readouterr().err
    for who in ("a_editor", "b_editor"):
        assert main(["admin", "--db", world.url(who), "user", "remove", target, "--org",
                     "a-kommun"]) == 2
    with world.open("a_viewer") as v:
        assert v.whoami().roles == {"a-kommun": "viewer"}


# ------------------------------------------------------------------- learning
def _world_cases() -> list[Case]:
    return [*(level_case(cid, level, "a-kommun") for cid, level in LEVEL_CASES.items()),
            level_case("B-INT", "internal", "b-kommun"), *_learning_cases()]


def _expected_training(own_org: str) -> tuple[int, int]:
    """(won, lost) battery cases a viewer or editor of ``own_org`` may learn from."""
    cases = [c for c in _world_cases() if c.industry == "battery"
             and c.confidentiality in (OWN_LEVELS if c.organisation == own_org else OTHER_LEVELS)]
    return sum(c.outcome == "won" for c in cases), sum(c.outcome == "lost" for c in cases)


@pytest.mark.parametrize("who", ["b_viewer", "a_viewer"])
def test_learning_trains_only_on_cases_the_reader_may_see(
        world: World, who: str, capsys: pytest.CaptureFixture[str]) -> None:
    own_org = f"{who[0]}-kommun"
    levels = OWN_LEVELS if own_org == "a-kommun" else OTHER_LEVELS
    won, lost = _expected_training(own_org)
    assert main(["learn", "--db", world.url(who), "--profile", "battery_plant", "--json",
                 "--no-trees", "--bootstrap", "20", "--include-confidential"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["n_won"], result["n_lost"]) == (won, lost)
    with world.open(who) as store:  # the Python API, and the ids of its training frame
        frame = cases_frame_from_store(store, industry="battery", include_confidential=True)
        learned = learn_from_store(store, "battery_plant", n_boot=20, compare_trees=False)
    ids = {c.case_id: c.confidentiality for c in _learning_cases()}
    training = {i for i in frame["case_id"] if i in ids}
    assert training == {i for i, level in ids.items() if level in levels}
    assert (learned.n_won, learned.n_lost) == (won, lost)


# ------------------------------------------------------------ history, export
def test_history_and_export_by_another_organisations_viewer(
        world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = world.url("b_viewer")
    assert main(["outcomes", "--db", url, "history", "A-PUB", "--json"]) == 0
    history = json.loads(capsys.readouterr().out)
    assert {r["snapshot"]["case_id"] for r in history} == {"A-PUB"} and SECRET not in json.dumps(history)
    for hidden in ("A-INT", "A-CONF", "L-DEMO-SK-01"):
        assert main(["outcomes", "--db", url, "history", hidden, "--json"]) == 2
        assert "no case with id" in capsys.readouterr().err
    out = tmp_path / "export.xlsx"
    assert main(["outcomes", "--db", url, "export", str(out)]) == 0
    exported = pd.read_excel(out, dtype=str)
    with OutcomeStore.open(world.owner) as owner:  # every case, judged here by the rule
        may_see = {c.case_id for c in owner.list() if c.confidentiality in OTHER_LEVELS
                   or (c.organisation == "b-kommun" and c.confidentiality != "confidential")}
    assert "B-INT" in may_see and not may_see & {"A-INT", "A-CONF", "D-INT", "D-CON"}
    assert set(exported["case_id"]) == may_see
    assert SECRET not in out.read_bytes().decode("latin-1")


# ------------------------------------------------------- the app, shared mode
def _shared_app(world: World, who: str, monkeypatch: pytest.MonkeyPatch,
                tmp_path: Path) -> AppTest:
    """The app served for many (an ``[auth]`` section), with ``who`` logged in."""
    monkeypatch.setenv("SITING_DB_URL", world.owner)  # the app server's connection
    monkeypatch.setenv("SITING_USER_DIR", str(tmp_path / "user"))
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=180)
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback",
                          "cookie_secret": "x" * 32, "client_id": "siting",
                          "client_secret": "s",
                          "server_metadata_url": "http://localhost:1/.well-known"}
    at.user = {"is_logged_in": True, "email": world.roles[who]}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _lessons_line(at: AppTest) -> str:
    at.switch_page("app_pages/lessons.py").run()
    _wait_for_background_learning()
    at.switch_page("app_pages/lessons.py").run()
    assert not at.exception, [e.value for e in at.exception]
    found = [m.value for m in at.markdown if m.value.startswith(t("lessons.n_cases", "sv",
                                                                  n="", won="", lost="",
                                                                  excl="")[:5])]
    assert found, [m.value for m in at.markdown]
    return found[0]


@pytest.mark.parametrize("who", ["b_viewer", "a_editor"])
def test_lessons_page_learns_only_from_what_the_logged_in_person_may_see(
        world: World, who: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    at = _shared_app(world, who, monkeypatch, tmp_path)
    assert any(world.roles[who] in c.value for c in at.sidebar.caption)  # signed in as
    won, lost = _expected_training(f"{who[0]}-kommun")
    line = _lessons_line(at).replace("\\", "")  # Markdown escapes
    assert line.startswith(f"Ärenden: {won + lost} ({won} vunna, {lost} förlorade"), line


def test_dossier_of_the_logged_in_person_holds_only_what_may_leave(
        world: World, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from app_pages import _report_buttons
    from siting.criteria.profiles import load_profile
    from siting.data.layers import load_layerset
    from siting.demo import STUDY_AREA
    from siting.scoring.sites import evaluate

    at = _shared_app(world, "b_viewer", monkeypatch, tmp_path)
    at.switch_page("app_pages/map.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.get("download_button"), "the map page offers the dossier"
    ls = load_layerset("demo", region=list(STUDY_AREA))
    res = evaluate(None, load_profile("data_center"), ls)
    for who, shown in (("b_viewer", {"public", "network"}), ("a_editor", {"public", "network"})):
        html = _report_buttons._dossier(res, ls, ("demo", who), DOSSIER_SITE, "en", "html",
                                        world.roles[who]).decode("utf-8")
        for level, title in DOSSIER_TITLES.items():
            assert (title in html) == (level in shown), (who, level)
        assert "withheld" not in html.lower() and "INTERNAL" not in html


def test_outcomes_page_describes_the_database_without_credentials(
        world: World, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from app_pages._widgets import md

    url = world.url("b_viewer")  # a person's own login, password in the URL
    monkeypatch.setenv("SITING_DB_URL", url)
    monkeypatch.setenv("SITING_USER_DIR", str(tmp_path / "user"))
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=180)
    at.run()
    at.switch_page("app_pages/outcomes.py").run()
    assert not at.exception, [e.value for e in at.exception]
    shown = " ".join(str(getattr(e, "value", "")) for e in at.main)
    where = t("outcome_db.shared", "sv", host="localhost", database=make_url(url).database)
    assert md(where) in shown
    for secret in ("pw-for-tests", world.roles["b_viewer"], "postgresql+psycopg", "***"):
        assert secret not in shown


# ------------------------------------------------------------------ workspace
def test_workspace_follows_levels_and_roles_and_records_the_person(
        world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from siting.data.workspace import WorkspaceSite
    from siting.outcomes.workspace_store import WorkspaceStore

    def open_as(who: str) -> WorkspaceStore:  # as the app does: the gateway acts as the person
        return WorkspaceStore.open(world.owner, organisation_id="a-kommun",
                                   act_as=world.roles[who])

    with open_as("a_editor") as a:
        a.add_sites([WorkspaceSite("", "Hamnen", "POINT (760000 7200000)", level="internal"),
                     WorkspaceSite("", "Bruket", "POINT (761000 7201000)", level="public")],
                    user="someone-else")
        assert {r.changed_by for r in a.site_history("S1")} == {world.roles["a_editor"]}
    with open_as("b_viewer") as b:
        assert [s.name for s in b.list_sites()] == ["Bruket"]
        with pytest.raises(StoreError, match="no site with id"):
            b.site_history("S1")
    with open_as("b_editor") as b, pytest.raises(StoreError, match="may not change"):
        b.add_sites([WorkspaceSite("", "Intrång", "POINT (762000 7202000)")])
    with open_as("a_viewer") as v:
        assert [s.name for s in v.list_sites()] == ["Hamnen", "Bruket"]
        with pytest.raises(StoreError, match="may not change"):
            v.delete_site("S1")
    # the sites CLI against the person's own login: --user is ignored with a note
    assert main(["sites", "remove", "S2", "--db", world.url("a_editor"), "--org", "a-kommun",
                 "--user", "forged"]) == 0
    assert "--user is ignored" in capsys.readouterr().err
    with open_as("a_editor") as a:
        assert a.site_history("S2")[-1].changed_by == world.roles["a_editor"]
        a.add_sites([WorkspaceSite("", "Förhandling", "POINT (763000 7203000)",
                                   level="confidential")])
        editor_stamp = a.stamp()
    with open_as("a_viewer") as v:  # the app caches evaluations by this stamp: never shared
        assert v.stamp()[0] == editor_stamp[0] - 1 and v.stamp() != editor_stamp


def test_history_of_a_downgraded_case_keeps_its_confidential_past_closed(world: World) -> None:
    from siting.outcomes.trail import verify

    with world.open("a_editor") as a:
        a.add(Case("A-DOWN", "Hemlig förhandling", "battery", "2482", "ongoing",
                   confidentiality="confidential", organisation="a-kommun", notes=SECRET))
        made_public = dataclasses.replace(a.get("A-DOWN"), confidentiality="public",
                                          title="Offentligt beslut", notes="")
        a.update(made_public)
        assert a.history("A-DOWN")[0].snapshot["notes"] == SECRET  # the owner sees its past
    with world.open("b_viewer") as b:
        first, second = b.history("A-DOWN")
        assert SECRET not in json.dumps(first.snapshot, ensure_ascii=False)
        assert "Hemlig" not in json.dumps(first.snapshot, ensure_ascii=False)
        assert first.redacted_fields and "notes" in first.redacted_fields
        assert first.snapshot["confidentiality"] == "confidential"  # that it was, not what
        assert second.snapshot["title"] == "Offentligt beslut"
        assert verify(b, "A-DOWN") == []  # the chain holds: only the view is withheld


def test_administration_page_in_shared_mode(world: World, monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    at = _shared_app(world, "b_viewer", monkeypatch, tmp_path)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("app_pages/admin.py").run()  # not offered to a viewer
    at = _shared_app(world, "a_admin", monkeypatch, tmp_path)
    at.switch_page("app_pages/admin.py").run()
    assert not at.exception and not at.error, [e.value for e in (*at.exception, *at.error)]
    column = t("admin.col_person", "sv")
    [members] = [df.value for df in at.dataframe if column in df.value.columns]
    orgs = set(members[t("admin.col_org", "sv")])
    assert orgs == {"a-kommun"}  # B's members are not A's admin's business
    assert world.roles["b_viewer"] not in set(members[column])
    # granting a confidential case of A works from the page, as the admin (the database checks)
    at.selectbox(key="admin_grant_case").set_value("A-CONF")
    at.text_input(key="admin_grant_person").input(world.roles["netadmin"])
    [button] = [b for b in at.button if b.label == t("admin.grant_button", "sv")]
    button.click().run()
    assert not at.exception and not at.error, [e.value for e in (*at.exception, *at.error)]
    with world.open("netadmin") as n:  # granted: the network admin reads it now
        assert n.get("A-CONF").notes == SECRET
