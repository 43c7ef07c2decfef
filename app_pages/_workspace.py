"""The Data page's workspace section: own sites (upload, draw, edit, remove, restore) and layers.

Widgets and session state only: reading, checking and saving are
:mod:`siting.data.workspace_import` and :mod:`siting.outcomes.workspace_store`;
the drawing map is :func:`siting.views.draw.draw_page_html` behind a small
Streamlit component bridge (offline: Leaflet and Leaflet.draw are inline).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import tempfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import platformdirs
import shapely
import streamlit as st
import streamlit.components.v1 as components
from shapely.geometry import shape

from app_pages import _cache as _data
from app_pages._state import AppState, get_state
from app_pages._widgets import md, problems_frame, show_problems
from siting.core.errors import SitingError
from siting.core.i18n import format_number, t
from siting.data.workspace import OWNERS, ZONING, WorkspaceSite

__all__ = ["section"]

_SITE_TYPES = ["gpkg", "geojson", "json", "zip", "kml", "csv", "xlsx"]
_FRAME_PX = 530
_BRIDGE_JS = """(function () {
  function send(type, extra) {
    window.parent.postMessage(Object.assign({isStreamlitMessage: true, type: type}, extra || {}),
                              "*");
  }
  window.addEventListener("message", function (ev) {
    var d = ev.data || {};
    if (d.type !== "streamlit:render") return;
    var a = d.args || {};
    window.sitingDraw.setData(a.context ? JSON.parse(a.context) : null,
                              a.sites ? JSON.parse(a.sites) : null);
  });
  window.sitingDraw.onDrawn = function (g) {
    send("streamlit:setComponentValue",
         {value: JSON.stringify({geometry: g, t: Date.now()}), dataType: "json"});
  };
  send("streamlit:componentReady", {apiVersion: 1});
  send("streamlit:setFrameHeight", {height: FRAME_PX});
})();""".replace("FRAME_PX", str(_FRAME_PX))


@st.cache_resource(show_spinner=False)
def _draw_component(lang: str) -> Any:
    """The drawing map as a Streamlit component (its page written once per process)."""
    from siting.views.draw import draw_page_html

    folder = Path(platformdirs.user_cache_dir("siting")) / "draw_component" / lang
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "index.html").write_text(draw_page_html(lang, height_px=_FRAME_PX - 10,
                                                      script=_BRIDGE_JS), encoding="utf-8")
    return components.declare_component(f"siting_draw_{lang}", path=str(folder))


def _fail(exc: SitingError, lang: str) -> None:
    st.error(t("ws.ui.not_saved", lang))
    show_problems(problems_frame(exc.problems, lang))


def _saved_file(up: Any) -> Path:
    """The upload as a file in a per-session temporary folder (after the size check)."""
    from siting.data.workspace_import import check_upload_size

    check_upload_size(int(up.size), up.name)  # before its bytes are touched
    folder = Path(tempfile.gettempdir()) / "siting_uploads" / str(id(st.session_state))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / Path(up.name).name
    path.write_bytes(up.getvalue())
    return path


def _read_options(path: Path, lang: str, key: str) -> dict[str, Any]:
    """Layer / coordinate columns / CRS choices for a file (what the user confirms)."""
    from siting.data.io import file_format
    from siting.data.sites import suggest_coordinates, table_columns
    from siting.data.workspace_import import file_layers

    opts: dict[str, Any] = {}
    layers = file_layers(path)
    if len(layers) > 1:
        opts["layer"] = st.selectbox(t("ws.ui.layer", lang, n=len(layers)), layers,
                                     index=None, key=f"{key}_layer",
                                     placeholder=t("ws.ui.pick", lang))
    if file_format(path) in ("csv", "table"):
        cols = table_columns(path)
        guess = suggest_coordinates(cols)
        c1, c2, c3 = st.columns(3)
        x = c1.selectbox(t("ws.ui.x", lang), cols, key=f"{key}_x",
                         index=cols.index(guess[0]) if guess else None)
        y = c2.selectbox(t("ws.ui.y", lang), cols, key=f"{key}_y",
                         index=cols.index(guess[1]) if guess else None)
        crs = c3.radio(t("ws.ui.crs", lang), ["EPSG:3006", "EPSG:4326"], key=f"{key}_crs",
                       index=1 if guess and guess[2] == "EPSG:4326" else 0,
                       format_func=lambda c: t(f"ws.ui.crs_{c[5:]}", lang))
        st.caption(t("ws.ui.confirm_coords", lang))
        if x and y:
            opts["coords"] = (x, y)
        opts["crs"] = crs
    else:
        crs = st.radio(t("ws.ui.crs_missing", lang), ["", "EPSG:3006", "EPSG:4326"],
                       key=f"{key}_crs", horizontal=True,
                       format_func=lambda c: t(f"ws.ui.crs_{c[5:] or 'file'}", lang))
        if crs:
            opts["crs"] = crs
    return opts


def _upload_sites(lang: str) -> None:
    from siting.data.workspace_import import sites_from_file

    st.markdown(f"**{t('ws.ui.upload_sites', lang)}**")
    up = st.file_uploader(t("ws.ui.sites_file", lang), type=_SITE_TYPES, key="ws_sites_file")
    if up is None:
        return
    try:
        path = _saved_file(up)
        opts = _read_options(path, lang, "ws_sites")
    except SitingError as exc:
        _fail(exc, lang)
        return
    name_field = st.text_input(t("ws.ui.name_field", lang), key="ws_name_field").strip()
    if not st.button(t("ws.ui.save_sites", lang), key="ws_save_sites", type="primary"):
        return
    try:
        sites = sites_from_file(path, name_field=name_field or None, **opts)
        saved = _data.workspace().add_sites(sites, comment=f"import {up.name}", source=up.name)
    except SitingError as exc:
        _fail(exc, lang)
        return
    st.success(t("ws.ui.saved_sites", lang, n=len(saved),
                 names=", ".join(s.name for s in saved)))


def _context_geojson(state: AppState) -> tuple[str, str]:
    from siting.views.map import geojson_4326

    muni = _data.municipalities(state.catalog, state.data_dir)
    if state.region_codes:
        muni = muni[muni["kommunkod"].astype(str).isin(state.region_codes)]
    ctx = geojson_4326(muni[["geometry"]], simplify_m=200.0)
    _stamp, sites, _layers = _data.workspace_content()
    if not sites:
        return json.dumps(ctx), ""
    from siting.data.workspace import sites_frame

    frame = sites_frame(sites)
    return json.dumps(ctx), json.dumps(geojson_4326(
        frame[["geometry"]], simplify_m=0.0, properties={"name": list(frame["name"])}))


def _draw_site(state: AppState) -> None:
    lang = state.lang
    st.markdown(f"**{t('ws.ui.draw', lang)}**")
    ctx, sites = _context_geojson(state)
    value = _draw_component(lang)(context=ctx, sites=sites, key="ws_draw", default=None)
    if value:
        drawn = json.loads(value)
        if drawn.get("t") != (state.ws_drawn or {}).get("t"):
            geom = gpd.GeoSeries([shape(drawn["geometry"])], crs="EPSG:4326").to_crs("EPSG:3006")
            state.ws_drawn = {"t": drawn.get("t"), "wkt": shapely.to_wkt(
                geom.iloc[0], rounding_precision=2)}
    if not state.ws_drawn:
        st.caption(t("ws.draw_hint", lang))
        return
    with st.form("ws_drawn_form"):
        st.caption(t("ws.ui.drawn", lang, kind=shapely.from_wkt(state.ws_drawn["wkt"]).geom_type))
        name = st.text_input(t("ws.ui.name", lang), key="ws_drawn_name")
        if not st.form_submit_button(t("ws.ui.save_drawn", lang), type="primary"):
            return
    try:
        [saved] = _data.workspace().add_sites(
            [WorkspaceSite("", name.strip(), state.ws_drawn["wkt"],
                           source=t("ws.ui.drawn_source", lang))],
            action="create", comment="drawn on the map", source=t("ws.ui.drawn_source", lang))
    except SitingError as exc:
        _fail(exc, lang)
        return
    state.ws_drawn = None
    st.success(t("ws.ui.saved_sites", lang, n=1, names=saved.name))


def _sites_table(lang: str) -> list[WorkspaceSite]:
    sites = _data.workspace().list_sites(include_deleted=True)
    if not sites:
        st.caption(t("ws.ui.no_sites", lang))
        return sites
    rows = [{t("ws.ui.col_id", lang): s.site_id, t("ws.ui.name", lang): s.name,
             t("ws.ui.zoning", lang): t(f"ws.zoning.{s.zoning}", lang),
             t("ws.ui.owner", lang): t(f"ws.owner.{s.owner}", lang) if s.owner else "–",
             t("ws.ui.capacity", lang): format_number(s.grid_capacity_mw, lang)
             if s.grid_capacity_mw is not None else "–",
             t("ws.ui.capacity_source", lang): s.grid_capacity_source or "–",
             t("ws.ui.source", lang): s.source,
             t("ws.ui.removed", lang): t("common.yes", lang)
             if s.meta and s.meta.deleted_at else ""} for s in sites]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="ws_sites_table")
    return sites


def _edit_site(sites: list[WorkspaceSite], lang: str) -> None:
    kept = [s for s in sites if not (s.meta and s.meta.deleted_at)]
    gone = [s for s in sites if s.meta and s.meta.deleted_at]
    if kept:
        site = st.selectbox(t("ws.ui.edit", lang), kept, key="ws_edit_pick",
                            format_func=lambda s: f"{s.site_id} – {s.name}")
        with st.form(f"ws_edit_{site.site_id}_{site.meta.version if site.meta else 0}"):
            name = st.text_input(t("ws.ui.name", lang), site.name)
            c1, c2 = st.columns(2)
            zoning = c1.selectbox(t("ws.ui.zoning", lang), ZONING, index=ZONING.index(site.zoning),
                                  format_func=lambda z: t(f"ws.zoning.{z}", lang))
            owner = c2.selectbox(t("ws.ui.owner", lang), (None, *OWNERS),
                                 index=(None, *OWNERS).index(site.owner),
                                 format_func=lambda o: t(f"ws.owner.{o}", lang) if o else "–")
            c3, c4, c5 = st.columns(3)
            cap = c3.number_input(t("ws.ui.capacity", lang), min_value=0.0, step=10.0,
                                  value=site.grid_capacity_mw)
            src = c4.text_input(t("ws.ui.capacity_source", lang), site.grid_capacity_source)
            when = c5.date_input(t("ws.ui.capacity_date", lang), value=dt.date.fromisoformat(
                site.grid_capacity_date) if site.grid_capacity_date else None)
            notes = st.text_area(t("ws.ui.notes", lang), site.notes)
            save = st.form_submit_button(t("ws.ui.save_edit", lang), type="primary")
        if save:
            changed = dataclasses.replace(
                site, name=name.strip(), zoning=zoning, owner=owner, grid_capacity_mw=cap,
                grid_capacity_source=src.strip(),
                grid_capacity_date=when.isoformat() if when else "", notes=notes)
            try:
                _data.workspace().update_site(changed)
            except SitingError as exc:
                _fail(exc, lang)
                return
            get_state().flash = t("ws.ui.saved_edit", lang, name=changed.name)
            st.rerun()
        if st.button(t("ws.ui.remove", lang, name=site.name), key="ws_remove"):
            _data.workspace().delete_site(site.site_id)
            st.rerun()
    if gone:
        back = st.selectbox(t("ws.ui.restore", lang), gone, key="ws_restore_pick",
                            format_func=lambda s: f"{s.site_id} – {s.name}")
        if st.button(t("ws.ui.restore_button", lang), key="ws_restore"):
            try:
                _data.workspace().undelete_site(back.site_id)
            except SitingError as exc:
                _fail(exc, lang)
                return
            st.rerun()


def _upload_layer(state: AppState) -> None:
    from siting.data.fields import suggest_field_map
    from siting.data.schema import LAYER_TYPES, THEMES
    from siting.data.workspace_import import layer_from_file, read_site_frame

    lang = state.lang
    st.markdown(f"**{t('ws.ui.upload_layer', lang)}**")
    types = sorted(k for k, v in LAYER_TYPES.items() if not set(v.kinds) & {"table", "raster"}
                   and k not in ("sites", "municipalities"))
    c1, c2 = st.columns(2)
    ltype = c1.selectbox(t("ws.ui.layer_type", lang), types, key="ws_layer_type",
                         index=types.index("substations"))
    theme = c2.selectbox(t("ws.ui.theme", lang), THEMES, key="ws_layer_theme",
                         index=THEMES.index(LAYER_TYPES[ltype].theme),
                         format_func=lambda th: t(f"theme.{th}", lang))
    up = st.file_uploader(t("ws.ui.layer_file", lang), type=_SITE_TYPES, key="ws_layer_file")
    if up is None:
        return
    try:
        path = _saved_file(up)
        opts = _read_options(path, lang, "ws_lyr")
        frame = read_site_frame(path, **opts)
    except SitingError as exc:
        _fail(exc, lang)
        return
    columns = [str(c) for c in frame.columns if c != frame.geometry.name]
    guess = suggest_field_map(columns, ltype)
    st.caption(t("ws.ui.mapping", lang))
    mapping: dict[str, str] = {}
    cols = st.columns(3)
    for i, spec in enumerate(LAYER_TYPES[ltype].fields):
        pick = cols[i % 3].selectbox(
            f"{spec.name}{' *' if spec.required else ''}", [None, *columns],
            index=([None, *columns].index(guess[spec.name]) if spec.name in guess else 0),
            key=f"ws_map_{ltype}_{spec.name}", help=spec.description)
        if pick:
            mapping[spec.name] = pick
    title = st.text_input(t("ws.ui.layer_title", lang), Path(up.name).stem, key="ws_layer_title")
    cover = st.multiselect(t("ws.ui.coverage", lang), list(state.region_codes), key="ws_cover")
    if not st.button(t("ws.ui.save_layer", lang), key="ws_save_layer", type="primary"):
        return
    try:
        layer = layer_from_file(path, ltype, field_map=mapping, title=title, theme=theme,
                                coverage=cover, source=up.name, **opts)
        saved = _data.workspace().add_layer(layer, comment=f"upload {up.name}")
    except SitingError as exc:
        _fail(exc, lang)
        return
    st.success(t("ws.ui.saved_layer", lang, title=saved.title, n=saved.n_features))


def _layers_table(lang: str) -> None:
    layers = _data.workspace().list_layers()
    if not layers:
        return
    st.dataframe(pd.DataFrame([{
        t("ws.ui.col_id", lang): lyr.layer_id, t("ws.ui.layer_title", lang): lyr.title,
        t("ws.ui.layer_type", lang): lyr.type, t("ws.ui.theme", lang): t(f"theme.{lyr.theme}",
                                                                           lang),
        t("data.col_features", lang): lyr.n_features,
        t("ws.ui.coverage", lang): ", ".join(lyr.coverage) or "–",
        t("ws.ui.source", lang): lyr.source} for lyr in layers]),
        hide_index=True, width="stretch", key="ws_layers_table")


def section(state: AppState) -> None:
    """The workspace section of the Data page."""
    lang = state.lang
    st.header(t("ws.ui.title", lang))
    st.caption(t("ws.ui.intro", lang))
    tab_sites, tab_draw, tab_layers = st.tabs([t("ws.ui.tab_sites", lang),
                                               t("ws.ui.tab_draw", lang),
                                               t("ws.ui.tab_layers", lang)])
    with tab_sites:
        if state.flash:
            st.success(md(state.flash))
            state.flash = None
        _upload_sites(lang)
        sites = _sites_table(lang)
        _edit_site(sites, lang)
    with tab_draw:
        _draw_site(state)
    with tab_layers:
        _upload_layer(state)
        _layers_table(lang)
