"""siting – Streamlit app entry point (thin: navigation, shared sidebar).

Run with ``streamlit run app.py``. All analysis lives in the ``siting`` package;
pages under ``app_pages/`` hold widgets, caching and session state only.
(The folder is not called ``pages/``: Streamlit treats a ``pages/`` folder next to
the entry script as old-style folder navigation, which hides the sidebar on reruns
when ``st.navigation`` is used.)
"""

from __future__ import annotations

import streamlit as st

from app_pages._auth import login_gate, may_administer
from app_pages._learning import prefetch
from app_pages._state import get_state
from app_pages._widgets import sidebar
from siting.core.i18n import t

st.set_page_config(page_title="Siting", page_icon="🏭", layout="wide")

state = get_state()
login_gate(state.lang)  # shared mode: nothing below runs before the visitor logged in
sidebar(state)
prefetch(state.profile)  # lessons from the outcome log are worked out in the background
lang = state.lang

_PAGES = (
    ("app_pages/map.py", "nav.map", "map", ":material/map:"),
    ("app_pages/ranking.py", "nav.ranking", "ranking", ":material/format_list_numbered:"),
    ("app_pages/compare.py", "nav.compare", "compare", ":material/compare_arrows:"),
    ("app_pages/outcomes.py", "nav.outcomes", "outcomes", ":material/history_edu:"),
    ("app_pages/lessons.py", "nav.lessons", "lessons", ":material/school:"),
    ("app_pages/data.py", "nav.data", "data", ":material/database:"),
)
if may_administer():  # organisation admins and the network admin only
    _PAGES += (("app_pages/admin.py", "admin.nav", "admin", ":material/admin_panel_settings:"),)
# url paths equal the file stems (stable, readable links).
navigation = st.navigation([
    st.Page(path, title=t(key, lang), url_path=url, icon=icon, default=(i == 0))
    for i, (path, key, url, icon) in enumerate(_PAGES)
])
navigation.run()
