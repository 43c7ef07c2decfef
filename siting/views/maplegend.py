"""The legend of the site and case maps: one static control, rows built and escaped here.

Part of :mod:`siting.views.map`. Each ``*_rows`` function returns the legend
rows (HTML, every text escaped) of one kind of layer; :class:`Legend` draws
them joined by line breaks.
"""

from __future__ import annotations

import json

from branca.element import MacroElement
from folium.template import Template

from siting.core.i18n import t
from siting.views.mapjson import esc
from siting.views.mapstyle import FAIL_COLOUR, OUTCOME_COLOURS, UNKNOWN_COLOUR

__all__ = ["Legend", "candidate_area_rows", "outcome_rows", "overlay_rows", "site_rows"]

_RAMP = "<i style='background:linear-gradient(90deg,#440154,#21918c,#fde725)'></i>"


class Legend(MacroElement):
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


def overlay_rows(title: str, unknown_title: str, has_unknown: bool) -> list[str]:
    """Rows of a raster overlay: its colour ramp, and its unknown cells if it has any."""
    rows = [f"{_RAMP}{esc(title)}"]
    if has_unknown:
        rows.append(f"<i style='background:{UNKNOWN_COLOUR};opacity:0.6'></i>"
                    f"{esc(unknown_title)}")
    return rows


def candidate_area_rows(has_unknown: bool, lang: str) -> list[str]:
    """Rows of the candidate areas: the dashed outline, and the unknown one if drawn."""
    rows = [f"<i style='border:2px dashed #1b5e20'></i>{esc(t('map.candidate_areas', lang))}"]
    if has_unknown:
        rows.append(f"<i style='border:2px dashed {UNKNOWN_COLOUR}'></i>"
                    f"{esc(t('map.candidate_areas', lang))} – "
                    f"{esc(t('verdict.unknown_criteria', lang))}")
    return rows


def site_rows(score_legend: str | None, has_unknown: bool, lang: str) -> list[str]:
    """Rows of the sites: the score ramp, failing sites, and unknown ones if drawn."""
    rows = [f"{_RAMP}{esc(score_legend or t('map.legend.score', lang))}",
            f"<i style='background:{FAIL_COLOUR}'></i>{esc(t('map.legend.fails', lang))}"]
    if has_unknown:
        rows.append(f"<i style='border:3px dashed {UNKNOWN_COLOUR}'></i>"
                    f"{esc(t('verdict.unknown_criteria', lang))}")
    return rows


def outcome_rows(lang: str) -> list[str]:
    """One row per case outcome, in its colour."""
    return [f"<i style='background:{c}'></i>{esc(t(f'outcome.{o}', lang))}"
            for o, c in OUTCOME_COLOURS.items()]
