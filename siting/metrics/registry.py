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
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from siting.core.errors import Problem, ProfileError, ScoringError, SitingError
from siting.data.layerset import LayerSet
from siting.data.schema import LAYER_TYPES
from siting.metrics.attributes import assign_kommunkod, municipality_attribute
from siting.metrics.distance import nearest_attribute, nearest_distance
from siting.metrics.filters import apply_filter, validate_filter
from siting.metrics.geometry import site_area, site_attribute
from siting.metrics.labour import labour_pool
from siting.metrics.overlap import overlap_share
from siting.metrics.radius import count_within, sum_within
from siting.metrics.roadgraph import RoadGraphCache
from siting.metrics.zonal import STATS, raster_stat

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

LayerNeed = Literal["none", "vector", "polygon", "raster", "table", "population"]

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


@dataclass(frozen=True)
class MetricKind:
    """One metric kind: its function, parameters and the layer it needs.

    Parameters
    ----------
    kind : str
        The kind id used in profiles.
    function : callable
        The metric function (sites, [layer], ...) -> Series.
    required, optional : tuple of str
        Parameter (TOML key) names.
    layer : {"none", "vector", "polygon", "raster", "table", "population"}
        What ``params["layer"]`` must name (``population``: the fixed
        ``population_grid`` type, roads optional).
    description : str
        One line for documentation and the app.
    """

    kind: str
    function: Callable[..., pd.Series]
    required: tuple[str, ...]
    optional: tuple[str, ...]
    layer: LayerNeed
    description: str = ""

    @property
    def params(self) -> tuple[str, ...]:
        """All parameter names."""
        return self.required + self.optional


_KINDS = (
    MetricKind("site_area", site_area, (), (), "none",
               "site area in ha (polygon area, else the area_ha field)"),
    MetricKind("site_attribute", site_attribute, ("field",), (), "none",
               "a canonical field of the sites layer (zoning, owner, ...)"),
    MetricKind("distance", nearest_distance, ("layer",), ("filter",), "vector",
               "metres from the site edge to the nearest filtered feature"),
    MetricKind("nearest_attribute", nearest_attribute, ("layer", "field"), ("filter",), "vector",
               "a field of the nearest filtered feature"),
    MetricKind("sum_within", sum_within, ("layer", "field", "radius_m"), ("filter",), "vector",
               "sum of a field over features within a radius of the site"),
    MetricKind("count_within", count_within, ("layer", "radius_m"), ("filter",), "vector",
               "number of features within a radius of the site"),
    MetricKind("overlap_share", overlap_share, ("layer",), ("filter",), "polygon",
               "share 0..1 of the site inside the polygons (points: 0/1)"),
    MetricKind("raster_stat", raster_stat, ("layer", "stat"), ("classes",), "raster",
               "zonal statistic of a raster over the site"),
    MetricKind("municipality_attribute", municipality_attribute, ("layer", "field"), (), "table",
               "a table field for the site's kommunkod"),
    MetricKind("labour_pool", labour_pool, ("travel_time_min",),
               ("speed_kmh", "detour_factor", "field"), "population",
               "working-age population reachable within a travel time"),
)

#: kind -> :class:`MetricKind`.
METRIC_KINDS: MappingProxyType[str, MetricKind] = MappingProxyType({k.kind: k for k in _KINDS})

_NEED_KINDS: Mapping[str, tuple[str, ...]] = {
    "vector": ("point", "line", "polygon"),
    "polygon": ("polygon",),
    "raster": ("raster",),
    "table": ("table",),
}


def validate_params(kind: str, params: Mapping[str, Any], *, source: str = "metric"
                    ) -> list[Problem]:
    """Check a metric's parameters against its kind; return every problem found.

    Checks: the kind exists, required keys are present, no unknown keys, the
    layer is a canonical type of a suitable geometry kind, fields are
    canonical fields of that type, the filter is well formed, numbers are in
    range. Descriptive keys (:data:`DESCRIPTIVE_KEYS`) are allowed.
    """
    problems: list[Problem] = []
    loc = f"metric '{params.get('id', kind)}'"

    def bad(fld: str, msg: str, hint: str = "") -> None:
        problems.append(Problem(source, loc, fld, msg, hint))

    spec = METRIC_KINDS.get(kind)
    if spec is None:
        bad("kind", f"unknown metric kind '{kind}'", f"use one of: {', '.join(METRIC_KINDS)}")
        return problems
    for key in spec.required:
        if key not in params:
            bad(key, f"kind '{kind}' needs '{key}'", f"add {key} = ...")
    for key in params:
        if key not in spec.params and key not in DESCRIPTIVE_KEYS:
            bad(str(key), f"'{key}' is not a parameter of kind '{kind}'",
                f"parameters: {', '.join(spec.params) or 'none'}")
    layer_type = params.get("layer")
    if spec.layer in _NEED_KINDS and layer_type is not None:
        lt = LAYER_TYPES.get(str(layer_type))
        if lt is None:
            bad("layer", f"'{layer_type}' is not a canonical layer type",
                f"use one of: {', '.join(t for t in LAYER_TYPES if _fits(t, spec.layer))}")
            layer_type = None
        elif not _fits(lt.name, spec.layer):
            bad("layer", f"kind '{kind}' needs a {spec.layer} layer, '{layer_type}' is "
                f"{'/'.join(lt.kinds)}",
                f"use one of: {', '.join(t for t in LAYER_TYPES if _fits(t, spec.layer))}")
            layer_type = None
    fld = params.get("field")
    if fld is not None:
        target = "sites" if spec.layer == "none" else (
            "population_grid" if spec.layer == "population" else layer_type)
        if target is not None:
            names = {f.name for f in LAYER_TYPES[target].fields}
            if fld not in names:
                bad("field", f"'{fld}' is not a field of layer type '{target}'",
                    f"use one of: {', '.join(sorted(names))}")
    if "filter" in params:
        problems.extend(validate_filter(params["filter"], layer_type=layer_type,
                                        source=source))
    _check_number(params, "radius_m", bad, low=0.0)
    _check_number(params, "travel_time_min", bad, low=0.0, strict=True)
    _check_number(params, "speed_kmh", bad, low=0.0, strict=True)
    _check_number(params, "detour_factor", bad, low=1.0)
    if "stat" in params and params["stat"] not in STATS:
        bad("stat", f"unknown stat {params['stat']!r}", f"use one of: {', '.join(STATS)}")
    if params.get("stat") == "share" and not params.get("classes"):
        bad("classes", "stat 'share' needs a list of classes", "add e.g. classes = [1, 2]")
    if "classes" in params and not isinstance(params["classes"], list | tuple):
        bad("classes", f"must be a list, got {params['classes']!r}", "write e.g. classes = [1, 2]")
    return problems


def compute_metric(kind: str, sites: gpd.GeoDataFrame, layerset: LayerSet,
                   params: Mapping[str, Any], *, name: str | None = None,
                   graph_cache: RoadGraphCache | None = None) -> pd.Series:
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
            speed_kmh=float(params.get("speed_kmh", 70.0)),
            detour_factor=float(params.get("detour_factor", 1.3)),
            field=str(params.get("field", "working_age_population")), name=label,
            graph_cache=graph_cache)
    layer_type = str(params["layer"])
    if spec.layer == "raster":
        raster = layerset.raster(layer_type)
        if raster is None:
            raise MissingLayer(layer_type, kind)
        return raster_stat(sites, raster, params["stat"], classes=params.get("classes"),
                           name=label)
    if spec.layer == "table":
        table = layerset.table(layer_type)
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


def _fits(type_name: str, need: str) -> bool:
    """True when layer type ``type_name`` has a geometry kind that ``need`` accepts."""
    kinds = _NEED_KINDS.get(need)
    return kinds is None or any(k in kinds for k in LAYER_TYPES[type_name].kinds)


def _check_number(params: Mapping[str, Any], key: str, bad: Callable[..., None], *,
                  low: float, strict: bool = False) -> None:
    """Report ``params[key]`` when present and not a number above ``low``."""
    if key not in params:
        return
    val = params[key]
    if isinstance(val, bool) or not isinstance(val, int | float):
        bad(key, f"must be a number, got {val!r}", f"write e.g. {key} = 10")
    elif (val <= low) if strict else (val < low):
        bad(key, f"must be {'>' if strict else '>='} {low:g}, got {val!r}")
