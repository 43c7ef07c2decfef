"""Karta / Map: sites coloured by score on an offline Leaflet map, with a details panel."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from app_pages import _cache as _data
from app_pages._report_buttons import dossier_button
from app_pages._state import AppState
from app_pages._weights import weight_editor
from app_pages._widgets import (
    criterion_label,
    current_evaluation,
    md,
    run_page,
    site_labels,
    soft_label,
    theme_options,
)
from siting.core.i18n import format_number, t
from siting.views import map as mapview

_LABEL_FIELDS = ("name", "voltage_kv", "available_capacity_mw", "draught_m", "school_type",
                 "designation", "road_class", "kind")
_SKIP_TYPES = {"sites", "municipalities"}
#: Layers with more features than this are listed, not drawn (keeps the map light).
_MAX_FEATURES = 5000


def _too_big(layerset: Any, themes: tuple[str, ...], lang: str) -> list[str]:
    """Titles of vector layers in the chosen themes too large to draw."""
    return [f"{lyr.spec.title(lang)} ({format_number(len(lyr.data), lang)})"
            for lyr in layerset.layers.values()
            if lyr.spec.theme in themes and lyr.spec.type not in _SKIP_TYPES
            and lyr.spec.kind in ("point", "line", "polygon") and len(lyr.data) > _MAX_FEATURES]


def _map_layers(layerset: Any, themes: tuple[str, ...], lang: str) -> list[mapview.MapLayer]:
    layers = []
    for lid, loaded in layerset.layers.items():
        spec = loaded.spec
        if spec.theme not in themes or spec.type in _SKIP_TYPES:
            continue
        if spec.kind not in ("point", "line", "polygon"):
            continue
        data = loaded.data
        if len(data) > _MAX_FEATURES:
            continue
        fields = tuple(f for f in _LABEL_FIELDS if f in data.columns)
        layers.append(mapview.MapLayer(lid, spec.title(lang), spec.theme, data, fields,
                                       layer_type=spec.type))
    return layers


def _site_frame(result: Any, lang: str) -> Any:
    sites = result.sites.copy()
    scores = result.scores.astype(float)
    ok = result.passes.to_numpy(dtype=bool)
    lo, hi = (float(scores[ok].min()), float(scores[ok].max())) if ok.any() else (0.0, 100.0)
    sites["score"] = scores
    # colours span the passing sites' range so differences show; the legend gives the range
    sites["colour_value"] = (scores - lo) / (hi - lo) if hi > lo else 1.0
    sites["rank"] = result.rank_passing
    sites["passes"] = result.passes
    sites["status"] = result.status
    sites["reasons"] = result.reasons(lang)
    if "area_ha" in result.table:
        sites["area_ha"] = result.table["area_ha"]
    return sites


@st.cache_data(show_spinner=False, max_entries=16)
def _static_layers(catalog: str, data_dir: str | None, codes: tuple[str, ...], lang: str,
                   themes: tuple[str, ...]) -> mapview.StaticLayers:
    """The weight-independent part of the map (outlines, labels, thematic layers), cached."""
    layerset = _data.layerset(catalog, data_dir, codes)
    return mapview.prepare_static(municipalities=layerset.municipalities, study_codes=codes,
                                  layers=_map_layers(layerset, themes, lang), lang=lang)


@st.cache_data(show_spinner=False, max_entries=32)
def _map_html(catalog: str, data_dir: str | None, codes: tuple[str, ...], profile: str,
              weights: tuple[tuple[str, float], ...], lang: str, themes: tuple[str, ...],
              basemap: bool, surface: bool, strict: bool = False,
              ws_stamp: tuple[Any, ...] = ()) -> str:  # noqa: ARG001 (cache key)
    """The map page's HTML; ``ws_stamp`` (the workspace's) makes edits there redraw it."""
    layerset = _data.layerset(catalog, data_dir, codes)
    # every evaluated site: the catalogue's, the workspace's and the generated candidate sites
    evaluation = _data.evaluation_for(catalog, data_dir, codes, profile, dict(weights) or None,
                                      lang, strict=strict)
    sites = _site_frame(evaluation, lang) if len(evaluation.sites) else None
    overlay = areas = None
    if surface:
        surf, areas = _data.surface(catalog, data_dir, codes, profile, weights)
        rows, cols = surf.shape
        x0, y1, res = surf.transform.c, surf.transform.f, surf.resolution_m
        overlay = mapview.RasterOverlay(t("map.surface", lang), surf.score / 100.0,
                                        (x0, y1 - rows * res, x0 + cols * res, y1),
                                        unknown=surf.unknown)
    legend = None
    if sites is not None and sites["passes"].any():
        ok_scores = sites.loc[sites["passes"].astype(bool), "score"]
        legend = t("map.legend.score_range", lang,
                   lo=format_number(float(ok_scores.min()), lang, decimals=0),
                   hi=format_number(float(ok_scores.max()), lang, decimals=0))
    fmap = mapview.build_map(
        municipalities=layerset.municipalities, study_codes=codes, sites=sites,
        lang=lang, basemap=basemap, overlay=overlay, candidate_areas=areas, height_px=620,
        score_legend=legend, static=_static_layers(catalog, data_dir, codes, lang, themes))
    return mapview.map_html(fmap)


def _details(result: Any, state: AppState) -> None:
    lang = state.lang
    order = result.ranks.sort_values(kind="stable").index
    ids = result.site_ids.loc[order].astype(str).tolist()
    if not ids:
        return
    if state.selected_site not in ids:
        state.selected_site = ids[0]
    st.subheader(t("map.site_details", lang))
    rank_p = result.rank_passing
    names = site_labels(result)
    labels = {sid: (f"#{int(rank_p.loc[idx])} " if pd.notna(rank_p.loc[idx]) else "")
              + f"{names.loc[idx]} · {t(f'verdict.{result.status.loc[idx]}', lang)}"
              for sid, idx in zip(ids, order, strict=True)}
    state.selected_site = st.selectbox(t("map.choose_site", lang), ids,
                                       index=ids.index(state.selected_site),
                                       format_func=labels.get, key=f"map_site_{lang}")
    idx = order[ids.index(state.selected_site)]
    row = result.table.loc[idx]
    c1, c2 = st.columns([1, 1])
    with c1:
        st.markdown(f"**{md(names.loc[idx])}**")
        st.caption(md(f"{t('site.col_id', lang)}: {row['site_id']}"))
        score = format_number(float(row["score"]), lang, decimals=1)
        status = t(f"verdict.{result.status.loc[idx]}", lang)
        st.markdown(f"{md(t('ranking.col_score', lang))}: **{md(score)}** / 100 · {md(status)}")
        _verdict_texts(result, idx, lang)
        metrics = []
        for spec in result.profile.metrics:
            if spec.id not in result.metrics.columns:
                continue
            val = result.metrics.at[idx, spec.id]
            text = format_number(val, lang) if isinstance(val, (int, float)) else str(val)
            metrics.append({t("map.metrics", lang): spec.label(lang),
                            "": f"{text} {spec.unit or ''}".strip()})
        st.markdown(f"**{md(t('map.metrics', lang))}**")
        st.dataframe(pd.DataFrame(metrics), hide_index=True, width="stretch")
    with c2:
        st.markdown(f"**{md(t('map.contributions', lang))}**")
        contrib = result.contributions.loc[idx]
        contrib.index = [soft_label(result.profile, c, lang) for c in contrib.index]
        st.bar_chart(contrib.rename(t("map.contributions", lang)), horizontal=True)
        dossier_button(result, state, str(row["site_id"]))


def _verdict_texts(result: Any, idx: Any, lang: str) -> None:
    """What fails, what is still unknown (each once: what, why, what would decide it), and
    the soft criteria left out of the score for want of data."""
    row = result.table.loc[idx]
    unchecked = row.get(f"not_checked_{lang}", "")
    unknown = [u for u in unchecked.split("; ") if u] if isinstance(unchecked, str) else []
    reasons = [r for r in result.reasons(lang).loc[idx] if r not in unknown]
    if reasons:
        st.markdown(f"**{md(t('map.reasons', lang))}**")
        st.markdown("\n".join(f"- {md(r)}" for r in reasons))
    elif unknown:
        st.info(t("site.no_fail_unknown", lang))
    else:
        st.success(t("map.no_reasons", lang))
    if unknown:
        st.warning(f"**{md(t('verdict.to_confirm', lang))}**\n\n" + "\n".join(
            f"- {md(u)}" for u in unknown))
    decided = row.get(f"decided_by_{lang}", "")
    if isinstance(decided, str) and decided:
        st.info(f"**{md(t('ws.decided_title', lang))}** {md(decided)}")
    items = result.not_evaluated_texts(lang, kind="soft")
    if items:  # hard ones are in the box above; soft ones only leave the score
        st.caption(f"**{md(t('site.not_scored', lang))}**\n\n"
                   + "\n".join(f"- {md(i)}" for i in items))


def _body(state: AppState) -> None:
    lang = state.lang
    st.title(t("map.title", lang))
    if not state.region_codes:
        st.info(t("common.no_region", lang))
        return
    evaluation = current_evaluation(state)
    c1, c2, c3 = st.columns([3, 2, 2])
    with c1:
        themes = st.multiselect(t("map.themes", lang), theme_options(),
                                default=list(state.themes), key=f"map_themes_{lang}",
                                format_func=lambda th: t(f"theme.{th}", lang))
        state.themes = tuple(themes)
    with c2:
        state.basemap = st.toggle(t("map.basemap", lang), value=state.basemap, key="basemap")
    with c3:
        state.surface = st.toggle(t("map.surface_toggle", lang), value=state.surface,
                                  key="surface", help=t("map.surface_help", lang))
    if evaluation is not None:
        status = evaluation.status.value_counts()
        st.caption(t("map.n_sites", lang, n=len(evaluation.sites),
                     n_pass=int(status.get("pass", 0)), n_unknown=int(status.get("unknown", 0))))
    weights = tuple(sorted((state.weights.get(state.profile) or {}).items()))
    with st.spinner(t("common.loading", lang)):
        page = _map_html(state.catalog, state.data_dir, state.region_codes, state.profile,
                         weights, lang, state.themes, state.basemap, state.surface,
                         state.strict, tuple(_data.workspace().stamp()))
    if state.surface:
        surf, areas = _data.surface(state.catalog, state.data_dir, state.region_codes,
                                    state.profile, weights)
        if areas is None:
            st.warning(t("map.areas_missing", lang))
        prof = _data.profile(state.profile)
        st.caption(t("map.surface_note", lang,
                     res=format_number(surf.resolution_m, lang),
                     items=", ".join(criterion_label(prof, c, lang)
                                     for c in surf.not_evaluated) or "–"))
    if evaluation is not None or state.surface:  # weights change what the map shows
        map_col, weight_col = st.columns([4, 1])
        with weight_col.container(height=640, border=False):
            st.markdown(f"**{md(t('ranking.weights', lang))}**")
            weight_editor(_data.profile(state.profile), state, "map",
                          effective=getattr(evaluation, "effective_weights", None))
        with map_col:
            st.iframe(page, height=640)
    else:
        st.iframe(page, height=640)
    skipped = _too_big(_data.layerset(state.catalog, state.data_dir, state.region_codes),
                       state.themes, lang)
    if skipped:
        st.caption(md(t("map.too_many", lang, items=", ".join(skipped))))
    if evaluation is not None:
        _details(evaluation, state)


run_page(_body)
