"""Rangordning / Ranking: ranked table, live weights, AHP editor, contributions, sensitivity."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from app_pages._state import AppState
from app_pages._weights import weight_editor
from app_pages._widgets import (
    current_evaluation,
    kommun_names,
    md,
    ranking_columns,
    ranking_frame,
    run_page,
    site_labels,
    soft_label,
)
from siting.core.i18n import format_number, format_percent, t

_TOP_N_CHART = 15
_TABLE_ROWS = 16  # rows visible without scrolling the table


def _set_weights(state: AppState, weights: dict[str, float]) -> None:
    """Button callback: use these weights (the sliders show them on the next run)."""
    total = sum(weights.values()) or 1.0
    state.weights[state.profile] = {k: v / total for k, v in weights.items()}


def _ahp_editor(evaluation: Any, state: AppState) -> None:
    from siting.criteria.ahp import ahp_weights, most_inconsistent_pair

    lang = state.lang
    with st.expander(t("ranking.ahp", lang)):
        st.caption(t("ranking.ahp_help", lang))
        ids = [c.id for c in evaluation.profile.soft]
        labels = [soft_label(evaluation.profile, i, lang) for i in ids]
        prof_ahp = getattr(evaluation.profile, "ahp", None)
        n = len(ids)
        start = np.ones((n, n))
        if prof_ahp is not None and list(prof_ahp.criteria) == ids:
            start = np.array(prof_ahp.matrix, dtype=float)
        frame = pd.DataFrame(start, index=labels, columns=labels).round(4)
        edited = st.data_editor(frame, key=f"ahp_{state.profile}", width="stretch")
        a = edited.to_numpy(dtype=float)
        a = np.where(np.isfinite(a) & (a > 0), a, 1.0)
        # the upper triangle is authoritative; the lower one is its reciprocal
        upper = np.triu(a, 1)
        a = np.triu(a, 1) + np.eye(n) + np.where(upper.T > 0, 1.0 / np.where(upper.T > 0,
                                                                               upper.T, 1), 0)
        w, cr = ahp_weights(a)
        st.markdown(md(t("ranking.ahp_cr", lang, cr=format_number(cr, lang, decimals=3))))
        if cr <= 0.10:
            st.success(t("ranking.ahp_cr_ok", lang))
        else:
            i, j, judged, implied = most_inconsistent_pair(a, w)
            st.warning(md(f"{t('ranking.ahp_cr_bad', lang)} ({labels[i]} / {labels[j]}: "
                          f"{format_number(judged, lang)} ≠ {format_number(implied, lang)})"))
        st.dataframe(pd.DataFrame({t("ranking.weights", lang): [format_percent(x, lang, 1)
                                                                for x in w]}, index=labels))
        st.button(t("ranking.ahp_apply", lang), key="ahp_apply", disabled=cr > 0.10,
                  on_click=_set_weights, args=(state, dict(zip(ids, w.tolist(), strict=True))))


def _contributions(evaluation: Any, state: AppState) -> None:
    lang = state.lang
    st.subheader(t("ranking.contributions", lang))
    contrib = evaluation.contributions.copy()
    contrib.columns = [soft_label(evaluation.profile, c, lang) for c in contrib.columns]
    ok = evaluation.passes.to_numpy()
    ids = site_labels(evaluation).to_numpy()
    scores = evaluation.scores.to_numpy()
    order = [i for i in np.argsort(-scores, kind="stable") if ok[i]][:_TOP_N_CHART]
    if not order:
        st.info(t("ranking.no_passing", lang))
        return
    chart = contrib.iloc[order]
    chart.index = pd.Index(ids[order], name=t("ranking.contributions_site", lang))
    st.bar_chart(chart, horizontal=True, sort=False)


def _sensitivity(evaluation: Any, state: AppState) -> None:
    lang = state.lang
    st.subheader(t("ranking.sensitivity", lang))
    values = evaluation.values.to_numpy(dtype=float)
    cols = list(evaluation.values.columns)
    if not cols or not evaluation.passes.any():
        st.info(t("ranking.no_passing", lang))
        return
    eff = evaluation.effective_weights
    weights = np.array([eff.get(c, 0.0) for c in cols])
    if weights.sum() <= 0:
        st.info(t("ranking.weights_help", lang))
        return
    passes = evaluation.passes.to_numpy()
    method = _method(evaluation)
    ids = site_labels(evaluation).to_numpy()
    p1, p3 = _acceptability(values, weights, passes, method)
    top = [i for i in np.argsort(-(p1 + p3), kind="stable") if p1[i] + p3[i] > 0][:10]
    st.markdown(f"**{md(t('ranking.acceptability', lang))}**")
    st.bar_chart(pd.DataFrame({t("ranking.p_rank1", lang): p1[top],
                               t("ranking.p_top3", lang): p3[top]},
                              index=pd.Index(ids[top], name=t("ranking.col_site", lang))),
                 stack=False)
    from siting.scoring.sensitivity import weight_sweep

    sweep = weight_sweep(values, weights, passes=passes, method=method)
    st.markdown(f"**{md(t('ranking.weight_sweep', lang))}**")
    rows = []
    for j, sid in enumerate(cols):
        takers = {int(sweep.lower_takeover[j]), int(sweep.upper_takeover[j])} - {-1}
        rows.append({
            t("ranking.weights", lang): soft_label(evaluation.profile, sid, lang),
            t("ranking.sweep_current", lang): format_percent(sweep.weights[j], lang, 1),
            t("ranking.sweep_lower", lang): format_percent(sweep.lower[j], lang, 1),
            t("ranking.sweep_upper", lang): format_percent(sweep.upper[j], lang, 1),
            t("ranking.sweep_taker", lang): ", ".join(str(ids[k]) for k in sorted(takers))
            or "–",
        })
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="sweep_table")


def _method(evaluation: Any) -> str:
    from siting.criteria.mcda import METHODS

    method = getattr(evaluation.profile, "aggregation", "weighted_sum")
    return method if method in METHODS else "weighted_sum"


@st.cache_data(show_spinner=False, max_entries=16)
def _acceptability(values: np.ndarray, weights: np.ndarray, passes: np.ndarray,
                   method: str) -> tuple[np.ndarray, np.ndarray]:
    from siting.scoring.sensitivity import rank_acceptability

    res = rank_acceptability(values, weights, n_draws=1000, seed=0, passes=passes,
                             method=method, max_rank=3)
    return np.asarray(res.p_first), np.asarray(res.p_top3)


def _body(state: AppState) -> None:
    lang = state.lang
    st.title(t("ranking.title", lang))
    evaluation = current_evaluation(state)
    if evaluation is None:
        return
    left, right = st.columns([3, 2])
    with right:
        st.subheader(t("ranking.weights", lang))
        st.caption(t("ranking.weights_help", lang))
        weight_editor(evaluation.profile, state, "ranking", columns=2,
                      effective=evaluation.effective_weights)
        _ahp_editor(evaluation, state)
    with left:
        st.subheader(t("ranking.table", lang))
        frame = ranking_frame(evaluation, state, kommun_names(state))
        if not evaluation.passes.any():
            st.warning(t("ranking.no_passing", lang))
        else:
            rank_col = t("ranking.col_rank", lang)
            top = frame[frame[rank_col] != ""].head(3)
            st.markdown(md(t("ranking.top", lang)) + ": " + ", ".join(
                f"**{md(r[t('ranking.col_site', lang)])}** "
                f"({md(r[t('ranking.col_score', lang)])})"
                for _, r in top.iterrows()))
        st.dataframe(frame, hide_index=True, width="stretch", key="ranking_table",
                     column_config=ranking_columns(lang),
                     height=min(_TABLE_ROWS, len(frame) + 1) * 35 + 3)
        st.caption(t("ranking.rank_note", lang))
        st.caption(evaluation.policy(lang))
        st.download_button(t("common.download_csv", lang),
                           frame.to_csv(index=False).encode("utf-8"),
                           file_name=f"ranking_{state.profile}.csv", mime="text/csv")
    _contributions(evaluation, state)
    _sensitivity(evaluation, state)


run_page(_body)
