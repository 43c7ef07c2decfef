"""The Administration page (AppTest, headless): the functions of ``siting admin`` in the app.

Local mode (a SQLite log, no memberships yet: the analyst has full access) sets up
an organisation and its members in Swedish and English; refusals are shown as
the package's errors in the page's language; once memberships exist, a person
who administers nothing is not offered the page.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from siting.core.errors import StoreError
from siting.core.i18n import t
from siting.outcomes import Case, OutcomeStore, people

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # the app's helper package lives next to app.py
    sys.path.insert(0, str(REPO))

ADMIN_PAGE = "app_pages/admin.py"


@pytest.fixture()
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'outcomes.sqlite'}"
    monkeypatch.setenv("SITING_DB_URL", url)
    monkeypatch.setenv("SITING_USER_DIR", str(tmp_path / "user"))
    monkeypatch.setenv("SITING_USER", "analyst")
    return url


def _app(lang: str) -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    at.run()
    if lang == "en":
        at.sidebar.segmented_control(key="lang").set_value("en").run()
    at.switch_page(ADMIN_PAGE).run()
    _ok(at)
    return at


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _submit(at: AppTest, label_key: str, lang: str) -> AppTest:
    label = t(label_key, lang)
    [button] = [b for b in at.button if b.label == label]
    return button.click().run()


def _members(at: AppTest, lang: str):  # noqa: ANN202 - a pandas DataFrame
    column = t("admin.col_person", lang)
    found = [df.value for df in at.dataframe if column in df.value.columns]
    assert found, "the members table is missing"
    return found[0]


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_admin_sets_up_an_organisation_and_its_members(db: str, lang: str) -> None:
    at = _app(lang)
    assert at.title[0].value == t("admin.title", lang)
    at.text_input(key="admin_org_id").input("skelleftea")
    at.text_input(key="admin_org_name").input("Skellefteå kommun")
    at.text_input(key="admin_org_kommun").input("2482")
    _submit(at, "admin.add_org_button", lang)
    _ok(at)
    assert any(t("admin.org_added", lang, org="skelleftea") in s.value.replace("\\", "")
               for s in at.success), [s.value for s in at.success]

    # local mode has full access only while nobody is a member: the analyst comes first
    assert any(t("admin.first_member", lang, user="analyst") in c.value.replace("\\", "")
               for c in at.caption)
    for person, role in (("analyst", "admin"), ("anna@skelleftea.se", "viewer")):
        at.text_input(key="admin_person").input(person)
        at.selectbox(key="admin_user_org").set_value("skelleftea")
        at.selectbox(key="admin_user_role").set_value(role)
        _submit(at, "admin.add_user_button", lang)
        _ok(at)
    members = _members(at, lang)
    assert list(members.iloc[:, 0]) == ["analyst", "anna@skelleftea.se"]
    assert list(members.iloc[:, 2]) == [t("role.admin", lang), t("role.viewer", lang)]

    at.selectbox(key="admin_role_member").set_value("anna@skelleftea.se – skelleftea")
    at.selectbox(key="admin_role_new").set_value("editor")
    _submit(at, "admin.change_role_button", lang)
    _ok(at)
    with OutcomeStore.open(db) as store:  # the same store the CLI uses
        assert [(m.person, m.role) for m in people.list_members(store, "skelleftea")] == [
            ("analyst", "admin"), ("anna@skelleftea.se", "editor")]

    at.selectbox(key="admin_remove_member").set_value("anna@skelleftea.se – skelleftea")
    _submit(at, "admin.remove_button", lang)  # not confirmed: nothing happens
    with OutcomeStore.open(db) as store:
        assert len(people.list_members(store, "skelleftea")) == 2
    at.checkbox(key="admin_remove_sure").check()
    _submit(at, "admin.remove_button", lang)
    _ok(at)
    with OutcomeStore.open(db) as store:
        assert [m.person for m in people.list_members(store, "skelleftea")] == ["analyst"]


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_refusals_are_shown_in_the_pages_language(db: str, lang: str) -> None:
    at = _app(lang)
    at.text_input(key="admin_person").input("anna skelleftea")  # a space: not a user name
    _submit(at, "admin.add_user_button", lang)
    assert not at.exception
    expected = t("problem.people.bad_person.message", lang, person="anna skelleftea")
    assert any(expected.replace("'", "") in e.value.replace("\\", "").replace("'", "")
               for e in at.error), [e.value for e in at.error]
    at.text_input(key="admin_org_id").input("x")
    at.text_input(key="admin_org_name").input("X")
    at.text_input(key="admin_org_kommun").input("2499")  # no such kommun
    _submit(at, "admin.add_org_button", lang)
    word = {"sv": "är inte koden för någon av Sveriges 290 kommuner",
            "en": "is not the code of any of Sweden's 290 kommuner"}[lang]
    assert any(word in e.value.replace("\\", "") for e in at.error), [e.value for e in at.error]


def test_grant_lets_a_named_person_read_a_confidential_case(db: str) -> None:
    with OutcomeStore.open(db) as store:
        people.add_organisation(store, "skelleftea", "Skellefteå kommun", kommunkod="2482")
        people.add_user(store, "analyst", "skelleftea", "admin")
        people.add_user(store, "bo", "skelleftea", "viewer")
        store.add(Case("S-1", "Batterifabrik", "battery", "2482", "ongoing",
                       confidentiality="confidential", organisation="skelleftea"))
    at = _app("sv")
    at.selectbox(key="admin_grant_case").set_value("S-1")
    at.text_input(key="admin_grant_person").input("bo")
    _submit(at, "admin.grant_button", "sv")
    _ok(at)
    with OutcomeStore.open(db, act_as="bo") as store:
        assert store.get("S-1").title == "Batterifabrik"


def test_the_page_is_offered_only_to_admins(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with OutcomeStore.open(db) as store:
        people.add_organisation(store, "skelleftea", "Skellefteå kommun")
        people.add_user(store, "analyst", "skelleftea", "admin")
        people.add_user(store, "bo", "skelleftea", "editor")
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    at.run()
    at.switch_page(ADMIN_PAGE).run()
    assert at.title[0].value == t("admin.title", "sv")
    monkeypatch.setenv("SITING_USER", "bo")  # an editor administers nothing
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    at.run()
    _ok(at)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(ADMIN_PAGE).run()


def test_a_grant_to_an_unknown_person_is_refused(db: str) -> None:
    with OutcomeStore.open(db) as store:
        people.add_organisation(store, "skelleftea", "Skellefteå kommun")
        people.add_user(store, "analyst", "skelleftea", "admin")
        store.add(Case("S-2", "Hemligt", "battery", "2482", "ongoing",
                       confidentiality="confidential", organisation="skelleftea"))
    at = _app("en")
    at.selectbox(key="admin_grant_case").set_value("S-2")
    at.text_input(key="admin_grant_person").input("b0")  # a typo of a person
    _submit(at, "admin.grant_button", "en")
    assert not at.exception
    assert any("there is no person" in e.value.replace("\\", "") for e in at.error)
    with OutcomeStore.open(db) as store, pytest.raises(StoreError, match="no person"):
        people.grant_case(store, "S-2", "b0")
