"""Static files the views ship as package data (Leaflet, with its licence alongside).

Examples
--------
>>> "Leaflet 1.9.3" in leaflet_js()[:200]
True
"""

from __future__ import annotations

from functools import cache
from importlib import resources

__all__ = ["leaflet_css", "leaflet_js"]


@cache
def leaflet_js() -> str:
    """Leaflet 1.9.3's JavaScript (read once)."""
    return resources.files(__package__).joinpath("leaflet.js").read_text(encoding="utf-8")


@cache
def leaflet_css() -> str:
    """Leaflet 1.9.3's stylesheet, images inlined (read once)."""
    return resources.files(__package__).joinpath("leaflet.css").read_text(encoding="utf-8")
