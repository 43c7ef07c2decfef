"""One tile of the suitability surface, and the loop that runs tiles serially or on Dask.

A tile is independent of every other given its halo, so the surface is a map
over tile windows: :func:`compute_tile` evaluates the hard criteria (exclusion
mask), the soft values and the fused overlay on one window and returns a
:class:`TileOut` (score, municipality index, counts). :func:`run_tiles` runs
the windows in this process or as tasks on a ``dask.distributed`` cluster (a
local cluster of worker processes, or a scheduler address), yielding tiles as
they finish; the caller places each by its window, so the result does not
depend on the order, the number of workers or the tile size.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numexpr as ne
import numpy as np
import rasterio.features
import shapely

from siting.core.gdal_lock import GDAL_LOCK
from siting.criteria.evaluator import FAIL, UNKNOWN, Evidence
from siting.criteria.profiles import HardCriterion, SoftCriterion
from siting.metrics.surface_ops import Grid
from siting.surface.evaluate import (
    Indexed,
    PreparedMetric,
    evaluate_metric,
    hard_status,
    item_values,
    soft_values,
)

__all__ = ["SCHEDULER_ENV", "MunicipalityIndex", "TileContext", "TileOut", "aggregate",
           "compute_tile", "dask_client", "run_tiles", "score_keys"]

log = logging.getLogger(__name__)

#: Environment variable naming a Dask scheduler address (``tcp://host:8786``).
SCHEDULER_ENV = "SITING_DASK_SCHEDULER"
#: Tiles in flight per Dask worker (bounds the memory of finished, unconsumed tiles).
_IN_FLIGHT_PER_WORKER = 2


class MunicipalityIndex:
    """Study municipalities rasterised tile by tile (spatial index, GeoJSON converted once)."""

    def __init__(self, geoms: np.ndarray, values: np.ndarray) -> None:
        self.geoms = geoms
        self.values = values
        self.tree = shapely.STRtree(geoms)
        self._json: dict[int, dict] = {}

    def labels(self, tile: Grid) -> np.ndarray:
        """Study-municipality index (int16, -1: none) of each cell centre of ``tile``."""
        box = shapely.box(*tile.bounds)
        hits = self.tree.query(box) if self.geoms.size else []
        if len(hits) == 0:
            return np.full(tile.shape, -1, dtype=np.int16)
        if len(hits) == 1 and shapely.contains(self.geoms[hits[0]], box):
            return np.full(tile.shape, int(self.values[hits[0]]), dtype=np.int16)
        shapes = []
        for i in np.sort(hits).tolist():
            if i not in self._json:
                self._json[i] = shapely.geometry.mapping(self.geoms[i])
            shapes.append((self._json[i], int(self.values[i])))
        with GDAL_LOCK:
            return rasterio.features.rasterize(shapes, out_shape=tile.shape,
                                               transform=tile.transform, fill=-1,
                                               dtype="int16")


@dataclass(frozen=True)
class TileContext:
    """Everything a worker needs to compute any tile (sent once per worker).

    Attributes
    ----------
    grid : Grid
        The whole surface grid.
    metrics : Mapping[str, PreparedMetric]
        Prepared metrics by id.
    hard, soft : tuple
        The criteria evaluated per cell.
    weights : ndarray
        Normalised soft weights (order of ``soft``).
    aggregation : str
        ``weighted_sum``, ``cautious`` or ``topsis``.
    municipalities : MunicipalityIndex
    n_study : int
        Number of study municipalities.
    evidence : Mapping
        Per metric id: what its layer covers (:func:`siting.criteria.evaluator.evidence_for`).
    unknown_all : bool
        Some hard criterion cannot be measured per cell: every verdict rests on it.
    strict : bool
        Unknown counts as fail.
    """

    grid: Grid
    metrics: Mapping[str, PreparedMetric]
    hard: tuple[HardCriterion, ...]
    soft: tuple[SoftCriterion, ...]
    weights: np.ndarray
    aggregation: str
    municipalities: MunicipalityIndex
    n_study: int
    evidence: Mapping[str, Evidence | None]
    unknown_all: bool = False
    strict: bool = False


@dataclass
class TileOut:
    """One computed tile.

    Attributes
    ----------
    window : tuple of int
        ``(row0, col0, rows, cols)`` in the surface grid.
    score : ndarray of float32 or None
        Score 0..100, NaN where excluded or outside; None when no cell is scored (all
        NaN) and in TOPSIS' first pass.
    labels : ndarray of int16
        Study-municipality index, -1 outside.
    n_study, n_pass, n_unknown : ndarray of int64
        Cells in the study area / failing no hard criterion / of those, resting on an
        unknown one, per study municipality.
    n_fail : dict
        Study-area cells failing each hard criterion.
    sums : dict or None
        TOPSIS' first pass: per criterion ``sumsq``, ``max``, ``min`` of the passing cells.
    hist : ndarray or None
        Scored cells per upper 16 bits of the float32 score (for exact percentiles).
    unknown : ndarray of bool or None
        Cells failing nothing whose verdict rests on an unknown hard criterion.
    """

    window: tuple[int, int, int, int]
    score: np.ndarray | None
    labels: np.ndarray
    n_study: np.ndarray
    n_pass: np.ndarray
    n_fail: dict[str, int]
    sums: dict[str, np.ndarray] | None = None
    hist: np.ndarray | None = None
    unknown: np.ndarray | None = None
    n_unknown: np.ndarray | None = None

    @property
    def slices(self) -> tuple[slice, slice]:
        """The tile's rows and columns in the surface grid."""
        r0, c0, rows, cols = self.window
        return slice(r0, r0 + rows), slice(c0, c0 + cols)


def compute_tile(ctx: TileContext, window: tuple[int, int, int, int],
                 acc: Mapping[str, np.ndarray] | None = None, *, first_pass: bool = False
                 ) -> TileOut:
    """Evaluate the profile on one window of ``ctx.grid``.

    Parameters
    ----------
    ctx : TileContext
    window : tuple of int
        ``(row0, col0, rows, cols)``.
    acc : Mapping, optional
        TOPSIS' global ``sumsq``/``max``/``min`` per criterion (second pass).
    first_pass : bool
        TOPSIS' first pass: return the tile's sums instead of a score.
    """
    tile = ctx.grid.window(*window)
    lab = ctx.municipalities.labels(tile)
    study = lab >= 0
    nst = ctx.n_study
    out = TileOut(window, None, lab, _counts(lab, study, nst),
                  np.zeros(nst, dtype=np.int64), dict.fromkeys((c.id for c in ctx.hard), 0))
    if not study.any():
        return out
    cache: dict[str, Any] = {}
    ok = study.copy()
    unk = study & ctx.unknown_all
    for crit in ctx.hard:  # the evaluator's verdicts: pass, fail, unknown
        codes = hard_status(crit, evaluate_metric(ctx.metrics[crit.metric], tile, lab, cache),
                            ctx.evidence.get(crit.metric))
        fails = (codes == FAIL) & study
        unk |= codes == UNKNOWN
        out.n_fail[crit.id] = int(fails.sum())
        ok &= ~fails
    if ctx.strict:
        ok &= ~unk
    unk &= ok
    out.unknown = unk
    out.n_unknown = (np.bincount(lab[unk], minlength=nst) if unk.any()
                     else np.zeros(nst, dtype=np.int64))
    if not ctx.hard and not (ctx.strict and ctx.unknown_all):
        out.n_pass = out.n_study.copy()  # nothing excludes a cell of the study area
    else:
        out.n_pass = _counts(lab, ok, nst)
    if not ok.any():
        return out
    if ctx.aggregation == "weighted_sum" and not first_pass:
        vals, weights, exprs = _fused_terms(ctx, tile, lab, cache)
        out.score = aggregate(vals, ok, weights, ctx.aggregation, acc, exprs)
    else:
        vals = [soft_values(c, evaluate_metric(ctx.metrics[c.metric], tile, lab, cache))
                for c in ctx.soft]
        del cache
        if first_pass:
            sel = [v[ok] for v in vals]
            out.sums = {"sumsq": np.array([float(np.dot(v, v)) for v in sel]),
                        "max": np.array([float(v.max()) for v in sel]),
                        "min": np.array([float(v.min()) for v in sel])}
            return out
        out.score = aggregate(vals, ok, ctx.weights, ctx.aggregation, acc)
    out.hist = _hist16(out.score, int(np.count_nonzero(ok)))
    return out


def _counts(lab: np.ndarray, where: np.ndarray, n: int) -> np.ndarray:
    """Cells of ``where`` per municipality index (``lab`` >= 0 there)."""
    return np.bincount((lab if where.all() else lab[where]).ravel(), minlength=n)


def _hist16(score: np.ndarray, n_scored: int) -> np.ndarray:
    """Scored cells per upper 16 bits of their :func:`score_keys`, in one pass over the tile.

    The tile's other cells are NaN (one bin, taken out again); a score of -0.0 counts as 0.0.
    """
    hist = np.bincount((score.view(np.uint32) >> 16).ravel(), minlength=1 << 16)
    nan_bin = int(np.array([np.nan], dtype="float32").view(np.uint32)[0] >> 16)
    hist[nan_bin] -= score.size - n_scored
    hist[0] += hist[0x8000]  # -0.0
    hist[0x8000] = 0
    return hist


def _fused_terms(ctx: TileContext, tile: Grid, lab: np.ndarray, cache: dict[str, Any]
                 ) -> tuple[list[np.ndarray], np.ndarray, list[str | None]]:
    """The weighted sum's terms: (arrays, weights, value-function expressions or None).

    A criterion whose value function has a ``numexpr`` form and whose metric is a
    float raster enters as the raw metric with that form (the value function then
    runs inside the fused overlay). Criteria on per-item metrics sharing one item
    index (every municipality attribute) are weighted and summed per item through
    the evaluator, then gathered once, as one term of weight 1.
    """
    vals: list[np.ndarray] = []
    weights: list[float] = []
    exprs: list[str | None] = []
    per_item: dict[int, tuple[Indexed, np.ndarray]] = {}
    for c, w in zip(ctx.soft, ctx.weights, strict=True):
        value = evaluate_metric(ctx.metrics[c.metric], tile, lab, cache)
        expression = getattr(c.value_fn, "expression", None)
        if isinstance(value, Indexed):
            idx, summed = per_item.get(id(value.index), (value, np.zeros(len(value.items))))
            per_item[id(value.index)] = (idx, summed + float(w) * item_values(c, value))
        elif expression is not None and value.dtype.kind == "f":
            vals.append(value)
            weights.append(float(w))
            exprs.append(expression(f"v{len(exprs)}"))
        else:
            vals.append(soft_values(c, value))
            weights.append(float(w))
            exprs.append(None)
    for idx, summed in per_item.values():
        vals.append(idx.gather(summed, 0.0))
        weights.append(1.0)
        exprs.append(None)
    return vals, np.asarray(weights), exprs


def score_keys(values: np.ndarray) -> np.ndarray:
    """Order-preserving uint32 keys of non-negative float32 scores (-0.0 counts as 0.0)."""
    return (np.asarray(values, dtype="float32") + np.float32(0.0)).view(np.uint32)


def aggregate(vals: Sequence[np.ndarray], ok: np.ndarray, weights: np.ndarray, method: str,
              acc: Mapping[str, np.ndarray] | None,
              exprs: Sequence[str | None] | None = None) -> np.ndarray:
    """Scores 0..100 (float32, NaN where not ``ok``) from criterion values 0..1, as siting.mcda does.

    The weighted sum and the exclusion mask (``ok``: the hard criteria's
    verdicts) are one fused ``numexpr`` pass; ``exprs[j]``, when given, is the
    criterion's value function as an expression of ``v{j}`` (then ``vals[j]``
    holds the raw metric), so the value functions run inside that pass too.
    """
    if method == "weighted_sum":
        names = {f"v{j}": v for j, v in enumerate(vals)}
        forms = exprs or [None] * len(vals)
        terms = " + ".join(f"{float(w)!r} * {e or f'v{j}'}"
                           for j, (w, e) in enumerate(zip(weights, forms, strict=True)))
        total = np.empty(ok.shape, dtype="float32")  # summed in float64, rounded once
        ne.evaluate(f"where(ok, minimum(maximum(100.0 * ({terms}), 0.0), 100.0), nan)",
                    local_dict={**names, "ok": ok, "nan": np.nan}, out=total,
                    casting="same_kind")
        return total
    out = np.full(ok.shape, np.nan, dtype="float32")
    sel = [v[ok] for v in vals]
    if method == "cautious":
        wn = weights / weights.max()
        low = np.ones(sel[0].shape, dtype="float64")
        for v, w in zip(sel, wn, strict=True):
            np.minimum(low, np.maximum(1.0 - w, v), out=low)
        out[ok] = np.clip(low * 100.0, 0.0, 100.0)
        return out
    assert acc is not None  # topsis: global normalisation from the first pass
    norm = np.sqrt(acc["sumsq"])
    norm = np.where(norm > 0, norm, 1.0)
    scale = weights / norm
    best, worst = acc["max"] * scale, acc["min"] * scale
    d_plus = np.zeros(sel[0].shape)
    d_minus = np.zeros(sel[0].shape)
    for j, v in enumerate(sel):
        x = v * scale[j]
        d_plus += (x - best[j]) ** 2
        d_minus += (x - worst[j]) ** 2
    d_plus, d_minus = np.sqrt(d_plus), np.sqrt(d_minus)
    denom = d_plus + d_minus
    with np.errstate(invalid="ignore", divide="ignore"):
        closeness = np.where(denom > 0, d_minus / np.where(denom > 0, denom, 1.0), 0.5)
    out[ok] = np.clip(closeness * 100.0, 0.0, 100.0)
    return out


def run_tiles(ctx: TileContext, windows: Sequence[tuple[int, int, int, int]],
              client: Any = None, acc: Mapping[str, np.ndarray] | None = None, *,
              first_pass: bool = False) -> Iterator[TileOut]:
    """Compute ``windows``, yielding each tile as it finishes (any order).

    Parameters
    ----------
    ctx : TileContext
    windows : sequence of (row0, col0, rows, cols)
    client : dask.distributed.Client, optional
        Run the tiles as tasks on this cluster (the context is sent to every
        worker once); None computes them here, one after another.
    acc, first_pass
        As :func:`compute_tile`.
    """
    if client is None:
        for w in windows:
            yield compute_tile(ctx, w, acc, first_pass=first_pass)
        return
    from distributed import as_completed

    ctx_f = client.scatter(ctx, broadcast=True, hash=False)
    n_workers = max(1, len(client.scheduler_info().get("workers", {})))
    todo = list(windows)
    limit = _IN_FLIGHT_PER_WORKER * n_workers

    def submit(w: tuple[int, int, int, int]) -> Any:
        return client.submit(compute_tile, ctx_f, w, acc, first_pass=first_pass, pure=False)

    running = as_completed([submit(w) for w in todo[:limit]])
    todo = todo[limit:]
    for fut in running:
        tile = fut.result()
        fut.release()
        if todo:
            running.add(submit(todo.pop(0)))
        yield tile


@contextmanager
def dask_client(workers: int | None, scheduler: str | None) -> Iterator[Any]:
    """A ``dask.distributed`` client, or None for the serial path.

    ``scheduler`` (or :data:`SCHEDULER_ENV`) names an existing cluster; else
    ``workers`` > 1 starts a local cluster of that many single-threaded worker
    processes (closed on exit); else None.
    """
    address = scheduler or os.environ.get(SCHEDULER_ENV) or None
    if address is None and (workers is None or workers <= 1):
        yield None
        return
    from distributed import Client, LocalCluster

    if address is not None:
        log.info("surface tiles on the Dask scheduler at %s", address)
        with Client(address) as client:
            yield client
        return
    with LocalCluster(n_workers=int(workers or 1), threads_per_worker=1, processes=True,
                      dashboard_address=":0", silence_logs=logging.WARNING) as cluster, \
            Client(cluster) as client:
        yield client
