"""Real-browser tests of the app: offline map, live re-ranking, outcome log, XSS, language.

Marked ``browser``: they drive Debian's Chromium through Playwright against a
``streamlit run app.py`` server (see ``conftest.py`` here). Screenshots are
written to ``tests/_artifacts/screenshots/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

XSS = "<img src=x onerror=alert(1)>"
_TIMEOUT_MS = 45_000
_LOCAL_HOSTS = {"127.0.0.1", "localhost"}


@pytest.fixture()
def session(browser, app_server: str) -> Iterator[dict]:
    """A fresh page on the app, recording every request and every JS dialog."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="sv-SE")
    requests: list[str] = []
    dialogs: list[str] = []
    context.on("request", lambda req: requests.append(req.url))
    page = context.new_page()
    page.set_default_timeout(_TIMEOUT_MS)

    def on_dialog(dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    context.on("page", lambda p: p.on("dialog", on_dialog))
    page.goto(app_server)
    _wait_idle(page)
    try:
        yield {"page": page, "requests": requests, "dialogs": dialogs, "url": app_server}
    finally:
        context.close()


def _wait_idle(page, timeout_ms: int = _TIMEOUT_MS) -> None:
    """Wait until the app has rendered and Streamlit's 'running' indicator is gone."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)
    page.wait_for_selector('[data-testid="stSidebar"]', timeout=timeout_ms)
    page.wait_for_timeout(300)  # let a rerun triggered by the last action start
    page.wait_for_function(
        """() => {
            const w = document.querySelector('[data-testid="stStatusWidget"]');
            return !w || !/stop|running/i.test(w.innerText || '');
        }""", timeout=timeout_ms)
    page.wait_for_function(
        """() => !document.querySelector('[data-testid="stApp"] [data-stale="true"]')""",
        timeout=timeout_ms)


def _map_frame(page, min_paths: int = 1):
    """The iframe holding a Leaflet map with at least ``min_paths`` interactive paths."""
    deadline_ms = _TIMEOUT_MS
    waited = 0
    while waited < deadline_ms:
        for frame in page.frames:
            if frame == page.main_frame:
                continue
            try:
                n = frame.locator(".leaflet-container path.leaflet-interactive").count()
            except Exception:  # frame detached while looking  # noqa: BLE001
                continue
            if n >= min_paths:
                return frame
        page.wait_for_timeout(250)
        waited += 250
    raise AssertionError("no Leaflet map with site paths rendered in any iframe")


def _external(requests: list[str]) -> list[str]:
    bad = []
    for url in requests:
        parts = urlparse(url)
        if parts.scheme in {"data", "blob", "about", "chrome-extension"}:
            continue
        if parts.hostname not in _LOCAL_HOSTS:
            bad.append(url)
    return bad


def _nav(page, label: str) -> None:
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text=label).first.click()
    _wait_idle(page)


def _choose(page, label: str, option: str) -> None:
    page.get_by_role("combobox", name=label).first.click()
    page.get_by_role("option", name=option).first.click()
    _wait_idle(page)


def _top3(page, word: str) -> str:
    loc = page.locator('[data-testid="stMarkdownContainer"]').filter(has_text=f"{word}:").first
    loc.wait_for()
    return loc.inner_text()


def test_map_renders_offline_with_ranked_sites(session, screenshot_dir: Path) -> None:
    page, requests = session["page"], session["requests"]
    _choose(page, "Etableringsprofil", "Datacenter (hyperskala)")
    frame = _map_frame(page, min_paths=40)
    assert frame.locator(".leaflet-container").count() == 1
    n_paths = frame.locator("path.leaflet-interactive").count()
    assert n_paths >= 48  # >= 48 candidate sites plus outlines
    labels = frame.locator(".siting-label").all_inner_texts()
    assert "Norrvik" in labels and "Grannby" in labels
    assert frame.locator(".siting-legend").count() == 1
    page.get_by_text("kandidatplatser").first.wait_for()
    page.screenshot(path=str(screenshot_dir / "map_sv.png"), full_page=False)
    assert _external(requests) == [], _external(requests)[:5]


def test_weight_change_reranks(session, screenshot_dir: Path) -> None:
    page = session["page"]
    _nav(page, "Rangordning")
    before = _top3(page, "Topp 3")
    slider = page.locator('[data-testid="stSlider"] input[type="range"]').first
    slider.focus()
    slider.press("End")  # the first criterion gets the largest possible weight
    _wait_idle(page)
    page.wait_for_function(
        """(old) => [...document.querySelectorAll('[data-testid="stMarkdownContainer"]')]
              .some(e => e.innerText.startsWith('Topp 3') && e.innerText !== old)""",
        arg=before, timeout=_TIMEOUT_MS)
    after = _top3(page, "Topp 3")
    assert after != before
    page.screenshot(path=str(screenshot_dir / "ranking_sv.png"), full_page=True)
    assert _external(session["requests"]) == []


def test_add_case_with_markup_note_is_shown_as_text(session, screenshot_dir: Path) -> None:
    page, dialogs = session["page"], session["dialogs"]
    _nav(page, "Etableringslogg")
    page.get_by_label("Ärende-id").first.fill("TEST-XSS-1")
    page.get_by_label("Titel").first.fill("Testfall från webbläsaren")
    page.get_by_label("Kommunkod (4 siffror)").first.fill("2482")
    page.get_by_label("X (SWEREF 99 TM, m)").first.fill("760000")
    page.get_by_label("Y (SWEREF 99 TM, m)").first.fill("7200000")
    page.get_by_label("Anteckningar").first.fill(XSS)
    page.get_by_role("button", name="Spara").first.click()
    _wait_idle(page)
    page.get_by_text("Sparat.").first.wait_for()
    page.reload()
    _wait_idle(page)
    table = page.locator('[data-testid="stTable"]').first
    table.wait_for()
    assert "TEST-XSS-1" in table.inner_text()
    assert XSS in table.inner_text()  # the markup is visible as literal text
    assert table.locator("img").count() == 0
    frame = _map_frame(page)
    opened = frame.evaluate("""(cid) => {
        let found = false;
        for (const k of Object.keys(window).filter(k => k.startsWith('map_'))) {
            window[k].eachLayer(l => {
                if (l.feature && l.feature.properties && l.feature.properties.case_id === cid) {
                    l.openPopup(); found = true;
                }
            });
        }
        return found;
    }""", "TEST-XSS-1")
    assert opened
    popup = frame.locator(".leaflet-popup-content").first
    popup.wait_for()
    assert XSS in popup.inner_text()
    assert popup.locator("img").count() == 0
    page.wait_for_timeout(400)  # let the popup finish fading in for the screenshot
    page.screenshot(path=str(screenshot_dir / "outcomes_sv.png"), full_page=True)
    assert dialogs == []


def test_switch_to_english(session, screenshot_dir: Path) -> None:
    page = session["page"]
    page.locator('[data-testid="stSidebar"] button').filter(has_text="English").first.click()
    _wait_idle(page)
    page.locator("h1").filter(has_text="Map").first.wait_for()
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert "Ranking" in nav and "Outcome log" in nav and "Rangordning" not in nav
    _map_frame(page, min_paths=40)
    page.screenshot(path=str(screenshot_dir / "map_en.png"), full_page=False)


def test_import_and_upload_show_row_level_problems(session, tmp_path: Path,
                                                   screenshot_dir: Path) -> None:
    page = session["page"]
    bad_csv = tmp_path / "arenden.csv"
    bad_csv.write_text(
        "case_id,title,industry,kommunkod,lon,lat,year_decided,outcome\n"
        "OK-1,Bra rad,battery,2482,17.5,64.5,2020,won\n"
        "BAD-2,Fel kommun,battery,12,17.5,64.5,2020,won\n"
        "BAD-3,Fel utfall,steel,2480,17.6,64.4,2021,kanske\n", encoding="utf-8")
    _nav(page, "Etableringslogg")
    page.get_by_role("tab", name="Importera (CSV, Excel, GeoPackage)").click()
    page.locator('[data-testid="stFileUploader"] input[type="file"]').first.set_input_files(
        str(bad_csv))
    _wait_idle(page)
    page.get_by_role("button", name="Importera (CSV, Excel, GeoPackage)").click()
    _wait_idle(page)
    page.get_by_text("Inget importerades").first.wait_for()
    problems = page.locator('[data-testid="stTable"]').last.inner_text()
    assert "row 3" in problems and "row 4" in problems and "row 2" not in problems
    assert "kommunkod" in problems and "outcome" in problems
    page.screenshot(path=str(screenshot_dir / "import_errors_sv.png"), full_page=True)

    broken = tmp_path / "kommuner.geojson"
    broken.write_text("this is not GeoJSON", encoding="utf-8")
    _nav(page, "Data")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').first.set_input_files(
        str(broken))
    _wait_idle(page)
    page.get_by_role("button", name="Kontrollera filen").click()
    _wait_idle(page)
    page.get_by_text("Filen kan inte användas").first.wait_for()
    page.screenshot(path=str(screenshot_dir / "upload_error_sv.png"), full_page=True)
    assert _external(session["requests"]) == []
