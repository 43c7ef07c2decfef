"""Real-browser test of the workspace: upload own sites, draw one, confirm capacity, rank, dossier.

On the real-data catalogue ``sweden_open`` (Skellefteå, 2482) with the battery-plant profile.
Screenshots go to ``tests/_artifacts/screenshots/workspace_*.png``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pytest
from pyproj import Transformer
from shapely.geometry import Point

from siting.views.report import tr

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

_TIMEOUT_MS = 90_000
_LAYER = "kommunens_kandidater_2026"  # not the demo catalogue's layer name


@pytest.fixture()
def page(browser, app_server: str) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1400, "height": 1100}, locale="sv-SE",
                                  accept_downloads=True)
    requests: list[str] = []
    context.on("request", lambda req: requests.append(req.url))
    pg = context.new_page()
    pg.set_default_timeout(_TIMEOUT_MS)
    pg.goto(app_server)
    _idle(pg)
    pg.requests = requests  # type: ignore[attr-defined]
    try:
        yield pg
    finally:
        pg.screenshot(path=str(Path(__file__).resolve().parents[1] / "_artifacts" / "screenshots"
                               / "workspace_last.png"), full_page=True)
        context.close()


def _idle(page) -> None:
    page.wait_for_selector('[data-testid="stApp"]')
    page.wait_for_selector('[data-testid="stSidebar"]')
    page.wait_for_timeout(400)
    page.wait_for_function("""() => {
        const w = document.querySelector('[data-testid="stStatusWidget"]');
        return !w || !/stop|running/i.test(w.innerText || '');
    }""", timeout=_TIMEOUT_MS)
    page.wait_for_function(
        """() => !document.querySelector('[data-testid="stApp"] [data-stale="true"]')""",
        timeout=_TIMEOUT_MS)


def _choose(page, label: str, option: str) -> None:
    box = page.get_by_role("combobox", name=label).first
    box.click()
    box.fill(option)
    page.get_by_role("option", name=option).first.click()
    _idle(page)


def _nav(page, label: str) -> None:
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text=label).first.click()
    _idle(page)


def _sites_gpkg(path: Path) -> Path:
    tr = Transformer.from_crs("EPSG:4326", "EPSG:3006", always_xy=True)
    lonlat = [(20.95, 64.75), (21.05, 64.72), (20.85, 64.78)]
    geoms = [Point(*tr.transform(lon, lat)).buffer(450) for lon, lat in lonlat]
    names = ["Hedensbyn industriområde", "Skråmträsk norra", "Degerbyn"]
    gdf = gpd.GeoDataFrame({"namn": names}, geometry=geoms, crs="EPSG:3006")
    gdf.to_file(path, layer=_LAYER)
    gdf.iloc[:1].to_file(path, layer="gammalt_utkast")  # a second layer: the user picks
    return path


def _draw_frame(page):
    for _ in range(240):
        for frame in page.frames:
            if frame != page.main_frame and frame.locator(".leaflet-draw-draw-marker").count():
                return frame
        page.wait_for_timeout(250)
    raise AssertionError("the drawing map did not appear")


def test_own_sites_drawn_confirmed_ranked_with_local_evidence(page, tmp_path: Path,
                                                               screenshot_dir: Path) -> None:
    # the real-data catalogue, Skellefteå only
    from siting.data.catalog import load_catalog

    _choose(page, "Dataset", load_catalog("sweden_open").title("sv"))  # the name a user sees
    region = page.get_by_role("combobox", name="Kommuner i studieområdet").first
    page.locator('[data-testid="stMultiSelect"] [aria-label="Clear all"]').first.click()
    _idle(page)
    region.click()
    region.fill("Skellefteå")
    page.get_by_role("option", name="Skellefteå (2482)").first.click()
    page.keyboard.press("Escape")
    _idle(page)

    # upload three sites from a GeoPackage with a non-default layer name
    _nav(page, "Data")
    _idle(page)
    page.get_by_text("Egna platser och lager").first.wait_for()
    uploader = page.locator('[data-testid="stFileUploader"]').filter(
        has_text="Fil med platser").first
    uploader.locator('input[type="file"]').set_input_files(str(_sites_gpkg(
        tmp_path / "skelleftea.gpkg")))
    _idle(page)
    _choose(page, "Filen har 2 lager – välj vilket", _LAYER)
    page.get_by_role("button", name="Spara platserna").click()
    _idle(page)
    page.get_by_text("3 plats(er) sparade").first.wait_for()
    page.screenshot(path=str(screenshot_dir / "workspace_1_uploaded.png"), full_page=True)

    # draw a fourth site on the (offline) map
    page.get_by_role("tab", name="Rita på kartan").click()
    frame = _draw_frame(page)
    frame.locator(".leaflet-draw-draw-marker").click()
    box = frame.locator("#map").bounding_box()
    frame.locator("#map").click(position={"x": box["width"] / 2, "y": box["height"] / 2})
    _idle(page)
    page.get_by_label("Namn").last.fill("Ritad plats vid kraftledningen")
    page.get_by_role("button", name="Spara den ritade platsen").click()
    _idle(page)
    page.get_by_text("1 plats(er) sparade: Ritad plats vid kraftledningen").first.wait_for()
    page.screenshot(path=str(screenshot_dir / "workspace_2_drawn.png"), full_page=True)

    # adopted detaljplan and 150 MW confirmed for the first site
    page.get_by_role("tab", name="Platser").click()
    _choose(page, "Detaljplan", "Antagen detaljplan för industri")
    page.get_by_label("Bekräftad nätkapacitet (MW)").fill("150")
    page.get_by_label("Bekräftad av").fill("Skellefteå Kraft Elnät")
    page.get_by_role("spinbutton", name="year, Datum för bekräftelsen").click()
    page.keyboard.type("20261120")
    page.get_by_role("button", name="Spara ändringarna").click()
    _idle(page)
    page.get_by_text("Ändringarna för Hedensbyn industriområde är sparade").first.wait_for()
    page.screenshot(path=str(screenshot_dir / "workspace_3_edited.png"), full_page=True)

    # all four ranked with the battery-plant profile
    _nav(page, "Rangordning")
    _idle(page)
    page.get_by_text("Rangordning").first.wait_for()
    page.screenshot(path=str(screenshot_dir / "workspace_4_ranking.png"), full_page=True)

    # the confirmed site: grid criterion decided by the local evidence; its dossier
    _nav(page, "Karta")
    _idle(page)
    picker = page.get_by_role("combobox", name="Välj plats").first
    picker.click()
    options = [o.inner_text() for o in page.get_by_role("option").all()]
    own = ("Hedensbyn industriområde", "Skråmträsk norra", "Degerbyn",
           "Ritad plats vid kraftledningen")
    assert all(any(n in o for o in options) for n in own), options  # sites by their names
    page.get_by_role("option", name="Hedensbyn industriområde").first.click()
    page.get_by_text("Id: S1").first.wait_for()  # the id: a secondary detail
    _idle(page)
    page.get_by_text("bekräftat av Skellefteå Kraft Elnät").first.wait_for()
    page.get_by_text("Tillgänglig nätkapacitet (≥ 130 kV) inom 10 km: 150 MW, krav minst 200 MW"
                     ).first.wait_for()
    page.get_by_text("Avgjort av lokalt underlag").first.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot_dir / "workspace_5_details.png"))
    with page.expect_download(timeout=_TIMEOUT_MS) as info:
        page.get_by_role("button", name=tr("download_dossier", "sv")).first.click()
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    assert target.name.startswith("dossier_S1_") and target.read_bytes()[:5] == b"%PDF-"
    external = [u for u in page.requests  # type: ignore[attr-defined]
                if not u.startswith(("http://127.0.0.1", "http://localhost", "data:", "blob:"))]
    assert external == []
