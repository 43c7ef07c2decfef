"""Candidate areas: connected suitable cells of a suitability surface, as ranked polygons.

A candidate area is a group of 8-connected cells that pass every hard
criterion and score at least a threshold (by default the median score of the
suitable cells), covering at least the profile's minimum area. Each becomes a
polygon (EPSG:3006) with its area, mean and maximum score and the municipality
holding most of its cells.

Examples
--------
>>> import numpy as np
>>> s = np.full((4, 6), np.nan, dtype="float32")
>>> s[0:2, 0:2] = 80; s[3, 3:6] = 60
>>> split_components(s, threshold=50, min_cells=3)[1]
2
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio.features
import shapely
from affine import Affine
from scipy import ndimage

from siting.core.errors import ScoringError
from siting.core.gdal_lock import GDAL_LOCK
from siting.surface.run import SurfaceResult

__all__ = ["candidate_areas", "split_components"]

_EIGHT = np.ones((3, 3), dtype=bool)


def split_components(score: np.ndarray, *, threshold: float, min_cells: int,
                     zones: np.ndarray | None = None) -> tuple[np.ndarray, int]:
    """Label 8-connected cells with ``score >= threshold``; drop groups under ``min_cells``.

    With ``zones`` (an integer zone per cell, -1 for none), cells of different
    zones are never connected: groups stop at municipal borders.

    Returns
    -------
    (ndarray of int32, int)
        Labels 1..n (0: not part of a kept group) and n.
    """
    with np.errstate(invalid="ignore"):
        mask = np.isfinite(score) & (score >= threshold)
    if zones is None:
        labels, n = ndimage.label(mask, structure=_EIGHT)
    else:
        labels = np.zeros(score.shape, dtype=np.int32)
        n = 0
        for z, box in enumerate(ndimage.find_objects(np.asarray(zones, dtype=np.int64) + 1)):
            if box is None:
                continue
            sub, k = ndimage.label(mask[box] & (zones[box] == z), structure=_EIGHT)
            hit = sub > 0
            labels[box][hit] = sub[hit] + n
            n += int(k)
    if n == 0:
        return labels.astype(np.int32), 0
    sizes = np.bincount(labels.ravel(), minlength=n + 1)
    keep = sizes >= max(1, int(min_cells))
    keep[0] = False
    new_id = np.zeros(n + 1, dtype=np.int32)
    new_id[keep] = np.arange(1, int(keep.sum()) + 1, dtype=np.int32)
    return new_id[labels], int(keep.sum())


def candidate_areas(surface: SurfaceResult, *, min_area_ha: float | None = None,
                    threshold: float | None = None, percentile: float = 50.0,
                    max_areas: int | None = None, by_municipality: bool = False
                    ) -> gpd.GeoDataFrame:
    """Candidate areas of a surface, best first.

    Parameters
    ----------
    surface : SurfaceResult
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

    Returns
    -------
    GeoDataFrame
        EPSG:3006, one row per area: ``area_id`` (``A001``...), ``rank``,
        ``area_ha``, ``score_mean``, ``score_max``, ``n_cells``, ``kommunkod``,
        ``name``, ``unknown_share`` (share of its cells whose verdict rests on unknown
        hard criteria), ``status`` (``"unknown"`` when that share is above 0, else
        ``"pass"``), geometry. Ranked by mean score, then size. Attributes
        ``attrs["threshold"]`` and ``attrs["min_area_ha"]`` record the choices.
    """
    if not 0 <= percentile <= 100:
        raise ScoringError.single("percentile", f"must be within 0..100, got {percentile}")
    score = surface.score
    suitable = np.isfinite(score)
    min_ha = float(surface.min_area_ha if min_area_ha is None else min_area_ha)
    if threshold is None:
        threshold = float(np.percentile(score[suitable], percentile)) if suitable.any() else 0.0
    min_cells = max(1, int(np.ceil(min_ha / surface.cell_area_ha - 1e-9)))
    labels, n = split_components(score, threshold=float(threshold), min_cells=min_cells,
                                 zones=surface.municipality if by_municipality else None)
    cols = ["area_id", "rank", "area_ha", "score_mean", "score_max", "n_cells", "kommunkod",
            "name", "unknown_share", "status"]
    if n == 0:
        out = gpd.GeoDataFrame({c: [] for c in cols}, geometry=[], crs=surface.crs)
        out.attrs.update(threshold=float(threshold), min_area_ha=min_ha)
        return out
    flat = labels.ravel()
    sel = flat > 0
    lab = flat[sel]
    vals = score.ravel()[sel].astype("float64")
    n_cells = np.bincount(lab, minlength=n + 1)[1:]
    mean = np.bincount(lab, weights=vals, minlength=n + 1)[1:] / n_cells
    mx = np.full(n + 1, -np.inf)
    np.maximum.at(mx, lab, vals)
    muni = surface.municipality.ravel()[sel].astype(np.int64)
    n_muni = max(1, len(surface.kommunkoder))
    pair = np.bincount(lab * (n_muni + 1) + (muni + 1), minlength=(n + 1) * (n_muni + 1))
    majority = pair.reshape(n + 1, n_muni + 1)[1:, 1:].argmax(axis=1)
    geoms = _polygons(labels, n, surface.transform)
    codes = np.asarray(surface.kommunkoder, dtype=object)
    names = np.asarray(surface.names, dtype=object)
    unk = (surface.unknown.ravel()[sel].astype("float64") if surface.unknown is not None
           else np.zeros(lab.shape))
    unknown_share = np.bincount(lab, weights=unk, minlength=n + 1)[1:] / n_cells
    frame = pd.DataFrame({
        "area_ha": n_cells * surface.cell_area_ha, "score_mean": mean, "score_max": mx[1:],
        "n_cells": n_cells, "kommunkod": codes[majority] if codes.size else "",
        "name": names[majority] if names.size else "", "unknown_share": unknown_share,
        "status": np.where(unknown_share > 0, "unknown", "pass")})
    gdf = gpd.GeoDataFrame(frame, geometry=geoms, crs=surface.crs)
    gdf = gdf.sort_values(["score_mean", "area_ha"], ascending=False, kind="stable")
    if max_areas is not None:
        gdf = gdf.head(int(max_areas))
    gdf = gdf.reset_index(drop=True)
    gdf.insert(0, "rank", np.arange(1, len(gdf) + 1))
    gdf.insert(0, "area_id", [f"A{i:03d}" for i in range(1, len(gdf) + 1)])
    gdf["kommunkod"] = gdf["kommunkod"].astype("string")
    gdf["name"] = gdf["name"].astype("string")
    gdf["status"] = gdf["status"].astype("string")
    gdf.attrs.update(threshold=float(threshold), min_area_ha=min_ha)
    return gdf


def _polygons(labels: np.ndarray, n: int, transform: Affine) -> list[shapely.Geometry]:
    """One (multi)polygon per label, traced within each component's bounding box."""
    out: list[shapely.Geometry] = []
    for i, box in enumerate(ndimage.find_objects(labels, max_label=n), start=1):
        if box is None:
            out.append(shapely.Polygon())
            continue
        sub = (labels[box] == i).astype("uint8")
        t = transform @ Affine.translation(box[1].start, box[0].start)
        with GDAL_LOCK:
            parts = [shapely.geometry.shape(g) for g, v in rasterio.features.shapes(
                sub, mask=sub.astype(bool), transform=t, connectivity=8) if v == 1]
        out.append(parts[0] if len(parts) == 1 else shapely.union_all(parts))
    return out
