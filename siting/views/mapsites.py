"""The site layers of the site map: candidate sites (popups, colours) and candidate areas.

Part of :mod:`siting.views.map` (which re-exports :class:`SiteStyle`). These
are the layers rebuilt when weights change; each is serialised here to GeoJSON
with its style, popup and tooltip as feature properties, every text escaped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import folium as ofl
import geopandas as gpd
import numpy as np
import pandas as pd

from siting.core.i18n import format_number, t
from siting.views.mapelements import FEATURE_JS, RawGeoJson
from siting.views.mapjson import esc, geojson_4326, script_json
from siting.views.mapstyle import FAIL_COLOUR, UNKNOWN_COLOUR, score_colour

__all__ = ["SiteStyle", "add_candidate_areas", "add_sites"]


@dataclass(frozen=True)
class SiteStyle:
    """Drawing options for candidate sites."""

    marker_threshold: int = 300
    simplify_m: float = 10.0
    fields: tuple[str, ...] = field(default_factory=tuple)


def _label(row: pd.Series) -> str:
    """A site's name, else its id."""
    name = row.get("name")
    return name.strip() if isinstance(name, str) and name.strip() else str(row.get("site_id", ""))


def _site_popup(row: pd.Series, lang: str) -> str:
    """Popup HTML of one site: every value escaped, structure ours."""
    site_id = str(row.get("site_id", ""))
    title = f"<b>{esc(_label(row))}</b>"
    if _label(row) != site_id:  # the id is a secondary detail
        title += f" <span style='color:#757575'>({esc(site_id)})</span>"
    lines = [f"<div class='siting-popup'>{title}"]
    passes = bool(row.get("passes", True))
    state = row.get("status")
    if state in ("pass", "fail", "unknown"):  # the verdict's own word, as on every page
        status = f"{t('verdict.status', lang)}: {t(f'verdict.{state}', lang)}"
    else:
        status = t("map.popup.pass" if passes else "map.popup.fail", lang)
    lines.append(f"<br>{esc(status)}")
    score = row.get("score")
    if score is not None and isinstance(score, (int, float, np.floating)) and math.isfinite(score):
        lines.append(f"<br>{esc(t('map.popup.score', lang))}: "
                     f"{esc(format_number(float(score), lang, decimals=1))}")
    rank = row.get("rank")
    if passes and rank is not None and not pd.isna(rank):
        lines.append(f"<br>{esc(t('map.popup.rank', lang))}: {esc(int(rank))}")
    area = row.get("area_ha")
    if area is not None and not pd.isna(area):
        lines.append(f"<br>{esc(t('map.popup.area', lang))}: "
                     f"{esc(format_number(float(area), lang, decimals=1))} ha")
    reasons = row.get("reasons") or ()
    if isinstance(reasons, str):
        reasons = [r for r in reasons.split("\n") if r]
    if reasons:
        lines.append(f"<br><i>{esc(t('map.popup.reasons', lang))}:</i><ul style='margin:0;"
                     "padding-left:1.1em'>")
        lines.extend(f"<li>{esc(r)}</li>" for r in reasons)
        lines.append("</ul>")
    note = row.get("note")
    if isinstance(note, str) and note:
        lines.append(f"<br><i>{esc(t('map.popup.note', lang))}:</i> {esc(note)}")
    lines.append("</div>")
    return "".join(lines)


def _site_styles(scores: np.ndarray, passes: np.ndarray, unknown: np.ndarray
                 ) -> list[dict[str, Any]]:
    """Leaflet path style of each site: score colour if it passes, grey if it fails."""
    styles: list[dict[str, Any]] = []
    for sc, ok, unk in zip(scores, passes, unknown, strict=True):
        colour = score_colour(sc) if ok else FAIL_COLOUR
        sty: dict[str, Any] = {"color": "#263238" if ok else "#616161",
                               "weight": 1.5 if ok else 1, "fill": True, "fillColor": colour,
                               "fillOpacity": 0.95 if ok else 0.7, "radius": 8 if ok else 5}
        if ok and unk:  # unknown: scored like a pass, outlined so it is never read as one
            sty.update(color=UNKNOWN_COLOUR, weight=3, dashArray="3 2")
        styles.append(sty)
    return styles


def _ordered(gj: dict[str, Any], order: np.ndarray) -> dict[str, Any]:
    """``gj`` with its features in ``order`` (indices of features that exist)."""
    gj["features"] = [gj["features"][i] for i in order if i < len(gj["features"])]
    return gj


def add_sites(fmap: ofl.Map, sites: gpd.GeoDataFrame, lang: str, style: SiteStyle) -> None:
    """Draw the candidate sites: outlines at true size (unless markers only) and a marker each."""
    n = len(sites)
    colour_col = "colour_value" if "colour_value" in sites else "score"
    scores = sites[colour_col].to_numpy(dtype=float) if colour_col in sites \
        else np.full(n, np.nan)
    passes = sites["passes"].to_numpy(dtype=bool) if "passes" in sites else np.ones(n, bool)
    unknown = (sites["status"].astype(str).to_numpy() == "unknown") if "status" in sites \
        else np.zeros(n, dtype=bool)
    as_markers = n > style.marker_threshold or set(sites.geom_type.unique()) <= {"Point"}
    styles = _site_styles(scores, passes, unknown)
    popups = [_site_popup(row, lang) for _, row in sites.iterrows()]
    ids = sites["site_id"].astype(str).tolist() if "site_id" in sites else [""] * n
    tips = [esc(_label(row)) for _, row in sites.iterrows()]
    props: dict[str, Sequence[Any]] = {"site_id": [esc(i) for i in ids], "_style": styles,
                                       "_popup": popups, "_tip": tips}
    # draw failing sites first so passing ones sit on top
    order = np.argsort(passes, kind="stable")
    grp = ofl.FeatureGroup(name=t("map.sites", lang))
    shaped = ~sites.geom_type.isin(["Point", "MultiPoint"]).to_numpy()
    if not as_markers and shaped.any():  # outlines at true size, visible when zoomed in
        outline = [{**sty, "radius": None, "fillOpacity": 0.35} for sty in styles]
        keep = [int(i) for i in np.flatnonzero(shaped)]  # a point site: its marker only
        gj = geojson_4326(sites.iloc[keep], simplify_m=style.simplify_m,
                          properties={k: [v[i] for i in keep] for k, v in
                                      {**props, "_style": outline}.items()})
        RawGeoJson(script_json(_ordered(gj, np.argsort(passes[keep], kind="stable")))
                   ).add_to(grp)
    # a marker per site so every site is visible at region scale
    points = sites.set_geometry(sites.geometry.representative_point())
    gj = geojson_4326(points, simplify_m=0.0, properties=props)
    RawGeoJson(script_json(_ordered(gj, order)), radius=6.0).add_to(grp)
    grp.add_to(fmap)


def add_candidate_areas(fmap: ofl.Map, candidate_areas: gpd.GeoDataFrame, lang: str
                        ) -> bool:
    """Draw candidate-area outlines (dashed; orange where unknown); True if any is unknown."""
    unknown = (candidate_areas["status"].astype(str).to_numpy() == "unknown"
               if "status" in candidate_areas else np.zeros(len(candidate_areas), bool))
    props = {"_style": [{"color": UNKNOWN_COLOUR if unk else "#1b5e20", "weight": 2,
                         "fill": False, "dashArray": "5 3"} for unk in unknown]}
    gj = geojson_4326(candidate_areas, simplify_m=25.0, properties=props)
    grp = ofl.FeatureGroup(name=t("map.candidate_areas", lang))
    ofl.GeoJson(gj, on_each_feature=FEATURE_JS).add_to(grp)
    grp.add_to(fmap)
    return bool(unknown.any())
