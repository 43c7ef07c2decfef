"""Static maps for the reports (matplotlib, EPSG:3006, no basemap, works offline).

Every map has a scale bar in metres/kilometres and a north arrow. SWEREF 99 TM is a
transverse Mercator projection whose grid north departs from true north by less than
about 2 degrees within Sweden, so the arrow points up.

Figures are built with :class:`matplotlib.figure.Figure` directly (no pyplot, no global
state) and returned as PNG bytes.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrow, Patch, Rectangle

from siting.core.i18n import format_number
from siting.views.report._texts import tr
from siting.views.report.dossier_model import MapData

__all__ = ["add_north_arrow", "add_scale_bar", "nice_scale_length", "overview_map_png",
           "region_map_png", "site_map_png"]

_SITE_RED = "#c0392b"
_MUTED = "#7f8c8d"


def nice_scale_length(width_m: float, fraction: float = 0.22) -> float:
    """A round scale-bar length (1, 2 or 5 x 10^k metres) near ``fraction`` of the width.

    Examples
    --------
    >>> nice_scale_length(12_000)
    2000.0
    >>> nice_scale_length(180_000)
    20000.0
    """
    if not math.isfinite(width_m) or width_m <= 0:
        raise ValueError(f"map width must be a positive number of metres, got {width_m!r}")
    target = width_m * fraction
    exp = math.floor(math.log10(target))
    best = 1.0
    for base in (1.0, 2.0, 5.0, 10.0):
        if base * 10**exp <= target:
            best = base
    return float(best * 10**exp)


def _length_label(length_m: float, lang: str) -> str:
    if length_m >= 1000:
        return f"{format_number(length_m / 1000.0, lang)} km"
    return f"{format_number(length_m, lang)} m"


def add_scale_bar(ax: Axes, extent: Sequence[float], lang: str = "sv") -> float:
    """Draw a two-segment scale bar in the lower left corner; returns its length in metres."""
    minx, miny, maxx, maxy = extent
    length = nice_scale_length(maxx - minx)
    x0 = minx + (maxx - minx) * 0.04
    y0 = miny + (maxy - miny) * 0.05
    h = (maxy - miny) * 0.012
    ax.add_patch(Rectangle((x0 - (maxx - minx) * 0.015, y0 - h * 2.2),
                           length + (maxx - minx) * 0.03, h * 6.2, facecolor="white",
                           edgecolor="none", alpha=0.8, zorder=20))
    ax.add_patch(Rectangle((x0, y0), length / 2, h, facecolor="black", edgecolor="black",
                           linewidth=0.6, zorder=21))
    ax.add_patch(Rectangle((x0 + length / 2, y0), length / 2, h, facecolor="white",
                           edgecolor="black", linewidth=0.6, zorder=21))
    ax.text(x0, y0 + h * 1.6, "0", fontsize=6.5, ha="center", va="bottom", zorder=22)
    ax.text(x0 + length, y0 + h * 1.6, _length_label(length, lang), fontsize=6.5,
            ha="center", va="bottom", zorder=22)
    return length


def add_north_arrow(ax: Axes, extent: Sequence[float]) -> None:
    """Draw a north arrow with an 'N' in the upper right corner."""
    minx, miny, maxx, maxy = extent
    w, h = maxx - minx, maxy - miny
    x = maxx - w * 0.05
    y = maxy - h * 0.2
    ax.add_patch(FancyArrow(x, y, 0, h * 0.1, width=w * 0.008, head_width=w * 0.03,
                            head_length=h * 0.04, length_includes_head=True,
                            color="black", zorder=22))
    ax.text(x, y + h * 0.115, "N", ha="center", va="bottom", fontsize=9, fontweight="bold",
            zorder=22)


def _frame(ax: Axes, extent: Sequence[float]) -> None:
    minx, miny, maxx, maxy = extent
    ax.set_xlim(minx, maxx)
    ax.set_ylim(miny, maxy)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    for spine in ax.spines.values():
        spine.set_linewidth(0.6)
        spine.set_color("#555555")
    ax.set_facecolor("#f7f7f2")


def _crs_note(ax: Axes) -> None:
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.text(0.995, 0.005, "SWEREF 99 TM (EPSG:3006)", transform=ax.transAxes, fontsize=5.5,
            color="#555555", ha="right", va="bottom", zorder=22)


def _png(fig: Figure, dpi: int) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
    return buf.getvalue()


def _num(frame: pd.DataFrame, col: str) -> np.ndarray:
    if col not in frame:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _draw_lines(ax: Axes, layers: Mapping[str, gpd.GeoDataFrame], handles: list, lang: str
                ) -> None:
    if "roads" in layers:
        roads = layers["roads"]
        cls = _num(roads, "road_class")
        major = roads[np.nan_to_num(cls, nan=5) <= 3]
        minor = roads[np.nan_to_num(cls, nan=5) > 3]
        if len(minor):
            minor.plot(ax=ax, color="#bdbdbd", linewidth=0.6, zorder=4)
        if len(major):
            major.plot(ax=ax, color="#e67e22", linewidth=1.4, zorder=5)
            handles.append(Line2D([], [], color="#e67e22", lw=1.4, label=tr("legend_road", lang)))
    if "grid_lines" in layers:
        layers["grid_lines"].plot(ax=ax, color="#8e44ad", linewidth=0.9, linestyle=(0, (4, 2)),
                                  zorder=5)
        handles.append(Line2D([], [], color="#8e44ad", lw=0.9, ls=(0, (4, 2)),
                              label=tr("legend_grid", lang)))
    if "railways" in layers:
        rail = layers["railways"]
        rail.plot(ax=ax, color="#222222", linewidth=2.0, zorder=6)
        rail.plot(ax=ax, color="white", linewidth=0.9, linestyle=(0, (3, 3)), zorder=7)
        handles.append(Line2D([], [], color="#222222", lw=2.0, label=tr("legend_rail", lang)))


def site_map_png(data: MapData, lang: str = "sv", *, dpi: int = 160,
                 size_in: tuple[float, float] = (7.2, 5.8)) -> bytes:
    """The dossier's site map as PNG bytes.

    Draws municipal borders (with names), built-up areas, protected areas and flood zones,
    roads, power lines, railways, the other candidate sites, the site itself, substations
    labelled with voltage and available capacity, ports, rail terminals, a legend, a
    scale bar and a north arrow.
    """
    fig = Figure(figsize=size_in, layout="constrained")
    ax = fig.add_subplot()
    ext = data.extent
    _frame(ax, ext)
    lyr = data.layers
    handles: list = []
    if "built_up_areas" in lyr:
        lyr["built_up_areas"].plot(ax=ax, color="#ecd9c6", edgecolor="#c8a989", linewidth=0.4,
                                 zorder=1)
        handles.append(Patch(facecolor="#ecd9c6", edgecolor="#c8a989",
                             label=tr("legend_built", lang)))
    if "protected_areas" in lyr:
        lyr["protected_areas"].plot(ax=ax, facecolor="#a9dfbf", edgecolor="#1e8449",
                                  hatch="///", linewidth=0.6, alpha=0.7, zorder=2)
        handles.append(Patch(facecolor="#a9dfbf", edgecolor="#1e8449", hatch="///",
                             label=tr("legend_protected", lang)))
    if "flood_zones" in lyr:
        lyr["flood_zones"].plot(ax=ax, color="#aed6f1", edgecolor="#2e86c1", linewidth=0.4,
                              alpha=0.8, zorder=2)
        handles.append(Patch(facecolor="#aed6f1", edgecolor="#2e86c1",
                             label=tr("legend_flood", lang)))
    if "municipalities" in lyr:
        muni = lyr["municipalities"]
        muni.boundary.plot(ax=ax, color="#555555", linewidth=1.0, linestyle=(0, (6, 2, 1, 2)),
                           zorder=3)
        handles.append(Line2D([], [], color="#555555", lw=1.0, ls=(0, (6, 2, 1, 2)),
                              label=tr("legend_border", lang)))
        _label_municipalities(ax, muni, ext,
                              data.site.geometry.iloc[0].representative_point())
    _draw_lines(ax, lyr, handles, lang)
    if len(data.other_sites):
        data.other_sites.plot(ax=ax, facecolor="none", edgecolor=_MUTED, linewidth=0.8,
                              zorder=8)
        handles.append(Patch(facecolor="none", edgecolor=_MUTED,
                             label=tr("legend_other_sites", lang)))
    if data.site.geometry.iloc[0].area > 0:
        data.site.plot(ax=ax, facecolor=_SITE_RED, edgecolor=_SITE_RED, alpha=0.35, zorder=9)
        data.site.plot(ax=ax, facecolor="none", edgecolor=_SITE_RED, linewidth=2.2, zorder=10)
    else:  # a point site (e.g. a municipality's representative point)
        p0 = data.site.geometry.iloc[0].representative_point()
        ax.scatter([p0.x], [p0.y], s=90, c=_SITE_RED, edgecolors="white", linewidths=1.0,
                   zorder=10)
    handles.insert(0, Patch(facecolor="#e6a29a", edgecolor=_SITE_RED, linewidth=1.8,
                            label=tr("legend_site", lang)))
    c = data.site.geometry.iloc[0].representative_point()
    sid = str(data.site["site_id"].iloc[0]) if "site_id" in data.site else ""
    offset = 0.0 if data.site.geometry.iloc[0].area > 0 else (ext[3] - ext[1]) * 0.035
    ax.annotate(sid, (c.x, c.y + offset), fontsize=8, fontweight="bold", color=_SITE_RED,
                ha="center", va="center", zorder=11,
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": _SITE_RED, "lw": 0.6})
    _points(ax, lyr, handles, lang, ext)
    add_scale_bar(ax, ext, lang)
    add_north_arrow(ax, ext)
    _crs_note(ax)
    fig.legend(handles=handles, loc="outside lower center", ncols=4, fontsize=7,
               frameon=False)
    return _png(fig, dpi)


def _label_municipalities(ax: Axes, muni: gpd.GeoDataFrame, ext: Sequence[float],
                          avoid: Any) -> None:
    import shapely

    box = shapely.box(*ext)
    near_m = (ext[2] - ext[0]) * 0.12
    for _, row in muni.iterrows():
        part = row.geometry.intersection(box)
        if part.is_empty or part.area < box.area * 0.04:
            continue
        p = part.representative_point()
        if p.distance(avoid) < near_m:  # keep the site's own label readable
            continue
        ax.text(p.x, p.y, str(row.get("name", row.get("kommunkod", ""))).upper(),
                fontsize=8, color="#888888", ha="center", va="center", alpha=0.8,
                fontweight="bold", zorder=3)


def _points(ax: Axes, lyr: Mapping[str, gpd.GeoDataFrame], handles: list, lang: str,
            ext: Sequence[float]) -> None:
    minx, miny, maxx, maxy = ext
    dx = (maxx - minx) * 0.012
    if "substations" in lyr:
        subs = lyr["substations"]
        kv = _num(subs, "voltage_kv")
        mw = _num(subs, "available_capacity_mw")
        sizes = np.where(kv >= 380, 70, np.where(kv >= 200, 45, 28))
        ax.scatter(subs.geometry.x, subs.geometry.y, s=sizes, marker="^", c="#8e44ad",
                   edgecolors="white", linewidths=0.7, zorder=12)
        for i, geom in enumerate(subs.geometry):
            parts = []
            if math.isfinite(kv[i]):
                parts.append(f"{format_number(kv[i], lang, decimals=0)} kV")
            if math.isfinite(mw[i]):
                parts.append(f"{format_number(mw[i], lang, decimals=0)} MW")
            name = str(subs.iloc[i].get("name", "") or "")
            ax.text(geom.x + dx, geom.y, f"{name}\n{' · '.join(parts)}", fontsize=6.3,
                    color="#4a235a", va="center", zorder=13,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none",
                          "alpha": 0.75})
        handles.append(Line2D([], [], marker="^", color="#8e44ad", ls="none", markersize=7,
                              label=tr("legend_substation", lang)))
    for key, marker, colour, legend in (("ports", "D", "#1f618d", "legend_port"),
                                        ("rail_terminals", "s", "#222222", "legend_terminal")):
        if key not in lyr:
            continue
        layer = lyr[key]
        ax.scatter(layer.geometry.x, layer.geometry.y, s=40, marker=marker, c=colour,
                   edgecolors="white", linewidths=0.7, zorder=12)
        for geom, name in zip(layer.geometry, layer.get("name", [""] * len(layer)),
                              strict=True):
            if isinstance(name, str) and name:
                ax.text(geom.x + dx, geom.y - dx, name, fontsize=6.3, color=colour,
                        va="top", zorder=13,
                        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none",
                              "alpha": 0.75})
        handles.append(Line2D([], [], marker=marker, color=colour, ls="none", markersize=6,
                              label=tr(legend, lang)))


def region_map_png(municipalities: gpd.GeoDataFrame, best_score: Mapping[str, float],
                   sites: gpd.GeoDataFrame | None, passes: pd.Series | None,
                   lang: str = "sv", *, dpi: int = 160,
                   size_in: tuple[float, float] = (7.2, 5.6), labels: bool = True) -> bytes:
    """The comparison map: municipalities shaded by best score, sites pass/fail, names.

    Municipalities without a score are grey and named in the legend as having no
    passing site or area: never drawn as a score of 0.

    Parameters
    ----------
    municipalities : GeoDataFrame
        The compared municipalities (``kommunkod``, ``name``), EPSG:3006.
    best_score : mapping
        kommunkod -> best score 0..100 (NaN/absent: no passing site, drawn grey).
    sites : GeoDataFrame, optional
        Candidate sites (drawn as points at their representative point).
    passes : Series, optional
        Pass flag per site, indexed like ``sites``.
    labels : bool
        Write each municipality's name and best score (off for large sets).
    """
    from matplotlib import colormaps
    from matplotlib.colors import Normalize, to_hex
    from matplotlib.patches import Patch

    fig = Figure(figsize=size_in, layout="constrained")
    ax = fig.add_subplot()
    minx, miny, maxx, maxy = municipalities.total_bounds
    pad = max(maxx - minx, maxy - miny) * 0.04
    ext = (minx - pad, miny - pad, maxx + pad, maxy + pad)
    _frame(ax, ext)
    cmap = colormaps["YlGn"]
    norm = Normalize(0, 100)
    codes = municipalities["kommunkod"].astype(str)
    colours = [to_hex(cmap(norm(best_score[c]))) if c in best_score and math.isfinite(best_score[c])
               else "#e0e0e0" for c in codes]
    municipalities.plot(ax=ax, color=colours, edgecolor="#444444", linewidth=0.8, zorder=1)
    handles: list = []
    if sites is not None and len(sites):
        pts = sites.geometry.representative_point()
        ok = (passes.reindex(sites.index).fillna(False).astype(bool).to_numpy()
              if passes is not None else np.ones(len(sites), bool))
        ax.scatter(pts.x[~ok], pts.y[~ok], s=12, c="#9e9e9e", edgecolors="white",
                   linewidths=0.4, zorder=3)
        ax.scatter(pts.x[ok], pts.y[ok], s=22, c="#1e8449", edgecolors="white",
                   linewidths=0.5, zorder=4)
        handles += [Line2D([], [], marker="o", color="#1e8449", ls="none", markersize=5,
                           label=tr("legend_pass", lang)),
                    Line2D([], [], marker="o", color="#9e9e9e", ls="none", markersize=4,
                           label=tr("legend_fail", lang))]
    if any(c not in best_score or not math.isfinite(best_score[c]) for c in codes):
        handles.append(Patch(facecolor="#e0e0e0", edgecolor="#444444",
                             label=tr("legend_no_result", lang)))
    for _, row in municipalities.iterrows() if labels else ():
        p = row.geometry.representative_point()
        code = str(row["kommunkod"])
        score = best_score.get(code, float("nan"))
        sub = format_number(score, lang, decimals=0) if math.isfinite(score) else "–"
        ax.text(p.x, p.y, f"{row.get('name', code)}\n{sub}", ha="center", va="center",
                fontsize=8, fontweight="bold", color="#1b2631", zorder=5,
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.7})
    sm = __import__("matplotlib.cm", fromlist=["ScalarMappable"]).ScalarMappable(norm=norm,
                                                                               cmap=cmap)
    cbar = fig.colorbar(sm, ax=ax, shrink=0.6, pad=0.01)
    cbar.set_label(tr("col_best", lang), fontsize=7)
    cbar.ax.tick_params(labelsize=6)
    add_scale_bar(ax, ext, lang)
    add_north_arrow(ax, ext)
    _crs_note(ax)
    if handles:
        fig.legend(handles=handles, loc="outside lower center", ncols=2, fontsize=7,
                   frameon=False)
    return _png(fig, dpi)


def overview_map_png(data: MapData, lang: str = "sv", *, dpi: int = 160,
                     size_in: tuple[float, float] = (3.0, 3.0)) -> bytes | None:
    """A small locator map: the municipalities (study area shaded), the site, the map frame.

    Returns None when the map data has no municipalities.
    """
    muni = data.overview
    if muni is None or len(muni) == 0:
        return None
    fig = Figure(figsize=size_in, layout="constrained")
    ax = fig.add_subplot()
    minx, miny, maxx, maxy = muni.total_bounds
    pad = max(maxx - minx, maxy - miny) * 0.03
    ext = (minx - pad, miny - pad, maxx + pad, maxy + pad)
    _frame(ax, ext)
    ax.set_facecolor("white")
    study = muni["kommunkod"].astype(str).isin(set(data.study_codes)).to_numpy()
    if study.any():
        muni[study].plot(ax=ax, color="#dfe8f1", edgecolor="#5d6d7e", linewidth=0.6)
    if (~study).any():
        muni[~study].plot(ax=ax, color="#f4f4f4", edgecolor="#aab7b8", linewidth=0.5)
    for _, row in muni.iterrows():
        p = row.geometry.representative_point()
        ax.text(p.x, p.y, str(row.get("name", row["kommunkod"])), fontsize=6,
                color="#34495e", ha="center", va="center")
    x0, y0, x1, y1 = data.extent
    ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, facecolor="none",
                           edgecolor=_SITE_RED, linewidth=1.0, zorder=5))
    c = data.site.geometry.iloc[0].representative_point()
    ax.scatter([c.x], [c.y], s=28, c=_SITE_RED, edgecolors="white", linewidths=0.6, zorder=6)
    add_scale_bar(ax, ext, lang)
    add_north_arrow(ax, ext)
    ax.set_xlabel("")
    ax.set_ylabel("")
    return _png(fig, dpi)
