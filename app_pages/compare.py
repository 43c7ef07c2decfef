"""Jämför kommuner / Compare municipalities: any set, a map, a ranked chart, reasons in words.

The comparison itself is the package's (:func:`siting.compare.compare_region`):
each municipality's best candidate site, or, where a dataset has no sites (the
real open-data pack), its best candidate area on the suitability surface. The
page chooses the municipalities (study area, county, local labour-market
region or a hand-picked list across county borders) and lays the table out.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from app_pages import _cache as _data
from app_pages._report_buttons import compare_report_button
from app_pages._state import AppState
from app_pages._widgets import (
    criterion_label,
    kommun_names,
    md,
    run_page,
    site_labels,
    soft_label,
)
from siting.compare import criteria_matrix
from siting.core.i18n import format_number, format_percent, t

_SMALL_DATASET = 12
_MAP_LABELS_MAX = 30


def _group_label(group: Any, lang: str) -> str:
    return group.name or t("compare.county_code", lang, code=group.code)


def _scope(state: AppState, names: dict[str, str], lang: str) -> tuple[str, ...]:
    """The municipalities to compare, chosen by the user."""
    groups = _data.municipality_groups(state.catalog, state.data_dir)
    options = ["study", "county"] + (["labour"] if groups["labour_market"] else []) + ["list"]
    labels = {"study": t("compare.scope_study", lang, n=len(state.region_codes)),
              "county": t("compare.scope_county", lang),
              "labour": t("compare.scope_labour", lang), "list": t("compare.scope_list", lang)}
    how = st.radio(t("compare.scope", lang), options, format_func=labels.get, horizontal=True,
                   key=f"compare_scope_{lang}")
    if how == "study":
        return tuple(state.region_codes)
    if how in ("county", "labour"):
        kind = "county" if how == "county" else "labour_market"
        choices = list(groups[kind])
        home = next((i for i, g in enumerate(choices)
                     if set(state.region_codes) & set(g.kommunkoder)), 0)
        group = st.selectbox(t(f"compare.pick_{how}", lang), choices, index=home,
                             format_func=lambda g: _group_label(g, lang),
                             key=f"compare_{how}_{state.catalog}_{lang}")
        return tuple(group.kommunkoder) if group is not None else ()
    picked = st.multiselect(t("compare.pick_list", lang), sorted(names),
                            default=list(state.region_codes),
                            format_func=lambda c: f"{names.get(c, c)} ({c})",
                            key=f"compare_list_{state.catalog}")
    return tuple(sorted(picked))


def _heatmap(matrix: pd.DataFrame, title: str, lang: str) -> None:
    """A colour-graded table (viridis, 0..1): one row per municipality, one column per criterion."""
    st.markdown(f"**{md(title)}**")
    styled = matrix.astype(float).style.background_gradient(
        cmap="viridis", vmin=0.0, vmax=1.0).format(
        lambda x: format_number(x, lang, decimals=2), na_rep=t("verdict.no_data", lang)
    ).highlight_null(props="background-color:#eeeeee;color:#424242")  # no data: readable
    st.table(styled)  # a static table shows the formatted text ("uppgift saknas", not None)


def _criteria_heatmap(state: AppState, table: pd.DataFrame, result: Any) -> None:
    lang = state.lang
    none = t("compare.all_sites", lang)
    label = {str(c): f"{n} ({c})" + ("" if ok else f" – {none}")
             for c, n, ok in zip(table["kommunkod"], table["name"], _has_result(table),
                                 strict=True)}
    order = [label[str(c)] for c in table["kommunkod"]]
    if result is not None:
        matrix = criteria_matrix(result.values, result.passes,
                                 result.table["kommunkod"].astype(str), no_data=result.no_data)
        matrix = matrix.rename(columns={c.id: soft_label(result.profile, c.id, lang)
                                        for c in result.profile.soft}).rename(index=label)
        _heatmap(matrix.reindex([o for o in order if o in matrix.index]),
                 t("compare.heatmap", lang), lang)
        return
    metric_cols = [c for c in table.columns if c.startswith("metric_")]
    if len(table) < 2:  # scaling between municipalities needs at least two
        return
    numeric = table[metric_cols].apply(pd.to_numeric, errors="coerce")
    numeric = numeric.loc[:, numeric.notna().any()]
    if numeric.empty:
        return
    scaled = (numeric - numeric.min()) / (numeric.max() - numeric.min()).replace(0, 1)
    prof = _data.profile(state.profile)
    scaled.columns = [_metric_label(prof, c.removeprefix("metric_"), lang) for c in scaled]
    scaled.index = order
    _heatmap(scaled, t("compare.heatmap_metrics", lang), lang)


def _metric_label(prof: Any, metric_id: str, lang: str) -> str:
    try:
        return str(prof.metric(metric_id).label(lang))
    except KeyError:
        return metric_id


def _has_result(table: pd.DataFrame) -> pd.Series:
    """True where a municipality has a best site/area (its verdict is the evaluator's)."""
    return table["best_site"].fillna("").astype(str) != ""


def _site_names(table: pd.DataFrame, result: Any) -> list[str]:
    """The best site of each row as the ranking page names it (its id where unnamed)."""
    ids = table["best_site"].fillna("").astype(str)
    if result is None:
        return ids.tolist()
    names = dict(zip(result.table["site_id"].astype(str), site_labels(result), strict=True))
    return [names.get(i, i) for i in ids]


def _kinds(table: pd.DataFrame, result: Any, lang: str) -> list[str]:
    """What each best site is: a site, a candidate area, or existing industrial land."""
    words = {"site": t("compare.kind_site", lang), "area": t("compare.kind_area", lang),
             "brownfield": t("site.kind_brownfield", lang)}
    kinds = dict(zip(table["best_site"].astype(str), table["best_kind"].fillna(""), strict=True))
    sites = getattr(result, "sites", None)
    if sites is not None and "site_kind" in sites:  # generated sites say what they are
        kinds.update({str(i): str(k) for i, k in zip(sites["site_id"], sites["site_kind"],
                                                     strict=True) if isinstance(k, str)})
    return [words.get(kinds.get(str(b), ""), "") for b in table["best_site"].fillna("")]


def _shown(table: pd.DataFrame, state: AppState, result: Any = None) -> pd.DataFrame:
    lang = state.lang
    ok = _has_result(table)
    none = t("compare.no_result", lang)
    prof = _data.profile(state.profile)
    shown = pd.DataFrame({
        t("ranking.col_rank", lang): [str(int(r)) if o else "" for r, o in
                                      zip(table["rank"], ok, strict=True)],
        t("ranking.col_kommun", lang): table["name"].astype(str) + " ("
        + table["kommunkod"].astype(str) + ")",
        t("verdict.status", lang): [t("verdict.no_data", lang) if s == "no_data"
                                    else t(f"verdict.{s}", lang) for s in table["status"]],
        t("compare.best", lang): [none if not o else t("verdict.no_data", lang) if x != x
                                  else format_number(x, lang, decimals=1)
                                  for x, o in zip(table["score"], ok, strict=True)],
        t("compare.best_site", lang): _site_names(table, result),
        t("compare.best_kind", lang): _kinds(table, result, lang),
        t("compare.best_area", lang): [format_number(x, lang, decimals=0)
                                       for x in table["best_area_ha"]],
        t("compare.n_sites", lang): table["n_sites"],
        t("compare.n_pass", lang): table["n_pass"],
        t("compare.land_pass", lang): [format_percent(x, lang, 1)
                                       for x in table["land_pass_share"]],
        t("verdict.unknown_criteria", lang): [
            ", ".join(criterion_label(prof, c.strip(), lang) for c in str(ids).split(",") if c)
            for ids in table["unknown_criteria"].fillna("")],
        t("site.col_id", lang): table["best_site"].fillna("").astype(str),
    })
    for col in [c for c in table.columns if c.startswith("metric_")]:
        shown[_metric_label(prof, col.removeprefix("metric_"), lang)] = [
            format_number(v, lang) if isinstance(v, (int, float)) else str(v)
            for v in table[col]]
    return shown


def _map(state: AppState, table: pd.DataFrame, result: Any) -> None:
    from siting.views.report.maps import region_map_png

    lang = state.lang
    muni = _data.municipalities(state.catalog, state.data_dir)
    muni = muni[muni["kommunkod"].astype(str).isin(set(table["kommunkod"].astype(str)))]
    best = {str(c): float(s) for c, s, o in zip(table["kommunkod"], table["score"],
                                                _has_result(table), strict=True) if o}
    sites = result.sites if result is not None else None
    png = region_map_png(muni, best, sites, result.passes if result is not None else None,
                         lang, dpi=110, labels=len(muni) <= _MAP_LABELS_MAX)
    st.subheader(t("compare.map", lang))
    st.image(png, caption=t("compare.map_caption", lang))


def _chart(state: AppState, table: pd.DataFrame) -> None:
    lang = state.lang
    ok = _has_result(table)
    ranked = table[ok].sort_values("rank", kind="stable")
    if ranked.empty:
        return
    st.subheader(t("compare.chart", lang))
    index = [f"{int(r)}. {n}" for r, n in zip(ranked["rank"], ranked["name"], strict=True)]
    chart = pd.DataFrame({t("compare.best", lang): ranked["score"].astype(float).to_numpy()},
                         index=pd.Index(index, name=t("ranking.col_kommun", lang)))
    st.bar_chart(chart, horizontal=True, sort=False)


def _weakest_strongest(result: Any, site_id: str, lang: str, strongest: bool) -> str:
    idx = result.site_index(site_id)
    contrib = result.values.loc[idx].astype(float)
    top = contrib.nlargest(2) if strongest else contrib.nsmallest(2)
    return ", ".join(soft_label(result.profile, str(k), lang) for k in top.index)


def _explain(state: AppState, table: pd.DataFrame, result: Any) -> None:
    """The reasons behind the top and the bottom of the comparison, in words."""
    lang = state.lang
    ok = _has_result(table)
    if len(table) < 2:
        return
    lines = []
    ranked = table[ok].sort_values("rank", kind="stable")
    if len(ranked):
        top = ranked.iloc[0]
        score = format_number(float(top["score"]), lang, decimals=0)
        if result is not None and top["best_kind"] == "site":
            lines.append(t("compare.top_sites", lang, name=top["name"], score=score,
                           kind=t("compare.kind_site", lang),
                           site=_site_names(ranked.iloc[[0]], result)[0],
                           items=_weakest_strongest(result, str(top["best_site"]), lang, True)))
        else:
            lines.append(t("compare.top_area", lang, name=top["name"], score=score,
                           share=format_percent(top["land_pass_share"], lang, 1),
                           area=format_number(top["best_area_ha"], lang, decimals=0)))
    for _, row in table[~ok].iterrows():
        if result is not None:
            mine = result.table["kommunkod"].astype(str) == str(row["kommunkod"])
            reasons = [r[0] for r in result.reasons(lang)[mine.to_numpy()] if r]
            common = pd.Series(reasons).value_counts().index[0] if reasons else ""
            lines.append(t("compare.bottom_fail", lang, name=row["name"], reason=common))
        else:
            lines.append(t("compare.bottom_area", lang, name=row["name"]))
    if len(ranked) > 1 and ok.all():
        low = ranked.iloc[-1]
        items = (_weakest_strongest(result, str(low["best_site"]), lang, False)
                 if result is not None and low["best_kind"] == "site" else "–")
        lines.append(t("compare.bottom_low", lang, name=low["name"],
                       score=format_number(float(low["score"]), lang, decimals=0), items=items))
    st.subheader(t("compare.explain", lang))
    st.markdown("\n".join(f"- {line}" for line in lines[:8]))


def _notes(table: pd.DataFrame, state: AppState) -> None:
    """The comparison's technical notes, from their message keys (criteria by their labels)."""
    lang = state.lang
    prof = _data.profile(state.profile)
    for key, params in table.attrs.get("note_keys", []):
        values = {k: v for k, v in params.items() if k not in ("criteria", "metric")}
        for name in ("speed_kmh", "detour", "min_area_ha"):
            if name in values:
                values[name] = format_number(values[name], lang)
        text = t(key, lang, **values,
                 metric=_metric_label(prof, str(params.get("metric", "")), lang),
                 items=", ".join(criterion_label(prof, c, lang)
                                 for c in params.get("criteria", ())))
        st.caption(md(text))


def _body(state: AppState) -> None:
    lang = state.lang
    st.title(t("compare.title", lang))
    st.caption(t("compare.dataset_hint", lang))
    names = kommun_names(state)
    codes = _scope(state, names, lang)
    if not codes:
        st.info(t("compare.none_chosen", lang))
        return
    prof = _data.profile(state.profile)
    st.caption(md(t("compare.n_chosen", lang, n=len(codes), profile=prof.name(lang))))
    resolution_m = 250.0 if len(names) <= _SMALL_DATASET else 1000.0
    weights = tuple(sorted((state.weights.get(state.profile) or {}).items()))
    # without a sites layer the sidebar's study area is compared on the ranking's own sites
    lyr = _data.layerset(state.catalog, state.data_dir, codes).vector("sites")
    ranked = lang if tuple(codes) == tuple(state.region_codes) and (lyr is None or not len(lyr)) \
        else ""
    with st.spinner(t("common.loading", lang)):
        table = _data.compare_table(state.catalog, state.data_dir, codes, state.profile,
                                    weights, resolution_m, strict=state.strict,
                                    ranked_sites=ranked)
    table = table.sort_values("rank", kind="stable").reset_index(drop=True)
    result = None
    if table.attrs.get("method") == "sites":
        result = _data.evaluation_for(state.catalog, state.data_dir, codes, state.profile,
                                      state.weights.get(state.profile), lang,
                                      strict=state.strict)
        if ranked:
            st.info(t("site.compare_ranked", lang))
    else:
        st.info(t("compare.no_sites", lang))
    left, right = st.columns([3, 2])
    with left:
        st.subheader(t("compare.table", lang))
        st.dataframe(_shown(table, state, result), hide_index=True, width="stretch")
        st.download_button(t("common.download_csv", lang), table.to_csv(index=False).encode(),
                           file_name=f"compare_{state.profile}.csv", mime="text/csv")
        if result is not None:  # the PDF report is built from scored sites
            compare_report_button(result, state, state.catalog, state.data_dir, codes)
        _explain(state, table, result)
    with right:
        _map(state, table, result)
    _notes(table, state)
    _chart(state, table)
    _criteria_heatmap(state, table, result)


run_page(_body)
