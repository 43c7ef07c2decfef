"""The weight editor shared by the Ranking and Map pages: percentages that always sum to 100.

The session's weights (``AppState.weights[profile]``, shares summing to 1) are
the one truth; the sliders show them as whole percentages. Moving one slider
rescales the others in proportion so the total stays 100 %; the weight a
criterion really gets (``effective_weights``: criteria without data drop out
and the rest are rescaled) is shown beside it when it differs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from app_pages._state import AppState
from app_pages._widgets import md, soft_label
from siting.core.i18n import format_percent, t
from siting.criteria.rationale import criterion_rationale

__all__ = ["rebalance", "weight_editor"]


def rebalance(weights: dict[str, float], changed: str, share: float) -> dict[str, float]:
    """``weights`` with ``changed`` set to ``share`` (0..1) and the others rescaled to fill 1.

    >>> rebalance({"a": 0.5, "b": 0.25, "c": 0.25}, "a", 0.0)
    {'a': 0.0, 'b': 0.5, 'c': 0.5}
    >>> rebalance({"a": 1.0, "b": 0.0}, "a", 0.6)
    {'a': 0.6, 'b': 0.4}
    """
    share = min(max(float(share), 0.0), 1.0)
    others = [k for k in weights if k != changed]
    rest = sum(weights[k] for k in others)
    out = {k: float(v) for k, v in weights.items()}
    out[changed] = share
    if not others:
        return {changed: 1.0}
    for k in others:
        out[k] = (1.0 - share) * (weights[k] / rest if rest > 0 else 1.0 / len(others))
    return out


def _key(state: AppState, where: str, soft_id: str) -> str:
    return f"w_{where}_{state.profile}_{soft_id}"


def _current(profile: Any, state: AppState) -> dict[str, float]:
    base = {c.id: float(profile.weights.get(c.id, 0.0)) for c in profile.soft}
    chosen = state.weights.get(state.profile) or base
    total = sum(chosen.get(k, 0.0) for k in base) or 1.0
    return {k: chosen.get(k, 0.0) / total for k in base}


def _on_change(state: AppState, where: str, soft_id: str, current: dict[str, float]) -> None:
    share = float(st.session_state[_key(state, where, soft_id)]) / 100.0
    state.weights[state.profile] = rebalance(current, soft_id, share)


def _reset(state: AppState) -> None:
    state.weights.pop(state.profile, None)


def weight_editor(profile: Any, state: AppState, where: str, columns: int = 1,
                  effective: Mapping[str, float] | None = None) -> None:
    """Sliders in percent for the profile's soft criteria (call before the result is drawn).

    Parameters
    ----------
    profile : Profile
        The profile whose soft criteria are weighted.
    state : AppState
    where : str
        A page tag, so each page has its own widgets over the shared weights.
    columns : int
        Slider columns.
    effective : mapping, optional
        The weights the evaluation really applied (``SitingResult.effective_weights``);
        shown beside a slider when they differ from the chosen ones.
    """
    lang = state.lang
    current = _current(profile, state)
    effective = dict(effective or {})
    cols = st.columns(columns)
    for i, crit in enumerate(profile.soft):
        key = _key(state, where, crit.id)
        st.session_state[key] = round(100.0 * current.get(crit.id, 0.0))
        label = soft_label(profile, crit.id, lang)
        eff = effective.get(crit.id, current.get(crit.id, 0.0))
        if abs(eff - current.get(crit.id, 0.0)) >= 0.005:
            label += " · " + t("ranking.effective", lang, pct=format_percent(eff, lang))
        with cols[i % columns]:
            st.slider(md(label), 0, 100, step=1, key=key, format="%d %%",
                      help=criterion_rationale(str(profile.id), crit, lang) or None,
                      on_change=_on_change, args=(state, where, crit.id, current))
    dropped = [soft_label(profile, k, lang) for k, v in current.items()
               if v > 0 and effective and effective.get(k, 0.0) == 0.0]
    st.caption(md(t("ranking.weights_sum", lang, total=format_percent(sum(current.values()),
                                                                        lang))))
    if dropped:
        st.caption(md(t("ranking.weights_dropped", lang, items=", ".join(dropped))))
    st.button(t("ranking.reset_weights", lang), key=f"reset_weights_{where}", on_click=_reset,
              args=(state,))
