"""Data: the catalogue's layers with status, and checking an uploaded file for a layer."""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from app_pages import _cache as _data
from app_pages import _workspace
from app_pages._state import AppState
from app_pages._widgets import md, problems_frame, run_page, show_problems
from siting.core.errors import Problem, SitingError
from siting.core.i18n import format_number, t
from siting.data.schema import type_title
from siting.data.workspace_import import file_layers


@st.cache_resource(show_spinner=False, max_entries=64)
def _layer_status(catalog_name: str, data_dir: str | None, layer_id: str,
                  stamp: float) -> tuple[Any, tuple[Problem, ...], str]:
    """(LoadedLayer or None, problems, summary) for one layer, read on its own."""
    from siting.data.layers import read_layer

    cat = _data.catalog(catalog_name)
    spec = cat.layer(layer_id)
    try:
        return read_layer(spec, cat.search_dirs(data_dir)), (), ""
    except SitingError as exc:
        return None, exc.problems, exc.summary


def _status_table(state: AppState) -> pd.DataFrame:
    lang = state.lang
    cat = _data.catalog(state.catalog)
    rows = []
    for spec in cat.layers:
        loaded, problems, summary = _layer_status(state.catalog, state.data_dir, spec.id,
                                                  _data.file_stamp(cat.path))
        notes = "; ".join(loaded.report.notes) if loaded is not None else \
            (summary or "; ".join(str(p) for p in problems))
        rows.append({
            t("data.col_title", lang): spec.title(lang),
            t("data.col_theme", lang): t(f"theme.{spec.theme}", lang),
            t("data.col_type", lang): f"{_capital(type_title(spec.type, lang))} "
                                      f"({t(f'geometry_kind.{spec.kind}', lang)})",
            t("data.col_status", lang): t("data.status_ok" if loaded is not None
                                          else "data.status_missing", lang),
            t("data.col_features", lang): format_number(loaded.n_features, lang)
            if loaded is not None else "–",
            t("data.col_crs", lang): (loaded.report.source_crs or "–") if loaded else "–",
            t("data.col_vintage", lang): spec.vintage.isoformat(),
            t("data.col_licence", lang): f"{spec.licence} – {spec.attribution}",
            t("data.col_notes", lang): notes,
            t("data.col_id", lang): spec.id,  # secondary: for catalogue editors
        })
    return pd.DataFrame(rows)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _upload(state: AppState) -> None:
    from siting.data.layers import read_layer

    lang = state.lang
    cat = _data.catalog(state.catalog)
    st.subheader(t("data.upload", lang))
    specs = [s for s in cat.layers if s.kind != "raster"] + \
            [s for s in cat.layers if s.kind == "raster"]
    ids = [s.id for s in specs]
    layer_id = st.selectbox(t("data.upload_layer", lang), ids, key=f"upload_layer_{lang}",
                            format_func=lambda i: cat.layer(i).title(lang))
    up = st.file_uploader(t("data.upload_file", lang), key="upload_file",
                          type=["gpkg", "geojson", "json", "zip", "csv", "tif", "tiff"])
    if up is None or not st.button(t("data.upload_check", lang), key="upload_check"):
        return
    spec = cat.layer(layer_id)
    with tempfile.TemporaryDirectory() as tmp:
        name = Path(up.name).name
        (Path(tmp) / name).write_bytes(up.getvalue())
        try:
            # the catalogue's GeoPackage layer name applies only when the upload has it
            layer = spec.layer if spec.layer in file_layers(Path(tmp) / name) else None
            loaded = read_layer(dataclasses.replace(spec, source=name, layer=layer), Path(tmp))
        except SitingError as exc:
            st.error(f"{t('data.upload_bad', lang)} {md(exc.summary)}")
            if exc.problems:
                show_problems(problems_frame(exc.problems, lang))
            return
    st.success(t("data.upload_ok", lang, n=format_number(loaded.n_features, lang)))
    for note in loaded.report.notes:
        st.info(md(note))


def _body(state: AppState) -> None:
    lang = state.lang
    st.title(t("data.title", lang))
    cat = _data.catalog(state.catalog)
    st.markdown(md(t("data.catalog", lang, name=cat.title(lang))))
    st.subheader(t("data.layers", lang))
    with st.spinner(t("common.loading", lang)):
        table = _status_table(state)
    st.dataframe(table, hide_index=True, width="stretch", key="layers_table")
    _upload(state)
    _workspace.section(state)


run_page(_body)
