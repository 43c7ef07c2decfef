"""Charts for the reports (matplotlib Figure objects, PNG bytes, no global state)."""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from siting.core.i18n import format_number
from siting.views.report._texts import tr

__all__ = ["bar_chart_png", "contribution_chart_png", "heatmap_png"]

_BAR = "#2e86c1"
_BACK = "#d6eaf8"


def _png(fig: Figure, dpi: int) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
    return buf.getvalue()


def _wrap(label: str, width: int = 38) -> str:
    if len(label) <= width:
        return label
    cut = label.rfind(" ", 0, width)
    cut = cut if cut > 0 else width
    return label[:cut] + "\n" + _wrap(label[cut:].strip(), width)


def contribution_chart_png(labels: Sequence[str], contributions: Sequence[float],
                           weights: Sequence[float], lang: str = "sv", *, dpi: int = 160,
                           width_in: float = 7.0) -> bytes:
    """Horizontal bars: each criterion's contribution (points) against its maximum.

    The light bar is the most the criterion can give (weight x 100), the dark bar what
    the site gets (weight x value x 100).
    """
    n = len(labels)
    if not (n == len(contributions) == len(weights)):
        raise ValueError("labels, contributions and weights must have the same length")
    fig = Figure(figsize=(width_in, 0.32 * max(n, 1) + 0.8), layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(n)[::-1]
    full = np.asarray(weights, dtype=float) * 100.0
    got = np.asarray(contributions, dtype=float)
    ax.barh(y, full, color=_BACK, height=0.7, label=tr("col_max", lang))
    ax.barh(y, got, color=_BAR, height=0.7, label=tr("col_contribution", lang))
    for yi, g in zip(y, got, strict=True):
        ax.text(g + 0.2, yi, format_number(g, lang, decimals=1), va="center", fontsize=6.5)
    ax.set_yticks(y, [_wrap(lb) for lb in labels], fontsize=6.8)
    ax.set_xlabel(tr("col_contribution", lang), fontsize=7)
    ax.tick_params(axis="x", labelsize=6.5)
    ax.set_xlim(0, max(float(full.max()) if n else 1.0, 1.0) * 1.15)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(fontsize=6.5, frameon=False, loc="lower right")
    return _png(fig, dpi)


def bar_chart_png(labels: Sequence[str], values: Sequence[float], *, xlabel: str = "",
                  lang: str = "sv", xmax: float | None = None, dpi: int = 160,
                  width_in: float = 7.0, colour: str = _BAR) -> bytes:
    """A plain horizontal bar chart with value labels (NaN bars are left empty)."""
    n = len(labels)
    fig = Figure(figsize=(width_in, 0.3 * max(n, 1) + 0.8), layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(n)[::-1]
    vals = np.asarray(values, dtype=float)
    ax.barh(y, np.nan_to_num(vals), color=colour, height=0.65)
    for yi, v in zip(y, vals, strict=True):
        ax.text((0 if np.isnan(v) else v) + 0.5, yi,
                format_number(v, lang, decimals=1), va="center", fontsize=6.5)
    ax.set_yticks(y, [_wrap(lb) for lb in labels], fontsize=7)
    ax.set_xlabel(xlabel, fontsize=7)
    ax.tick_params(axis="x", labelsize=6.5)
    top = xmax if xmax is not None else (np.nanmax(vals) if np.isfinite(vals).any() else 1.0)
    ax.set_xlim(0, max(float(top), 1.0) * 1.12)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return _png(fig, dpi)


def heatmap_png(values: np.ndarray, row_labels: Sequence[str], col_labels: Sequence[str],
                lang: str = "sv", *, dpi: int = 160, width_in: float = 7.2) -> bytes:
    """A 0..1 heat map (rows: municipalities, columns: criteria) with the values printed."""
    x = np.asarray(values, dtype=float)
    if x.shape != (len(row_labels), len(col_labels)):
        raise ValueError(f"values of shape {x.shape} do not match {len(row_labels)} rows "
                         f"and {len(col_labels)} columns")
    fig = Figure(figsize=(width_in, 0.42 * max(len(row_labels), 1) + 2.3),
                 layout="constrained")
    ax = fig.add_subplot()
    im = ax.imshow(x, cmap="YlGn", vmin=0.0, vmax=1.0, aspect="auto")
    ax.set_xticks(np.arange(len(col_labels)), [_wrap(c, 24) for c in col_labels],
                  rotation=45, ha="right", rotation_mode="anchor", fontsize=6.3)
    ax.set_yticks(np.arange(len(row_labels)), list(row_labels), fontsize=7)
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            if np.isfinite(x[i, j]):
                ax.text(j, i, format_number(x[i, j], lang, decimals=2), ha="center",
                        va="center", fontsize=5.8,
                        color="white" if x[i, j] > 0.65 else "#1b2631")
    cbar = fig.colorbar(im, ax=ax, shrink=0.8, pad=0.01)
    cbar.ax.tick_params(labelsize=6)
    return _png(fig, dpi)
