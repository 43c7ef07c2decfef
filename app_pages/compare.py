"""Jämför kommuner / Compare municipalities: table, criteria heat map, chart per municipality.

The comparison itself is the package's (:func:`siting.compare.compare_region`):
each municipality's best candidate site, or, where a dataset has no sites (the
real open-data pack), its best candidate area on the suitability surface.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pandas as pd
import streamlit as st

from app_pages import _cache as _data
from app_pages._report_buttons import compare_report_button
from app_pages._state import AppState
from app_pages._widgets import md, run_page
from siting.compare import criteria_matrix
from siting.core.i18n import format_number, format_percent, t
from siting.data.catalog import available_catalogs

_SMALL_DATASET = 12


def _scope(state: AppState, muni: pd.DataFrame, lang: str) -> tuple[tuple[str, ...], float]:
    """Municipalities to compare and the surface resolution."""
    codes = sorted(muni["kommunkod"].astype(str))
    if len(codes) <= _SMALL_DATASET:
        return tuple(codes), 250.0
    counties = sorted({c[:2] for c in codes})
    same = state.compare_catalog == state.catalog and state.region_codes
    default = Counter(c[:2] for c in state.region_codes).most_common(1)[0][0] if same \
        else counties[0]
    county = st.selectbox(t("compare.county", lang), counties, index=counties.index(default),
                          key=f"compare_county_{state.compare_catalog}")
    return tuple(c for c in codes if c.startswith(county)), 1000.0


def _heatmap(matrix: pd.DataFrame, title: str, lang: str) -> None:
    """A colour-graded table (viridis, 0..1): one row per municipality, one column per criterion."""
    st.markdown(f"**{md(title)}**")
    styled = matrix.style.background_gradient(cmap="viridis", vmin=0.0, vmax=1.0).format(
        lambda x: format_number(x, lang, decimals=2))
    st.dataframe(styled, width="stretch")


def _criteria_heatmap(state: AppState, codes: tuple[str, ...], names: dict[str, str],
                      table: pd.DataFrame, data_dir: str | None) -> None:
    lang = state.lang
    lset = _data.layerset(state.compare_catalog, data_dir, codes)
    label = {c: f"{names.get(c, c)} ({c})" for c in codes}
    if table.attrs.get("method") == "sites" and lset.vector("sites") is not None:
        result: Any = _data.evaluation_for(state.compare_catalog, data_dir, codes, state.profile,
                                           state.weights.get(state.profile),
                                           strict=state.strict)
        matrix = criteria_matrix(result.values, result.passes,
                                 result.table["kommunkod"].astype(str), no_data=result.no_data)
        labels = {}
        for crit in result.profile.soft:
            try:
                labels[crit.id] = result.profile.metric(crit.metric).label(lang)
            except KeyError:
                labels[crit.id] = crit.id
        matrix = matrix.rename(columns=labels).rename(index=label)
        _heatmap(matrix, t("compare.heatmap", lang), lang)
        return
    metric_cols = [c for c in table.columns if c.startswith("metric_")]
    numeric = table[metric_cols].apply(pd.to_numeric, errors="coerce")
    numeric = numeric.loc[:, numeric.notna().any()]
    if numeric.empty:
        return
    scaled = (numeric - numeric.min()) / (numeric.max() - numeric.min()).replace(0, 1)
    prof = _data.profile(state.profile)
    scaled.columns = [_metric_label(prof, c.removeprefix("metric_"), lang) for c in scaled]
    scaled.index = [label.get(k, k) for k in table["kommunkod"].astype(str)]
    _heatmap(scaled, t("compare.heatmap_metrics", lang), lang)


def _metric_label(prof: Any, metric_id: str, lang: str) -> str:
    try:
        return str(prof.metric(metric_id).label(lang))
    except KeyError:
        return metric_id


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
    muni = _data.municipalities(state.compare_catalog, data_dir)
    names = dict(zip(muni["kommunkod"].astype(str), muni["name"].astype(str), strict=True))
    codes, resolution_m = _scope(state, muni, lang)
    weights = tuple(sorted((state.weights.get(state.profile) or {}).items()))
    with st.spinner(t("common.loading", lang)):
        table = _data.compare_table(state.compare_catalog, data_dir, codes, state.profile,
                                    weights, resolution_m, strict=state.strict)
    if table.attrs.get("method") != "sites":
        st.info(t("compare.no_sites", lang))
    kind = {"site": t("compare.kind_site", lang), "area": t("compare.kind_area", lang)}
    shown = pd.DataFrame({
        t("ranking.col_rank", lang): table["rank"],
        t("ranking.col_kommun", lang): table["name"].astype(str) + " ("
        + table["kommunkod"].astype(str) + ")",
        t("verdict.status", lang): [t("verdict.no_data", lang) if s == "no_data"
                                    else t(f"verdict.{s}", lang) for s in table["status"]],
        t("compare.best", lang): [t("verdict.no_data", lang) if x != x
                                  else format_number(x, lang, decimals=1)
                                  for x in table["score"]],
        t("compare.best_site", lang): table["best_site"].fillna("").astype(str),
        t("compare.best_kind", lang): [kind.get(k, "") for k in table["best_kind"].fillna("")],
        t("compare.best_area", lang): [format_number(x, lang, decimals=0)
                                       for x in table["best_area_ha"]],
        t("compare.n_sites", lang): table["n_sites"],
        t("compare.n_pass", lang): table["n_pass"],
        t("compare.land_pass", lang): [format_percent(x, lang, 1)
                                       for x in table["land_pass_share"]],
        t("verdict.unknown_criteria", lang): table["unknown_criteria"].fillna("").astype(str),
    })
    prof = _data.profile(state.profile)
    for col in [c for c in table.columns if c.startswith("metric_")]:
        shown[_metric_label(prof, col.removeprefix("metric_"), lang)] = [
            format_number(v, lang) if isinstance(v, (int, float)) else str(v)
            for v in table[col]]
    st.subheader(t("compare.table", lang))
    st.dataframe(shown, hide_index=True, width="stretch")
    st.download_button(t("common.download_csv", lang), table.to_csv(index=False).encode(),
                       file_name=f"compare_{state.profile}.csv", mime="text/csv")
    if table.attrs.get("method") == "sites":  # the PDF report is built from scored sites
        result = _data.evaluation_for(state.compare_catalog, data_dir, codes, state.profile,
                                      state.weights.get(state.profile), strict=state.strict)
        compare_report_button(result, state, state.compare_catalog, data_dir, codes)
    for note in table.attrs.get("notes", []):
        st.caption(md(note))

    _criteria_heatmap(state, codes, names, table, data_dir)

    st.subheader(t("compare.chart", lang))
    chart = pd.DataFrame({
        t("compare.best", lang): table["score"].fillna(0.0).to_numpy(),
        t("compare.land_pass", lang): (100 * table["land_pass_share"].fillna(0.0)).to_numpy(),
    }, index=pd.Index(table["name"].astype(str), name=t("ranking.col_kommun", lang)))
    st.bar_chart(chart, horizontal=True, stack=False)


run_page(_body)
