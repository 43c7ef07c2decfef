"""siting – Streamlit app entry point (thin: navigation, shared sidebar).

Run with ``streamlit run app.py``. All analysis lives in the ``siting`` package;
pages under ``pages/`` hold widgets, caching and session state only.
"""

from __future__ import annotations

import streamlit as st

from pages._state import get_state
from pages._widgets import sidebar
from siting.i18n import t

st.set_page_config(page_title="Siting", page_icon="🏭", layout="wide")

state = get_state()
sidebar(state)
lang = state.lang

_PAGES = (
    ("pages/map.py", "nav.map", "karta", ":material/map:"),
    ("pages/ranking.py", "nav.ranking", "rangordning", ":material/format_list_numbered:"),
    ("pages/compare.py", "nav.compare", "jamfor", ":material/compare_arrows:"),
    ("pages/outcomes.py", "nav.outcomes", "logg", ":material/history_edu:"),
    ("pages/lessons.py", "nav.lessons", "lardomar", ":material/school:"),
    ("pages/data.py", "nav.data", "data", ":material/database:"),
)
navigation = st.navigation([
    st.Page(path, title=t(key, lang), url_path=url, icon=icon, default=(i == 0))
    for i, (path, key, url, icon) in enumerate(_PAGES)
])
navigation.run()
