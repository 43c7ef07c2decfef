"""The weight-independent part of the site map: municipalities, their labels, thematic layers.

Part of :mod:`siting.views.map` (which re-exports the public names).
:func:`prepare_static` serialises these layers once into :class:`StaticLayers`
(strings and numbers only, so an app can cache it); :func:`draw_static` adds
them to a map.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, replace

import folium as ofl
import geopandas as gpd
import numpy as np
import pandas as pd

from siting.core.i18n import format_number, t
from siting.views.mapelements import RawGeoJson
from siting.views.mapjson import DISPLAY_CRS, esc, geojson_4326, script_json
from siting.views.mapstyle import (
    LAYER_STYLES,
    THEME_COLOURS,
    LayerStyle,
    feature_styles,
    legend_symbol,
)

__all__ = ["MapLayer", "PreparedGroup", "StaticLayers", "add_municipalities", "draw_static",
           "prepare_static"]

_SWEDEN_BOUNDS = (11.0, 55.3, 24.2, 69.1)


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

    Built by :func:`prepare_static`; pass it to :func:`~siting.views.map.build_map` so
    that only the sites are rebuilt when weights change.
    """

    groups: tuple[PreparedGroup, ...]
    bounds: tuple[float, float, float, float]


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
    :func:`~siting.views.map.build_map` as ``static=``: a weight change then
    rebuilds only the site layer.

    Parameters
    ----------
    municipalities, study_codes, layers, lang
        As in :func:`~siting.views.map.build_map`.
    """
    study = set(study_codes)
    muni = municipalities.to_crs(DISPLAY_CRS)
    chosen = muni[muni["kommunkod"].astype(str).isin(study)] if study else muni
    minx, miny, maxx, maxy = (float(v) for v in chosen.total_bounds)
    bounds = (minx, miny, maxx, maxy)
    if not np.all(np.isfinite(bounds)):
        bounds = _SWEDEN_BOUNDS
    groups = [_prepare_municipalities(municipalities, study, lang)]
    groups.extend(g for g in (_prepare_layer(lyr, lang) for lyr in layers) if g is not None)
    return StaticLayers(tuple(groups), bounds)


def draw_group(fmap: ofl.Map, group: PreparedGroup) -> None:
    """Add one prepared group to the map as a feature group of its own."""
    grp = ofl.FeatureGroup(name=group.name)
    RawGeoJson(group.geojson, group.point_radius, group.labels).add_to(grp)
    grp.add_to(fmap)


def draw_static(fmap: ofl.Map, static: StaticLayers) -> list[str]:
    """Draw every prepared group; return their legend rows, in order."""
    legend_rows: list[str] = []
    for group in static.groups:
        draw_group(fmap, group)
        if group.legend_row is not None:
            legend_rows.append(group.legend_row)
    return legend_rows


def add_municipalities(fmap: ofl.Map, muni: gpd.GeoDataFrame, study: set[str],
                       lang: str) -> None:
    """Draw municipality outlines and labels (those not in ``study`` as neighbours)."""
    draw_group(fmap, _prepare_municipalities(muni, study, lang))


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
    tips = [f"{esc(n)} ({esc(c)})" + ("" if s else f" – {esc(t('map.neighbour', lang))}")
            for n, c, s in zip(names, codes, is_study, strict=True)]
    gj = geojson_4326(muni, simplify_m=100.0, properties={"_style": styles, "_tip": tips})
    points = gpd.GeoSeries(muni.geometry.representative_point(), crs=muni.crs).to_crs(
        DISPLAY_CRS)
    labels = [[round(pt.y, 5), round(pt.x, 5),
               f"<div class='{'siting-label' if s else 'siting-label siting-label-nb'}'>"
               f"{esc(name)}</div>"]
              for pt, name, s in zip(points, names, is_study, strict=True)]
    return PreparedGroup(html.escape(t("map.municipalities", lang)), script_json(gj),
                         labels=script_json(labels))


def _tooltip(row: pd.Series, fields: Sequence[str], lang: str) -> str:
    parts = []
    for fld in fields:
        if fld not in row.index:
            continue
        val = row[fld]
        if isinstance(val, (int, float, np.integer, np.floating)) and not isinstance(val, bool):
            val = format_number(float(val), lang)
        parts.append(f"<b>{esc(fld)}</b>: {esc(val)}")
    return "<br>".join(parts)


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
    tips = [_tooltip(row, lyr.label_fields, lang) or esc(lyr.title)
            for _, row in gdf.iterrows()] if lyr.label_fields else [esc(lyr.title)] * n
    if kinds <= {"Point", "MultiPoint"}:
        kind = "point"
    elif kinds <= {"LineString", "MultiLineString"}:
        kind = "line"
    else:
        kind = "polygon"
    sty = _layer_style(lyr)
    styles = feature_styles(gdf, kind, sty)
    gj = geojson_4326(gdf, simplify_m=25.0, properties={"_style": styles, "_tip": tips})
    return PreparedGroup(html.escape(lyr.title), script_json(gj),
                         point_radius=sty.radius if kind == "point" else None,
                         legend_row=f"{legend_symbol(kind, sty)}{esc(lyr.title)}")
