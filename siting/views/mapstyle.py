"""Map styling: colours, per-layer symbols, the score ramp and legend symbols.

Pure data and small functions shared by the interactive map
(:mod:`siting.views.map`) and anything else that draws layers the same way. No
folium and no streamlit here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

__all__ = [
    "BACKGROUND_COLOUR",
    "FAIL_COLOUR",
    "LAYER_STYLES",
    "OUTCOME_COLOURS",
    "THEME_COLOURS",
    "UNKNOWN_COLOUR",
    "LayerStyle",
    "feature_styles",
    "legend_symbol",
    "score_colour",
    "score_rgba",
]

#: Colour of sites that fail a hard criterion.
FAIL_COLOUR = "#9e9e9e"
#: Outline of sites whose verdict rests on unknown hard criteria (drawn unlike a fail:
#: filled by score like passing sites, with a dashed orange outline).
UNKNOWN_COLOUR = "#e69f00"
#: Light background shown where no basemap tiles are drawn.
BACKGROUND_COLOUR = "#eef2f0"
#: One colour per theme (colour-blind-safe Okabe-Ito palette).
THEME_COLOURS: Mapping[str, str] = {
    "land": "#009e73",
    "energy": "#d55e00",
    "logistics": "#0072b2",
    "schools": "#cc79a7",
    "housing": "#e69f00",
}
#: Colour per outcome of a logged establishment case.
OUTCOME_COLOURS: Mapping[str, str] = {
    "won": "#009e73", "lost": "#d55e00", "withdrawn": "#999999", "ongoing": "#0072b2",
}


@dataclass(frozen=True)
class LayerStyle:
    """How one layer type is drawn (and shown in the legend).

    Parameters
    ----------
    colour : str
        Stroke colour (lines, outlines, marker borders).
    fill : str or None
        Fill colour of markers and polygons (None: no fill).
    weight : float
        Line or outline width in pixels.
    dash : str or None
        Leaflet ``dashArray`` (e.g. ``"6 4"``), None for solid.
    fill_opacity : float
        Polygon/marker fill opacity.
    radius : float
        Circle-marker radius in pixels (points).
    scale_field : str or None
        Numeric field that scales the symbol: marker radius (points) or line
        weight (lines), e.g. ``voltage_kv``.
    class_field : str or None
        Field whose value picks a stroke colour from ``class_colours``
        (e.g. ``road_class``).
    class_colours : tuple of (str, str)
        ``(value, colour)`` pairs for ``class_field``.
    """

    colour: str
    fill: str | None = None
    weight: float = 2.0
    dash: str | None = None
    fill_opacity: float = 0.25
    radius: float = 5.0
    scale_field: str | None = None
    class_field: str | None = None
    class_colours: tuple[tuple[str, str], ...] = ()


#: Drawing style per canonical layer type: a distinct symbol per layer, within
#: its theme's hue family (energy: oranges, logistics: blues/greys/black,
#: land: greens, schools: pinks), told apart also by shape, dash and size so the
#: map reads without relying on hue alone.
LAYER_STYLES: Mapping[str, LayerStyle] = {
    # energy
    "substations": LayerStyle("#ffffff", fill="#a63603", weight=1.5, fill_opacity=0.95,
                              radius=6.0, scale_field="voltage_kv"),
    "grid_lines": LayerStyle("#e6550d", weight=2.0, scale_field="voltage_kv"),
    "price_areas": LayerStyle("#fdae6b", fill="#fee6ce", weight=3.0, dash="1 6",
                              fill_opacity=0.15),
    # logistics
    "roads": LayerStyle("#737373", weight=2.0, class_field="road_class", class_colours=(
        ("1", "#252525"), ("2", "#525252"), ("3", "#969696"), ("4", "#bdbdbd"))),
    "railways": LayerStyle("#000000", weight=2.5, dash="7 4"),
    "ports": LayerStyle("#08306b", fill="#2171b5", weight=2.0, fill_opacity=0.95, radius=7.0),
    "rail_terminals": LayerStyle("#000000", fill="#6baed6", weight=2.0, fill_opacity=0.95,
                                 radius=6.0),
    "airports": LayerStyle("#08519c", fill="#ffffff", weight=3.0, fill_opacity=1.0,
                           radius=6.0),
    "industrial_sites": LayerStyle("#ffffff", fill="#4d4d4d", weight=1.0,
                                   fill_opacity=0.9, radius=4.0),
    # land
    "protected_areas": LayerStyle("#006d2c", fill="#31a354", weight=1.0, fill_opacity=0.3),
    "flood_zones": LayerStyle("#00796b", fill="#80cbc4", weight=1.5, dash="3 3",
                              fill_opacity=0.3),
    "built_up_areas": LayerStyle("#7f7f7f", fill="#bdbdbd", weight=1.0, fill_opacity=0.35),
    # schools
    "schools": LayerStyle("#ffffff", fill="#ae017e", weight=1.0, fill_opacity=0.95,
                          radius=5.0),
    "population_grid": LayerStyle("#f768a1", fill="#fcc5c0", weight=0.5, fill_opacity=0.3),
}

# viridis at 0, .25, .5, .75, 1 (low score -> dark purple, high -> yellow)
_RAMP = np.array([
    [68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37],
], dtype=float)


def score_colour(score: float) -> str:
    """Hex colour for a score in 0..1 on the viridis ramp (grey for NaN).

    Examples
    --------
    >>> score_colour(0.0), score_colour(1.0)
    ('#440154', '#fde725')
    """
    if score is None or not math.isfinite(float(score)):
        return FAIL_COLOUR
    x = min(max(float(score), 0.0), 1.0) * (len(_RAMP) - 1)
    i = min(int(math.floor(x)), len(_RAMP) - 2)
    rgb = _RAMP[i] + (x - i) * (_RAMP[i + 1] - _RAMP[i])
    return "#" + "".join(f"{int(round(c)):02x}" for c in rgb)


def score_rgba(scores: Any) -> np.ndarray:
    """RGBA image (uint8) of a 2-D array of scores 0..1 on the same ramp; NaN is transparent."""
    arr = np.asarray(scores, dtype=float)
    rgba = np.zeros((*arr.shape, 4), dtype=np.uint8)
    finite = np.isfinite(arr)
    if finite.any():
        flat = np.clip(np.where(finite, arr, 0.0), 0, 1) * (len(_RAMP) - 1)
        idx = np.minimum(np.floor(flat).astype(int), len(_RAMP) - 2)
        frac = (flat - idx)[..., None]
        rgb = _RAMP[idx] + frac * (_RAMP[idx + 1] - _RAMP[idx])
        rgba[..., :3] = np.round(rgb).astype(np.uint8)
        rgba[..., 3] = np.where(finite, 255, 0)
    return rgba


def _scaled(values: Any, base: float, lo: float, hi: float) -> list[float]:
    """``base`` scaled by ``values`` relative to 220 (kV), clipped to [lo, hi]; NaN -> base."""
    arr = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float)
    out = np.where(np.isfinite(arr), base * np.sqrt(np.clip(arr, 1.0, None) / 220.0), base)
    return [round(float(v), 1) for v in np.clip(out, lo, hi)]


def feature_styles(gdf: gpd.GeoDataFrame, kind: str, sty: LayerStyle) -> list[dict[str, Any]]:
    n = len(gdf)
    if kind == "point":
        base = {"color": sty.colour, "weight": sty.weight, "fill": True,
                "fillColor": sty.fill or sty.colour, "fillOpacity": sty.fill_opacity,
                "radius": sty.radius}
        if sty.scale_field and sty.scale_field in gdf:
            return [{**base, "radius": r}
                    for r in _scaled(gdf[sty.scale_field], sty.radius, 3.0, 10.0)]
        return [base] * n
    if kind == "line":
        base = {"color": sty.colour, "weight": sty.weight, "opacity": 0.9,
                "dashArray": sty.dash}
        if sty.scale_field and sty.scale_field in gdf:
            return [{**base, "weight": w}
                    for w in _scaled(gdf[sty.scale_field], sty.weight, 1.0, 6.0)]
        if sty.class_field and sty.class_field in gdf:
            lookup = dict(sty.class_colours)
            return [{**base, "color": lookup.get(str(v), sty.colour)}
                    for v in gdf[sty.class_field]]
        return [base] * n
    fill = sty.fill is not None and sty.fill_opacity > 0
    return [{"color": sty.colour, "weight": sty.weight, "fill": fill,
             "fillColor": sty.fill or sty.colour, "fillOpacity": sty.fill_opacity,
             "dashArray": sty.dash}] * n


def legend_symbol(kind: str, sty: LayerStyle) -> str:
    """Inline HTML of a layer's legend symbol (same colours, dash and shape as on the map)."""
    border = ("dotted" if sty.dash.startswith("1 ") else "dashed") if sty.dash else "solid"
    if kind == "point":
        return (f"<i class='sym-pt' style='background:{sty.fill or sty.colour};"
                f"border:{max(sty.weight, 1.0):g}px solid "
                f"{sty.colour if sty.colour != '#ffffff' else '#666666'}'></i>")
    if kind == "line":
        colour = sty.class_colours[1][1] if sty.class_colours else sty.colour
        return (f"<i class='sym-ln' style='border-top:{max(sty.weight, 2.0):g}px {border} "
                f"{colour}'></i>")
    fill = sty.fill if sty.fill is not None and sty.fill_opacity > 0 else "transparent"
    return (f"<i class='sym-pg' style='background:{fill};border:"
            f"{max(sty.weight, 1.0):g}px {border} {sty.colour}'></i>")
