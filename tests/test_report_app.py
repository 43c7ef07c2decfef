"""The report download buttons in the app (AppTest, headless) and their cached makers."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from siting.views.report import tr

REPO = Path(__file__).resolve().parent.parent
APP = str(REPO / "app.py")
if str(REPO) not in sys.path:  # the app's helper package lives next to app.py
    sys.path.insert(0, str(REPO))


@pytest.fixture()
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("SITING_DB_URL", f"sqlite:///{tmp_path / 'outcomes.sqlite'}")
    monkeypatch.setenv("SITING_USER_DIR", str(tmp_path / "user"))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _download_labels(at: AppTest) -> list[str]:
    return [str(getattr(el, "proto", el).label) for el in at.get("download_button")]


def test_map_page_offers_the_dossier(app: AppTest) -> None:
    app.switch_page("app_pages/map.py").run()
    assert not app.exception, [e.value for e in app.exception]
    assert tr("download_dossier", "sv") in _download_labels(app)


def test_compare_page_offers_the_report(app: AppTest) -> None:
    app.switch_page("app_pages/compare.py").run()
    assert not app.exception, [e.value for e in app.exception]
    assert tr("download_compare", "sv") in _download_labels(app)


def test_button_makers_return_pdfs() -> None:
    from app_pages import _report_buttons
    from siting.criteria.profiles import load_profile
    from siting.data.layers import load_layerset
    from siting.demo import STUDY_AREA
    from siting.scoring.sites import evaluate

    ls = load_layerset("demo", region=list(STUDY_AREA))
    res = evaluate(None, load_profile("data_center"), ls)
    pdf = _report_buttons._dossier(res, ls, ("demo", "test"), "NV-14", "en", "pdf")
    assert pdf.startswith(b"%PDF") and len(pdf) > 50_000
    html = _report_buttons._dossier(res, ls, ("demo", "test"), "NV-14", "sv", "html")
    assert html.startswith(b"<!DOCTYPE html") and b"Tre sk\xc3\xa4l att v\xc3\xa4lja" in html
    cmp_pdf = _report_buttons._compare_pdf(res, ls, ("demo", "test"), "sv")
    assert cmp_pdf.startswith(b"%PDF")
