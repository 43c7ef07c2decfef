"""The app's one typed session-state object.

Everything a page needs to remember between reruns lives in :class:`AppState`,
stored under a single key of ``st.session_state``. Pages receive it
explicitly; nothing else is kept in module globals.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

__all__ = ["STATE_KEY", "AppState", "default_dataset", "get_state"]

STATE_KEY = "siting_app_state"


@dataclass
class AppState:
    """What the user has chosen, shared by every page.

    Attributes
    ----------
    lang : {"sv", "en"}
        UI language (Swedish by default).
    catalog : str
        Catalogue name (``"demo"``, ``"sweden_open"``) or path to a catalogue TOML;
        by default :func:`default_dataset`.
    data_dir : str or None
        Data folder; None uses the catalogue's default.
    region_codes : tuple of str
        Study-area kommunkoder; empty means "not chosen yet" (the app picks a default).
    profile : str
        Profile id or path.
    weights : dict
        Soft weights per profile key (content hash); absent means the profile's own.
    themes : tuple of str
        Themes shown on the map.
    basemap : bool
        Draw OpenStreetMap tiles (needs network).
    strict : bool
        Count unknown hard criteria as failures (the one switch of the ranking policy).
    selected_site : str or None
        Site id shown in the details panel.
    flash : str or None
        A success message to show once after the next rerun.
    ws_drawn : dict or None
        The shape last drawn on the workspace map and not saved yet (``t``, ``wkt``).
    """

    lang: str = "sv"
    catalog: str = field(default_factory=lambda: default_dataset())
    data_dir: str | None = None
    region_codes: tuple[str, ...] = ()
    profile: str = "battery_plant"
    weights: dict[str, dict[str, float]] = field(default_factory=dict)
    themes: tuple[str, ...] = ("energy", "logistics")
    basemap: bool = False
    surface: bool = False
    strict: bool = False
    selected_site: str | None = None
    flash: str | None = None
    ws_drawn: dict[str, Any] | None = None


def default_dataset() -> str:
    """The dataset the app opens on: ``$SITING_DATASET``, else real Sweden (``sweden_open``).

    The national base ships with the package, so real Sweden is there on every install; the
    fictional *Demolän* (``demo``) stays selectable as the training dataset.
    """
    return os.environ.get("SITING_DATASET", "").strip() or "sweden_open"


def get_state() -> AppState:
    """The session's AppState (created on first use)."""
    state = st.session_state.get(STATE_KEY)
    if not isinstance(state, AppState):
        state = AppState()
        st.session_state[STATE_KEY] = state
    return state
