"""Per-cell evaluation of a profile's metrics and criteria for the suitability surface.

:func:`prepare_metrics` reads and filters each layer once (by canonical type,
like :func:`siting.metrics.compute_metric`); :func:`evaluate_metric` computes
a metric on one tile; :func:`hard_status` and :func:`soft_values` apply the
profile's criteria with the same semantics as :mod:`siting.scoring.sites` (a NaN
metric fails no hard criterion but is *not evaluated*; a NaN soft value is 0).

Metrics whose values belong to an item rather than a cell (the municipality
holding the cell, the nearest feature) are returned as :class:`Indexed`: an
item index per cell plus the items' raw values, so text values (price area)
and per-item criteria are evaluated once per item, then gathered.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import shapely

from siting.criteria.evaluator import UNKNOWN, Evidence, hard_codes
from siting.criteria.evaluator import soft_values as evaluator_soft
from siting.criteria.profiles import HardCriterion, Profile, SoftCriterion
from siting.criteria.valuefn import Ideal, Linear, Piecewise, Step
from siting.data.layerset import LayerSet
from siting.metrics.attributes import normalise_kommunkod
from siting.metrics.filters import apply_filter
from siting.metrics.labour import population_points
from siting.metrics.spec import DEFAULT_DETOUR_FACTOR, DEFAULT_LABOUR_FIELD, DEFAULT_SPEED_KMH
from siting.metrics.surface_ops import (
    Grid,
    raster_stat_surface,
    sum_within_surface,
)
from siting.surface.disks import disk_sum
from siting.surface.kernels import PolygonIndex, densify_vertices, seed_distance

__all__ = [
    "Indexed",
    "PreparedMetric",
    "evaluate_metric",
    "exact_bands",
    "hard_status",
    "item_values",
    "prepare_metrics",
    "relevance_caps",
    "soft_values",
]

_NO_LAYER = "no layer of type '{}' is loaded"
_NO_FIELD = "the loaded '{1}' layer has no field '{0}'"
#: Distances are resolved exactly up to this when no criterion bounds them.
DEFAULT_CAP_M = 50_000.0


@dataclass(frozen=True)
class Indexed:
    """A per-cell metric given as an item index per cell (-1: none) and the items' values."""

    index: np.ndarray
    items: np.ndarray

    def gather(self, per_item: np.ndarray, fill: Any) -> np.ndarray:
        """``per_item`` values at the cells (``fill`` where the index is -1)."""
        ext = np.append(np.asarray(per_item), np.asarray([fill], dtype=np.asarray(per_item).dtype))
        return ext[np.where(self.index >= 0, self.index, ext.size - 1)]


@dataclass(frozen=True)
class PreparedMetric:
    """A metric ready to be computed on tiles: its kind, parameters and prepared data."""

    id: str
    kind: str
    compute: Callable[[Grid, np.ndarray], np.ndarray | Indexed]
    halo_m: float = 0.0


def relevance_caps(profile: Profile) -> dict[str, float]:
    """Per metric id: the largest value any criterion distinguishes (threshold, breakpoints).

    Beyond it every hard criterion and value function is constant, so a distance
    larger than the cap need not be resolved. Metrics without a numeric bound
    are absent.
    """
    caps: dict[str, float] = {}

    def add(mid: str, x: float) -> None:
        if np.isfinite(x):
            caps[mid] = max(caps.get(mid, 0.0), abs(float(x)))

    for h in profile.hard:
        thr = h.threshold
        for t in thr if isinstance(thr, tuple) else (thr,):
            if isinstance(t, int | float) and not isinstance(t, bool):
                add(h.metric, float(t))
    for s in profile.soft:
        fn = s.value_fn
        if isinstance(fn, Linear):
            add(s.metric, max(fn.x0, fn.x1))
        elif isinstance(fn, Step):
            add(s.metric, fn.threshold)
        elif isinstance(fn, Piecewise):
            add(s.metric, max(p[0] for p in fn.points))
        elif isinstance(fn, Ideal):
            add(s.metric, fn.ideal + fn.zero_at)
    return caps


def exact_bands(profile: Profile) -> dict[str, list[tuple[float, float]] | None]:
    """Per metric id: the value intervals where some criterion's result depends on the value.

    A hard threshold ``t`` gives ``(t, t)``; a value function its sloped band
    (``(min(x0, x1), max(x0, x1))`` for linear, the breakpoints' span for
    piecewise, ``ideal +- zero_at`` for ideal, the threshold for a step).
    Outside every interval each criterion is constant on either side, so a
    distance known to within a cell there needs no exact re-check. None: some
    criterion is not of these forms (a text or set threshold, categories), so
    the value matters everywhere.
    """
    bands: dict[str, list[tuple[float, float]] | None] = {}

    def add(mid: str, band: tuple[float, float] | None) -> None:
        if band is None or not all(np.isfinite(band)):
            bands[mid] = None
        elif bands.setdefault(mid, []) is not None:
            bands[mid].append((float(min(band)), float(max(band))))  # type: ignore[union-attr]

    for h in profile.hard:
        thr = h.threshold
        for t in thr if isinstance(thr, tuple) else (thr,):
            numeric = isinstance(t, int | float) and not isinstance(t, bool)
            add(h.metric, (float(t), float(t)) if numeric else None)
    for c in profile.soft:
        fn = c.value_fn
        if isinstance(fn, Linear):
            add(c.metric, (fn.x0, fn.x1))
        elif isinstance(fn, Step):
            add(c.metric, (fn.threshold, fn.threshold))
        elif isinstance(fn, Piecewise):
            add(c.metric, (fn.points[0][0], fn.points[-1][0]))
        elif isinstance(fn, Ideal):
            add(c.metric, (fn.ideal - fn.zero_at, fn.ideal + fn.zero_at))
        else:
            add(c.metric, None)
    return bands


def prepare_metrics(profile: Profile, layerset: LayerSet, resolution_m: float,
                    caps: Mapping[str, float], *, refine_where_needed: bool = True
                    ) -> tuple[dict[str, PreparedMetric], dict[str, str], list[str], float]:
    """Prepare every metric some criterion uses.

    With ``refine_where_needed`` distances are re-checked exactly only where a
    criterion's result can depend on it (:func:`exact_bands`); False re-checks
    every cell (same verdicts and values, more work).

    Returns
    -------
    (dict, dict, list, float)
        Prepared metrics by id; criterion id -> why it is not evaluated on the
        surface; method notes; the candidate areas' minimum size in hectares.
    """
    used = {c.metric for c in profile.hard} | {c.metric for c in profile.soft}
    prepared: dict[str, PreparedMetric] = {}
    why: dict[str, str] = {}
    notes: list[str] = []
    min_area = float(profile.min_area_ha)
    bands = exact_bands(profile)
    for spec in profile.metrics:
        if spec.id not in used:
            continue
        params = dict(spec.params)
        if spec.kind == "site_area":
            why[spec.id] = "site area has no per-cell meaning; it sets the candidate areas' " \
                           "minimum size"
            continue
        if spec.kind == "site_attribute":
            why[spec.id] = f"site attribute '{params.get('field')}' has no per-cell meaning " \
                           "(skipped on the surface)"
            continue
        fn, note, missing, halo = _prepare_one(spec.id, spec.kind, params, layerset,
                                               resolution_m, caps.get(spec.id),
                                               bands.get(spec.id) if refine_where_needed
                                               else None)
        if missing:
            why[spec.id] = missing
            continue
        if note:
            notes.append(note)
        assert fn is not None
        prepared[spec.id] = PreparedMetric(spec.id, spec.kind, fn, halo)
    for h in profile.hard:
        spec = profile.metric(h.metric)
        if spec.kind == "site_area" and h.op in (">=", ">") and isinstance(h.threshold, int | float):
            min_area = max(min_area, float(h.threshold))
    crit_why: dict[str, str] = {}
    crits: tuple[HardCriterion | SoftCriterion, ...] = (*profile.hard, *profile.soft)
    for c in crits:
        if c.metric in why:
            crit_why[c.id] = why[c.metric]
    for cid, text in crit_why.items():
        notes.append(f"criterion '{cid}' not evaluated on the surface: {text}")
    return prepared, crit_why, notes, min_area


def _prepare_one(mid: str, kind: str, params: dict[str, Any], layerset: LayerSet, res: float,
                 cap: float | None, bands: list[tuple[float, float]] | None
                 ) -> tuple[Callable[..., Any] | None, str, str, float]:
    """The per-tile kernel of one metric: (kernel or None, note, why not evaluated, halo in m).

    Long because: it is one flat dispatch with a short branch per metric kind the surface can
    compute per cell; each branch is read on its own, and splitting them into functions would
    only move the shared argument list around.
    """
    if kind == "labour_pool":
        pop = layerset.vector("population_grid")
        if pop is None:
            return None, "", _NO_LAYER.format("population_grid"), 0.0
        travel_time_min = float(params["travel_time_min"])
        speed_kmh = float(params.get("speed_kmh", DEFAULT_SPEED_KMH))
        detour_factor = float(params.get("detour_factor", DEFAULT_DETOUR_FACTOR))
        pxy, pval, _ = population_points(pop, str(params.get("field", DEFAULT_LABOUR_FIELD)))
        radius = speed_kmh * 1000.0 / 60.0 * travel_time_min / detour_factor
        note = (f"{mid}: straight-line travel ({speed_kmh:g} km/h, detour factor "
                f"{detour_factor:g}, radius {radius / 1000:.1f} km); the road network is "
                "not used on the surface")
        spectra: dict = {}
        return (lambda tile, _lab: disk_sum(pxy, pval, tile, radius, spectra)), note, "", radius
    layer_type = str(params["layer"])
    if kind == "raster_stat":
        raster = layerset.raster(layer_type)
        if raster is None:
            return None, "", _NO_LAYER.format(layer_type), 0.0
        stat, classes = params["stat"], params.get("classes")
        return (lambda tile, _lab: _raster_on_tile(raster, stat, classes, tile)), "", "", 0.0
    if kind == "municipality_attribute":
        table = layerset.table(layer_type)
        if table is None:
            return None, "", _NO_LAYER.format(layer_type), 0.0
        if params["field"] not in table.columns:
            return None, "", _NO_FIELD.format(params["field"], layer_type), 0.0
        items = _municipality_items(table, str(params["field"]), layerset.region.kommunkoder)
        return (lambda _tile, lab: Indexed(lab, items)), "", "", 0.0
    layer = layerset.vector(layer_type)
    if layer is None:
        return None, "", _NO_LAYER.format(layer_type), 0.0
    if "field" in params and params["field"] not in layer.columns:
        return None, "", _NO_FIELD.format(params["field"], layer_type), 0.0
    absent = [f for f in dict(params.get("filter") or {}) if f not in layer.columns]
    if absent:  # a filter on a field the data lacks cannot be applied: not evaluated
        return None, "", _NO_FIELD.format(absent[0], layer_type) + " (used by the filter)", 0.0
    layer = apply_filter(layer, params.get("filter"), source=f"metric '{mid}', layer "
                                                               f"'{layer_type}'")
    geoms = np.asarray(layer.geometry.values, dtype=object)
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if kind == "overlap_share":
        if not np.isin(shapely.get_type_id(geoms[ok]), (3, 6)).all():
            return None, "", f"overlap needs polygons; the '{layer_type}' layer has others", 0.0
        index = PolygonIndex(geoms[ok])
        return (lambda tile, _lab: index.interior(tile).astype("float32")), "", "", 0.0
    if kind in ("sum_within", "count_within"):
        radius = float(params["radius_m"])
        vals = (np.ones(len(layer)) if kind == "count_within" else np.nan_to_num(
            pd.to_numeric(layer[params["field"]], errors="coerce").to_numpy(
                dtype="float64", na_value=np.nan), nan=0.0))
        pts_mask = ok & (shapely.get_type_id(geoms) == 0)
        if pts_mask.sum() == ok.sum():
            xy = shapely.get_coordinates(geoms[pts_mask])
            w = vals[pts_mask]
            spectra_r: dict = {}
            return (lambda tile, _lab: disk_sum(xy, w, tile, radius, spectra_r)), "", "", radius
        sub = layer.loc[ok].assign(_w=vals[ok])
        return (lambda tile, _lab: sum_within_surface(sub, "_w", radius, grid=tile)), "", "", \
            radius
    # distance / nearest_attribute
    geoms_ok = geoms[ok]
    polys = PolygonIndex(geoms_ok)
    xy, owner, dense_segs, dense_seg_id = densify_vertices(geoms_ok, res / 4.0)
    # points: distances to the vertices themselves (no segments)
    points_only = bool(np.isin(shapely.get_type_id(geoms_ok), (0, 4)).all())
    segs = None if points_only else dense_segs
    seg_id = None if points_only else dense_seg_id
    halo = (cap if cap is not None else DEFAULT_CAP_M) + 2.0 * res
    tree = shapely.STRtree(geoms_ok)
    if kind == "distance":
        def dist_fn(tile: Grid, _lab: np.ndarray) -> np.ndarray:
            if geoms_ok.size == 0:  # nothing within reach: farther than any threshold
                return np.full(tile.shape, np.float32(halo), dtype="float32")
            d, _ = seed_distance(xy, tile, halo_m=halo, owner=owner, segments=segs,
                                 segment_id=seg_id, interior=polys.interior(tile),
                                 exact_bands=bands, nearest=False)
            # beyond the halo every criterion is constant: any value above the cap will do
            return np.minimum(d, np.float32(halo), out=d)
        return dist_fn, "", "", halo
    items = _as_items(layer.loc[ok, params["field"]])

    def attr_fn(tile: Grid, _lab: np.ndarray) -> Indexed:
        if geoms_ok.size == 0:
            return Indexed(np.full(tile.shape, -1, dtype=np.int64), items)
        _, near = seed_distance(xy, tile, halo_m=halo, owner=owner, segments=segs,
                                 segment_id=seg_id)
        inside = polys.interior(tile)
        todo = (near < 0) | inside
        if todo.any():  # farther than the halo, or inside a polygon: exact nearest feature
            xs, ys = tile.centres()
            near[todo] = tree.query_nearest(shapely.points(xs[todo], ys[todo]),
                                            all_matches=False)[1]
        return Indexed(near, items)
    return attr_fn, "", "", halo


def _raster_on_tile(raster: Any, stat: str, classes: Any, tile: Grid) -> np.ndarray:
    """The raster statistic on a tile; a raster on the same grid is sliced, not resampled."""
    t, g = raster.transform, tile.transform
    res = tile.resolution_m
    col_f, row_f = (g.c - t.c) / res, (t.f - g.f) / res
    aligned = (abs(t.a - res) < 1e-9 and abs(t.e + res) < 1e-9 and t.b == 0 and t.d == 0
               and abs(col_f - round(col_f)) < 1e-9 and abs(row_f - round(row_f)) < 1e-9)
    if not aligned:
        return raster_stat_surface(raster, stat, grid=tile, classes=classes)
    r0, c0 = round(row_f), round(col_f)
    rows, cols = tile.shape
    out = np.full(tile.shape, np.nan, dtype="float32")
    src = raster.array
    rs, re_ = max(r0, 0), min(r0 + rows, src.shape[0])
    cs, ce = max(c0, 0), min(c0 + cols, src.shape[1])
    if rs < re_ and cs < ce:
        win = np.asarray(src[rs:re_, cs:ce], dtype="float32")
        if stat == "share":
            hit = np.isin(win, np.asarray(list(classes or []), dtype="float32"))
            win = np.where(np.isnan(win), np.float32(np.nan), hit.astype("float32"))
        out[rs - r0:re_ - r0, cs - c0:ce - c0] = win
    return out


def _as_items(col: pd.Series) -> np.ndarray:
    """Item values: float (NaN missing) for numeric columns, else objects (None missing)."""
    raw = col.to_numpy(dtype=object)
    if pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype):
        return np.array([np.nan if v is None or v is pd.NA else float(v) for v in raw],
                        dtype="float64")
    return np.array([None if v is pd.NA or (isinstance(v, float) and v != v) else v
                     for v in raw], dtype=object)


def _municipality_items(table: pd.DataFrame, field: str, codes: tuple[str, ...]) -> np.ndarray:
    keys = normalise_kommunkod(table["kommunkod"]).to_numpy(dtype=object)
    pos = {k: i for i, k in enumerate(keys)}
    rows = [pos.get(c, -1) for c in codes]
    col = table[field].reset_index(drop=True)
    picked = col.reindex([r if r >= 0 else len(col) for r in rows]).reset_index(drop=True)
    return _as_items(picked.astype(col.dtype) if len(picked) else col.iloc[:0])


def evaluate_metric(metric: PreparedMetric, tile: Grid, labels: np.ndarray,
                    cache: dict[str, Any]) -> np.ndarray | Indexed:
    """The metric on one tile (memoised in ``cache`` for the tile)."""
    if metric.id not in cache:
        cache[metric.id] = metric.compute(tile, labels)
    return cache[metric.id]


def hard_status(crit: HardCriterion, value: np.ndarray | Indexed,
                evidence: Evidence | None = None) -> np.ndarray:
    """Evaluator codes per cell (1 pass, 0 fail, -1 unknown); a cell without item is unknown."""
    if isinstance(value, Indexed):
        return value.gather(hard_codes(crit, value.items, evidence), np.int8(UNKNOWN))
    return hard_codes(crit, value, evidence)


def item_values(crit: SoftCriterion, value: Indexed) -> np.ndarray:
    """Value 0..1 per item of an indexed metric through the evaluator (missing -> 0)."""
    return evaluator_soft(crit, value.items)[0]


def soft_values(crit: SoftCriterion, value: np.ndarray | Indexed) -> np.ndarray:
    """Value 0..1 per cell through the evaluator (missing -> 0)."""
    if isinstance(value, Indexed):
        return value.gather(item_values(crit, value), 0.0)
    return evaluator_soft(crit, value)[0]
