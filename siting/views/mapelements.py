"""The folium/branca elements of the site map: an offline map, raw text and raw GeoJSON.

Part of :mod:`siting.views.map`. The map embeds only Leaflet, inline; layers
arrive as GeoJSON already serialised (see :mod:`siting.views.mapjson`) and are
written into the page as is rather than through Jinja.
"""

from __future__ import annotations

from typing import Any

import folium as ofl
from branca.element import Element, Figure, MacroElement

from siting.views.assets import leaflet_css, leaflet_js
from siting.views.mapstyle import BACKGROUND_COLOUR

__all__ = ["CSS", "FEATURE_JS", "OfflineMap", "RawGeoJson", "RawText", "new_map", "root_figure"]

FEATURE_JS = ofl.JsCode("""
function(feature, layer) {
    var p = feature.properties || {};
    if (p._style && layer.setStyle) { layer.setStyle(p._style); }
    if (p._popup) { layer.bindPopup(p._popup, {maxWidth: 380}); }
    if (p._tip) { layer.bindTooltip(p._tip, {sticky: true}); }
}
""")

_FEATURE_FN = """function(feature, layer) {
    var p = feature.properties || {};
    if (p._style && layer.setStyle) { layer.setStyle(p._style); }
    if (p._popup) { layer.bindPopup(p._popup, {maxWidth: 380}); }
    if (p._tip) { layer.bindTooltip(p._tip, {sticky: true}); }
}"""

CSS = f"""
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


def root_figure(element: Element) -> Figure:
    """The figure at the root of an element's tree (a folium map always has one)."""
    root = element.get_root()
    if not isinstance(root, Figure):
        raise TypeError(f"{element.get_name()} is not in a Figure")
    return root


class RawText(Element):
    """Text inserted as is (branca would compile every Element's text as a Jinja template)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._text = text

    def render(self, **_kwargs: Any) -> str:
        return self._text


class OfflineMap(ofl.Map):
    """A folium map that embeds only Leaflet (JS and CSS, shipped as package data) inline.

    Leaflet is inserted as raw text: as a template, its 150 kB would be
    lexed by Jinja on every render.
    """

    default_js: list[tuple[str, str]] = []
    default_css: list[tuple[str, str]] = []

    # MacroElement.render (unannotated) returns None; only Element.render declares -> str.
    def render(self, **kwargs: Any) -> None:  # type: ignore[override]
        header = root_figure(self).header
        header.add_child(RawText(f"<script>{leaflet_js()}</script>"), name="leaflet")
        header.add_child(RawText(f"<style>{leaflet_css()}</style>"), name="leaflet_css")
        super().render(**kwargs)


class RawGeoJson(MacroElement):
    """Pre-serialised GeoJSON (and text labels) added to its parent group."""

    def __init__(self, data_json: str, radius: float | None = None, labels: str = "[]"
                 ) -> None:
        super().__init__()
        self._name = "SitingGeoJson"
        self.data = data_json
        self.radius = radius
        self.labels = labels

    # Like MacroElement.render, this adds to the figure and returns None (see OfflineMap).
    def render(self, **_kwargs: Any) -> None:  # type: ignore[override]
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
        root_figure(self).script.add_child(RawText("\n".join(js)), name=self.get_name())


def new_map(bounds: tuple[float, float, float, float], *, zoom_start: int, height_px: int
            ) -> OfflineMap:
    """An offline map centred on ``bounds`` (minx, miny, maxx, maxy in degrees), styled."""
    minx, miny, maxx, maxy = bounds
    fmap = OfflineMap(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=zoom_start,
                      tiles=None, height=f"{height_px}px", control_scale=True)
    root_figure(fmap).header.add_child(Element(CSS), name="siting_css")
    return fmap
