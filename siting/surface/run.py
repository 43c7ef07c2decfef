"""The suitability surface: a profile evaluated on every cell of a raster grid.

:func:`suitability_surface` turns an establishment profile and a LayerSet into
a score raster over the study area (EPSG:3006): each cell is treated as a
small site at its centre. Hard criteria become an exclusion mask (cells
failing any are nodata), soft criteria are scored 0..100 with the profile's
value functions, weights and aggregation, exactly as site scoring does
(:mod:`siting.scoring.sites`), and the result is written as a tiled, deflated
float32 GeoTIFF with overviews.

Per metric kind (contracts §B):

* ``distance`` / ``nearest_attribute``: exact Euclidean distance from the cell
  centre to the nearest feature vertex (lines densified to a quarter cell),
  found with a distance transform (:mod:`siting.surface.kernels`); 0 inside
  polygons;
* ``sum_within`` / ``count_within``: true circular radius (disk kernel);
* ``overlap_share``: 1 when the cell centre is inside a polygon, else 0;
* ``raster_stat``: the raster resampled to the grid;
* ``municipality_attribute``: the value of the municipality holding the
  cell centre (text too: ``price_area``);
* ``labour_pool``: straight line / detour factor (a road network is not
  used on the surface; noted in the result);
* ``site_area``: no per-cell meaning; a ``>=``/``>`` hard criterion on it
  raises the minimum size of candidate areas (:mod:`siting.surface.candidates`);
* ``site_attribute`` (zoning, owner): no per-cell meaning; skipped with a note.

The grid is processed in tiles of ``tile_px`` x ``tile_px`` cells (grown to
four times the widest halo, at most :data:`MAX_TILE_PX`); every operation
reads a halo as wide as its largest *relevant* distance (the largest
threshold or value-function breakpoint of the criteria on that metric:
beyond it every criterion is constant), so the tiled surface equals the
surface computed in one piece and memory stays bounded by the tile size
(plus the output arrays: float32 score and int16 municipality index).

Examples
--------
>>> from siting.data.layers import load_layerset
>>> from siting.criteria.profiles import load_profile
>>> ls = load_layerset("demo", region="9901")
>>> s = suitability_surface(load_profile("battery_plant"), ls, resolution_m=500)
>>> 0.0 < s.passing_share("9901") < 1.0
True
>>> from siting.surface.candidates import candidate_areas
>>> areas = candidate_areas(s)
>>> bool((areas["area_ha"] >= s.min_area_ha).all())
True
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
import rasterio.features
import shapely
from affine import Affine
from rasterio.enums import Resampling
from tqdm import tqdm

from siting.core.errors import ScoringError
from siting.core.gdal_lock import GDAL_LOCK
from siting.core.provenance import library_versions, utc_now
from siting.criteria.evaluator import FAIL, UNKNOWN, evidence_for
from siting.criteria.profiles import Profile
from siting.data.layerset import LayerSet
from siting.metrics.surface_ops import Grid
from siting.surface.evaluate import (
    PreparedMetric,
    evaluate_metric,
    hard_status,
    prepare_metrics,
    relevance_caps,
    soft_values,
)

__all__ = ["MAX_TILE_PX", "NODATA", "SurfaceResult", "suitability_surface", "write_geotiff"]

#: Nodata value of the written GeoTIFF (the in-memory score uses NaN).
NODATA = -9999.0
#: Largest tile edge (cells) that ``grow_tiles`` may choose (bounds memory per tile).
MAX_TILE_PX = 1600


@dataclass(frozen=True)
class SurfaceResult:
    """A computed suitability surface.

    Attributes
    ----------
    score : ndarray of float32
        Score 0..100 per cell; NaN outside the study area and where a hard
        criterion fails.
    transform : affine.Affine
        Cell-to-EPSG:3006 transform (north-up, square cells).
    resolution_m : float
        Cell size in metres.
    municipality : ndarray of int16
        Index into :attr:`kommunkoder` of the study municipality holding the
        cell centre; -1 outside the study area.
    kommunkoder, names : tuple of str
        Study municipalities (codes and names), the order used by :attr:`municipality`.
    excluded_share : Mapping[str, float]
        Per hard criterion: share of study-area cells failing it.
    not_evaluated : Mapping[str, str]
        Criterion id -> why it could not be evaluated on the surface (missing
        layer, no per-cell meaning).
    notes : tuple of str
        Method notes (English), e.g. the labour pool's straight-line mode.
    min_area_ha : float
        Minimum size of candidate areas (profile, raised by a site_area criterion).
    cells_study, cells_passing : Mapping[str, int]
        Per kommunkod: cells in the study area and cells failing no hard criterion
        (passing or unknown; only passing with ``strict``).
    unknown : ndarray of bool or None
        True where the cell fails nothing but its verdict rests on an unknown hard
        criterion (no data, or a layer that does not cover what the criterion asks).
    cells_unknown : Mapping[str, int]
        Per kommunkod: such cells.
    strict : bool
        Whether unknown counted as fail.
    path : Path or None
        The GeoTIFF written, if any.
    provenance : Mapping
        Profile id and hash, catalogue, region, grid, timing, library versions.
    """

    score: np.ndarray
    transform: Affine
    resolution_m: float
    municipality: np.ndarray
    kommunkoder: tuple[str, ...]
    names: tuple[str, ...]
    excluded_share: Mapping[str, float]
    not_evaluated: Mapping[str, str]
    notes: tuple[str, ...]
    min_area_ha: float
    cells_study: Mapping[str, int]
    cells_passing: Mapping[str, int]
    profile_id: str = ""
    path: Path | None = None
    provenance: Mapping[str, Any] = field(default_factory=dict)
    crs: str = "EPSG:3006"
    unknown: np.ndarray | None = None
    cells_unknown: Mapping[str, int] = field(default_factory=dict)
    strict: bool = False

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, cols)."""
        return self.score.shape  # type: ignore[return-value]

    @property
    def cell_area_ha(self) -> float:
        """Area of one cell in hectares."""
        return self.resolution_m ** 2 / 10_000.0

    def passing_share(self, kommunkod: str | None = None) -> float:
        """Share of the study area (or of one municipality) passing every hard criterion."""
        if kommunkod is None:
            total = sum(self.cells_study.values())
            ok = sum(self.cells_passing.values())
        else:
            total = self.cells_study.get(kommunkod, 0)
            ok = self.cells_passing.get(kommunkod, 0)
        return ok / total if total else float("nan")


def suitability_surface(profile: Profile, layerset: LayerSet, *, resolution_m: float = 100.0,
                        tile_px: int = 1024, out_path: str | Path | None = None,
                        progress: bool = False, grow_tiles: bool = True,
                        workers: int | None = None, strict: bool = False) -> SurfaceResult:
    """Evaluate ``profile`` on a raster grid over the LayerSet's study area.

    Parameters
    ----------
    profile : Profile
        The establishment profile (its ``weights`` and ``aggregation`` are used).
    layerset : LayerSet
        Loaded layers; the study area is ``layerset.region``.
    resolution_m : float
        Cell size in metres.
    tile_px : int
        Tile edge in cells (memory bound; results do not depend on it).
    grow_tiles : bool
        Grow tiles to four times the widest halo (at most :data:`MAX_TILE_PX`;
        one tile for grids up to 1.25 times that) so that halos cost less than
        the tiles themselves; the result is the same.
    out_path : str or Path, optional
        Write the score as a GeoTIFF here (EPSG:3006, float32, nodata -9999,
        tiled, deflate, overviews).
    progress : bool
        Show a tqdm progress bar over tiles on stderr.
    workers : int, optional
        Threads that compute a tile's criterion rasters concurrently (the distance
        transforms and array arithmetic release the GIL). Default: the number of
        CPUs, at most 4; 1 computes them one after another. Results do not depend
        on it.
    strict : bool
        Count a cell whose verdict rests on an unknown criterion as failing (excluded);
        by default it is scored like a passing cell and marked in ``SurfaceResult.unknown``.

    Returns
    -------
    SurfaceResult

    Raises
    ------
    ScoringError
        Bad resolution or tile size, or no soft criterion can be evaluated per cell.
    """
    if not (resolution_m > 0 and math.isfinite(resolution_m)):
        raise ScoringError.single("resolution_m", f"must be a positive number of metres, got "
                                  f"{resolution_m!r}", hint="e.g. 100")
    if tile_px < 16:
        raise ScoringError.single("tile_px", f"must be at least 16, got {tile_px}")
    if workers is not None and workers < 1:
        raise ScoringError.single("workers", f"must be at least 1, got {workers}")
    n_workers = workers if workers is not None else min(4, os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=n_workers) as pool:
        return _surface(profile, layerset, resolution_m=resolution_m, tile_px=tile_px,
                        out_path=out_path, progress=progress, grow_tiles=grow_tiles,
                        strict=strict,
                        pool=pool if n_workers > 1 else None)


def _prefill(metrics: list[Any], tile: Grid, labels: np.ndarray, cache: dict[str, Any],
             pool: ThreadPoolExecutor | None) -> None:
    """Compute the tile's missing criterion rasters, concurrently when a pool is given."""
    todo = list({m.id: m for m in metrics if m.id not in cache}.values())
    if pool is None or len(todo) < 2:
        return
    for m, value in zip(todo, pool.map(lambda m: m.compute(tile, labels), todo), strict=True):
        cache[m.id] = value


def _surface(profile: Profile, layerset: LayerSet, *, resolution_m: float, tile_px: int,
             out_path: str | Path | None, progress: bool, grow_tiles: bool,
             pool: ThreadPoolExecutor | None, strict: bool = False) -> SurfaceResult:
    """The body of :func:`suitability_surface` (arguments already checked)."""
    t0 = time.perf_counter()
    region = layerset.region
    grid = Grid.from_bounds(region.geometry.bounds, resolution_m)
    caps = relevance_caps(profile)
    metrics, not_eval, notes, min_area = prepare_metrics(profile, layerset, grid.resolution_m,
                                                         caps)
    hard = [c for c in profile.hard if c.id not in not_eval]
    # a hard criterion not measurable per cell leaves every cell's verdict unknown, except
    # the site area, which sets the candidate areas' minimum size instead
    unknown_all = any(c.id in not_eval and profile.metric(c.metric).kind != "site_area"
                      for c in profile.hard)
    evidence = {m.id: evidence_for(m, layerset) for m in profile.metrics if m.id in metrics}
    soft = [c for c in profile.soft if c.id not in not_eval]
    if not soft:
        raise ScoringError.single(
            profile.id, "no soft criterion can be evaluated per cell",
            hint="load the layers the profile's soft criteria need; "
                 + "; ".join(f"{k}: {v}" for k, v in not_eval.items()))
    w_total = sum(profile.weights[c.id] for c in soft)
    weights = np.array([profile.weights[c.id] / w_total if w_total > 0 else 1.0 / len(soft)
                        for c in soft])

    munis = layerset.municipalities
    codes_all = [str(c) for c in munis["kommunkod"]]
    study_codes = tuple(region.kommunkoder)
    study_names = tuple(region.names)
    study_pos = {c: i for i, c in enumerate(study_codes)}
    muni_geoms = np.asarray(munis.geometry.values, dtype=object)
    in_study = [i for i, c in enumerate(codes_all) if c in study_pos and muni_geoms[i] is not None
                and not muni_geoms[i].is_empty]
    # the study municipality index per loaded municipality row (-1: neighbour)
    row_to_study = np.array([study_pos.get(c, -1) for c in codes_all], dtype=np.int64)

    muni_index = _MunicipalityIndex(muni_geoms[in_study], row_to_study[in_study])
    score = np.full(grid.shape, np.nan, dtype="float32")
    labels = np.full(grid.shape, -1, dtype="int16")
    unknown = np.zeros(grid.shape, dtype=bool)
    n_unknown = np.zeros(len(study_codes), dtype=np.int64)
    n_study = np.zeros(len(study_codes), dtype=np.int64)
    n_pass = np.zeros(len(study_codes), dtype=np.int64)
    n_fail = dict.fromkeys((c.id for c in hard), 0)
    topsis = profile.aggregation == "topsis"
    acc: dict[str, np.ndarray] | None = None
    if topsis:
        acc = {"sumsq": np.zeros(len(soft)), "max": np.full(len(soft), -np.inf),
               "min": np.full(len(soft), np.inf)}
    if grow_tiles:
        halo_px = max((math.ceil(m.halo_m / grid.resolution_m) for m in metrics.values()),
                      default=0)
        tile_px = max(tile_px, min(MAX_TILE_PX, 4 * halo_px))
        if halo_px and max(grid.shape) <= 1.25 * MAX_TILE_PX:
            tile_px = max(grid.shape)  # one tile: a halo as wide as the grid is paid once
    tiles = list(grid.tiles(tile_px))
    passes_needed = 2 if topsis else 1
    bar = tqdm(total=len(tiles) * passes_needed, desc="surface", unit="tile", file=sys.stderr,
               disable=None if progress else True, leave=False)
    for pass_no in range(passes_needed):
        for slices, tile in tiles:
            bar.update(1)
            if pass_no == 0:
                lab = muni_index.labels(tile)
                labels[slices] = lab
            else:
                lab = labels[slices].astype(np.int64)
            study = lab >= 0
            if not study.any():
                continue
            cache: dict[str, PreparedMetric | Any] = {}
            _prefill([metrics[c.metric] for c in hard], tile, lab, cache, pool)
            ok = study.copy()
            unk = study & unknown_all
            if pass_no == 0:
                n_study += np.bincount(lab[study], minlength=len(study_codes))
            for crit in hard:
                codes = hard_status(crit, evaluate_metric(metrics[crit.metric], tile, lab, cache),
                                    evidence.get(crit.metric))
                fails = (codes == FAIL) & study
                unk |= codes == UNKNOWN
                if pass_no == 0:
                    n_fail[crit.id] += int(fails.sum())
                ok &= ~fails
            if strict:
                ok &= ~unk
            unk &= ok
            if pass_no == 0:
                n_pass += np.bincount(lab[ok], minlength=len(study_codes))
                n_unknown += np.bincount(lab[unk], minlength=len(study_codes))
                unknown[slices] = unk
            if not ok.any():
                continue
            _prefill([metrics[c.metric] for c in soft], tile, lab, cache, pool)
            vals = [soft_values(c, evaluate_metric(metrics[c.metric], tile, lab, cache))[ok]
                    for c in soft]
            if topsis and pass_no == 0:
                assert acc is not None
                for j, v in enumerate(vals):
                    acc["sumsq"][j] += float(np.dot(v, v))
                    acc["max"][j] = max(acc["max"][j], float(v.max()))
                    acc["min"][j] = min(acc["min"][j], float(v.min()))
                continue
            out = np.full(tile.shape, np.nan, dtype="float32")
            out[ok] = _aggregate(vals, weights, profile.aggregation, acc)
            score[slices] = out
    bar.close()
    cells_total = int(n_study.sum())
    excluded = {cid: (n / cells_total if cells_total else float("nan"))
                for cid, n in n_fail.items()}
    for c in profile.hard:
        excluded.setdefault(c.id, 0.0 if c.id not in not_eval else float("nan"))
    prov = {
        "created_utc": utc_now(), "profile_id": profile.id,
        "profile_hash": profile.content_hash, "catalog": layerset.catalog.id,
        "region": region.label, "resolution_m": grid.resolution_m, "tile_px": int(tile_px),
        "shape": list(grid.shape), "transform": list(grid.transform)[:6],
        "aggregation": profile.aggregation, "strict": strict,
        "weights": {c.id: float(w) for c, w in zip(soft, weights, strict=True)},
        "seconds": round(time.perf_counter() - t0, 3), "libraries": library_versions(),
    }
    result = SurfaceResult(
        score=score, transform=grid.transform, resolution_m=grid.resolution_m,
        municipality=labels, kommunkoder=study_codes, names=study_names,
        excluded_share=excluded, not_evaluated=dict(not_eval), notes=tuple(notes),
        min_area_ha=min_area,
        cells_study={c: int(n) for c, n in zip(study_codes, n_study, strict=True)},
        cells_passing={c: int(n) for c, n in zip(study_codes, n_pass, strict=True)},
        profile_id=profile.id, provenance=prov, unknown=unknown,
        cells_unknown={c: int(n) for c, n in zip(study_codes, n_unknown, strict=True)},
        strict=strict)
    if out_path is not None:
        path = write_geotiff(result, out_path)
        result = _with_path(result, path)
    return result


def _with_path(result: SurfaceResult, path: Path) -> SurfaceResult:
    from dataclasses import replace

    return replace(result, path=path)


class _MunicipalityIndex:
    """Study municipalities rasterised tile by tile (spatial index, GeoJSON converted once)."""

    def __init__(self, geoms: np.ndarray, values: np.ndarray) -> None:
        self.geoms = geoms
        self.values = values
        self.tree = shapely.STRtree(geoms)
        self._json: dict[int, dict] = {}

    def labels(self, tile: Grid) -> np.ndarray:
        hits = self.tree.query(shapely.box(*tile.bounds)) if self.geoms.size else []
        if len(hits) == 0:
            return np.full(tile.shape, -1, dtype=np.int64)
        shapes = []
        for i in np.sort(hits).tolist():
            if i not in self._json:
                self._json[i] = shapely.geometry.mapping(self.geoms[i])
            shapes.append((self._json[i], int(self.values[i])))
        with GDAL_LOCK:
            burnt = rasterio.features.rasterize(shapes, out_shape=tile.shape,
                                                transform=tile.transform, fill=-1,
                                                dtype="int32")
        return burnt.astype(np.int64)


def _aggregate(vals: list[np.ndarray], weights: np.ndarray, method: str,
               acc: Mapping[str, np.ndarray] | None) -> np.ndarray:
    """Scores 0..100 of the cells (rows) from criterion values 0..1, as siting.criteria.mcda does."""
    if method == "weighted_sum":
        total = np.zeros(vals[0].shape, dtype="float64")
        for v, w in zip(vals, weights, strict=True):
            total += w * v
        return np.clip(total * 100.0, 0.0, 100.0)
    if method == "cautious":
        wn = weights / weights.max()
        out = np.ones(vals[0].shape, dtype="float64")
        for v, w in zip(vals, wn, strict=True):
            np.minimum(out, np.maximum(1.0 - w, v), out=out)
        return np.clip(out * 100.0, 0.0, 100.0)
    assert acc is not None  # topsis: global normalisation from the first pass
    norm = np.sqrt(acc["sumsq"])
    norm = np.where(norm > 0, norm, 1.0)
    scale = weights / norm
    best, worst = acc["max"] * scale, acc["min"] * scale
    d_plus = np.zeros(vals[0].shape)
    d_minus = np.zeros(vals[0].shape)
    for j, v in enumerate(vals):
        x = v * scale[j]
        d_plus += (x - best[j]) ** 2
        d_minus += (x - worst[j]) ** 2
    d_plus, d_minus = np.sqrt(d_plus), np.sqrt(d_minus)
    denom = d_plus + d_minus
    with np.errstate(invalid="ignore", divide="ignore"):
        closeness = np.where(denom > 0, d_minus / np.where(denom > 0, denom, 1.0), 0.5)
    return np.clip(closeness * 100.0, 0.0, 100.0)


def write_geotiff(result: SurfaceResult, path: str | Path, *, block_px: int = 256) -> Path:
    """Write the score as a GeoTIFF: EPSG:3006, float32, nodata -9999, tiled, deflate, overviews.

    Band 1 is the score; band 2 marks the scored cells whose verdict rests on unknown
    hard criteria (1) and those whose verdict is conclusive (0).

    Parameters
    ----------
    result : SurfaceResult
    path : str or Path
        Output file (``.tif``); parent folders are created.
    block_px : int
        Internal tile size (multiple of 16).

    Returns
    -------
    Path
    """
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    rows, cols = result.shape
    profile = {
        "driver": "GTiff", "width": cols, "height": rows, "count": 2, "dtype": "float32",
        "crs": "EPSG:3006", "transform": result.transform, "nodata": NODATA,
        "tiled": True, "blockxsize": block_px, "blockysize": block_px,
        "compress": "deflate", "predictor": 3, "BIGTIFF": "IF_SAFER",
    }
    with rasterio.open(out, "w", **profile) as dst:
        step = block_px * 8
        for r0 in range(0, rows, step):
            chunk = result.score[r0:r0 + step]
            data = np.where(np.isnan(chunk), np.float32(NODATA), chunk).astype("float32")
            win = rasterio.windows.Window(0, r0, cols, chunk.shape[0])
            dst.write(data, 1, window=win)
            unk = (result.unknown[r0:r0 + step] if result.unknown is not None
                   else np.zeros(chunk.shape, dtype=bool))
            dst.write(np.where(np.isnan(chunk), np.float32(NODATA),
                               unk.astype("float32")).astype("float32"), 2, window=win)
        dst.update_tags(profile_id=result.profile_id, resolution_m=str(result.resolution_m),
                        units="score 0-100", created_utc=str(result.provenance.get(
                            "created_utc", "")))
        dst.set_band_description(1, f"suitability score 0-100 ({result.profile_id})")
        dst.set_band_description(2, "verdict rests on unknown hard criteria (1) or not (0)")
    factors = []
    f = 2
    while min(rows, cols) // f >= 64 or (not factors and min(rows, cols) // f >= 1):
        factors.append(f)
        f *= 2
    if factors:
        with rasterio.open(out, "r+") as dst:
            dst.build_overviews(factors, Resampling.average)
            dst.update_tags(ns="rio_overview", resampling="average")
    return out
