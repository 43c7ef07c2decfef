"""Build the interactive site map (folium/Leaflet) without any network access.

The app, the dossier and anything else that draws a map use this module. It
is pure: GeoDataFrames in EPSG:3006 in, a folium map (or its HTML) out; it
never imports streamlit.

Offline by construction: the map is a ``folium.Map`` whose only
JavaScript/CSS is Leaflet itself, embedded inline (no jQuery, Bootstrap or
icon fonts, which folium would fetch from CDNs). Basemap tiles are off by
default; the map stays readable without them (municipality outlines and
labels on a light background). :func:`external_urls` lists every external
resource a rendered page would fetch, so tests can prove there are none.

Drawing is kept light: geometries are simplified in metres before being
projected to EPSG:4326, coordinates are rounded to ~1 m, each layer is one
GeoJSON feature group, and sites become circle markers when there are many.

Every user-supplied text (site names, reasons, layer titles, case notes) is
HTML-escaped before it reaches a popup, tooltip or label.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import folium as ofl
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from folium.template import Template

from siting.core.i18n import format_number, t
from siting.views.assets import leaflet_css, leaflet_js
from siting.views.mapstyle import (
    BACKGROUND_COLOUR,
    FAIL_COLOUR,
    LAYER_STYLES,
    OUTCOME_COLOURS,
    THEME_COLOURS,
    UNKNOWN_COLOUR,
    LayerStyle,
    feature_styles,
    legend_symbol,
    score_colour,
    score_rgba,
)

__all__ = [
    "BACKGROUND_COLOUR",
    "FAIL_COLOUR",
    "LAYER_STYLES",
    "OUTCOME_COLOURS",
    "THEME_COLOURS",
    "LayerStyle",
    "MapLayer",
    "RasterOverlay",
    "PreparedGroup",
    "SiteStyle",
    "StaticLayers",
    "build_case_map",
    "build_map",
    "external_urls",
    "geojson_4326",
    "map_html",
    "prepare_static",
    "score_colour",
]

_DISPLAY_CRS = "EPSG:4326"


class _OfflineMap(ofl.Map):
    """A folium map that embeds only Leaflet (JS and CSS, shipped as package data) inline.

    Leaflet is inserted as raw text: as a template, its 150 kB would be
    lexed by Jinja on every render.
    """

    default_js: list[tuple[str, str]] = []
    default_css: list[tuple[str, str]] = []

    def render(self, **kwargs: Any) -> None:
        header = self.get_root().header
        header.add_child(_RawText(f"<script>{leaflet_js()}</script>"), name="leaflet")
        header.add_child(_RawText(f"<style>{leaflet_css()}</style>"), name="leaflet_css")
        super().render(**kwargs)


@dataclass(frozen=True)
class MapLayer:
    """A vector layer to draw.

    Parameters
    ----------
    id : str
        Layer id (used for the element name).
    title : str
        Display title (escaped when drawn).
    theme : str
        One of the five themes; picks the colour.
    data : GeoDataFrame
        Features in EPSG:3006.
    label_fields : tuple of str
        Fields shown in the tooltip, in order.
    fill_opacity : float
        Fill of polygons (0 draws outlines only, e.g. for price areas that
        cover everything).
    layer_type : str
        Canonical layer type (``substations``, ``roads``...): picks the
        symbol from :data:`LAYER_STYLES`; unknown types get the theme colour.
    """

    id: str
    title: str
    theme: str
    data: gpd.GeoDataFrame
    label_fields: tuple[str, ...] = ()
    fill_opacity: float = 0.25
    layer_type: str = ""


@dataclass(frozen=True)
class RasterOverlay:
    """A raster drawn as a semi-transparent image (e.g. the suitability surface).

    Parameters
    ----------
    title : str
        Display title.
    array : numpy.ndarray
        2-D values in 0..1 (``nan`` transparent), north-up.
    bounds_3006 : tuple of float
        (minx, miny, maxx, maxy) in EPSG:3006.
    unknown : numpy.ndarray of bool, optional
        Same shape: cells whose verdict rests on unknown hard criteria, drawn as a
        separate orange layer (``SurfaceResult.unknown``).
    """

    title: str
    array: np.ndarray
    bounds_3006: tuple[float, float, float, float]
    opacity: float = 0.6
    unknown: np.ndarray | None = None


@dataclass(frozen=True)
class SiteStyle:
    """Drawing options for candidate sites."""

    marker_threshold: int = 300
    simplify_m: float = 10.0
    fields: tuple[str, ...] = field(default_factory=tuple)


def geojson_4326(
    gdf: gpd.GeoDataFrame,
    *,
    simplify_m: float = 25.0,
    precision_deg: float = 1e-5,
    properties: Mapping[str, Sequence[Any]] | None = None,
) -> dict[str, Any]:
    """GeoJSON (EPSG:4326) of a layer, simplified and rounded for drawing.

    Parameters
    ----------
    gdf : GeoDataFrame
        Features in a metric CRS (EPSG:3006).
    simplify_m : float
        Douglas-Peucker tolerance in metres (0 keeps every vertex).
    precision_deg : float
        Coordinate grid in degrees (1e-5 deg is about 1 m).
    properties : mapping of str to sequence, optional
        Feature properties, one value per row. Values are written as given:
        callers escape text first.
    """
    geoms = gdf.geometry
    if gdf.crs is None:
        raise ValueError("geojson_4326 needs a GeoDataFrame with a CRS (EPSG:3006)")
    values = geoms.values
    if simplify_m > 0:
        values = shapely.simplify(values, simplify_m, preserve_topology=True)
    display = gpd.GeoSeries(values, crs=gdf.crs).to_crs(_DISPLAY_CRS)
    rounded = shapely.set_precision(display.values, precision_deg)
    props = properties or {}
    features = []
    for i, geom in enumerate(rounded):
        if geom is None or geom.is_empty:
            continue
        feat_props = {k: _json_safe(v[i]) for k, v in props.items()}
        features.append({"type": "Feature", "properties": feat_props,
                         "geometry": shapely.geometry.mapping(geom)})
    return {"type": "FeatureCollection", "features": features}


def _json_safe(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if not math.isfinite(float(value)) else float(value)
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    return value if isinstance(value, (int, str)) else str(value)


_FEATURE_JS = ofl.JsCode("""
function(feature, layer) {
    var p = feature.properties || {};
    if (p._style && layer.setStyle) { layer.setStyle(p._style); }
    if (p._popup) { layer.bindPopup(p._popup, {maxWidth: 380}); }
    if (p._tip) { layer.bindTooltip(p._tip, {sticky: true}); }
}
""")


def _esc(value: Any) -> str:
    """Escape any value for HTML (None/NaN -> en dash)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return html.escape(str(value), quote=True)


def _tooltip(row: pd.Series, fields: Sequence[str], lang: str) -> str:
    parts = []
    for fld in fields:
        if fld not in row.index:
            continue
        val = row[fld]
        if isinstance(val, (int, float, np.integer, np.floating)) and not isinstance(val, bool):
            val = format_number(float(val), lang)
        parts.append(f"<b>{_esc(fld)}</b>: {_esc(val)}")
    return "<br>".join(parts)


def _site_popup(row: pd.Series, lang: str) -> str:
    """Popup HTML of one site: every value escaped, structure ours."""
    name = row.get("name")
    site_id = row.get("site_id", "")
    title = _esc(site_id)
    if isinstance(name, str) and name and name != site_id:
        title += f" – {_esc(name)}"
    lines = [f"<div class='siting-popup'><b>{title}</b>"]
    passes = bool(row.get("passes", True))
    state = row.get("status")
    if state == "unknown":
        status = t("verdict.unknown_criteria", lang)
    else:
        status = t("map.popup.pass" if passes else "map.popup.fail", lang)
    lines.append(f"<br>{_esc(status)}")
    score = row.get("score")
    if score is not None and isinstance(score, (int, float, np.floating)) and math.isfinite(score):
        lines.append(f"<br>{_esc(t('map.popup.score', lang))}: "
                     f"{_esc(format_number(float(score), lang, decimals=1))}")
    rank = row.get("rank")
    if passes and rank is not None and not pd.isna(rank):
        lines.append(f"<br>{_esc(t('map.popup.rank', lang))}: {_esc(int(rank))}")
    area = row.get("area_ha")
    if area is not None and not pd.isna(area):
        lines.append(f"<br>{_esc(t('map.popup.area', lang))}: "
                     f"{_esc(format_number(float(area), lang, decimals=1))} ha")
    reasons = row.get("reasons") or ()
    if isinstance(reasons, str):
        reasons = [r for r in reasons.split("\n") if r]
    if reasons:
        lines.append(f"<br><i>{_esc(t('map.popup.reasons', lang))}:</i><ul style='margin:0;"
                     "padding-left:1.1em'>")
        lines.extend(f"<li>{_esc(r)}</li>" for r in reasons)
        lines.append("</ul>")
    note = row.get("note")
    if isinstance(note, str) and note:
        lines.append(f"<br><i>{_esc(t('map.popup.note', lang))}:</i> {_esc(note)}")
    lines.append("</div>")
    return "".join(lines)


class _Legend(MacroElement):
    """A static legend control in the lower-left corner (HTML built and escaped by us)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function() {
            var legend = L.control({position: 'bottomright'});
            legend.onAdd = function() {
                var div = L.DomUtil.create('div', 'siting-legend');
                div.innerHTML = {{ this.body_json }};
                return div;
            };
            legend.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
    """)

    def __init__(self, body_html: str) -> None:
        super().__init__()
        self._name = "SitingLegend"
        self.body_json = json.dumps(body_html)


_FEATURE_FN = """function(feature, layer) {
    var p = feature.properties || {};
    if (p._style && layer.setStyle) { layer.setStyle(p._style); }
    if (p._popup) { layer.bindPopup(p._popup, {maxWidth: 380}); }
    if (p._tip) { layer.bindTooltip(p._tip, {sticky: true}); }
}"""


def _script_json(value: Any) -> str:
    """JSON safe to embed in a <script> block (no ``</`` sequence)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).replace("</", "<\\/")


@dataclass(frozen=True)
class PreparedGroup:
    """One map group, serialised ahead of drawing (picklable, so apps can cache it).

    Parameters
    ----------
    name : str
        Group name in the layer control (already escaped).
    geojson : str
        The group's GeoJSON, serialised (see :func:`geojson_4326`).
    point_radius : float or None
        Draw points as circle markers of this radius (None: Leaflet default).
    labels : str
        JSON list of ``[lat, lon, html]`` text labels (``"[]"`` for none).
    legend_row : str or None
        Legend HTML of the group (None: not in the legend).
    """

    name: str
    geojson: str
    point_radius: float | None = None
    labels: str = "[]"
    legend_row: str | None = None


@dataclass(frozen=True)
class StaticLayers:
    """The weight-independent part of a site map: municipalities, labels, thematic layers.

    Built by :func:`prepare_static`; pass it to :func:`build_map` so that only the
    sites are rebuilt when weights change.
    """

    groups: tuple[PreparedGroup, ...]
    bounds: tuple[float, float, float, float]


class _RawText(Element):
    """Text inserted as is (branca would compile every Element's text as a Jinja template)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._text = text

    def render(self, **_kwargs: Any) -> str:
        return self._text


class _RawGeoJson(MacroElement):
    """Pre-serialised GeoJSON (and text labels) added to its parent group."""

    def __init__(self, data_json: str, radius: float | None = None, labels: str = "[]"
                 ) -> None:
        super().__init__()
        self._name = "SitingGeoJson"
        self.data = data_json
        self.radius = radius
        self.labels = labels

    def render(self, **_kwargs: Any) -> None:
        parent = self._parent.get_name() if self._parent is not None else "map"
        point = ("" if self.radius is None else
                 f",pointToLayer:function(f,ll){{return L.circleMarker(ll,"
                 f"{{radius:{self.radius:g}}});}}")
        js = [f"L.geoJson({self.data},{{onEachFeature:{_FEATURE_FN}{point}}})"
              f".addTo({parent});"]
        if self.labels != "[]":
            js.append(f"{self.labels}.forEach(function(l){{L.marker([l[0],l[1]],"
                      "{interactive:false,icon:L.divIcon({html:l[2],iconSize:[160,18],"
                      f"iconAnchor:[80,9],className:'empty'}})}}).addTo({parent});}});")
        self.get_root().script.add_child(_RawText("\n".join(js)), name=self.get_name())


def _draw_group(fmap: ofl.Map, group: PreparedGroup) -> None:
    grp = ofl.FeatureGroup(name=group.name)
    _RawGeoJson(group.geojson, group.point_radius, group.labels).add_to(grp)
    grp.add_to(fmap)


_CSS = f"""
<style>
  html, body {{ background: {BACKGROUND_COLOUR}; }}
  .leaflet-container {{ background: {BACKGROUND_COLOUR}; font: 13px/1.4 system-ui, sans-serif; }}
  .siting-legend {{ background: rgba(255,255,255,.9); padding: 4px 8px; border-radius: 4px;
    box-shadow: 0 1px 4px rgba(0,0,0,.3); max-width: 220px; font-size: 11px;
    line-height: 1.35; }}
  .siting-legend i {{ display: inline-block; width: 12px; height: 12px; margin-right: 6px;
    vertical-align: -1px; border-radius: 2px; box-sizing: border-box; }}
  .siting-legend i.sym-pt {{ width: 11px; height: 11px; border-radius: 50%; }}
  .siting-legend i.sym-ln {{ height: 0; vertical-align: 3px; border-radius: 0; }}
  .siting-label {{ font-weight: 600; color: #37474f; text-shadow: 0 0 3px #fff, 0 0 3px #fff;
    white-space: nowrap; pointer-events: none; }}
  .siting-label-nb {{ color: #78909c; font-style: italic; }}
</style>
"""


def prepare_static(
    *,
    municipalities: gpd.GeoDataFrame,
    study_codes: Sequence[str],
    layers: Sequence[MapLayer] = (),
    lang: str = "sv",
) -> StaticLayers:
    """Prepare the parts of a site map that do not depend on scores or weights.

    The result holds only strings and numbers (picklable), so an app can cache
    it per dataset, region, themes and language and pass it to
    :func:`build_map` as ``static=``: a weight change then rebuilds only the
    site layer.

    Parameters
    ----------
    municipalities, study_codes, layers, lang
        As in :func:`build_map`.
    """
    study = set(study_codes)
    muni = municipalities.to_crs(_DISPLAY_CRS)
    chosen = muni[muni["kommunkod"].astype(str).isin(study)] if study else muni
    bounds = tuple(float(v) for v in chosen.total_bounds)
    if not np.all(np.isfinite(bounds)):
        bounds = (11.0, 55.3, 24.2, 69.1)  # Sweden
    groups = [_prepare_municipalities(municipalities, study, lang)]
    groups.extend(g for g in (_prepare_layer(lyr, lang) for lyr in layers) if g is not None)
    return StaticLayers(tuple(groups), bounds)  # type: ignore[arg-type]


def build_map(
    *,
    municipalities: gpd.GeoDataFrame,
    study_codes: Sequence[str],
    layers: Sequence[MapLayer] = (),
    sites: gpd.GeoDataFrame | None = None,
    lang: str = "sv",
    basemap: bool = False,
    overlay: RasterOverlay | None = None,
    candidate_areas: gpd.GeoDataFrame | None = None,
    site_style: SiteStyle | None = None,
    height_px: int = 600,
    score_legend: str | None = None,
    static: StaticLayers | None = None,
) -> ofl.Map:
    """Build the site map.

    Parameters
    ----------
    municipalities : GeoDataFrame
        Municipality polygons (EPSG:3006) with ``kommunkod`` and ``name``; those
        not in ``study_codes`` are drawn as neighbours (dashed, labels in italics).
    study_codes : sequence of str
        The study area's kommunkoder.
    layers : sequence of MapLayer
        Thematic layers, each drawn as one feature group.
    sites : GeoDataFrame, optional
        Candidate sites (EPSG:3006) with ``site_id`` and optionally ``name``,
        ``score`` (shown in the popup), ``colour_value`` (0..1 for the colour;
        default ``score``), ``rank``, ``passes`` (bool), ``status`` (``unknown``: a dashed orange
        outline, never drawn like a pass or a fail), ``reasons`` (list of
        str or newline-separated str), ``area_ha``, ``note``. Passing sites are
        coloured on the viridis ramp, failing ones grey with their reasons in
        the popup.
    lang : {"sv", "en"}
        Language of popups and legend.
    basemap : bool
        Add OpenStreetMap tiles (needs network; off by default).
    overlay : RasterOverlay, optional
        A raster overlay such as the suitability surface.
    candidate_areas : GeoDataFrame, optional
        Candidate-area polygons (EPSG:3006) drawn as an outlined overlay.
    site_style : SiteStyle, optional
        Marker threshold and simplification.
    height_px : int
        Map height in pixels.
    score_legend : str, optional
        Legend text of the colour ramp (e.g. the score range it spans).
    static : StaticLayers, optional
        The result of :func:`prepare_static` for these municipalities, study
        codes, layers and language (e.g. cached by the app); ``municipalities``
        and ``layers`` are then not read again.

    Returns
    -------
    folium.Map
    """
    style = site_style or SiteStyle()
    if static is None:
        static = prepare_static(municipalities=municipalities, study_codes=study_codes,
                                layers=layers, lang=lang)
    minx, miny, maxx, maxy = static.bounds
    fmap = _OfflineMap(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=8,
                       tiles=None, height=f"{height_px}px", control_scale=True)
    fmap.get_root().header.add_child(Element(_CSS), name="siting_css")
    if basemap:
        ofl.TileLayer("OpenStreetMap", name="OpenStreetMap").add_to(fmap)

    legend_rows: list[str] = []
    for group in static.groups:
        _draw_group(fmap, group)
        if group.legend_row is not None:
            legend_rows.append(group.legend_row)
    if overlay is not None:
        unknown_title = f"{overlay.title} – {t('verdict.unknown_criteria', lang)}"
        _add_overlay(fmap, overlay, unknown_title)
        legend_rows.append(f"<i style='background:linear-gradient(90deg,#440154,#21918c,"
                           f"#fde725)'></i>{_esc(overlay.title)}")
        if overlay.unknown is not None and overlay.unknown.any():
            legend_rows.append(f"<i style='background:{UNKNOWN_COLOUR};opacity:0.6'></i>"
                               f"{_esc(unknown_title)}")
    if candidate_areas is not None and len(candidate_areas):
        unknown = (candidate_areas["status"].astype(str).to_numpy() == "unknown"
                   if "status" in candidate_areas else np.zeros(len(candidate_areas), bool))
        props = {"_style": [{"color": UNKNOWN_COLOUR if unk else "#1b5e20", "weight": 2,
                             "fill": False, "dashArray": "5 3"} for unk in unknown]}
        gj = geojson_4326(candidate_areas, simplify_m=25.0, properties=props)
        grp = ofl.FeatureGroup(name=t("map.candidate_areas", lang))
        ofl.GeoJson(gj, on_each_feature=_FEATURE_JS).add_to(grp)
        grp.add_to(fmap)
        legend_rows.append(f"<i style='border:2px dashed #1b5e20'></i>"
                           f"{_esc(t('map.candidate_areas', lang))}")
        if unknown.any():
            legend_rows.append(f"<i style='border:2px dashed {UNKNOWN_COLOUR}'></i>"
                               f"{_esc(t('map.candidate_areas', lang))} – "
                               f"{_esc(t('verdict.unknown_criteria', lang))}")
    if sites is not None and len(sites):
        _add_sites(fmap, sites, lang, style)
        legend_rows.append(f"<i style='background:linear-gradient(90deg,#440154,#21918c,"
                           f"#fde725)'></i>{_esc(score_legend or t('map.legend.score', lang))}")
        legend_rows.append(f"<i style='background:{FAIL_COLOUR}'></i>"
                           f"{_esc(t('map.legend.fails', lang))}")
        if "status" in sites and (sites["status"].astype(str) == "unknown").any():
            legend_rows.append(f"<i style='border:3px dashed {UNKNOWN_COLOUR}'></i>"
                               f"{_esc(t('verdict.unknown_criteria', lang))}")
    if legend_rows:
        _Legend("<br>".join(legend_rows)).add_to(fmap)
    ofl.LayerControl(collapsed=True).add_to(fmap)
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    return fmap


def _prepare_municipalities(muni: gpd.GeoDataFrame, study: set[str], lang: str
                            ) -> PreparedGroup:
    is_study = muni["kommunkod"].astype(str).isin(study).to_numpy()
    styles = [
        {"color": "#37474f", "weight": 2, "fillColor": "#ffffff", "fillOpacity": 0.55}
        if s else
        {"color": "#90a4ae", "weight": 1, "dashArray": "4 4", "fillColor": "#ffffff",
         "fillOpacity": 0.2}
        for s in is_study
    ]
    names = muni["name"].astype(str).tolist() if "name" in muni else [""] * len(muni)
    codes = muni["kommunkod"].astype(str).tolist()
    tips = [f"{_esc(n)} ({_esc(c)})" + ("" if s else f" – {_esc(t('map.neighbour', lang))}")
            for n, c, s in zip(names, codes, is_study, strict=True)]
    gj = geojson_4326(muni, simplify_m=100.0, properties={"_style": styles, "_tip": tips})
    points = gpd.GeoSeries(muni.geometry.representative_point(), crs=muni.crs).to_crs(
        _DISPLAY_CRS)
    labels = [[round(pt.y, 5), round(pt.x, 5),
               f"<div class='{'siting-label' if s else 'siting-label siting-label-nb'}'>"
               f"{_esc(name)}</div>"]
              for pt, name, s in zip(points, names, is_study, strict=True)]
    return PreparedGroup(html.escape(t("map.municipalities", lang)), _script_json(gj),
                         labels=_script_json(labels))


def _add_municipalities(fmap: ofl.Map, muni: gpd.GeoDataFrame, study: set[str],
                        lang: str) -> None:
    _draw_group(fmap, _prepare_municipalities(muni, study, lang))


def _layer_style(lyr: MapLayer) -> LayerStyle:
    """The layer's style: by layer type, else the theme colour."""
    known = LAYER_STYLES.get(lyr.layer_type)
    if known is not None:
        if lyr.fill_opacity == 0 and known.fill is not None:
            return replace(known, fill_opacity=0.0)
        return known
    colour = THEME_COLOURS.get(lyr.theme, "#555555")
    return LayerStyle(colour, fill=colour,
                      weight=1.0 if lyr.fill_opacity > 0 else 2.0,
                      dash=None if lyr.fill_opacity > 0 else "6 4",
                      fill_opacity=lyr.fill_opacity)


def _prepare_layer(lyr: MapLayer, lang: str) -> PreparedGroup | None:
    """One thematic layer ready to draw (None when it has no features)."""
    gdf = lyr.data
    if gdf is None or len(gdf) == 0:
        return None
    kinds = set(gdf.geom_type.dropna().unique())
    n = len(gdf)
    tips = [_tooltip(row, lyr.label_fields, lang) or _esc(lyr.title)
            for _, row in gdf.iterrows()] if lyr.label_fields else [_esc(lyr.title)] * n
    if kinds <= {"Point", "MultiPoint"}:
        kind = "point"
    elif kinds <= {"LineString", "MultiLineString"}:
        kind = "line"
    else:
        kind = "polygon"
    sty = _layer_style(lyr)
    styles = feature_styles(gdf, kind, sty)
    gj = geojson_4326(gdf, simplify_m=25.0, properties={"_style": styles, "_tip": tips})
    return PreparedGroup(html.escape(lyr.title), _script_json(gj),
                         point_radius=sty.radius if kind == "point" else None,
                         legend_row=f"{legend_symbol(kind, sty)}{_esc(lyr.title)}")


def _add_sites(fmap: ofl.Map, sites: gpd.GeoDataFrame, lang: str, style: SiteStyle) -> None:
    n = len(sites)
    colour_col = "colour_value" if "colour_value" in sites else "score"
    scores = sites[colour_col].to_numpy(dtype=float) if colour_col in sites \
        else np.full(n, np.nan)
    passes = sites["passes"].to_numpy(dtype=bool) if "passes" in sites else np.ones(n, bool)
    unknown = (sites["status"].astype(str).to_numpy() == "unknown") if "status" in sites \
        else np.zeros(n, dtype=bool)
    as_markers = n > style.marker_threshold or set(sites.geom_type.unique()) <= {"Point"}
    styles = []
    for sc, ok, unk in zip(scores, passes, unknown, strict=True):
        colour = score_colour(sc) if ok else FAIL_COLOUR
        sty = {"color": "#263238" if ok else "#616161", "weight": 1.5 if ok else 1,
               "fill": True, "fillColor": colour, "fillOpacity": 0.95 if ok else 0.7,
               "radius": 8 if ok else 5}
        if ok and unk:  # unknown: scored like a pass, outlined so it is never read as one
            sty.update(color=UNKNOWN_COLOUR, weight=3, dashArray="3 2")
        styles.append(sty)
    popups = [_site_popup(row, lang) for _, row in sites.iterrows()]
    ids = sites["site_id"].astype(str).tolist() if "site_id" in sites else [""] * n
    tips = [_esc(i) for i in ids]
    props = {"site_id": [_esc(i) for i in ids], "_style": styles, "_popup": popups,
             "_tip": tips}
    # draw failing sites first so passing ones sit on top
    order = np.argsort(passes, kind="stable")
    grp = ofl.FeatureGroup(name=t("map.sites", lang))
    if not as_markers:  # outlines at true size, visible when zoomed in
        outline = [{**sty, "radius": None, "fillOpacity": 0.35} for sty in styles]
        gj = geojson_4326(sites, simplify_m=style.simplify_m,
                          properties={**props, "_style": outline})
        gj["features"] = [gj["features"][i] for i in order if i < len(gj["features"])]
        _RawGeoJson(_script_json(gj)).add_to(grp)
    # a marker per site so every site is visible at region scale
    points = sites.set_geometry(sites.geometry.representative_point())
    gj = geojson_4326(points, simplify_m=0.0, properties=props)
    gj["features"] = [gj["features"][i] for i in order if i < len(gj["features"])]
    _RawGeoJson(_script_json(gj), radius=6.0).add_to(grp)
    grp.add_to(fmap)


def _add_overlay(fmap: ofl.Map, overlay: RasterOverlay, unknown_title: str = "") -> None:
    rgba = score_rgba(overlay.array)
    minx, miny, maxx, maxy = overlay.bounds_3006
    corners = gpd.GeoSeries(shapely.points([minx, maxx], [miny, maxy]),
                            crs="EPSG:3006").to_crs(_DISPLAY_CRS)
    (lon0, lon1), (lat0, lat1) = corners.x.to_numpy(), corners.y.to_numpy()
    ofl.raster_layers.ImageOverlay(
        rgba, bounds=[[lat0, lon0], [lat1, lon1]], opacity=overlay.opacity,
        name=html.escape(overlay.title), pixelated=False,
    ).add_to(fmap)
    if unknown_title and overlay.unknown is not None and overlay.unknown.any():
        r, g, b = (int(UNKNOWN_COLOUR[i:i + 2], 16) for i in (1, 3, 5))
        mask = np.zeros((*overlay.unknown.shape, 4), dtype=np.uint8)
        mask[overlay.unknown] = (r, g, b, 150)
        ofl.raster_layers.ImageOverlay(
            mask, bounds=[[lat0, lon0], [lat1, lon1]], opacity=1.0,
            name=html.escape(unknown_title), pixelated=True,
        ).add_to(fmap)


def build_case_map(
    *,
    municipalities: gpd.GeoDataFrame,
    cases: gpd.GeoDataFrame,
    lang: str = "sv",
    height_px: int = 480,
) -> ofl.Map:
    """Map of logged establishment cases, coloured by outcome.

    Parameters
    ----------
    municipalities : GeoDataFrame
        Background outlines (EPSG:3006) with ``kommunkod`` and ``name``.
    cases : GeoDataFrame
        Case geometries (EPSG:3006) with ``case_id``, ``title``, ``outcome`` and
        optionally ``year_decided``, ``industry`` and ``notes`` (free text, escaped).
    lang : {"sv", "en"}
    height_px : int
    """
    pts = cases[cases.geometry.notna() & ~cases.geometry.is_empty]
    if len(pts):
        ext = pts.to_crs(_DISPLAY_CRS).total_bounds
    else:
        ext = municipalities.to_crs(_DISPLAY_CRS).total_bounds
    minx, miny, maxx, maxy = ext
    fmap = _OfflineMap(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=6,
                       tiles=None, height=f"{height_px}px", control_scale=True)
    fmap.get_root().header.add_child(Element(_CSS), name="siting_css")
    muni_codes = set(municipalities["kommunkod"].astype(str))
    _add_municipalities(fmap, municipalities, muni_codes, lang)
    if len(pts):
        styles, popups, tips = [], [], []
        for _, row in pts.iterrows():
            outcome = str(row.get("outcome", ""))
            colour = OUTCOME_COLOURS.get(outcome, "#555555")
            styles.append({"color": "#263238", "weight": 1, "fill": True, "fillColor": colour,
                           "fillOpacity": 0.9, "radius": 7})
            lines = [f"<div class='siting-popup'><b>{_esc(row.get('case_id'))}</b>",
                     f"<br>{_esc(row.get('title'))}",
                     f"<br>{_esc(t(f'outcome.{outcome}', lang))}"]
            year = row.get("year_decided")
            if year is not None and not pd.isna(year):
                lines.append(f" ({_esc(int(year))})")
            note = row.get("notes")
            if isinstance(note, str) and note:
                lines.append(f"<br><i>{_esc(t('map.popup.note', lang))}:</i> {_esc(note)}")
            lines.append("</div>")
            popups.append("".join(lines))
            tips.append(_esc(row.get("title")))
        marker_geoms = pts.set_geometry(pts.geometry.representative_point())
        gj = geojson_4326(marker_geoms, simplify_m=0.0, properties={
            "case_id": [_esc(c) for c in pts["case_id"]], "_style": styles,
            "_popup": popups, "_tip": tips})
        grp = ofl.FeatureGroup(name=t("outcomes.map", lang))
        ofl.GeoJson(gj, on_each_feature=_FEATURE_JS, marker=ofl.CircleMarker(radius=7)
                    ).add_to(grp)
        grp.add_to(fmap)
    legend = "<br>".join(f"<i style='background:{c}'></i>{_esc(t(f'outcome.{o}', lang))}"
                         for o, c in OUTCOME_COLOURS.items())
    _Legend(legend).add_to(fmap)
    pad = 0.25  # degrees: a single case still shows its surroundings
    fmap.fit_bounds([[miny - pad, minx - pad], [maxy + pad, maxx + pad]])
    return fmap


def map_html(fmap: ofl.Map) -> str:
    """The complete, self-contained HTML page of a map."""
    return fmap.get_root().render()


_URL_PATTERNS = (
    re.compile(r"""<(?:script|img|iframe|link|source|audio|video)\b[^>]*?\b(?:src|href)\s*=\s*["']?((?:https?:)?//[^"'\s>]+)""", re.I),
    re.compile(r"""url\(\s*["']?((?:https?:)?//[^"')\s]+)""", re.I),
    re.compile(r"""@import\s+["']((?:https?:)?//[^"']+)""", re.I),
    re.compile(r"""L\.tileLayer\(\s*["']((?:https?:)?//[^"']+)""", re.I),
)


def external_urls(page_html: str) -> list[str]:
    """External resources a page would load: script/link/img sources, CSS urls, tile layers.

    URLs inside comments or licence texts are not resources and are not listed.

    Examples
    --------
    >>> external_urls('<script src="https://cdn.example/x.js"></script>')
    ['https://cdn.example/x.js']
    >>> external_urls('<script>/* see https://leafletjs.com */</script>')
    []
    """
    found: list[str] = []
    for pat in _URL_PATTERNS:
        found.extend(m.group(1) for m in pat.finditer(page_html))
    return sorted(set(found))
