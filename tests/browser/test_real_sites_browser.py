"""Real browser on real Sweden (Skellefteå): generated candidate sites on the map, by name.

The named candidate areas and industrial sites (no sites layer in the open data) get
markers like any site: unknown ones outlined dashed orange, the popup naming the site with
its id as a detail. Screenshots go to ``tests/_artifacts/screenshots/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from siting.views.mapstyle import UNKNOWN_COLOUR

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

_TIMEOUT_MS = 240_000


@pytest.fixture(scope="module")
def real_app(app_runner, tmp_path_factory) -> Iterator[str]:
    env = {"SITING_DATASET": "", "SITING_KOMMUN": "Skellefteå"}  # the default: real Sweden
    with app_runner(tmp_path_factory.mktemp("real_app"), env=env) as url:
        yield url


def _idle(page) -> None:
    page.wait_for_selector('[data-testid="stSidebar"]', timeout=_TIMEOUT_MS)
    page.wait_for_timeout(500)
    page.wait_for_function(
        """() => {
            const w = document.querySelector('[data-testid="stStatusWidget"]');
            return !w || !/stop|running/i.test(w.innerText || '');
        }""", timeout=_TIMEOUT_MS)


def _site_frame(page):
    """The map iframe once its dashed (unknown) site paths are drawn."""
    for _ in range(int(_TIMEOUT_MS / 250)):
        for frame in page.frames:
            if frame == page.main_frame:
                continue
            try:
                if frame.locator('path.leaflet-interactive[stroke-dasharray="3 2"]').count():
                    return frame
            except Exception:  # frame detached while looking  # noqa: BLE001
                continue
        page.wait_for_timeout(250)
    raise AssertionError("no site marker with the unknown (dashed) outline on the map")


def test_generated_sites_have_markers_and_named_popups(browser, real_app: str,
                                                      screenshot_dir: Path) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1100}, locale="sv-SE")
    page = context.new_page()
    page.set_default_timeout(_TIMEOUT_MS)
    try:
        page.goto(real_app)
        _idle(page)
        frame = _site_frame(page)
        dashed = frame.locator('path.leaflet-interactive[stroke-dasharray="3 2"]')
        assert dashed.first.get_attribute("stroke") == UNKNOWN_COLOUR
        assert dashed.count() >= 2  # the candidate area and the industrial sites
        for _ in range(2):
            frame.locator(".leaflet-control-zoom-in").click()
            page.wait_for_timeout(500)
        dashed.first.click(force=True)
        popup = frame.locator(".siting-popup").first
        popup.wait_for(timeout=_TIMEOUT_MS)
        text = popup.inner_text()
        assert text.startswith("Skellefteå – "), text  # the site's name first
        assert "(2482-" in text and "Status: oklart" in text, text  # id as a detail
        page.screenshot(path=str(screenshot_dir / "real_sites_map_popup.png"))
    finally:
        context.close()
