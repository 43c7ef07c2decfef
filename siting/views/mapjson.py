"""GeoJSON and HTML text for the site map: projected, simplified, rounded and escaped.

Part of :mod:`siting.views.map` (which re-exports :func:`geojson_4326`): the
serialisation every map layer goes through before it reaches Leaflet.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

__all__ = ["DISPLAY_CRS", "esc", "geojson_4326", "script_json"]

DISPLAY_CRS = "EPSG:4326"


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
    display = gpd.GeoSeries(values, crs=gdf.crs).to_crs(DISPLAY_CRS)
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


def script_json(value: Any) -> str:
    """JSON safe to embed in a <script> block (no ``</`` sequence).

    Examples
    --------
    >>> script_json({"a": "</script>"})
    '{"a":"<\\\\/script>"}'
    """
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).replace("</", "<\\/")


def esc(value: Any) -> str:
    """Escape any value for HTML (None/NaN -> en dash).

    Examples
    --------
    >>> esc("<b>"), esc(None)
    ('&lt;b&gt;', '–')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return html.escape(str(value), quote=True)
