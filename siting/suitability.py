"""The suitability surface of a profile and the candidate areas it implies.

Every metric of the profile that has a raster counterparts in
:mod:`siting.metrics.surface_ops` is evaluated at the cell centres of a grid
over the study area. Hard criteria become an exclusion mask, soft criteria are
turned into 0..1 values by their value functions and aggregated with the
profile's weights (weighted sum; criteria not evaluated on the surface are left
out and the remaining weights renormalised, as in :mod:`siting.scoring`).

Candidate areas are the connected groups of cells that pass every hard
criterion evaluated on the surface, at least ``profile.min_area_ha`` large.

What the surface cannot evaluate is said, never silently passed: metrics of
the site itself (``site_area``, ``site_attribute``) and ``nearest_attribute``
have no cell counterpart and are listed in :attr:`Suitability.not_evaluated`.
Labour pools on the surface are straight-line (distance x detour factor).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio.features
import shapely

from siting.errors import ScoringError
from siting.metrics import surface_ops as so
from siting.metrics.filters import apply_filter

__all__ = ["SURFACE_KINDS", "SurfaceComponents", "Suitability", "surface_components",
           "suitability_surface"]

#: Metric kinds with a surface counterpart.
SURFACE_KINDS = ("distance", "sum_within", "count_within", "overlap_share", "raster_stat",
                 "municipality_attribute", "labour_pool")


@dataclass(frozen=True)
class Suitability:
    """A suitability surface over the study area.

    Attributes
    ----------
    grid : surface_ops.Grid
        The grid (EPSG:3006).
    score : ndarray
        0..1 per cell; NaN outside the study area and where a hard criterion fails.
    passes : ndarray of bool
        Cells inside the study area meeting every hard criterion evaluated.
    not_evaluated : tuple of str
        Criteria (hard and soft ids) not evaluated on the surface.
    candidate_areas : GeoDataFrame
        Polygons (EPSG:3006) of connected passing cells >= the profile's minimum
        area, with ``area_ha`` and ``mean_score``, largest mean score first.
    """

    grid: so.Grid
    score: np.ndarray
    passes: np.ndarray
    not_evaluated: tuple[str, ...]
    candidate_areas: gpd.GeoDataFrame

    @property
    def bounds_3006(self) -> tuple[float, float, float, float]:
        """(minx, miny, maxx, maxy) of the grid."""
        return self.grid.bounds


def _layer_for(layerset: Any, params: Mapping[str, Any], kind: str) -> Any:
    type_name = params.get("layer")
    if kind == "raster_stat":
        return layerset.raster(type_name)
    if kind == "municipality_attribute":
        return layerset.table(type_name)
    if kind == "labour_pool":
        return layerset.vector("population_grid")
    layer = layerset.vector(type_name)
    if layer is None:
        return None
    flt = params.get("filter")
    return apply_filter(layer, flt, source=f"layer '{type_name}'") if flt else layer


def _metric_surface(kind: str, params: Mapping[str, Any], layerset: Any,
                    grid: so.Grid) -> np.ndarray | None:
    """The metric at cell centres, or None when it has no surface form or no layer."""
    if kind not in SURFACE_KINDS:
        return None
    layer = _layer_for(layerset, params, kind)
    if layer is None:
        return None
    if kind == "distance":
        if len(layer) == 0:
            return np.full(grid.shape, np.nan, dtype="float32")
        return so.compute_tiled(so.distance_surface, grid, layer)
    if kind == "sum_within":
        if len(layer) == 0:
            return np.zeros(grid.shape, dtype="float32")
        return so.compute_tiled(so.sum_within_surface, grid, layer, params["field"],
                                float(params["radius_m"]))
    if kind == "count_within":
        if len(layer) == 0:
            return np.zeros(grid.shape, dtype="float32")
        return so.compute_tiled(so.count_within_surface, grid, layer, float(params["radius_m"]))
    if kind == "overlap_share":
        if len(layer) == 0:
            return np.zeros(grid.shape, dtype="float32")
        return so.compute_tiled(so.overlap_surface, grid, layer)
    if kind == "raster_stat":
        return so.raster_stat_surface(layer, params.get("stat", "mean"), grid=grid,
                                      classes=params.get("classes"))
    if kind == "municipality_attribute":
        if pd.api.types.is_numeric_dtype(layer[params["field"]]):
            return so.municipality_attribute_surface(layerset.municipalities, layer,
                                                     params["field"], grid=grid)
        return _text_attribute_surface(layerset.municipalities, layer, params["field"], grid)
    field = params.get("field", "working_age_population")
    if field not in layer.columns:
        field = "population"
    return so.labour_pool_surface(layer, grid=grid, travel_time_min=float(
        params["travel_time_min"]), speed_kmh=float(params.get("speed_kmh", 70.0)),
        detour_factor=float(params.get("detour_factor", 1.3)), field=field)


def _text_attribute_surface(municipalities: gpd.GeoDataFrame, table: pd.DataFrame, field: str,
                            grid: so.Grid) -> np.ndarray:
    """A text attribute of the municipality containing each cell centre (object array)."""
    codes = municipalities["kommunkod"].astype(str).to_numpy()
    burnt = rasterio.features.rasterize(
        ((g, i + 1) for i, g in enumerate(municipalities.geometry)), out_shape=grid.shape,
        transform=grid.transform, fill=0, dtype="int32")
    lookup = dict(zip(table["kommunkod"].astype(str), table[field], strict=False))
    values = np.array([None] + [lookup.get(c) for c in codes], dtype=object)
    return values[burnt]


@dataclass(frozen=True)
class SurfaceComponents:
    """The weight-independent part of a surface: hard mask and soft values per criterion.

    Computing these is the expensive step; :meth:`combine` re-weights in milliseconds.
    """

    grid: so.Grid
    passes: np.ndarray
    values: Mapping[str, np.ndarray]
    not_evaluated: tuple[str, ...]
    min_area_ha: float

    def combine(self, weights: Mapping[str, float]) -> Suitability:
        """The surface for ``weights`` (soft id -> weight; renormalised over evaluated ones)."""
        total = np.zeros(self.grid.shape)
        w_sum = 0.0
        for cid, v in self.values.items():
            w = float(weights.get(cid, 0.0))
            total += w * v
            w_sum += w
        score = total / w_sum if w_sum > 0 else np.zeros(self.grid.shape)
        score = np.where(self.passes, score, np.nan)
        areas = _candidate_areas(self.passes, score, self.grid, self.min_area_ha)
        return Suitability(grid=self.grid, score=score, passes=self.passes,
                           not_evaluated=self.not_evaluated, candidate_areas=areas)


def surface_components(layerset: Any, profile: Any, *, resolution_m: float = 250.0,
                       max_cells: int = 250_000) -> SurfaceComponents:
    """Evaluate the profile's metrics on a grid over the study area (see :func:`suitability_surface`)."""
    area = layerset.region.geometry
    if area is None or area.is_empty:
        raise ScoringError.single("region", "the study area is empty",
                                  hint="choose at least one municipality")
    minx, miny, maxx, maxy = area.bounds
    res = float(resolution_m)
    while ((maxx - minx) / res) * ((maxy - miny) / res) > max_cells:
        res *= 1.5
    grid = so.Grid.from_bounds(area.bounds, res)
    inside = rasterio.features.geometry_mask([area], out_shape=grid.shape,
                                             transform=grid.transform, invert=True)
    surfaces: dict[str, np.ndarray | None] = {}
    for spec in profile.metrics:
        surfaces[spec.id] = _metric_surface(spec.kind, spec.params, layerset, grid)

    passes = inside.copy()
    not_eval: list[str] = []
    for crit in profile.hard:
        vals = surfaces.get(crit.metric)
        if vals is None:
            not_eval.append(crit.id)
            continue
        present = _present(vals)
        with np.errstate(invalid="ignore"):
            ok = np.asarray(crit.evaluate(vals.ravel()), dtype=bool).reshape(grid.shape)
        passes &= ok & present
    values: dict[str, np.ndarray] = {}
    for crit in profile.soft:
        vals = surfaces.get(crit.metric)
        if vals is None:
            not_eval.append(crit.id)
            continue
        flat = vals.ravel() if vals.dtype == object else vals.astype(float).ravel()
        v = np.asarray(crit.value_fn(flat), dtype=float).reshape(grid.shape)
        v = np.where(_present(vals) & np.isfinite(v), np.clip(v, 0.0, 1.0), 0.0)
        values[crit.id] = v
    return SurfaceComponents(grid=grid, passes=passes, values=values,
                             not_evaluated=tuple(not_eval),
                             min_area_ha=float(getattr(profile, "min_area_ha", 0.0)))


def suitability_surface(layerset: Any, profile: Any, *, resolution_m: float = 250.0,
                        max_cells: int = 250_000,
                        weights: Mapping[str, float] | None = None) -> Suitability:
    """Compute the suitability surface and candidate areas of ``profile`` over the study area.

    Parameters
    ----------
    layerset : LayerSet
        Loaded layers; the grid covers ``layerset.region.geometry``.
    profile : Profile
        The establishment profile.
    resolution_m : float
        Cell size in metres; coarsened automatically so the grid has at most
        ``max_cells`` cells.
    max_cells : int
        Upper bound on the number of cells (keeps the app responsive).
    weights : mapping, optional
        Soft weights to use instead of the profile's (e.g. from the app's sliders).

    Raises
    ------
    ScoringError
        When the study area is empty.
    """
    parts = surface_components(layerset, profile, resolution_m=resolution_m,
                               max_cells=max_cells)
    return parts.combine(dict(weights) if weights is not None else dict(profile.weights))


def _present(vals: np.ndarray) -> np.ndarray:
    if vals.dtype == object:
        return np.array([v is not None and v == v for v in vals.ravel()],
                        dtype=bool).reshape(vals.shape)
    return np.isfinite(vals)


def _candidate_areas(passes: np.ndarray, score: np.ndarray, grid: so.Grid,
                     min_area_ha: float) -> gpd.GeoDataFrame:
    from scipy import ndimage

    labels, n = ndimage.label(passes)
    cell_ha = grid.resolution_m ** 2 / 10_000.0
    if n == 0:
        return gpd.GeoDataFrame({"area_ha": [], "mean_score": []}, geometry=[],
                                crs="EPSG:3006")
    idx = np.arange(1, n + 1)
    counts = ndimage.sum_labels(np.ones_like(labels), labels, idx)
    means = ndimage.mean(np.nan_to_num(score), labels, idx)
    keep = {int(i) for i, c in zip(idx, counts, strict=True) if c * cell_ha >= min_area_ha}
    geoms, area_ha, mean_score = [], [], []
    shapes = rasterio.features.shapes(labels.astype("int32"), mask=labels > 0,
                                      transform=grid.transform)
    parts: dict[int, list[Any]] = {}
    for geom, value in shapes:
        if int(value) in keep:
            parts.setdefault(int(value), []).append(shapely.geometry.shape(geom))
    for lab, polys in parts.items():
        geoms.append(shapely.union_all(polys))
        area_ha.append(float(counts[lab - 1] * cell_ha))
        mean_score.append(float(means[lab - 1]))
    out = gpd.GeoDataFrame({"area_ha": area_ha, "mean_score": mean_score}, geometry=geoms,
                           crs="EPSG:3006")
    return out.sort_values("mean_score", ascending=False).reset_index(drop=True)
