"""The metric kinds of contracts §B and the dispatcher that runs them on a LayerSet.

A profile names a metric by ``kind`` and its parameters (TOML keys); the
scoring engine calls :func:`compute_metric` per metric. The layer is looked up
by canonical *type* (``params["layer"]``), so a profile runs on any catalogue.
When the needed layer is not loaded, :class:`MissingLayer` is raised: the
scoring engine catches it and marks the criterion *not evaluated*.

Examples
--------
>>> sorted(METRIC_KINDS)[:3]
['count_within', 'distance', 'labour_pool']
>>> METRIC_KINDS["sum_within"].required
('layer', 'field', 'radius_m')
>>> validate_params("distance", {"layer": "substations",
...                              "filter": {"voltage_kv": {"min": 380}}})
[]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from siting.core.errors import Problem, ProfileError, ScoringError, SitingError
from siting.data.layerset import LayerSet
from siting.data.schema import LAYER_TYPES
from siting.metrics.attributes import assign_kommunkod, municipality_attribute
from siting.metrics.distance import nearest_attribute, nearest_distance
from siting.metrics.filters import apply_filter
from siting.metrics.geometry import site_area, site_attribute
from siting.metrics.labour import labour_pool
from siting.metrics.overlap import overlap_share
from siting.metrics.radius import count_within, sum_within
from siting.metrics.roadgraph import RoadGraphCache
from siting.metrics.spec import (
    DEFAULT_DETOUR_FACTOR,
    DEFAULT_LABOUR_FIELD,
    DEFAULT_SPEED_KMH,
    METRIC_KINDS,
    LayerNeed,
    MetricKind,
    check_metric_params,
)
from siting.metrics.zonal import raster_stat

__all__ = [
    "DESCRIPTIVE_KEYS",
    "METRIC_KINDS",
    "LayerNeed",
    "MissingField",
    "MetricKind",
    "MissingLayer",
    "compute_metric",
    "validate_params",
]

#: Keys of a ``[[metric]]`` table that describe it and are not parameters.
DESCRIPTIVE_KEYS: frozenset[str] = frozenset({
    "id", "kind", "unit", "label_sv", "label_en", "description_sv", "description_en",
    "description", "name", "higher_is_better", "source",
})


class MissingLayer(ScoringError):  # noqa: N818 - name fixed by the metrics contract
    """The layer type a metric needs is not loaded; the criterion is *not evaluated*.

    Parameters
    ----------
    layer_type : str
        The canonical layer type that is missing (e.g. ``"roads"``).
    kind : str
        The metric kind that needed it.
    """

    field: str | None = None

    def __init__(self, layer_type: str, kind: str = "") -> None:
        self.layer_type = layer_type
        self.kind = kind
        problem = Problem(
            source="layer set", location=f"metric kind '{kind}'" if kind else "",
            message=f"no layer of type '{layer_type}' is loaded",
            hint=f"add a '{layer_type}' layer to the catalogue; until then the criterion "
                 "is not evaluated")
        super().__init__(str(problem), (problem,))


class MissingField(MissingLayer):
    """The layer is loaded but lacks a canonical field the metric needs.

    Real data often has the layer without the attribute (e.g. substations
    without available capacity); the criterion is then *not evaluated*,
    exactly as for a missing layer, never passed or failed on a guess.

    Parameters
    ----------
    layer_type : str
        The canonical layer type (loaded).
    kind : str
        The metric kind.
    field : str
        The canonical field the layer lacks.
    """

    def __init__(self, layer_type: str, kind: str, field: str) -> None:
        self.layer_type = layer_type
        self.kind = kind
        self.field = field
        problem = Problem(
            source="layer set", location=f"metric kind '{kind}'", field=field,
            message=f"the '{layer_type}' layer has no field '{field}'",
            hint=f"map a source column onto '{field}' in the catalogue; until then the "
                 "criterion is not evaluated")
        SitingError.__init__(self, str(problem), (problem,))


def _require_fields(layer: pd.DataFrame, layer_type: str, kind: str,
                    params: Mapping[str, Any]) -> None:
    """Raise :class:`MissingField` when a canonical field the metric reads is absent."""
    wanted = [params["field"]] if "field" in params else []
    wanted += list((params.get("filter") or {}).keys())
    ltype = LAYER_TYPES.get(layer_type)
    for fld in wanted:
        if fld not in layer.columns and ltype is not None and ltype.field(fld) is not None:
            raise MissingField(layer_type, kind, str(fld))


#: kind -> the function computing it (the kinds themselves: :data:`siting.metrics.spec.METRIC_KINDS`).
_FUNCTIONS: Mapping[str, Callable[..., pd.Series]] = MappingProxyType({
    "site_area": site_area, "site_attribute": site_attribute, "distance": nearest_distance,
    "nearest_attribute": nearest_attribute, "sum_within": sum_within,
    "count_within": count_within, "overlap_share": overlap_share, "raster_stat": raster_stat,
    "municipality_attribute": municipality_attribute, "labour_pool": labour_pool,
})


def validate_params(kind: str, params: Mapping[str, Any], *, source: str = "metric"
                    ) -> list[Problem]:
    """Check a metric's parameters against its kind; return every problem found.

    The check is :func:`siting.metrics.spec.check_metric_params` (the one contract);
    descriptive keys (:data:`DESCRIPTIVE_KEYS`) are allowed.
    """
    loc = f"metric '{params.get('id', kind)}'"
    return [Problem(source, loc, fld, msg, hint)
            for fld, msg, hint in check_metric_params(kind, params, descriptive=DESCRIPTIVE_KEYS)]


def compute_metric(kind: str, sites: gpd.GeoDataFrame, layerset: LayerSet,
                   params: Mapping[str, Any], *, name: str | None = None,
                   graph_cache: RoadGraphCache | None = None,
                   table_cache: dict[str, pd.DataFrame | None] | None = None) -> pd.Series:
    """Compute one metric for all sites from a LayerSet.

    Parameters
    ----------
    kind : str
        A key of :data:`METRIC_KINDS`.
    sites : GeoDataFrame
        Candidate sites in EPSG:3006 (index kept in the result).
    layerset : LayerSet
        Loaded layers, accessed by canonical type.
    params : mapping
        The metric's TOML table (parameters plus descriptive keys such as ``id``).
    name : str, optional
        Series name; default ``params["id"]``, else the kind.
    graph_cache : RoadGraphCache, optional
        Reuse road graphs across the labour-pool metrics of an evaluation:
        create one per evaluation and pass it to every call (without it the
        graph is rebuilt for each labour-pool metric).
    table_cache : dict, optional
        Reuse the tables of table layer types across the metrics of an evaluation
        (:meth:`LayerSet.table` merges the layers of a type on every call): pass the
        same empty dict to every call.

    Returns
    -------
    pandas.Series
        Indexed like ``sites``, named with the metric id.

    Raises
    ------
    MissingLayer
        The layer type the metric needs is not loaded (criterion not evaluated).
    ProfileError
        The parameters are invalid (all problems listed).
    """
    problems = validate_params(kind, params)
    if problems:
        raise ProfileError.from_problems(f"Invalid parameters for metric kind '{kind}'", problems)
    spec = METRIC_KINDS[kind]
    assert kind in _FUNCTIONS, kind
    label = name or str(params.get("id") or kind)
    src = f"metric '{label}'"
    if kind == "site_area":
        return site_area(sites, name=label)
    if kind == "site_attribute":
        return site_attribute(sites, params["field"], name=label)
    if kind == "labour_pool":
        pop = layerset.vector("population_grid")
        if pop is None:
            raise MissingLayer("population_grid", kind)
        return labour_pool(
            sites, pop, travel_time_min=float(params["travel_time_min"]),
            roads=layerset.vector("roads"),
            speed_kmh=float(params.get("speed_kmh", DEFAULT_SPEED_KMH)),
            detour_factor=float(params.get("detour_factor", DEFAULT_DETOUR_FACTOR)),
            field=str(params.get("field", DEFAULT_LABOUR_FIELD)), name=label,
            graph_cache=graph_cache)
    layer_type = str(params["layer"])
    if spec.layer == "raster":
        raster = layerset.raster(layer_type)
        if raster is None:
            raise MissingLayer(layer_type, kind)
        return raster_stat(sites, raster, params["stat"], classes=params.get("classes"),
                           name=label)
    if spec.layer == "table":
        if table_cache is None:
            table = layerset.table(layer_type)
        elif layer_type in table_cache:
            table = table_cache[layer_type]
        else:
            table = table_cache[layer_type] = layerset.table(layer_type)
        if table is None:
            raise MissingLayer(layer_type, kind)
        _require_fields(table, layer_type, kind, params)
        if "kommunkod" not in sites.columns or sites["kommunkod"].isna().all():
            sites = sites.assign(kommunkod=assign_kommunkod(sites, layerset.municipalities))
        return municipality_attribute(sites, table, params["field"], name=label)
    layer = layerset.vector(layer_type)
    if layer is None:
        raise MissingLayer(layer_type, kind)
    _require_fields(layer, layer_type, kind, params)
    layer = apply_filter(layer, params.get("filter"), source=f"{src}, layer '{layer_type}'")
    if kind == "distance":
        dist = nearest_distance(sites, layer, name=label)
        if len(layer) == 0:
            # The layer is loaded but nothing matching lies within the study area plus its
            # neighbourhood buffer: the distance is larger than anything measured here.
            dist = dist.fillna(np.inf)
            dist.attrs["note"] = {
                "sv": "inget matchande objekt inom studieområdet och dess buffertzon",
                "en": "no matching feature within the study area and its buffer zone"}
        return dist
    if kind == "nearest_attribute":
        return nearest_attribute(sites, layer, params["field"], name=label)
    if kind == "sum_within":
        return sum_within(sites, layer, params["field"], float(params["radius_m"]), name=label)
    if kind == "count_within":
        return count_within(sites, layer, float(params["radius_m"]), name=label)
    return overlap_share(sites, layer, name=label)
