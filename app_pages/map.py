"""Karta / Map: sites coloured by score on an offline Leaflet map, with a details panel."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from app_pages import _cache as _data
from app_pages._state import AppState
from app_pages._widgets import current_evaluation, md, run_page, theme_options
from siting import mapview
from siting.i18n import format_number, t

_LABEL_FIELDS = ("name", "voltage_kv", "available_capacity_mw", "draught_m", "school_type",
                 "designation", "road_class", "kind")
_SKIP_TYPES = {"sites", "municipalities"}
_OUTLINE_TYPES = {"price_areas", "flood_zones"}


def _map_layers(layerset: Any, themes: tuple[str, ...], lang: str) -> list[mapview.MapLayer]:
    layers = []
    for lid, loaded in layerset.layers.items():
        spec = loaded.spec
        if spec.theme not in themes or spec.type in _SKIP_TYPES:
            continue
        if spec.kind not in ("point", "line", "polygon"):
            continue
        data = loaded.data
        fields = tuple(f for f in _LABEL_FIELDS if f in data.columns)
        fill = 0.0 if spec.type in _OUTLINE_TYPES else 0.25
        layers.append(mapview.MapLayer(lid, spec.title(lang), spec.theme, data, fields, fill))
    return layers


def _site_frame(evaluation: Any, lang: str) -> Any:
    sites = evaluation.sites.copy()
    sites["score"] = evaluation.scores
    sites["rank"] = evaluation.ranks
    sites["passes"] = evaluation.passes
    sites["reasons"] = evaluation.reasons(lang)
    return sites


@st.cache_data(show_spinner=False, max_entries=32)
def _map_html(catalog: str, data_dir: str | None, codes: tuple[str, ...], profile: str,
              weights: tuple[tuple[str, float], ...], lang: str, themes: tuple[str, ...],
              basemap: bool) -> str:
    layerset = _data.layerset(catalog, data_dir, codes)
    sites = None
    if layerset.vector("sites") is not None and len(layerset.vector("sites")):
        evaluation = _data.evaluation_for(catalog, data_dir, codes, profile,
                                          dict(weights) or None)
        sites = _site_frame(evaluation, lang)
    fmap = mapview.build_map(
        municipalities=layerset.municipalities, study_codes=codes,
        layers=_map_layers(layerset, themes, lang), sites=sites,
        lang=lang, basemap=basemap, height_px=620)
    return mapview.map_html(fmap)


def _details(evaluation: Any, state: AppState) -> None:
    lang = state.lang
    tbl = evaluation.table(lang)
    order = tbl.sort_values(["passes", "score"], ascending=[False, False])
    ids = order["site_id"].astype(str).tolist()
    if state.selected_site not in ids:
        state.selected_site = ids[0] if ids else None
    if not ids:
        return
    st.subheader(t("map.site_details", lang))
    labels = {sid: f"{sid} – {'#' + str(r) if pd.notna(r) else t('common.fails', lang)}"
              for sid, r in zip(order["site_id"].astype(str), order["rank"], strict=True)}
    state.selected_site = st.selectbox(t("map.choose_site", lang), ids,
                                       index=ids.index(state.selected_site),
                                       format_func=labels.get, key=f"map_site_{lang}")
    pos = ids.index(state.selected_site)
    row = order.iloc[pos]
    idx = order.index[pos]
    c1, c2 = st.columns([1, 1])
    with c1:
        st.markdown(f"**{md(row['site_id'])}** {md(row['name']) if isinstance(row['name'], str) else ''}")
        score = format_number(float(row["score"]), lang, decimals=3)
        status = t("common.passes", lang) if row["passes"] else t("common.fails", lang)
        st.markdown(f"{md(t('ranking.col_score', lang))}: **{md(score)}** · {md(status)}")
        reasons = row["reasons"]
        if reasons:
            st.markdown(f"**{md(t('map.reasons', lang))}**")
            st.markdown("\n".join(f"- {md(r)}" for r in reasons))
        else:
            st.success(t("map.no_reasons", lang))
        if evaluation.not_evaluated:
            st.caption(t("map.not_evaluated", lang, items=", ".join(evaluation.not_evaluated)))
        metrics = []
        for spec in evaluation.profile.metrics:
            if spec.id not in evaluation.metrics.columns:
                continue
            val = evaluation.metrics.at[idx, spec.id]
            text = format_number(val, lang) if isinstance(val, (int, float)) else str(val)
            metrics.append({t("map.metrics", lang): getattr(spec, f"label_{lang}", spec.id),
                            "": f"{text} {spec.unit or ''}".strip()})
        st.markdown(f"**{md(t('map.metrics', lang))}**")
        st.dataframe(pd.DataFrame(metrics), hide_index=True, width="stretch")
    with c2:
        st.markdown(f"**{md(t('map.contributions', lang))}**")
        contrib = evaluation.contributions.loc[idx]
        st.bar_chart(contrib.rename(t("map.contributions", lang)), horizontal=True)


def _body(state: AppState) -> None:
    lang = state.lang
    st.title(t("map.title", lang))
    if not state.region_codes:
        st.info(t("common.no_region", lang))
        return
    evaluation = current_evaluation(state)
    c1, c2 = st.columns([3, 2])
    with c1:
        themes = st.multiselect(t("map.themes", lang), theme_options(),
                                default=list(state.themes), key=f"map_themes_{lang}",
                                format_func=lambda th: t(f"theme.{th}", lang))
        state.themes = tuple(themes)
    with c2:
        state.basemap = st.toggle(t("map.basemap", lang), value=state.basemap, key="basemap")
    if evaluation is not None:
        n_pass = int(evaluation.passes.sum())
        st.caption(t("map.n_sites", lang, n=len(evaluation.sites), n_pass=n_pass))
    weights = tuple(sorted((state.weights.get(state.profile) or {}).items()))
    page = _map_html(state.catalog, state.data_dir, state.region_codes, state.profile,
                     weights, lang, state.themes, state.basemap)
    st.iframe(page, height=640)
    if evaluation is not None:
        _details(evaluation, state)


run_page(_body)
