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
import re
from collections.abc import Sequence
from dataclasses import dataclass

import folium as ofl
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from siting.core.i18n import t
from siting.views.mapelements import FEATURE_JS, new_map
from siting.views.mapjson import DISPLAY_CRS, esc, geojson_4326
from siting.views.maplegend import (
    Legend,
    candidate_area_rows,
    outcome_rows,
    overlay_rows,
    site_rows,
)
from siting.views.mapsites import SiteStyle, add_candidate_areas, add_sites
from siting.views.mapstatic import (
    MapLayer,
    PreparedGroup,
    StaticLayers,
    add_municipalities,
    draw_static,
    prepare_static,
)
from siting.views.mapstyle import (
    BACKGROUND_COLOUR,
    FAIL_COLOUR,
    LAYER_STYLES,
    OUTCOME_COLOURS,
    THEME_COLOURS,
    UNKNOWN_COLOUR,
    LayerStyle,
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
    if static is None:
        static = prepare_static(municipalities=municipalities, study_codes=study_codes,
                                layers=layers, lang=lang)
    fmap = new_map(static.bounds, zoom_start=8, height_px=height_px)
    if basemap:
        ofl.TileLayer("OpenStreetMap", name="OpenStreetMap").add_to(fmap)
    legend_rows = draw_static(fmap, static)
    if overlay is not None:
        legend_rows += _draw_overlay(fmap, overlay, lang)
    if candidate_areas is not None and len(candidate_areas):
        has_unknown = add_candidate_areas(fmap, candidate_areas, lang)
        legend_rows += candidate_area_rows(has_unknown, lang)
    if sites is not None and len(sites):
        add_sites(fmap, sites, lang, site_style or SiteStyle())
        has_unknown = "status" in sites and bool((sites["status"].astype(str) == "unknown").any())
        legend_rows += site_rows(score_legend, has_unknown, lang)
    if legend_rows:
        Legend("<br>".join(legend_rows)).add_to(fmap)
    ofl.LayerControl(collapsed=True).add_to(fmap)
    minx, miny, maxx, maxy = static.bounds
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    return fmap


def _draw_overlay(fmap: ofl.Map, overlay: RasterOverlay, lang: str) -> list[str]:
    """Draw a raster overlay (and its unknown cells, if any); return its legend rows."""
    unknown_title = f"{overlay.title} – {t('verdict.unknown_criteria', lang)}"
    _add_overlay(fmap, overlay, unknown_title)
    has_unknown = overlay.unknown is not None and bool(overlay.unknown.any())
    return overlay_rows(overlay.title, unknown_title, has_unknown)


def _add_overlay(fmap: ofl.Map, overlay: RasterOverlay, unknown_title: str = "") -> None:
    rgba = score_rgba(overlay.array)
    minx, miny, maxx, maxy = overlay.bounds_3006
    corners = gpd.GeoSeries(shapely.points([minx, maxx], [miny, maxy]),
                            crs="EPSG:3006").to_crs(DISPLAY_CRS)
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
    extent = pts if len(pts) else municipalities
    minx, miny, maxx, maxy = (float(v) for v in extent.to_crs(DISPLAY_CRS).total_bounds)
    fmap = new_map((minx, miny, maxx, maxy), zoom_start=6, height_px=height_px)
    muni_codes = set(municipalities["kommunkod"].astype(str))
    add_municipalities(fmap, municipalities, muni_codes, lang)
    if len(pts):
        _add_cases(fmap, pts, lang)
    Legend("<br>".join(outcome_rows(lang))).add_to(fmap)
    pad = 0.25  # degrees: a single case still shows its surroundings
    fmap.fit_bounds([[miny - pad, minx - pad], [maxy + pad, maxx + pad]])
    return fmap


def _case_popup(row: pd.Series, outcome: str, lang: str) -> str:
    """Popup HTML of one case: every value escaped, structure ours."""
    lines = [f"<div class='siting-popup'><b>{esc(row.get('case_id'))}</b>",
             f"<br>{esc(row.get('title'))}",
             f"<br>{esc(t(f'outcome.{outcome}', lang))}"]
    year = row.get("year_decided")
    if year is not None and not pd.isna(year):
        lines.append(f" ({esc(int(year))})")
    note = row.get("notes")
    if isinstance(note, str) and note:
        lines.append(f"<br><i>{esc(t('map.popup.note', lang))}:</i> {esc(note)}")
    lines.append("</div>")
    return "".join(lines)


def _add_cases(fmap: ofl.Map, pts: gpd.GeoDataFrame, lang: str) -> None:
    """Draw one circle marker per case, coloured by outcome."""
    styles, popups, tips = [], [], []
    for _, row in pts.iterrows():
        outcome = str(row.get("outcome", ""))
        colour = OUTCOME_COLOURS.get(outcome, "#555555")
        styles.append({"color": "#263238", "weight": 1, "fill": True, "fillColor": colour,
                       "fillOpacity": 0.9, "radius": 7})
        popups.append(_case_popup(row, outcome, lang))
        tips.append(esc(row.get("title")))
    marker_geoms = pts.set_geometry(pts.geometry.representative_point())
    gj = geojson_4326(marker_geoms, simplify_m=0.0, properties={
        "case_id": [esc(c) for c in pts["case_id"]], "_style": styles,
        "_popup": popups, "_tip": tips})
    grp = ofl.FeatureGroup(name=t("outcomes.map", lang))
    ofl.GeoJson(gj, on_each_feature=FEATURE_JS, marker=ofl.CircleMarker(radius=7)
                ).add_to(grp)
    grp.add_to(fmap)


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
