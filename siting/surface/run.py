"""The suitability surface: a profile evaluated on every cell of a raster grid.

:func:`suitability_surface` turns an establishment profile and a LayerSet into
a score raster over the study area (EPSG:3006): each cell is treated as a
small site at its centre. Hard criteria become an exclusion mask (cells
failing any are nodata), soft criteria are scored 0..100 with the profile's
value functions, weights and aggregation, exactly as site scoring does
(:mod:`siting.scoring.sites`), and the result is written as a tiled, deflated,
band-interleaved float32 GeoTIFF with overviews.

Per metric kind (contracts §B):

* ``distance`` / ``nearest_attribute``: exact Euclidean distance from the cell
  centre to the nearest feature (points measured directly; lines densified to
  a quarter cell and found with a distance transform, see
  :mod:`siting.surface.kernels`); 0 inside polygons;
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
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numexpr as ne
import numpy as np
import rasterio
import rasterio.windows
from affine import Affine
from rasterio.enums import Resampling
from tqdm import tqdm

from siting.core.errors import ScoringError
from siting.core.provenance import library_versions, utc_now
from siting.criteria.evaluator import evidence_for
from siting.criteria.profiles import Profile
from siting.data.layerset import LayerSet
from siting.metrics.surface_ops import Grid
from siting.surface.evaluate import prepare_metrics, relevance_caps
from siting.surface.tiles import (
    MunicipalityIndex,
    TileContext,
    TileOut,
    dask_client,
    run_tiles,
)

__all__ = ["GDAL_CACHE_BYTES", "MAX_TILE_PX", "NODATA", "SurfaceResult", "municipality_path", "suitability_surface",
           "write_geotiff"]

#: Nodata value of the written GeoTIFF (the in-memory score uses NaN).
NODATA = -9999.0
#: Largest tile edge (cells) that ``grow_tiles`` may choose (bounds memory per tile).
MAX_TILE_PX = 4096
#: Internal block size of the written GeoTIFFs; grown tiles are multiples of it.
BLOCK_PX = 256
#: GDAL's block cache (bytes) while streaming, building overviews and reading back: the
#: default (5 % of RAM) would grow with the grid; whole-block writes need little.
GDAL_CACHE_BYTES = 128 * 1024 * 1024


@dataclass(frozen=True)
class SurfaceResult:
    """A computed suitability surface.

    Attributes
    ----------
    score : ndarray of float32 or None
        Score 0..100 per cell; NaN outside the study area and where a hard
        criterion fails. None when the surface was streamed to :attr:`path`.
    transform : affine.Affine
        Cell-to-EPSG:3006 transform (north-up, square cells).
    resolution_m : float
        Cell size in metres.
    municipality : ndarray of int16 or None
        Index into :attr:`kommunkoder` of the study municipality holding the
        cell centre; -1 outside the study area. None when streamed to
        :attr:`municipality_path`.
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
        None when streamed (band 2 of the GeoTIFF).
    cells_unknown : Mapping[str, int]
        Per kommunkod: such cells.
    strict : bool
        Whether unknown counted as fail.
    path : Path or None
        The GeoTIFF written, if any.
    provenance : Mapping
        Profile id and hash, catalogue, region, grid, timing, library versions.
    grid_shape : tuple of int
        (rows, cols) of the grid (also when the arrays were streamed).
    municipality_path : Path or None
        The streamed municipality-index raster (int16, nodata -1), if any.
    score_hist16 : ndarray or None
        Count of scored cells per upper 16 bits of their float32 score
        (:func:`siting.surface.candidates.score_percentile` starts from it).
    """

    score: np.ndarray | None
    transform: Affine
    resolution_m: float
    municipality: np.ndarray | None
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
    grid_shape: tuple[int, int] = (0, 0)
    municipality_path: Path | None = None
    score_hist16: np.ndarray | None = None

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, cols)."""
        if self.score is not None:
            rows, cols = self.score.shape
            return int(rows), int(cols)
        return self.grid_shape

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
                        workers: int | None = None, scheduler: str | None = None,
                        in_memory: bool = True, strict: bool = False) -> SurfaceResult:
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
        tiled, deflate, overviews); each tile is written as it finishes.
    progress : bool
        Show a tqdm progress bar over tiles on stderr.
    workers : int, optional
        Worker processes of a local Dask cluster computing tiles in parallel;
        None or 1 computes them in this process. Results do not depend on it.
    scheduler : str, optional
        Address of a Dask scheduler (``tcp://host:8786``) to run the tiles on;
        default the environment variable ``SITING_DASK_SCHEDULER``.
    in_memory : bool
        Keep the score and municipality arrays (``score``, ``municipality``).
        False (needs ``out_path``) streams them to the GeoTIFF and a companion
        ``*.municipality.tif``, so memory is bounded by the tile size; the
        result then has ``score = municipality = None`` and
        :func:`siting.surface.candidates.candidate_areas` reads the files strip by strip.
    strict : bool
        Count a cell whose verdict rests on an unknown criterion as failing (excluded);
        by default it is scored like a passing cell and marked in ``SurfaceResult.unknown``.

    Returns
    -------
    SurfaceResult

    Raises
    ------
    ScoringError
        Bad resolution, tile size or workers, streaming without ``out_path``, or no
        soft criterion can be evaluated per cell.
    """
    if not (resolution_m > 0 and math.isfinite(resolution_m)):
        raise ScoringError.single("resolution_m", f"must be a positive number of metres, got "
                                  f"{resolution_m!r}", hint="e.g. 100")
    if tile_px < 16:
        raise ScoringError.single("tile_px", f"must be at least 16, got {tile_px}")
    if workers is not None and workers < 1:
        raise ScoringError.single("workers", f"must be at least 1, got {workers}")
    if not in_memory and out_path is None:
        raise ScoringError.single("in_memory", "streaming the surface needs an output file",
                                  hint="give out_path=... .tif, or keep in_memory=True")
    with dask_client(workers, scheduler) as client:
        return _surface(profile, layerset, resolution_m=resolution_m, tile_px=tile_px,
                        out_path=out_path, progress=progress, grow_tiles=grow_tiles,
                        client=client, in_memory=in_memory, strict=strict)


def _surface(profile: Profile, layerset: LayerSet, *, resolution_m: float, tile_px: int,
             out_path: str | Path | None, progress: bool, grow_tiles: bool, client: Any,
             in_memory: bool, strict: bool) -> SurfaceResult:
    """The body of :func:`suitability_surface` (arguments already checked).

    Long because: it is the one place that wires the grid, the per-cell metrics, the tile
    context, the tile loop (serial, processes or Dask) and the streamed or in-memory output;
    the steps share a dozen locals and each is a call of its own already.
    """
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
    study_codes = tuple(region.kommunkoder)
    ctx = TileContext(grid, metrics, tuple(hard), tuple(soft), weights, profile.aggregation,
                      _municipality_index(layerset, study_codes), len(study_codes), evidence,
                      unknown_all, strict)
    if grow_tiles:
        halo_px = max((math.ceil(m.halo_m / grid.resolution_m) for m in metrics.values()),
                      default=0)
        tile_px = max(tile_px, min(MAX_TILE_PX, 4 * halo_px))
        tile_px = -(-tile_px // BLOCK_PX) * BLOCK_PX  # whole blocks: each written once
        if halo_px and max(grid.shape) <= 1.25 * MAX_TILE_PX:
            tile_px = max(grid.shape)  # one tile: a halo as wide as the grid is paid once
    windows = [(sl[0].start, sl[1].start, t.shape[0], t.shape[1])
               for sl, t in grid.tiles(tile_px)]
    topsis = profile.aggregation == "topsis"
    bar = tqdm(total=len(windows) * (2 if topsis else 1), desc="surface", unit="tile",
               file=sys.stderr, disable=None if progress else True, leave=False)
    acc = _topsis_sums(ctx, windows, client, bar) if topsis else None
    n_study = np.zeros(len(study_codes), dtype=np.int64)
    n_pass = np.zeros(len(study_codes), dtype=np.int64)
    n_unknown = np.zeros(len(study_codes), dtype=np.int64)
    n_fail = dict.fromkeys((c.id for c in hard), 0)
    hist = np.zeros(1 << 16, dtype=np.int64)
    sink = _Sink(grid, in_memory, None if in_memory else out_path, profile.id)
    with sink:
        for tile in run_tiles(ctx, windows, client, acc):
            bar.update(1)
            sink.put(tile)
            n_study += tile.n_study
            n_pass += tile.n_pass
            if tile.n_unknown is not None:
                n_unknown += tile.n_unknown
            if tile.hist is not None:
                hist += tile.hist
            for cid, n in tile.n_fail.items():
                n_fail[cid] += n
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
        "workers": len(client.scheduler_info().get("workers", {})) if client else 1,
        "seconds": round(time.perf_counter() - t0, 3), "libraries": library_versions(),
    }
    result = SurfaceResult(
        score=sink.score, transform=grid.transform, resolution_m=grid.resolution_m,
        municipality=sink.labels, kommunkoder=study_codes, names=tuple(region.names),
        excluded_share=excluded, not_evaluated=dict(not_eval), notes=tuple(notes),
        min_area_ha=min_area,
        cells_study={c: int(n) for c, n in zip(study_codes, n_study, strict=True)},
        cells_passing={c: int(n) for c, n in zip(study_codes, n_pass, strict=True)},
        profile_id=profile.id, provenance=prov, grid_shape=grid.shape,
        municipality_path=sink.labels_path, score_hist16=hist, unknown=sink.unknown,
        cells_unknown={c: int(n) for c, n in zip(study_codes, n_unknown, strict=True)},
        strict=strict)
    if in_memory and out_path is not None:
        return replace(result, path=write_geotiff(result, out_path))
    if not in_memory:
        assert sink.path is not None
        _finish_geotiff(sink.path, result)
        return replace(result, path=sink.path)
    return result


def _municipality_index(layerset: LayerSet, study_codes: tuple[str, ...]) -> MunicipalityIndex:
    """The study municipalities' polygons, valued by their position in ``study_codes``."""
    munis = layerset.municipalities
    codes_all = [str(c) for c in munis["kommunkod"]]
    study_pos = {c: i for i, c in enumerate(study_codes)}
    geoms = np.asarray(munis.geometry.values, dtype=object)
    in_study = [i for i, c in enumerate(codes_all) if c in study_pos and geoms[i] is not None
                and not geoms[i].is_empty]
    row_to_study = np.array([study_pos.get(c, -1) for c in codes_all], dtype=np.int64)
    return MunicipalityIndex(geoms[in_study], row_to_study[in_study])


def _topsis_sums(ctx: TileContext, windows: list[tuple[int, int, int, int]], client: Any,
                 bar: Any) -> dict[str, np.ndarray]:
    """TOPSIS' global normalisation: sums over the tiles, added in window order (deterministic)."""
    parts: dict[tuple[int, int, int, int], dict[str, np.ndarray]] = {}
    for tile in run_tiles(ctx, windows, client, first_pass=True):
        bar.update(1)
        if tile.sums is not None:
            parts[tile.window] = tile.sums
    n = len(ctx.soft)
    acc = {"sumsq": np.zeros(n), "max": np.full(n, -np.inf), "min": np.full(n, np.inf)}
    for w in windows:
        if w in parts:
            acc["sumsq"] += parts[w]["sumsq"]
            acc["max"] = np.maximum(acc["max"], parts[w]["max"])
            acc["min"] = np.minimum(acc["min"], parts[w]["min"])
    return acc


class _Sink:
    """Where finished tiles go: arrays in memory, or windowed writes to GeoTIFFs."""

    def __init__(self, grid: Grid, in_memory: bool, path: str | Path | None,
                 profile_id: str) -> None:
        self.score: np.ndarray | None = None
        self.labels: np.ndarray | None = None
        self.unknown: np.ndarray | None = None
        self.path = self.labels_path = None
        self._grid, self._profile_id = grid, profile_id
        self._dst: list[Any] = []
        self._env: Any = None
        self._in_memory = in_memory
        if not in_memory:
            assert path is not None
            self.path = Path(path)
            self.labels_path = municipality_path(self.path)

    def _allocate(self) -> None:
        """The in-memory arrays: NaN scores, no municipality, nothing unknown."""
        if self.score is None:
            self.score = np.full(self._grid.shape, np.nan, dtype="float32")
            self.labels = np.full(self._grid.shape, -1, dtype="int16")
            self.unknown = np.zeros(self._grid.shape, dtype=bool)

    def __enter__(self) -> _Sink:
        if self.path is not None:
            assert self.labels_path is not None
            self._env = rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_BYTES)
            self._env.__enter__()
            self._dst = [_open_geotiff(self.path, self._grid, "float32", NODATA, count=2),
                         _open_geotiff(self.labels_path, self._grid, "int16", -1)]
        return self

    def put(self, tile: TileOut) -> None:
        """Place a finished tile (a tile that is the whole grid is kept as it is)."""
        if self._in_memory:
            if tile.window == (0, 0, *self._grid.shape) and tile.score is not None and \
                    tile.unknown is not None:
                self.score, self.unknown, self.labels = tile.score, tile.unknown, tile.labels
                return
            self._allocate()
            assert self.score is not None and self.labels is not None
            assert self.unknown is not None
            if tile.score is not None:
                self.score[tile.slices] = tile.score
            if tile.unknown is not None:
                self.unknown[tile.slices] = tile.unknown
            self.labels[tile.slices] = tile.labels
            return
        r0, c0, rows, cols = tile.window
        win = rasterio.windows.Window(c0, r0, cols, rows)
        score = (np.full((rows, cols), np.nan, dtype="float32") if tile.score is None
                 else tile.score)
        for band, arr in enumerate(_score_bands(score, tile.unknown), start=1):
            self._dst[0].write(arr, band, window=win)
        self._dst[1].write(tile.labels, 1, window=win)

    def __exit__(self, *exc: object) -> None:
        if self._in_memory:
            self._allocate()
        for dst in self._dst:
            dst.close()
        if self._env is not None:
            self._env.__exit__(None, None, None)


def _score_bands(score: np.ndarray, unknown: np.ndarray | None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """The GeoTIFF's two bands: score (nodata -9999) and 1 where the verdict rests on unknowns."""
    local = {"s": score, "nodata": np.float32(NODATA)}
    band1 = np.empty(score.shape, dtype="float32")
    band2 = np.empty(score.shape, dtype="float32")
    ne.evaluate("where(s != s, nodata, s)", local_dict=local, out=band1, casting="same_kind")
    if unknown is None:
        ne.evaluate("where(s != s, nodata, 0.0)", local_dict=local, out=band2,
                    casting="same_kind")
    else:
        ne.evaluate("where(s != s, nodata, where(u, 1.0, 0.0))", local_dict={**local,
                    "u": unknown}, out=band2, casting="same_kind")
    return band1, band2


def municipality_path(score_path: str | Path) -> Path:
    """The companion raster of study-municipality indices next to a streamed score GeoTIFF."""
    p = Path(score_path)
    return p.with_name(p.stem + ".municipality.tif")


def _open_geotiff(path: Path, grid: Grid, dtype: str, nodata: float, *, count: int = 1,
                  block_px: int = BLOCK_PX) -> Any:
    path.parent.mkdir(parents=True, exist_ok=True)
    rows, cols = grid.shape
    return rasterio.open(
        path, "w", driver="GTiff", width=cols, height=rows, count=count, dtype=dtype,
        crs="EPSG:3006", transform=grid.transform, nodata=nodata, tiled=True,
        blockxsize=block_px, blockysize=block_px, compress="deflate",
        predictor=3 if dtype == "float32" else 2, BIGTIFF="IF_SAFER",
        interleave="band",  # score and unknown bands compress apart: smaller, less CPU
        zlevel=1,  # a third of level 6's CPU for files about 4 % larger
        NUM_THREADS=os.environ.get("GDAL_NUM_THREADS", "ALL_CPUS"))  # threaded compression


def write_geotiff(result: SurfaceResult, path: str | Path) -> Path:
    """Write the score as a GeoTIFF: EPSG:3006, float32, nodata -9999, tiled, deflate, overviews.

    Band 1 is the score; band 2 marks the scored cells whose verdict rests on unknown
    hard criteria (1) and those whose verdict is conclusive (0).

    Parameters
    ----------
    result : SurfaceResult
        An in-memory surface.
    path : str or Path
        Output file (``.tif``); parent folders are created.

    Returns
    -------
    Path
    """
    if result.score is None:
        raise ScoringError.single("surface", "the surface was streamed to a file; it has no "
                                  "score array to write", hint=f"use {result.path}")
    out = Path(path)
    rows, cols = result.shape
    grid = Grid(result.transform, (rows, cols))
    with _open_geotiff(out, grid, "float32", NODATA, count=2) as dst:
        step = 2048
        for r0 in range(0, rows, step):
            chunk = result.score[r0:r0 + step]
            unk = None if result.unknown is None else result.unknown[r0:r0 + step]
            for band, arr in enumerate(_score_bands(chunk, unk), start=1):
                dst.write(arr, band, window=rasterio.windows.Window(0, r0, cols, chunk.shape[0]))
    _finish_geotiff(out, result)
    return out


def _finish_geotiff(out: Path, result: SurfaceResult) -> None:
    """Tags, band description and overviews built from the written file.

    Overviews sample the nearest cell: the unknown band stays 0/1 and excluded cells stay
    nodata at every level (an average would blur both); it is also what GRASS'
    ``r.out.gdal`` writes.
    """
    rows, cols = result.shape
    factors: list[int] = []
    f = 2
    while min(rows, cols) // f >= 64 or (not factors and min(rows, cols) // f >= 1):
        factors.append(f)
        f *= 2
    with rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_BYTES), rasterio.open(out, "r+") as dst:
        dst.update_tags(profile_id=result.profile_id, resolution_m=str(result.resolution_m),
                        units="score 0-100", created_utc=str(result.provenance.get(
                            "created_utc", "")))
        dst.set_band_description(1, f"suitability score 0-100 ({result.profile_id})")
        dst.set_band_description(2, "verdict rests on unknown hard criteria (1) or not (0)")
        if factors:
            dst.build_overviews(factors, Resampling.nearest)
            dst.update_tags(ns="rio_overview", resampling="nearest")
