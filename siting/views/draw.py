"""The page for drawing a site on a map, offline: Leaflet and Leaflet.draw inline.

Leaflet.draw 1.0.4 ships as package data in ``siting/views/assets/leaflet_draw/``
(MIT, licence alongside); Leaflet itself is the one the site map embeds
(:mod:`siting.views.assets`). Pure: builds HTML text, never imports streamlit; the app
adds the bridge that sends the drawn geometry back (``script``).

Examples
--------
>>> page = draw_page_html("sv")
>>> from siting.views.map import external_urls
>>> "L.Control.Draw" in page, external_urls(page)
(True, [])
"""

from __future__ import annotations

import json

from siting.core.i18n import t
from siting.views.assets import leaflet_css, leaflet_draw, leaflet_js
from siting.views.mapstyle import BACKGROUND_COLOUR

__all__ = ["draw_page_html"]


def draw_page_html(lang: str = "sv", *, height_px: int = 520, script: str = "") -> str:
    """A self-contained page for drawing one site (point, polygon or rectangle), offline.

    Leaflet and Leaflet.draw are embedded inline. The page defines
    ``window.sitingDraw`` with ``setData(contextGeoJSON, sitesGeoJSON)`` (study-area
    outlines and existing sites, EPSG:4326; the view fits them the first time) and an
    ``onDrawn(geometry)`` hook called with the GeoJSON geometry of each drawn shape;
    ``script`` (e.g. the app's bridge) is appended after it.
    """
    draw_js, draw_css = leaflet_draw()
    hint = json.dumps(t("ws.draw_hint", lang))
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<script>{leaflet_js()}</script>
<style>{leaflet_css()}</style>
<script>{draw_js}</script><style>{draw_css}</style>
<style>html, body {{ margin: 0; }} #map {{ height: {int(height_px)}px; }}
.leaflet-container {{ background: {BACKGROUND_COLOUR}; font: 13px/1.4 system-ui, sans-serif; }}
.siting-pin {{ color: #c0392b; font-size: 22px; line-height: 22px; text-align: center; }}
</style></head><body><div id="map"></div><script>
var map = L.map("map", {{zoomControl: true}}).setView([62.5, 16.5], 5);
var context = L.geoJSON(null, {{style: {{color: "#555", weight: 1, fill: false}}}}).addTo(map);
var sites = L.geoJSON(null, {{style: {{color: "#1f5f8b", weight: 2}},
  pointToLayer: function (f, ll) {{ return L.circleMarker(ll, {{radius: 6}}); }},
  onEachFeature: function (f, lyr) {{ if (f.properties && f.properties.name)
    lyr.bindTooltip(String(f.properties.name)); }}}}).addTo(map);
var drawn = new L.FeatureGroup().addTo(map);
var pin = L.divIcon({{className: "siting-pin", html: "&#9679;", iconSize: [22, 22]}});
map.addControl(new L.Control.Draw({{
  edit: {{featureGroup: drawn, edit: false, remove: false}},
  draw: {{polyline: false, circle: false, circlemarker: false, rectangle: {{}},
          polygon: {{allowIntersection: false, showArea: true}}, marker: {{icon: pin}}}}}}));
var fitted = false;
function fit() {{  // only once the page is visible (a hidden tab has no size)
  var el = document.getElementById("map");
  if (fitted || !el.clientWidth || !el.clientHeight || !context.getLayers().length) return;
  map.invalidateSize(); map.fitBounds(context.getBounds()); fitted = true;
}}
new ResizeObserver(function () {{ map.invalidateSize(); fit(); }}).observe(
  document.getElementById("map"));
window.sitingDraw = {{
  onDrawn: null,
  setData: function (ctx, st) {{
    context.clearLayers(); sites.clearLayers();
    if (ctx) context.addData(ctx);
    if (st) sites.addData(st);
    fit();
  }}
}};
map.on(L.Draw.Event.CREATED, function (e) {{
  drawn.clearLayers(); drawn.addLayer(e.layer);
  if (window.sitingDraw.onDrawn) window.sitingDraw.onDrawn(e.layer.toGeoJSON().geometry);
}});
L.control.attribution({{prefix: false}}).addAttribution({hint}).addTo(map);
</script><script>{script}</script></body></html>"""
