"""AppTest on real Sweden (Skellefteå): a site is called by one name on every page.

The ranking's "Plats" column, the map's markers and popups, the site details and the
comparison all name the same generated candidate sites (named candidate areas and
industrial sites) the same way; unknowns are said once, in user words; the comparison's
technical notes and the data page's layer types are in the page's language.
"""

from __future__ import annotations

import json
import re
from html import escape
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from siting.core.i18n import t

APP = str(Path(__file__).resolve().parents[1] / "app.py")
_TIMEOUT_S = 240


def _app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: str) -> AppTest:
    monkeypatch.delenv("SITING_DATASET", raising=False)  # real Sweden
    monkeypatch.setenv("SITING_KOMMUN", "Skellefteå")
    monkeypatch.setenv("SITING_DB_URL", f"sqlite:///{tmp_path / 'outcomes.sqlite'}")
    monkeypatch.setenv("SITING_USER_DIR", str(tmp_path / "user"))
    at = AppTest.from_file(APP, default_timeout=_TIMEOUT_S)
    at.session_state["lang"] = lang
    at.run()
    _ok(at)
    return at


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _frame(at: AppTest, column: str):
    return next(df.value for df in at.dataframe if column in df.value.columns)


def _map_html(at: AppTest) -> str:
    return str(at.get("iframe")[0].proto.srcdoc)


def _on_map(name: str, html: str) -> bool:
    """``name`` in the map page, as text or inside its (ASCII-escaped) GeoJSON."""
    return any(form in html for form in (name, json.dumps(name)[1:-1],
                                         json.dumps(escape(name))[1:-1]))


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_real_sites_carry_one_name_on_ranking_map_and_compare(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shared_data: Path, lang: str) -> None:
    at = _app(tmp_path, monkeypatch, lang)
    # the map: generated candidate sites are drawn, named in their popups and tooltips
    html = _map_html(at)
    at.switch_page("app_pages/ranking.py").run()
    _ok(at)
    ranking = _frame(at, t("ranking.col_rank", lang))
    places = ranking[t("ranking.col_site", lang)].tolist()
    ids = ranking[t("site.col_id", lang)].tolist()
    assert "2482-O01" in ids and "2482-I01" in ids
    area = places[ids.index("2482-O01")]
    assert area != "2482-O01" and area.startswith("Skellefteå – ")
    assert re.search(r"\d ha", area), area  # "Skellefteå – område 1: 707 ha, 15 km V om ..."
    assert not any(re.fullmatch(r"\d{4}-[OI]\d\d", p) for p in places), places
    for name in places:  # every ranked site is on the map by its name
        assert _on_map(name, html), name
    # the comparison of the study area ranks those very sites, by the same names
    at.switch_page("app_pages/compare.py").run()
    _ok(at)
    table = _frame(at, t("compare.best_site", lang))
    best_id = table.iloc[0][t("site.col_id", lang)]
    assert best_id in ids, (best_id, ids)
    assert table.iloc[0][t("compare.best_site", lang)] == places[ids.index(best_id)]
    kind = "compare.kind_area" if "-O" in best_id else "site.kind_brownfield"
    assert table.iloc[0][t("compare.best_kind", lang)] == t(kind, lang)
    assert any(t("site.compare_ranked", lang) in i.value for i in at.info)
    # technical notes in the page's language, criteria by their labels
    notes = " ".join(c.value for c in at.caption)
    assert t("notes.surface_no_data", lang).split("(")[0].strip() in notes
    assert "not evaluated on the surface" not in notes and "criterion '" not in notes
    assert "flood_zones" not in notes and "grid_capacity" not in notes


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_site_details_say_each_unknown_once_in_user_words(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shared_data: Path, lang: str) -> None:
    at = _app(tmp_path, monkeypatch, lang)
    texts = [w.value for w in at.warning] + [c.value for c in at.caption] + \
        [i.value for i in at.info] + [m.value for m in at.markdown]
    box = next(w.value for w in at.warning if t("verdict.to_confirm", lang) in w.value)
    everything = "\n".join(texts)
    for word in ("katalog", "catalogue", "flood_zones", "'substations'", "available_capacity_mw",
                 "av typen", "of type"):
        assert word not in everything, word
    # each unknown hard criterion is listed once (in the box), not again in a grey note
    flood = t("layer_type.flood_zones", lang)
    assert box.count(flood) >= 1
    assert sum(x.count(flood) for x in texts if x != box) == 0
    assert not any(s.value == t("map.no_reasons", lang) for s in at.success)  # it is unknown


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_data_page_names_layers_in_user_words(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shared_data: Path, lang: str) -> None:
    at = _app(tmp_path, monkeypatch, lang)
    at.switch_page("app_pages/data.py").run()
    _ok(at)
    layers = _frame(at, t("data.col_status", lang))
    cols = list(layers.columns)
    assert cols[0] == t("data.col_title", lang) and cols[-1] == t("data.col_id", lang)
    types = layers[t("data.col_type", lang)].tolist()
    assert not any("_" in x for x in types), types
    row = layers[layers[t("data.col_id", lang)] == "municipalities"].iloc[0]
    assert row[t("data.col_type", lang)].lower().startswith(t("layer_type.municipalities", lang))
