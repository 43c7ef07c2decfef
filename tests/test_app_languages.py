"""Every page in both languages, on the demo and on the real data: no text of the other language.

The app is walked headless (Streamlit AppTest); every text a user can read is
collected (titles, paragraphs, notes, errors, widget labels and options, table
headers and cells) and checked against a list of tell-tale words of the other
language. Place and site names come from the data and are left out.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

REPO = Path(__file__).resolve().parent.parent
APP = str(REPO / "app.py")
REAL_DATA = REPO.parent / "shared" / "data" / "sweden"
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

PAGES = ("map", "ranking", "compare", "outcomes", "lessons", "data")
_TIMEOUT_S = 300

# Words that betray the other language (whole words, case-insensitive).
TELLTALE = {
    "sv": ("the", "and", "of", "with", "not", "should", "which", "upload", "error", "failed",
           "criterion", "criteria", "layer", "field", "score", "passes", "fails", "site",
           "sites", "weight", "weights", "none", "true", "false", "nan", "judgement"),
    "en": ("och", "inte", "för", "med", "av", "är", "eller", "som", "kan", "skallkrav",
           "platser", "vikter", "poäng", "klarar", "kommuner", "saknas", "lärdomar",
           "underkänd", "område", "områden"),
}
_WORD = re.compile(r"[A-Za-zÅÄÖåäöÉé]+")
_PATH = re.compile(r"\S*[/\\]\S*")
_CODE = re.compile(r"\b\w+ = \\?\"[^\"]*\"")


def _texts(at: AppTest, skip: set[str]) -> Iterator[str]:
    """Every readable text of the rendered page (data values in ``skip`` left out)."""
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning",
                 "error", "success", "exception"):
        for el in getattr(at, kind):
            yield str(el.value)
    for kind in ("button", "checkbox", "toggle", "text_input", "number_input", "slider",
                 "selectbox", "multiselect", "radio", "text_area", "date_input"):
        for el in getattr(at, kind):
            yield str(getattr(el, "label", ""))
            yield str(getattr(el, "help", "") or "")
    for el in at.expander:
        yield str(el.label)
    for el in at.tabs:
        yield str(el.label)
    for el in at.metric:
        yield str(el.label)
    for el in list(at.dataframe) + list(at.table):
        frame = el.value
        yield from (str(c) for c in frame.columns)
        for col in frame.columns:
            if frame[col].dtype == object:
                yield from (str(v) for v in frame[col].dropna().unique()[:200]
                            if str(v) not in skip)


def _foreign(text: str, lang: str, skip: set[str]) -> list[str]:
    for name in skip:  # names of places and sites are data, not text
        if name and name in text:
            text = text.replace(name, " ")
    text = _PATH.sub(" ", text)  # file paths and database URLs are not prose
    text = _CODE.sub(" ", text)  # nor catalogue syntax such as layer = "name"
    words = {w.lower() for w in _WORD.findall(text)}
    return sorted(words & set(TELLTALE[lang]))


def _names(at: AppTest) -> set[str]:
    from app_pages import _cache
    from app_pages._state import STATE_KEY

    state = at.session_state[STATE_KEY]
    muni = _cache.municipalities(state.catalog, state.data_dir)
    names = set(muni["name"].astype(str))
    names |= {f"{n} kommun" for n in names}
    try:
        lset = _cache.layerset(state.catalog, state.data_dir, state.region_codes)
        sites = lset.vector("sites")
        if sites is not None and "name" in sites:
            names |= set(sites["name"].dropna().astype(str))
    except Exception:  # noqa: BLE001 - the names only shorten the text checked
        pass
    return names


def _walk(at: AppTest, lang: str) -> dict[str, list[tuple[str, list[str]]]]:
    found: dict[str, list[tuple[str, list[str]]]] = {}
    skip = _names(at)
    for page in PAGES:
        at.switch_page(f"app_pages/{page}.py").run()
        assert not at.exception, (page, lang, [e.value for e in at.exception])
        assert not at.error, (page, lang, [e.value for e in at.error])
        bad = [(text[:160], words) for text in _texts(at, skip)
               if (words := _foreign(text, lang, skip))]
        if bad:
            found[page] = bad
    return found


def _app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: str) -> AppTest:
    monkeypatch.setenv("SITING_DB_URL", f"sqlite:///{tmp_path / 'outcomes.sqlite'}")
    monkeypatch.setenv("SITING_USER_DIR", str(tmp_path / "user"))
    at = AppTest.from_file(APP, default_timeout=_TIMEOUT_S)
    at.session_state["lang"] = lang
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_demo_pages_speak_one_language(tmp_path, monkeypatch, lang: str) -> None:
    at = _app(tmp_path, monkeypatch, lang)
    assert _walk(at, lang) == {}


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_real_data_pages_speak_one_language(tmp_path, monkeypatch, lang: str) -> None:
    assert REAL_DATA.is_dir(), f"the real data is expected at {REAL_DATA}"
    at = _app(tmp_path, monkeypatch, lang)
    at.selectbox(key=f"catalog_{lang}").set_value("sweden_open").run()
    assert not at.exception, [e.value for e in at.exception]
    assert _walk(at, lang) == {}


def test_telltale_lists_do_not_flag_their_own_catalogue() -> None:
    """The word lists are honest: no Swedish UI string holds an English tell-tale, and back."""
    from siting.core.i18n import strings

    for lang in ("sv", "en"):
        # placeholders, command-line options and quoted commands are code, not language
        code = r"\{[^}]*\}|--[a-z][a-z-]*|'siting [^']*'"
        bad = {k: w for k, v in strings(lang).items()
               if (w := _foreign(re.sub(code, " ", v), lang, set()))}
        assert bad == {}, (lang, bad)


def test_case_table_says_yes_or_no_in_the_page_language() -> None:
    from types import SimpleNamespace

    from app_pages.outcomes import _cases_frame

    case = SimpleNamespace(case_id="A1", title="T", industry="battery", kommunkod="2482",
                           year_decided=2024, outcome="won", confidentiality="public",
                           is_fictional=False, notes="")
    sv = _cases_frame([case], "sv")
    en = _cases_frame([SimpleNamespace(**{**vars(case), "is_fictional": True})], "en")
    assert sv.iloc[0].tolist()[-2] == "nej" and en.iloc[0].tolist()[-2] == "yes"
