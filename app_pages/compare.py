"""Jämför kommuner / Compare municipalities: table, criteria heat map, chart per municipality."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from app_pages import _cache as _data
from app_pages._report_buttons import compare_report_button
from app_pages._state import AppState
from app_pages._widgets import run_page
from siting.catalog import available_catalogs
from siting.compare import compare_municipalities, criteria_matrix
from siting.i18n import format_number, t


def _body(state: AppState) -> None:
    lang = state.lang
    st.title(t("compare.title", lang))
    st.caption(t("compare.dataset_hint", lang))
    catalogs = list(available_catalogs()) or ["demo"]
    if state.compare_catalog not in catalogs:
        state.compare_catalog = catalogs[0]
    state.compare_catalog = st.selectbox(
        t("common.dataset", lang), catalogs, index=catalogs.index(state.compare_catalog),
        key=f"compare_catalog_{lang}",
        format_func=lambda c: t("common.dataset_demo", lang) if c == "demo" else c)
    data_dir = state.data_dir if state.compare_catalog == state.catalog else None
    with st.spinner(t("common.loading", lang)):
        evaluation, has_sites = _data.compare_evaluation(state.compare_catalog, data_dir,
                                                         state.profile)
    if not has_sites:
        st.info(t("compare.no_sites", lang))
    muni = _data.municipalities(state.compare_catalog, data_dir)
    names = dict(zip(muni["kommunkod"].astype(str), muni["name"].astype(str), strict=True))
    kommun = evaluation.table["kommunkod"].astype(str)
    table = compare_municipalities(evaluation.scores, evaluation.passes, kommun,
                                   evaluation.site_ids.astype(str), names)
    shown = pd.DataFrame({
        t("ranking.col_kommun", lang): table["name"] + " (" + table["kommunkod"] + ")",
        t("compare.n_sites", lang): table["n_sites"],
        t("compare.n_pass", lang): table["n_pass"],
        t("compare.best", lang): [format_number(x, lang, decimals=1) for x in table["best_score"]],
        t("compare.best_site", lang): table["best_site"],
        t("compare.mean", lang): [format_number(x, lang, decimals=1) for x in table["mean_score"]],
    })
    st.subheader(t("compare.table", lang))
    st.dataframe(shown, hide_index=True, width="stretch", key="compare_table")
    st.download_button(t("common.download_csv", lang), table.to_csv(index=False).encode(),
                       file_name=f"compare_{state.profile}.csv", mime="text/csv")
    compare_report_button(evaluation, state, state.compare_catalog, data_dir)

    st.subheader(t("compare.heatmap", lang))
    matrix = criteria_matrix(evaluation.values, evaluation.passes, kommun)
    labels = {}
    for crit in evaluation.profile.soft:
        try:
            labels[crit.id] = evaluation.profile.metric(crit.metric).label(lang)
        except KeyError:
            labels[crit.id] = crit.id
    long = matrix.rename(columns=labels).rename(
        index=lambda c: f"{names.get(c, c)} ({c})").reset_index(names="kommun").melt(
        id_vars="kommun", var_name="criterion", value_name="value")
    heat = alt.Chart(long).mark_rect().encode(
        x=alt.X("criterion:N", title=None, axis=alt.Axis(labelAngle=-40, labelLimit=220)),
        y=alt.Y("kommun:N", title=None),
        color=alt.Color("value:Q", scale=alt.Scale(scheme="viridis", domain=[0, 1]),
                        title="0–1"),
        tooltip=["kommun", "criterion", alt.Tooltip("value:Q", format=".2f")],
    ).properties(height=max(160, 26 * matrix.shape[0]))
    st.altair_chart(heat, width="stretch")

    st.subheader(t("compare.chart", lang))
    chart = table.assign(kommun=table["name"]).set_index("kommun")["best_score"].fillna(0.0)
    st.bar_chart(chart.rename(t("compare.best", lang)), horizontal=True)


run_page(_body)
