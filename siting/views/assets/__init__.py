"""Static files the views ship as package data (Leaflet 1.9.3 and Leaflet.draw 1.0.4, each with
its licence alongside), so the maps work offline.

Examples
--------
>>> "Leaflet 1.9.3" in leaflet_js()[:200]
True
"""

from __future__ import annotations

import base64
from functools import cache
from importlib import resources

__all__ = ["leaflet_css", "leaflet_draw", "leaflet_js"]


@cache
def leaflet_js() -> str:
    """Leaflet 1.9.3's JavaScript (read once)."""
    return resources.files(__package__).joinpath("leaflet.js").read_text(encoding="utf-8")


@cache
def leaflet_css() -> str:
    """Leaflet 1.9.3's stylesheet, images inlined (read once)."""
    return resources.files(__package__).joinpath("leaflet.css").read_text(encoding="utf-8")


@cache
def leaflet_draw() -> tuple[str, str]:
    """Leaflet.draw 1.0.4's JavaScript and stylesheet, the stylesheet's images inlined (read once)."""
    folder = resources.files(__package__).joinpath("leaflet_draw")
    js = folder.joinpath("leaflet.draw.js").read_text(encoding="utf-8")
    css = folder.joinpath("leaflet.draw.css").read_text(encoding="utf-8")
    for name, mime in (("spritesheet-2x.png", "image/png"), ("spritesheet.png", "image/png"),
                       ("spritesheet.svg", "image/svg+xml")):
        data = base64.b64encode(folder.joinpath("images", name).read_bytes()).decode("ascii")
        css = css.replace(f"url('images/{name}')", f"url('data:{mime};base64,{data}')")
    return js, css
