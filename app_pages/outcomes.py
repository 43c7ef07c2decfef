"""Etableringslogg / Outcome log: browse, filter, map, add, edit, history, import/export."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
import streamlit as st

from app_pages import _cache as _data
from app_pages._auth import outcome_store
from app_pages._state import AppState
from app_pages._widgets import md, problems_frame, run_page, show_error, show_problems
from siting.core.errors import SitingError
from siting.core.i18n import t
from siting.data.soft_factors import SOFT_FACTORS, factor_ids
from siting.outcomes.database import describe_url
from siting.views import map as mapview

_NO_SCORE = 0
_TABLE_ROWS_HTML = 200


def _cases_frame(cases: list[Any], lang: str) -> pd.DataFrame:
    rows = []
    for c in cases:
        rows.append({
            t("outcomes.case_id", lang): c.case_id,
            t("outcomes.case_title", lang): c.title,
            t("outcomes.industry", lang): t(f"industry.{c.industry}", lang),
            t("outcomes.kommun", lang): c.kommunkod,
            t("outcomes.year_decided", lang): c.year_decided,
            t("outcomes.outcome", lang): t(f"outcome.{c.outcome}", lang),
            t("outcomes.confidentiality", lang): t(f"confidentiality.{c.confidentiality}", lang),
            t("outcomes.is_fictional", lang): t("common.yes" if c.is_fictional else "common.no", lang),
            t("outcomes.notes", lang): c.notes,
        })
    return pd.DataFrame(rows)


def _case_gdf(cases: list[Any]) -> gpd.GeoDataFrame:
    geoms = [shapely.from_wkt(c.geometry_wkt) if c.geometry_wkt else None for c in cases]
    return gpd.GeoDataFrame({
        "case_id": [c.case_id for c in cases], "title": [c.title for c in cases],
        "outcome": [c.outcome for c in cases], "year_decided": [c.year_decided for c in cases],
        "notes": [c.notes for c in cases],
    }, geometry=geoms, crs="EPSG:3006")


def _case_form(store: Any, state: AppState, case: Any | None) -> None:
    from siting.outcomes import CONFIDENTIALITY, INDUSTRIES, OUTCOMES, parse_case

    lang = state.lang
    key = ("edit" if case is not None else "add") + f"_{lang}"
    point = shapely.from_wkt(case.geometry_wkt).representative_point() \
        if case is not None and case.geometry_wkt else None
    with st.form(f"case_form_{key}_{case.case_id if case else ''}", clear_on_submit=False):
        c1, c2, c3 = st.columns(3)
        with c1:
            case_id = st.text_input(t("outcomes.case_id", lang),
                                    value=case.case_id if case else "",
                                    disabled=case is not None, key=f"f_{key}_case_id")
            title = st.text_input(t("outcomes.case_title", lang),
                                  value=case.title if case else "", key=f"f_{key}_title")
            industry = st.selectbox(t("outcomes.industry", lang), INDUSTRIES,
                                    index=INDUSTRIES.index(case.industry) if case else 0,
                                    format_func=lambda x: t(f"industry.{x}", lang),
                                    key=f"f_{key}_industry")
            outcome = st.selectbox(t("outcomes.outcome", lang), OUTCOMES,
                                   index=OUTCOMES.index(case.outcome) if case else 0,
                                   format_func=lambda x: t(f"outcome.{x}", lang),
                                   key=f"f_{key}_outcome")
        with c2:
            kommunkod = st.text_input(t("outcomes.kommunkod", lang),
                                      value=case.kommunkod if case else "",
                                      key=f"f_{key}_kommunkod")
            year_started = st.text_input(
                t("outcomes.year_started", lang),
                value=str(case.year_started) if case and case.year_started else "",
                key=f"f_{key}_ys")
            year_decided = st.text_input(
                t("outcomes.year_decided", lang),
                value=str(case.year_decided) if case and case.year_decided else "",
                key=f"f_{key}_yd")
            conf = st.selectbox(t("outcomes.confidentiality", lang), CONFIDENTIALITY,
                                index=CONFIDENTIALITY.index(case.confidentiality) if case
                                else CONFIDENTIALITY.index("internal"),
                                format_func=lambda x: t(f"confidentiality.{x}", lang),
                                key=f"f_{key}_conf")
        with c3:
            x = st.text_input(t("outcomes.x", lang),
                              value=f"{point.x:.0f}" if point is not None else "",
                              key=f"f_{key}_x")
            y = st.text_input(t("outcomes.y", lang),
                              value=f"{point.y:.0f}" if point is not None else "",
                              key=f"f_{key}_y")
            fictional = st.checkbox(t("outcomes.is_fictional", lang),
                                    value=bool(case.is_fictional) if case else False,
                                    key=f"f_{key}_fict")
        notes = st.text_area(t("outcomes.notes", lang), value=case.notes if case else "",
                             key=f"f_{key}_notes")
        soft: dict[str, int] = {}
        cols = st.columns(3)
        for i, fid in enumerate(factor_ids()):
            factor = SOFT_FACTORS[fid]
            with cols[i % 3]:
                val = st.selectbox(
                    getattr(factor, f"name_{lang}", fid), [_NO_SCORE, 1, 2, 3, 4, 5],
                    index=[_NO_SCORE, 1, 2, 3, 4, 5].index((case.soft or {}).get(fid, _NO_SCORE))
                    if case else 0,
                    format_func=lambda v: "–" if v == _NO_SCORE else str(v),
                    key=f"f_{key}_soft_{fid}")
            if val != _NO_SCORE:
                soft[fid] = int(val)
        submitted = st.form_submit_button(t("outcomes.save", lang))
    if not submitted:
        return
    data: dict[str, Any] = {
        "case_id": case.case_id if case else case_id, "title": title, "industry": industry,
        "outcome": outcome, "kommunkod": kommunkod, "year_started": year_started or None,
        "year_decided": year_decided or None, "confidentiality": conf,
        "is_fictional": fictional, "notes": notes, "soft": soft,
    }
    if case is not None:
        keep = ("profile", "competing_kommuner", "investment_msek", "jobs", "power_mw",
                "land_ha", "detaljplan_months", "permit_months", "metrics", "metrics_vintage",
                "soft_evidence", "decisive_factors", "source", "organisation")
        data.update({k: getattr(case, k) for k in keep})
        data["soft_evidence"] = {k: v for k, v in case.soft_evidence.items() if k in soft}
    if x.strip() or y.strip():
        try:
            data["geometry_wkt"] = shapely.Point(float(x.replace(",", ".")),
                                                 float(y.replace(",", "."))).wkt
        except ValueError:
            data["geometry_wkt"] = f"POINT ({x} {y})"  # let validation name the problem
    elif case is not None:
        data["geometry_wkt"] = case.geometry_wkt
    parsed, problems = parse_case(data, source=t("outcomes.add", lang), location="")
    if problems:
        st.error(t("outcomes.invalid", lang))
        show_problems(problems_frame(problems, lang))
        return
    if case is None:
        store.add(parsed)
    else:
        store.update(parsed, expected_version=case.meta.version if case.meta else None)
    state.flash = f"{t('outcomes.saved', lang)} ({parsed.case_id})"
    st.rerun()


def _history(store: Any, state: AppState, case_id: str) -> None:
    lang = state.lang
    revs = store.history(case_id)
    st.markdown(f"**{md(t('outcomes.history', lang))}**")
    st.dataframe(pd.DataFrame([{"#": r.revision_no, "action": r.action, "by": r.changed_by,
                                "at": r.changed_at, "comment": r.comment} for r in revs]),
                 hide_index=True, width="stretch")
    if len(revs) > 1:
        nos = [r.revision_no for r in revs]
        no = st.selectbox("#", nos, index=0, key=f"rev_{case_id}")
        if st.button(t("outcomes.restore", lang), key=f"restore_{case_id}"):
            store.restore(case_id, int(no))
            state.flash = t("outcomes.restored", lang, n=no)
            st.rerun()


def _import_export(store: Any, state: AppState, cases: list[Any]) -> None:
    from siting.core.errors import ImportValidationError
    from siting.outcomes import export_cases, import_file

    lang = state.lang
    c1, c2 = st.columns(2)
    with c1:
        up = st.file_uploader(t("outcomes.import", lang), type=["csv", "xlsx", "gpkg"],
                              key="import_file")
        if up is not None and st.button(t("outcomes.import", lang), key="import_go"):
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / Path(up.name).name
                path.write_bytes(up.getvalue())
                bar = st.progress(0.0)
                try:
                    report = import_file(store, path, progress=lambda done, total: bar.progress(
                        done / max(total, 1), text=f"{done:,} / {total:,}"))
                except ImportValidationError as exc:
                    st.error(t("outcomes.import_failed", lang))
                    show_problems(problems_frame(exc.problems, lang))
                else:
                    n = len(report.created) + len(report.updated)
                    st.success(md(f"{t('outcomes.import_done', lang, n=n)} {report.summary()}"))
    with c2:
        st.markdown(f"**{md(t('outcomes.export', lang))}**")
        for ext, mime in (("csv", "text/csv"),
                          ("xlsx", "application/vnd.openxmlformats-officedocument."
                                   "spreadsheetml.sheet")):
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / f"outcomes.{ext}"
                export_cases(cases, path)
                st.download_button(f"{t('outcomes.export', lang)} .{ext}", path.read_bytes(),
                                   file_name=path.name, mime=mime, key=f"export_{ext}")


def _body(state: AppState) -> None:
    from siting.outcomes import INDUSTRIES, OUTCOMES, seed_store

    lang = state.lang
    st.title(t("outcomes.title", lang))
    store = outcome_store()
    st.caption(f"{md(t('outcomes.db', lang))}: {md(describe_url(store.url, lang))}")
    if state.flash:
        st.success(md(state.flash))
        state.flash = None
    with st.expander(t("outcomes.filters", lang), expanded=True):
        c1, c2, c3, c4 = st.columns(4)
        industry = c1.selectbox(t("outcomes.industry", lang), ["", *INDUSTRIES],
                                format_func=lambda x: x and t(f"industry.{x}", lang) or "–",
                                key=f"flt_industry_{lang}")
        outcome = c2.selectbox(t("outcomes.outcome", lang), ["", *OUTCOMES],
                               format_func=lambda x: x and t(f"outcome.{x}", lang) or "–",
                               key=f"flt_outcome_{lang}")
        kommun = c3.text_input(t("outcomes.kommun", lang), key="flt_kommun").strip()
        deleted = c4.checkbox(t("outcomes.show_deleted", lang), key="flt_deleted")
    cases = store.list(industry=industry or None, outcome=outcome or None,
                       kommunkod=kommun or None, include_deleted=deleted)
    st.subheader(t("outcomes.table", lang))
    if cases and len(cases) <= _TABLE_ROWS_HTML:
        # st.table renders cells as Markdown: escape every text cell (no links, no markup)
        frame = _cases_frame(cases, lang)
        frame = frame.apply(lambda col: col.map(md) if col.dtype == object
                            or pd.api.types.is_string_dtype(col.dtype) else col)
        st.table(frame, border="horizontal")
    elif cases:
        st.dataframe(_cases_frame(cases, lang), hide_index=True, width="stretch",
                     key="cases_table")
    else:
        st.info(t("outcomes.no_cases", lang))
    if st.button(t("outcomes.seed", lang), key="seed"):
        seed_store(store, which="demo")
        state.flash = t("outcomes.seeded", lang)
        st.rerun()
    if cases:
        st.subheader(t("outcomes.map", lang))
        try:
            muni = _data.municipalities(state.catalog, state.data_dir)
        except SitingError as exc:
            show_error(exc, lang)
        else:
            fmap = mapview.build_case_map(municipalities=muni, cases=_case_gdf(cases),
                                          lang=lang)
            st.iframe(mapview.map_html(fmap), height=500)
    tab_add, tab_edit, tab_io = st.tabs([t("outcomes.add", lang), t("outcomes.edit", lang),
                                         t("outcomes.import", lang)])
    with tab_add:
        _case_form(store, state, None)
    with tab_edit:
        all_cases = store.list(include_deleted=True)
        if all_cases:
            ids = [c.case_id for c in all_cases]
            cid = st.selectbox(t("outcomes.choose_case", lang), ids, key="edit_case")
            case = next(c for c in all_cases if c.case_id == cid)
            deleted_case = case.meta is not None and case.meta.deleted_at is not None
            if deleted_case:
                if st.button(t("outcomes.undelete", lang), key="undelete"):
                    store.undelete(cid)
                    st.rerun()
            else:
                _case_form(store, state, case)
                if st.button(t("outcomes.delete", lang), key="delete"):
                    store.delete(cid, expected_version=case.meta.version if case.meta else None)
                    st.rerun()
            _history(store, state, cid)
    with tab_io:
        _import_export(store, state, cases)


run_page(_body)
