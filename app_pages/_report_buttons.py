"""Download buttons for the site dossier and the comparison report (siting.views.report).

The reports are made only when the user clicks (Streamlit runs the ``data`` callable
then) and cached per dataset, region, profile, weights, site and language.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import streamlit as st

from app_pages import _cache as _data
from app_pages._state import AppState
from siting.views.report import tr

__all__ = ["compare_report_button", "dossier_button"]


def _weights_key(state: AppState) -> tuple[tuple[str, float], ...]:
    return tuple(sorted((state.weights.get(state.profile) or {}).items()))


@st.cache_data(show_spinner=False, max_entries=16)
def _dossier(_result: Any, _layerset: Any, key: tuple[Any, ...], site_id: str,
             lang: str, fmt: str) -> bytes:
    from siting.core.errors import SitingError
    from siting.views.report import build_dossier, render_dossier
    from siting.views.report.outcome_cases import load_cases

    del key  # part of the cache key only
    try:  # the app's outcome log ($SITING_DB_URL or the user's store); never confidential
        cases, withheld = load_cases(industry=str(_result.profile.industry))
    except SitingError:
        cases, withheld = None, 0
    d = build_dossier(_result, site_id, _layerset, lang=lang, cases=cases,
                      confidential_withheld=withheld)
    return render_dossier(d, fmt)


@st.cache_data(show_spinner=False, max_entries=8)
def _compare_pdf(_result: Any, _layerset: Any, key: tuple[Any, ...], lang: str) -> bytes:
    from siting.views.report import build_comparison, render_comparison

    del key
    return render_comparison(build_comparison(_result, _layerset, lang=lang), "pdf")


def dossier_button(result: Any, state: AppState, site_id: str) -> None:
    """A download button for the dossier of ``site_id`` with the current weights."""
    layerset = _data.layerset(state.catalog, state.data_dir, state.region_codes)
    key = (state.catalog, state.data_dir, tuple(state.region_codes), state.profile,
           _weights_key(state), _data.workspace().stamp())
    pdf_col, html_col = st.columns(2)
    pdf_col.download_button(
        tr("download_dossier", state.lang),
        partial(_dossier, result, layerset, key, site_id, state.lang, "pdf"),
        file_name=f"dossier_{site_id}_{state.profile}_{state.lang}.pdf",
        mime="application/pdf", help=tr("download_help", state.lang), on_click="ignore",
        key=f"dossier_download_{state.lang}", icon=":material/picture_as_pdf:")
    html_col.download_button(
        tr("download_dossier_html", state.lang),
        partial(_dossier, result, layerset, key, site_id, state.lang, "html"),
        file_name=f"dossier_{site_id}_{state.profile}_{state.lang}.html",
        mime="text/html", help=tr("download_help_html", state.lang), on_click="ignore",
        key=f"dossier_html_download_{state.lang}", icon=":material/html:")


def compare_report_button(result: Any, state: AppState, catalog: str,
                          data_dir: str | None,
                          codes: tuple[str, ...] | list[str] | None = None) -> None:
    """A download button for the comparison report of the compare page's municipalities.

    ``codes`` are the compared municipalities exactly as the page loaded their layers
    (so the cached LayerSet is reused); default every municipality of the dataset.
    """
    if codes is None:
        muni = _data.municipalities(catalog, data_dir)
        codes = tuple(sorted(muni["kommunkod"].astype(str)))
    codes = tuple(codes)
    layerset = _data.layerset(catalog, data_dir, codes)
    key = (catalog, data_dir, codes, state.profile, _weights_key(state))
    st.download_button(
        tr("download_compare", state.lang),
        partial(_compare_pdf, result, layerset, key, state.lang),
        file_name=f"compare_{state.profile}_{state.lang}.pdf", mime="application/pdf",
        help=tr("download_help", state.lang), on_click="ignore",
        key=f"compare_report_download_{state.lang}", icon=":material/picture_as_pdf:")
