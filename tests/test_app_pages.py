"""AppTest (headless Streamlit) tests: every page renders and its key widgets work."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from siting.core.i18n import t

REPO = Path(__file__).resolve().parent.parent
APP = str(REPO / "app.py")
if str(REPO) not in sys.path:  # the app's helper package lives next to app.py
    sys.path.insert(0, str(REPO))

from app_pages._widgets import md  # noqa: E402

PAGES = ("map", "ranking", "compare", "outcomes", "lessons", "data")
_TIMEOUT_S = 120


@pytest.fixture()
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """The app on the demo data, with its own outcome log and user folder."""
    monkeypatch.setenv("SITING_DB_URL", f"sqlite:///{tmp_path / 'outcomes.sqlite'}")
    monkeypatch.setenv("SITING_USER_DIR", str(tmp_path / "user"))
    at = AppTest.from_file(APP, default_timeout=_TIMEOUT_S)
    at.run()
    _no_errors(at)
    return at


def _no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _goto(at: AppTest, page: str) -> AppTest:
    at.switch_page(f"app_pages/{page}.py").run()
    return at


def _frame_with(at: AppTest, column: str):
    """The first dataframe that has ``column`` (static dataframes keep no key)."""
    for df in at.dataframe:
        if column in df.value.columns:
            return df.value
    raise AssertionError(f"no dataframe with column {column!r}")


def _ranking(at: AppTest):
    return _frame_with(at, t("ranking.col_rank", "sv"))


def _top3(at: AppTest) -> str:
    word = t("ranking.top", "sv")
    found = [m.value for m in at.markdown if m.value.startswith(word)]
    assert found, "the top-3 line is missing"
    return found[0]


def test_every_page_renders_without_error(app: AppTest) -> None:
    for page in PAGES:
        _goto(app, page)
        assert not app.exception, (page, [e.value for e in app.exception])
        if page == "lessons":  # an empty log is explained, not an error of the app
            assert all("no cases" in e.value or "ärenden" in e.value for e in app.error)
        else:
            assert not app.error, (page, [e.value for e in app.error])
        assert app.title[0].value == t(f"{page}.title", "sv")


def test_map_page_shows_sites_and_details(app: AppTest) -> None:
    captions = [c.value for c in app.caption]
    assert any("kandidatplatser" in c for c in captions)
    assert app.selectbox(key="map_site_sv").value is not None
    assert any(h.value == t("map.site_details", "sv") for h in app.subheader)
    all_themes = ["land", "energy", "logistics", "schools", "housing"]
    app.multiselect(key="map_themes_sv").set_value(all_themes).run()
    _no_errors(app)
    assert any("kandidatplatser" in c.value for c in app.caption)


def test_surface_toggle_draws_surface_and_candidate_areas(app: AppTest) -> None:
    app.toggle(key="surface").set_value(True).run()
    _no_errors(app)
    notes = [c.value for c in app.caption if c.value.startswith("Lämplighetsytan")]
    assert notes and "250" in notes[0]


def test_profile_select_changes_the_ranking(app: AppTest) -> None:
    _goto(app, "ranking")
    battery = _ranking(app)
    app.sidebar.selectbox(key="profile_sv").set_value("steelworks").run()
    _no_errors(app)
    steel = _ranking(app)
    status = t("ranking.col_status", "sv")
    passing = t("verdict.pass", "sv")
    assert (battery[status] == passing).sum() != (steel[status] == passing).sum() or \
        not battery.head(5).equals(steel.head(5))
    assert len(app.slider) != 0


def test_weight_slider_changes_scores(app: AppTest) -> None:
    _goto(app, "ranking")
    col_score = t("ranking.col_score", "sv")
    before = _ranking(app)[col_score].to_numpy()
    top_before = _top3(app)
    slider = app.slider[0]
    slider.set_value(100).run()  # percent: this criterion alone
    _no_errors(app)
    after = _ranking(app)[col_score].to_numpy()
    assert not (before == after).all()
    assert _top3(app) != top_before
    assert sum(s.value for s in app.slider) == 100  # the others were shared out to 0
    # the reset button restores the profile's weights
    app.button(key="reset_weights_ranking").click().run()
    restored = _ranking(app)[col_score].to_numpy()
    assert (restored == before).all()


def test_ahp_editor_shows_consistency_and_applies_weights(app: AppTest) -> None:
    _goto(app, "ranking")
    texts = [m.value for m in app.markdown]
    assert any(text.startswith("Konsistenskvot") for text in texts)
    assert app.success or app.warning


def test_language_switch_changes_labels(app: AppTest) -> None:
    assert app.title[0].value == "Karta"
    app.sidebar.button_group(key="lang").set_value("en").run()
    _no_errors(app)
    assert app.title[0].value == "Map"
    assert any(c.value.startswith("51 candidate sites") or "candidate sites" in c.value
               for c in app.caption)
    _goto(app, "ranking")
    assert app.title[0].value == "Ranking"
    assert any(m.value.startswith("Top 3") for m in app.markdown)


def test_adding_a_case_adds_a_row(app: AppTest) -> None:
    _goto(app, "outcomes")
    assert not app.table  # empty log
    app.text_input(key="f_add_sv_case_id").input("APP-TEST-1")
    app.text_input(key="f_add_sv_title").input("Testärende")
    app.text_input(key="f_add_sv_kommunkod").input("2482")
    app.text_input(key="f_add_sv_x").input("760000")
    app.text_input(key="f_add_sv_y").input("7200000")
    app.text_area(key="f_add_sv_notes").input("<b>fet</b> anteckning")
    app.button[[b.label for b in app.button].index(t("outcomes.save", "sv"))].click().run()
    _no_errors(app)
    table = app.table[0].value
    assert len(table) == 1
    assert table.iloc[0][t("outcomes.case_id", "sv")] == md("APP-TEST-1")
    # st.table renders Markdown: the note is escaped so it shows as typed
    assert table.iloc[0][t("outcomes.notes", "sv")] == md("<b>fet</b> anteckning")
    assert md("<b>") == "\\<b\\>"
    assert any(md("APP-TEST-1") in s.value for s in app.success)


def _add_case(app: AppTest, case_id: str, title: str) -> None:
    app.text_input(key="f_add_sv_case_id").input(case_id)
    app.text_input(key="f_add_sv_title").input(title)
    app.text_input(key="f_add_sv_kommunkod").input("2480")
    app.button[[b.label for b in app.button].index(t("outcomes.save", "sv"))].click().run()
    _no_errors(app)


def test_edit_then_restore_an_earlier_revision(app: AppTest) -> None:
    _goto(app, "outcomes")
    _add_case(app, "APP-REV-1", "Första titeln")
    app.text_input(key="f_edit_sv_title").input("Andra titeln")
    saves = [i for i, b in enumerate(app.button) if b.label == t("outcomes.save", "sv")]
    app.button[saves[1]].click().run()  # the edit form's save
    _no_errors(app)
    col_title = t("outcomes.case_title", "sv")
    assert app.table[0].value.iloc[0][col_title] == md("Andra titeln")
    history = _frame_with(app, "action")
    assert history["#"].tolist() == [1, 2] or sorted(history["#"].tolist()) == [1, 2]
    app.selectbox(key="rev_APP-REV-1").set_value(1).run()
    app.button(key="restore_APP-REV-1").click().run()
    _no_errors(app)
    assert app.table[0].value.iloc[0][col_title] == md("Första titeln")
    assert len(_frame_with(app, "action")) == 3  # the restore is a new revision


def test_invalid_case_is_rejected_with_every_problem(app: AppTest) -> None:
    _goto(app, "outcomes")
    app.text_input(key="f_add_sv_case_id").input("bad id with spaces")
    app.text_input(key="f_add_sv_kommunkod").input("99")
    app.button[[b.label for b in app.button].index(t("outcomes.save", "sv"))].click().run()
    assert not app.exception
    assert any(t("outcomes.invalid", "sv") in e.value for e in app.error)
    problems = app.table[-1].value
    assert {"case\\_id", "kommunkod", "title"} <= set(problems[t("problems.field", "sv")])
    messages = " | ".join(problems[t("problems.problem", "sv")])
    assert "är inte en fyrsiffrig kommunkod" in messages and "måste anges" in messages
    assert "is not a 4-digit" not in messages
    assert len(app.table) == 1  # only the problems; the (empty) log has no table


def test_seeded_log_feeds_the_lessons_page(app: AppTest) -> None:
    _goto(app, "outcomes")
    app.button(key="seed").click().run()
    _no_errors(app)
    n_rows = len(app.table[0].value) if app.table else \
        len(_frame_with(app, t("outcomes.case_id", "sv")))
    assert n_rows >= 30
    _goto(app, "lessons")
    _no_errors(app)
    if not any(h.value == t("lessons.weights", "sv") for h in app.subheader):
        # learning runs in the background: the page says so instead of waiting
        assert any(i.value == t("lessons.working", "sv") for i in app.info)
        from app_pages._learning import _registry

        for job in list(_registry()._jobs.values()):
            job.result(timeout=_TIMEOUT_S)
        _goto(app, "lessons")
        _no_errors(app)
    assert any(h.value == t("lessons.weights", "sv") for h in app.subheader)
    app.button(key="learn_apply").click().run()
    _no_errors(app)
    saved = list((Path(os.environ["SITING_USER_DIR"]) / "profiles").glob("*.toml"))
    assert [p.name for p in saved] == ["battery_plant_suggested.toml"]
    assert "Battericellfabrik (battery_plant_suggested)" in \
        app.sidebar.selectbox(key="profile_sv").options
    assert any("battery\\_plant\\_suggested" in s.value for s in app.success)


def test_compare_and_data_pages_show_tables(app: AppTest) -> None:
    _goto(app, "compare")
    table = _frame_with(app, t("compare.best_site", "sv"))
    assert len(table) == 4  # the sidebar's study area
    app.radio(key="compare_scope_sv").set_value("list").run()
    app.multiselect(key="compare_list_demo").set_value(
        ["9901", "9902", "9903", "9904", "9801"]).run()  # across the county border
    _no_errors(app)
    table = _frame_with(app, t("compare.best_site", "sv"))
    assert len(table) == 5
    ranks = table[t("ranking.col_rank", "sv")].tolist()
    ranked = [r for r in ranks if r]
    assert ranks == [str(i) for i in range(1, len(ranked) + 1)] + [""] * (5 - len(ranked))
    best = table[t("compare.best", "sv")].tolist()
    assert all(b == t("compare.no_result", "sv") for b, r in zip(best, ranks, strict=True) if r == "")
    assert table.iloc[0][t("site.col_id", "sv")].startswith("NV-")
    _goto(app, "data")
    layers = _frame_with(app, t("data.col_status", "sv"))
    assert (layers[t("data.col_status", "sv")] == t("data.status_ok", "sv")).all()


def test_compare_works_on_the_real_open_data(app: AppTest, shared_data: Path) -> None:
    app.sidebar.selectbox(key="catalog_sv").set_value("sweden_open").run()
    _goto(app, "compare")
    app.radio(key="compare_scope_sv").set_value("county").run()
    box = app.selectbox(key="compare_county_sweden_open_sv")
    box.select_index(next(i for i, o in enumerate(box.options) if "Norrbotten" in o)).run()
    _no_errors(app)
    table = _frame_with(app, t("compare.best_site", "sv"))
    assert len(table) == 14  # the 14 municipalities of Norrbotten
    assert any(t("compare.no_sites", "sv") in i.value for i in app.info)


def test_ranking_on_real_data_names_candidate_sites(app: AppTest, shared_data: Path) -> None:
    app.selectbox(key="catalog_sv").set_value("sweden_open").run()
    _no_errors(app)
    app.multiselect(key="region_sweden_open").set_value(["2482"]).run()
    _goto(app, "ranking")
    _no_errors(app)
    ranking = _ranking(app)
    ids = " ".join(map(str, ranking.astype(str).to_numpy().ravel()))
    assert "2482-O01" in ids and "2482-I01" in ids   # a candidate area and a brownfield site


def test_package_errors_are_shown_plainly(app: AppTest) -> None:
    app.sidebar.text_input(key="catalog_path").input("/nonexistent/katalog.toml").run()
    assert not app.exception
    errors = [e.value for e in app.error]
    assert errors and "nonexistent" in errors[0] and "no such catalogue" in errors[0]
    assert "Traceback" not in errors[0]


def test_app_opens_on_real_sweden_at_the_users_municipality(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    """Without SITING_DATASET the app opens on the bundled real data; SITING_KOMMUN picks the
    user's municipality by name; Demolän stays selectable."""
    monkeypatch.delenv("SITING_DATASET", raising=False)
    monkeypatch.setenv("SITING_KOMMUN", "Skellefteå")
    monkeypatch.setenv("SITING_DB_URL", f"sqlite:///{tmp_path / 'outcomes.sqlite'}")
    monkeypatch.setenv("SITING_USER_DIR", str(tmp_path / "user"))
    at = AppTest.from_file(APP, default_timeout=_TIMEOUT_S)
    at.run()
    _no_errors(at)
    assert at.sidebar.selectbox(key="catalog_sv").value == "sweden_open"
    assert at.multiselect(key="region_sweden_open").value == ["2482"]
    assert any(o.startswith("Demolän") for o in at.sidebar.selectbox(key="catalog_sv").options)


def test_map_caption_counts_passing_and_unclear_sites_as_the_ranking_does(app: AppTest) -> None:
    caption = next(c.value for c in app.caption if "kandidatplatser" in c.value)
    n_pass, n_unknown = (int(x) for x in re.findall(r"(\d+) (?:klarar|oklara)", caption))
    _goto(app, "ranking")
    column = _frame_with(app, t("ranking.col_status", "sv"))[t("ranking.col_status", "sv")]
    assert n_pass == int((column == t("verdict.pass", "sv")).sum())
    assert n_unknown == int((column == t("verdict.unknown", "sv")).sum())
