"""Candidate areas: connected suitable cells of a suitability surface, as ranked polygons.

A candidate area is a group of 8-connected cells that pass every hard
criterion and score at least a threshold (by default the median score of the
suitable cells), covering at least the profile's minimum area. Each becomes a
polygon (EPSG:3006) with its area, mean and maximum score and the municipality
holding most of its cells.

The surface is read in strips of rows (from its arrays, or from the streamed
GeoTIFFs), so memory is bounded by the strip, not the grid: each strip is
labelled on its own, groups that touch across a strip edge are joined
(a union of labels over the seam), and the areas' statistics and polygons are
merged per joined group. The result does not depend on the strip height.

Examples
--------
>>> import numpy as np
>>> from affine import Affine
>>> from siting.surface.run import SurfaceResult
>>> s = np.full((4, 6), np.nan, dtype="float32")
>>> s[0:2, 0:2] = 80; s[3, 3:6] = 60
>>> surf = SurfaceResult(s, Affine(100, 0, 0, 0, -100, 400), 100.0,
...                      np.zeros((4, 6), dtype="int16"), ("9901",), ("A",), {}, {}, (),
...                      3.0, {}, {})
>>> list(candidate_areas(surf, threshold=50)["n_cells"])
[4, 3]
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import rasterio.features
import rasterio.windows
import shapely
from affine import Affine
from scipy import ndimage
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from siting.core.errors import ScoringError
from siting.core.gdal_lock import GDAL_LOCK
from siting.surface.run import GDAL_CACHE_BYTES, NODATA, SurfaceResult
from siting.surface.tiles import score_keys

__all__ = ["STRIP_CELLS", "candidate_areas", "municipality_percentiles", "score_percentile"]

_EIGHT = np.ones((3, 3), dtype=bool)
#: Cells per strip read at a time (memory bound of candidate areas).
STRIP_CELLS = 1 << 24


def _strips(surface: SurfaceResult, strip_rows: int | None, *, unknown: bool = False,
            labels: bool = True
            ) -> Iterator[tuple[int, np.ndarray, np.ndarray | None, np.ndarray | None]]:
    """``(row0, score (NaN: not suitable), municipality index, unknown)`` strip by strip.

    The unknown mask (verdict resting on unknown criteria) is read only when asked, the
    municipality index (a file of its own when streamed) unless ``labels`` is False.
    """
    rows, cols = surface.shape
    h = strip_rows or max(256, (STRIP_CELLS // max(cols, 1)) // 256 * 256)
    if surface.score is not None and surface.municipality is not None:
        for r0 in range(0, rows, h):
            unk = None
            if unknown:
                unk = (surface.unknown[r0:r0 + h] if surface.unknown is not None
                       else np.zeros(surface.score[r0:r0 + h].shape, dtype=bool))
            yield r0, surface.score[r0:r0 + h], surface.municipality[r0:r0 + h], unk
        return
    if surface.path is None or surface.municipality_path is None:
        raise ScoringError.single("surface", "the surface has neither arrays nor files",
                                  hint="compute it with in_memory=True or an out_path")
    with rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_BYTES), rasterio.open(surface.path) as src, \
            rasterio.open(surface.municipality_path) as mun:
        for r0 in range(0, rows, h):
            win = rasterio.windows.Window(0, r0, cols, min(h, rows - r0))
            score = src.read(1, window=win)
            score[score == np.float32(NODATA)] = np.nan
            unk = (src.read(2, window=win) == 1.0) if unknown and src.count >= 2 else \
                (np.zeros(score.shape, dtype=bool) if unknown else None)
            yield r0, score, (mun.read(1, window=win) if labels else None), unk


def score_percentile(surface: SurfaceResult, percentile: float,
                     strip_rows: int | None = None) -> float:
    """The ``percentile`` of the suitable cells' scores (linear interpolation), strip by strip.

    Exact: a histogram of the upper 16 bits of each float32 score finds the
    bins holding the order statistics needed, a second one of their lower 16
    bits finds the values (the first comes with the surface when it was
    computed; else a pass over the strips). 0.0 when no cell is suitable.
    """
    value = float(_zoned_percentiles(surface, percentile, strip_rows, zoned=False)[0])
    return 0.0 if np.isnan(value) else value


def municipality_percentiles(surface: SurfaceResult, percentile: float,
                             strip_rows: int | None = None) -> np.ndarray:
    """The ``percentile`` of each study municipality's suitable cells, as :func:`score_percentile`.

    One value per entry of ``surface.kommunkoder`` (NaN where a municipality has
    no suitable cell); exact, with the same two histogram passes per municipality.
    """
    return _zoned_percentiles(surface, percentile, strip_rows, zoned=True)


def _zoned_cells(surface: SurfaceResult, strip_rows: int | None, zoned: bool
                 ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """``(zone, uint32 key)`` of every suitable cell, strip by strip (one zone unless zoned)."""
    for _, score, muni, _ in _strips(surface, strip_rows, labels=zoned):
        ok = np.isfinite(score)
        if zoned:
            assert muni is not None
            ok &= muni >= 0
            zone = muni[ok].astype(np.int64)
        else:
            zone = np.zeros(int(ok.sum()), dtype=np.int64)
        yield zone, score_keys(score[ok]).astype(np.int64)


def _zoned_percentiles(surface: SurfaceResult, percentile: float, strip_rows: int | None,
                       zoned: bool) -> np.ndarray:
    """Exact percentiles per zone (study municipality, or one zone) by two 16-bit histograms."""
    nz = len(surface.kommunkoder) if zoned else 1
    if not zoned and surface.score_hist16 is not None:
        hist = surface.score_hist16.astype(np.int64).reshape(1, -1)
    else:
        flat = np.zeros(nz << 16, dtype=np.int64)
        for zone, keys in _zoned_cells(surface, strip_rows, zoned):
            flat += np.bincount((zone << 16) | (keys >> 16), minlength=nz << 16)
        hist = flat.reshape(nz, 1 << 16)
    n = hist.sum(axis=1)
    out = np.full(nz, np.nan)
    if not n.any():
        return out
    cum = np.cumsum(hist, axis=1)
    pos = percentile / 100.0 * np.maximum(n - 1, 0)
    lo = np.floor(pos).astype(np.int64)
    ranks = np.column_stack([lo, np.minimum(lo + 1, np.maximum(n - 1, 0))])
    bins = np.stack([[np.searchsorted(cum[z], k, side="right") for k in ranks[z]]
                     for z in range(nz)])
    used = [(z, int(b)) for z in range(nz) if n[z] for b in sorted(set(bins[z]))]
    pair_of = np.full(nz << 16, -1, dtype=np.int64)
    for i, (z, b) in enumerate(used):
        pair_of[(z << 16) | b] = i
    low = np.zeros(len(used) << 16, dtype=np.int64)
    for zone, keys in _zoned_cells(surface, strip_rows, zoned):
        pair = pair_of[(zone << 16) | (keys >> 16)]
        hit = pair >= 0
        low += np.bincount((pair[hit] << 16) | (keys[hit] & 0xFFFF), minlength=len(used) << 16)
    low_cum = np.cumsum(low.reshape(len(used), 1 << 16), axis=1)
    index = {pair: i for i, pair in enumerate(used)}
    for zi in np.flatnonzero(n):
        z = int(zi)
        vals = []
        for k, b in zip(ranks[z], bins[z], strict=True):
            before = int(cum[z, b - 1]) if b > 0 else 0
            lo16 = int(np.searchsorted(low_cum[index[(z, int(b))]], k - before, side="right"))
            vals.append(float(np.array([(int(b) << 16) | lo16], dtype=np.uint32)
                              .view(np.float32)[0]))
        a, b_ = vals
        t = pos[z] - lo[z]
        out[z] = a + (b_ - a) * t if t < 0.5 else b_ - (b_ - a) * (1.0 - t)
    return out


def _label(mask: np.ndarray, zones: np.ndarray | None) -> tuple[np.ndarray, int]:
    """8-connected labels 1..n of ``mask``; with ``zones`` groups never cross a zone border."""
    if zones is None:
        labels, n = ndimage.label(mask, structure=_EIGHT)
        return labels, int(n)
    labels = np.zeros(mask.shape, dtype=np.int32)
    n = 0
    for z, box in enumerate(ndimage.find_objects(np.asarray(zones, dtype=np.int64) + 1)):
        if box is None:
            continue
        sub, k = ndimage.label(mask[box] & (zones[box] == z), structure=_EIGHT)
        hit = sub > 0
        labels[box][hit] = sub[hit] + n
        n += int(k)
    return labels, n


@dataclass
class _Parts:
    """Per strip label (global id): statistics, first cell, polygon pieces; seam edges."""

    n_cells: list[np.ndarray] = field(default_factory=list)
    total: list[np.ndarray] = field(default_factory=list)
    unknown: list[np.ndarray] = field(default_factory=list)
    top: list[np.ndarray] = field(default_factory=list)
    first: list[np.ndarray] = field(default_factory=list)
    muni: list[np.ndarray] = field(default_factory=list)  # (label, muni, count) rows
    edges: list[np.ndarray] = field(default_factory=list)
    pieces: list[tuple[int, shapely.Geometry]] = field(default_factory=list)
    count: int = 0


def _scan(surface: SurfaceResult, threshold: float | np.ndarray, min_cells: int,
          by_municipality: bool, strip_rows: int | None) -> _Parts:
    parts = _Parts()
    prev: tuple[np.ndarray, np.ndarray] | None = None  # last row's global labels and zones
    # no cell resting on an unknown criterion: the unknown band is all 0 and need not be read
    any_unknown = sum(surface.cells_unknown.values()) > 0 or surface.unknown is not None
    for r0, score, muni, unk in _strips(surface, strip_rows, unknown=any_unknown):
        assert muni is not None
        if isinstance(threshold, np.ndarray):  # per study municipality; -1 (outside) never
            cut = np.append(np.nan_to_num(threshold, nan=np.inf), np.inf)[muni]
        else:
            cut = threshold
        with np.errstate(invalid="ignore"):
            mask = np.isfinite(score) & (score >= cut)
        lab, n = _label(mask, muni if by_municipality else None)
        glab = np.where(lab > 0, lab + parts.count, 0)
        if prev is not None:
            parts.edges.append(_seam(prev, glab[0], muni[0], by_municipality))
        prev = (glab[-1], muni[-1])
        if n:
            _collect(parts, lab, n, score, muni, unk, r0, min_cells, surface.transform)
        parts.count += n
    return parts


def _seam(prev: tuple[np.ndarray, np.ndarray], row: np.ndarray, zones: np.ndarray,
          by_municipality: bool) -> np.ndarray:
    """Pairs of labels 8-connected across a strip edge."""
    above, z_above = prev
    out = []
    for dc in (-1, 0, 1):
        a = above[max(0, -dc):len(above) - max(0, dc)]
        b = row[max(0, dc):len(row) - max(0, -dc)]
        hit = (a > 0) & (b > 0)
        if by_municipality:
            za = z_above[max(0, -dc):len(above) - max(0, dc)]
            zb = zones[max(0, dc):len(row) - max(0, -dc)]
            hit &= za == zb
        out.append(np.column_stack([a[hit], b[hit]]))
    return np.concatenate(out)


def _collect(parts: _Parts, lab: np.ndarray, n: int, score: np.ndarray, muni: np.ndarray,
             unknown: np.ndarray | None, r0: int, min_cells: int, transform: Affine) -> None:
    """Statistics and polygon pieces of one strip's labels."""
    sel = lab > 0
    lv = lab[sel]
    vals = score[sel].astype("float64")
    size = np.bincount(lv, minlength=n + 1)[1:]
    parts.n_cells.append(size)
    parts.total.append(np.bincount(lv, weights=vals, minlength=n + 1)[1:])
    unk = np.zeros(lv.shape) if unknown is None else unknown[sel].astype("float64")
    parts.unknown.append(np.bincount(lv, weights=unk, minlength=n + 1)[1:])
    top = np.full(n + 1, -np.inf)
    np.maximum.at(top, lv, vals)
    parts.top.append(top[1:])
    flat = np.flatnonzero(sel)  # raster order
    first_flat = np.full(n + 1, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first_flat, lv, flat)
    cols = lab.shape[1]
    first = np.column_stack([r0 + first_flat[1:] // cols, first_flat[1:] % cols])
    parts.first.append(first)
    parts.muni.append(_muni_counts(lv, muni[sel].astype(np.int64), n, size, parts.count))
    # a label under the minimum size that touches neither strip edge cannot grow: no polygon
    edge = np.zeros(n + 1, dtype=bool)
    edge[lab[0]] = edge[lab[-1]] = True
    wanted = (size >= min_cells) | edge[1:]
    if not wanted.any():
        return
    keep = np.concatenate([[False], wanted])[lab]
    t = transform @ Affine.translation(0, r0)
    with GDAL_LOCK:
        shapes = list(rasterio.features.shapes(lab, mask=keep, transform=t, connectivity=8))
    parts.pieces.extend((int(v) + parts.count, shapely.geometry.shape(g)) for g, v in shapes)


def _muni_counts(lv: np.ndarray, mv: np.ndarray, n: int, size: np.ndarray, offset: int
                 ) -> np.ndarray:
    """(global label, municipality, cells) rows; labels within one municipality take no sort."""
    lo = np.full(n + 1, np.iinfo(np.int64).max)
    hi = np.full(n + 1, -1, dtype=np.int64)
    np.minimum.at(lo, lv, mv)
    np.maximum.at(hi, lv, mv)
    single = np.flatnonzero(lo[1:] == hi[1:]) + 1
    rows = [np.column_stack([single + offset, lo[single], size[single - 1]])]
    mixed = lo != hi
    mixed[0] = False
    if mixed.any():
        pick = mixed[lv]
        pair, cnt = np.unique(lv[pick].astype(np.int64) * 65_536 + (mv[pick] + 1),
                              return_counts=True)
        rows.append(np.column_stack([pair // 65_536 + offset, pair % 65_536 - 1, cnt]))
    return np.concatenate(rows)


def candidate_areas(surface: SurfaceResult, *, min_area_ha: float | None = None,
                    threshold: float | None = None, percentile: float = 50.0,
                    max_areas: int | None = None, by_municipality: bool = False,
                    percentile_per_municipality: bool = False,
                    strip_rows: int | None = None) -> gpd.GeoDataFrame:
    """Candidate areas of a surface, best first.

    Parameters
    ----------
    surface : SurfaceResult
        In memory, or streamed to files (read strip by strip).
    min_area_ha : float, optional
        Minimum contiguous area; default the surface's ``min_area_ha`` (the
        profile's, raised by a site-area criterion).
    threshold : float, optional
        Minimum cell score 0..100; default the ``percentile`` of the suitable cells.
    percentile : float
        Used when ``threshold`` is None.
    max_areas : int, optional
        Keep only the best ones.
    by_municipality : bool
        Split areas at municipal borders (each area then lies in one municipality).
    percentile_per_municipality : bool
        Take the ``percentile`` of each municipality's own suitable cells (implies
        ``by_municipality``), so every study municipality gets its best areas, not
        only the municipalities holding the region's best cells.
    strip_rows : int, optional
        Rows read at a time (default: about :data:`STRIP_CELLS` cells); the
        result does not depend on it.

    Returns
    -------
    GeoDataFrame
        EPSG:3006, one row per area: ``area_id`` (``A001``...), ``rank``,
        ``area_ha``, ``score_mean``, ``score_max``, ``n_cells``, ``kommunkod``,
        ``name``, ``unknown_share`` (share of its cells whose verdict rests on unknown
        hard criteria), ``status`` (``"unknown"`` when that share is above 0, else
        ``"pass"``), geometry. Ranked by mean score, then size, then the position of
        the first cell (row, column). Attributes ``attrs["threshold"]`` (with
        ``percentile_per_municipality`` the lowest municipal threshold, and
        ``attrs["thresholds"]`` per kommunkod) and ``attrs["min_area_ha"]`` record the
        choices.
    """
    if not 0 <= percentile <= 100:
        raise ScoringError.single("percentile", f"must be within 0..100, got {percentile}")
    min_ha = float(surface.min_area_ha if min_area_ha is None else min_area_ha)
    per_muni: np.ndarray | None = None
    if threshold is None and percentile_per_municipality:
        per_muni = municipality_percentiles(surface, percentile, strip_rows)
        by_municipality = True
        threshold = float(np.nanmin(per_muni)) if np.isfinite(per_muni).any() else 0.0
    elif threshold is None:
        threshold = score_percentile(surface, percentile, strip_rows)
    min_cells = max(1, int(np.ceil(min_ha / surface.cell_area_ha - 1e-9)))
    parts = _scan(surface, per_muni if per_muni is not None else float(threshold), min_cells,
                  by_municipality, strip_rows)
    gdf = _merge(parts, surface, min_cells)
    if max_areas is not None:
        gdf = gdf.head(int(max_areas))
    gdf = gdf.reset_index(drop=True)
    gdf.insert(0, "rank", np.arange(1, len(gdf) + 1))
    gdf.insert(0, "area_id", [f"A{i:03d}" for i in range(1, len(gdf) + 1)])
    gdf["kommunkod"] = gdf["kommunkod"].astype("string")
    gdf["name"] = gdf["name"].astype("string")
    gdf["status"] = gdf["status"].astype("string")
    gdf.attrs.update(threshold=float(threshold), min_area_ha=min_ha)
    if per_muni is not None:
        gdf.attrs["thresholds"] = {str(k): float(v) for k, v in
                                   zip(surface.kommunkoder, per_muni, strict=True)
                                   if np.isfinite(v)}
    return gdf


def _merge(parts: _Parts, surface: SurfaceResult, min_cells: int) -> gpd.GeoDataFrame:
    """Join labels connected across strips; statistics and polygons per joined group."""
    cols = ["area_ha", "score_mean", "score_max", "n_cells", "kommunkod", "name",
            "unknown_share", "status"]
    n = parts.count
    if n == 0:
        return gpd.GeoDataFrame({c: [] for c in cols}, geometry=[], crs=surface.crs)
    edges = np.concatenate(parts.edges) if parts.edges else np.zeros((0, 2), dtype=np.int64)
    graph = coo_matrix((np.ones(len(edges)), (edges[:, 0] - 1, edges[:, 1] - 1)), shape=(n, n))
    _, root = connected_components(graph, directed=False)
    n_roots = int(root.max()) + 1
    size = np.bincount(root, weights=np.concatenate(parts.n_cells), minlength=n_roots)
    total = np.bincount(root, weights=np.concatenate(parts.total), minlength=n_roots)
    n_unknown = np.bincount(root, weights=np.concatenate(parts.unknown), minlength=n_roots)
    top = np.full(n_roots, -np.inf)
    np.maximum.at(top, root, np.concatenate(parts.top))
    first = np.concatenate(parts.first)
    order = np.lexsort((first[:, 1], first[:, 0]))
    first_of = np.full((n_roots, 2), -1, dtype=np.int64)
    seen = np.zeros(n_roots, dtype=bool)
    for i in order:  # first cell of each group in raster order
        if not seen[root[i]]:
            seen[root[i]] = True
            first_of[root[i]] = first[i]
    trip = np.concatenate(parts.muni)
    majority = _majority(root[trip[:, 0] - 1], trip[:, 1], trip[:, 2], n_roots)
    kept = np.flatnonzero(size >= min_cells)
    pieces: dict[int, list[shapely.Geometry]] = {}
    for lab, geom in parts.pieces:
        r = int(root[lab - 1])
        if size[r] >= min_cells:
            pieces.setdefault(r, []).append(geom)
    geoms = [shapely.make_valid(shapely.union_all(pieces[int(r)])) for r in kept]  # any strips
    codes = np.asarray(surface.kommunkoder, dtype=object)
    names = np.asarray(surface.names, dtype=object)
    maj = majority[kept]
    frame = pd.DataFrame({
        "area_ha": size[kept] * surface.cell_area_ha, "score_mean": total[kept] / size[kept],
        "score_max": top[kept], "n_cells": size[kept].astype(np.int64),
        "kommunkod": codes[np.maximum(maj, 0)] if codes.size else "",
        "name": names[np.maximum(maj, 0)] if names.size else "",
        "unknown_share": n_unknown[kept] / size[kept],
        "status": np.where(n_unknown[kept] > 0, "unknown", "pass"),
        "_r": first_of[kept, 0], "_c": first_of[kept, 1]})
    gdf = gpd.GeoDataFrame(frame, geometry=geoms, crs=surface.crs)
    gdf = gdf.sort_values(["score_mean", "area_ha", "_r", "_c"],
                          ascending=[False, False, True, True], kind="stable")
    return gdf.drop(columns=["_r", "_c"])


def _majority(group: np.ndarray, muni: np.ndarray, count: np.ndarray, n: int) -> np.ndarray:
    """Per group the municipality holding most cells (ties: the lower index; -1 none)."""
    key = group * 65_536 + (muni + 1)
    uniq, inv = np.unique(key, return_inverse=True)
    summed = np.bincount(inv, weights=count)
    g, m = uniq // 65_536, uniq % 65_536 - 1
    order = np.lexsort((m, -summed, g))
    out = np.full(n, -1, dtype=np.int64)
    g_sorted = g[order]
    firsts = np.ones(order.size, dtype=bool)
    firsts[1:] = g_sorted[1:] != g_sorted[:-1]
    out[g_sorted[firsts]] = m[order][firsts]
    return out
