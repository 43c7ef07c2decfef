"""AppTest: the Data page's workspace section edits sites, and own sites reach the ranking."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from siting.core.i18n import t
from siting.data.layers import load_layerset
from siting.data.workspace import WorkspaceSite
from siting.outcomes.workspace_store import WorkspaceStore

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture()
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    url = f"sqlite:///{tmp_path / 'outcomes.sqlite'}"
    monkeypatch.setenv("SITING_DB_URL", url)
    monkeypatch.setenv("SITING_USER_DIR", str(tmp_path / "user"))
    centre = load_layerset("demo", region="9901").vector("sites").iloc[0].geometry.centroid
    with WorkspaceStore.open(url) as ws:
        ws.add_sites([WorkspaceSite("", "Egen hamnplats", centre.buffer(600).wkt)])
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    return at


def test_edit_form_saves_capacity_and_zoning_and_the_ranking_shows_the_site(
        app: AppTest, tmp_path: Path) -> None:
    app.switch_page("app_pages/data.py").run()
    assert not app.exception and not app.error
    assert any("Egen hamnplats" in set(df.value.iloc[:, 1]) for df in app.dataframe
               if df.value.shape[1] > 1)
    zoning = next(s for s in app.selectbox if s.label == t("ws.ui.zoning", "sv"))
    zoning.set_value("industrial")
    cap = next(n for n in app.number_input if n.label == t("ws.ui.capacity", "sv"))
    cap.set_value(150.0)
    src = next(x for x in app.text_input if x.label == t("ws.ui.capacity_source", "sv"))
    src.input("Nätbolaget")
    next(b for b in app.button if b.label == t("ws.ui.save_edit", "sv")).click().run()
    assert not app.exception and not app.error
    with WorkspaceStore.open(f"sqlite:///{tmp_path / 'outcomes.sqlite'}") as ws:
        site = ws.get_site("S1")
    assert (site.zoning, site.grid_capacity_mw, site.grid_capacity_source) == (
        "industrial", 150.0, "Nätbolaget")
    app.switch_page("app_pages/ranking.py").run()
    assert not app.exception
    ranking = next(df.value for df in app.dataframe
                   if t("ranking.col_site", "sv") in df.value.columns)
    row = ranking[ranking[t("site.col_id", "sv")].astype(str) == "S1"]
    assert row[t("ranking.col_site", "sv")].tolist() == ["Egen hamnplats"]  # by its name
