"""The metric contract (contracts §B), declared once.

Metric kinds with their parameters and the layer they read, the raster
statistics of ``raster_stat`` and the conditions of a ``filter`` table live
here and nowhere else. Profile validation (:mod:`siting.criteria.rules`) and
metric computation (:mod:`siting.metrics.registry`, :mod:`siting.metrics.zonal`,
:mod:`siting.metrics.filters`) both read this module; :func:`check_metric_params`
is the one check of a ``[[metric]]`` table.

``evidence`` says what an *incomplete* layer (a catalogue coverage declaration,
see :mod:`siting.data.catalog`) does to a measured value: ``"upper"`` when a missing
feature can only make the true value smaller than the measured one (a distance),
``"lower"`` when it can only make it larger (counts, sums, shares), ``"any"``
when it can change it either way (the attribute of the nearest feature) and
``"none"`` when the kind does not read features.

Examples
--------
>>> METRIC_KINDS["sum_within"].required
('layer', 'field', 'radius_m')
>>> check_metric_params("distance", {"layer": "substations",
...                                  "filter": {"voltage_kv": {"min": 380}}})
[]
>>> check_metric_params("distance", {"layer": "powerlines"})[0][:2]
('layer', "unknown layer type 'powerlines'")
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

from siting.data.schema import LAYER_TYPES

__all__ = [
    "DEFAULT_DETOUR_FACTOR",
    "DEFAULT_LABOUR_FIELD",
    "DEFAULT_SPEED_KMH",
    "DEFAULT_TRAVEL_MIN",
    "FILTER_CONDITIONS",
    "METRIC_KINDS",
    "RASTER_STATS",
    "Evidence",
    "Issue",
    "LayerNeed",
    "MetricKind",
    "check_filter",
    "check_metric_params",
    "metric_is_text",
]

LayerNeed = Literal["none", "vector", "polygon", "raster", "table", "population"]
Evidence = Literal["upper", "lower", "any", "none"]
Issue = tuple[str, str, str]  # (field, message, hint)

#: Zonal statistics of ``raster_stat``.
RASTER_STATS: tuple[str, ...] = ("mean", "min", "max", "share")
#: Conditions of a ``filter`` entry and the comparison each one means.
FILTER_CONDITIONS: Mapping[str, str] = MappingProxyType(
    {"min": ">=", "max": "<=", "eq": "==", "in": "in"})
#: Labour-pool defaults: travel speed (km/h), road detour over the straight line, field,
#: and the travel time (min) a catchment is drawn for when a profile has no labour metric.
DEFAULT_TRAVEL_MIN = 45.0
DEFAULT_SPEED_KMH = 70.0
DEFAULT_DETOUR_FACTOR = 1.3
DEFAULT_LABOUR_FIELD = "working_age_population"

_NEED_KINDS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "vector": ("point", "line", "polygon"), "polygon": ("polygon",),
    "raster": ("raster",), "table": ("table",)})
_TEXT_DTYPES = ("str", "kommunkod", "date")
_NUMERIC_DTYPES = ("float", "int", "bool")


@dataclass(frozen=True)
class MetricKind:
    """One metric kind: parameters, the layer it reads and how coverage gaps bias it.

    Parameters
    ----------
    name : str
        The kind id used in profiles.
    required, optional : tuple of str
        Parameter (TOML key) names.
    layer : {"none", "vector", "polygon", "raster", "table", "population"}
        What ``params["layer"]`` must name (``population``: the fixed
        ``population_grid`` type).
    evidence : {"upper", "lower", "any", "none"}
        See the module docstring.
    description : str
        One line for documentation and the app.
    """

    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    layer: LayerNeed
    evidence: Evidence
    description: str = ""

    @property
    def params(self) -> tuple[str, ...]:
        """All parameter names."""
        return self.required + self.optional

    @property
    def layer_kinds(self) -> tuple[str, ...]:
        """Geometry kinds of the layers the kind can read (empty: no ``layer`` parameter)."""
        return _NEED_KINDS.get(self.layer, ())


#: The metric kinds of contracts §B.
METRIC_KINDS: Mapping[str, MetricKind] = MappingProxyType({k.name: k for k in (
    MetricKind("site_area", (), (), "none", "none",
               "site area in ha (polygon area, else the area_ha field)"),
    MetricKind("site_attribute", ("field",), (), "none", "none",
               "a canonical field of the sites layer (zoning, owner, ...)"),
    MetricKind("distance", ("layer",), ("filter",), "vector", "upper",
               "metres from the site edge to the nearest filtered feature"),
    MetricKind("nearest_attribute", ("layer", "field"), ("filter",), "vector", "any",
               "a field of the nearest filtered feature"),
    MetricKind("sum_within", ("layer", "field", "radius_m"), ("filter",), "vector", "lower",
               "sum of a field over features within a radius of the site"),
    MetricKind("count_within", ("layer", "radius_m"), ("filter",), "vector", "lower",
               "number of features within a radius of the site"),
    MetricKind("overlap_share", ("layer",), ("filter",), "polygon", "lower",
               "share 0..1 of the site inside the polygons (points: 0/1)"),
    MetricKind("raster_stat", ("layer", "stat"), ("classes",), "raster", "none",
               "zonal statistic of a raster over the site"),
    MetricKind("municipality_attribute", ("layer", "field"), (), "table", "none",
               "a table field for the site's kommunkod"),
    MetricKind("labour_pool", ("travel_time_min",), ("speed_kmh", "detour_factor", "field"),
               "population", "lower",
               "working-age population reachable within a travel time"),
)})


def _num(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _field_dtype(layer: str, field: str) -> str | None:
    spec = LAYER_TYPES[layer].field(field)
    return spec.dtype if spec else None


def metric_is_text(kind: str, params: Mapping[str, Any]) -> bool:
    """True when a metric of this kind and parameters yields text values."""
    layer: Any
    field: Any
    if kind == "site_attribute":
        layer, field = "sites", params.get("field")
    elif kind in ("nearest_attribute", "municipality_attribute"):
        layer, field = params.get("layer"), params.get("field")
    else:
        return False
    if layer not in LAYER_TYPES or not isinstance(field, str):
        return False
    return _field_dtype(str(layer), field) in _TEXT_DTYPES


def _check_field(layer: str, field: Any, numeric: bool, key: str = "field") -> list[Issue]:
    known = [f.name for f in LAYER_TYPES[layer].fields]
    if not isinstance(field, str) or field not in known:
        return [(key, f"unknown field {field!r} for layer type '{layer}'",
                 f"use one of {', '.join(known) or '(none: this type has no fields)'}")]
    if numeric and _field_dtype(layer, field) not in _NUMERIC_DTYPES:
        return [(key, f"field '{field}' of '{layer}' is not numeric", "pick a numeric field")]
    return []


def check_filter(layer: str | None, flt: Any) -> list[Issue]:
    """Check a ``filter`` table (field -> condition); ``layer`` None skips the field check."""
    if not isinstance(flt, Mapping) or not flt:
        return [("filter", "must be a table of field = { condition }",
                 "e.g. filter = { voltage_kv = { min = 380 } }")]
    issues: list[Issue] = []
    conds = ", ".join(FILTER_CONDITIONS)
    for fname, cond in flt.items():
        key = f"filter.{fname}"
        if layer is not None:
            issues += _check_field(layer, fname, numeric=False, key=key)
        if not isinstance(cond, Mapping) or not cond:
            issues.append((key, "condition must be a table such as { min = 380 }", f"use {conds}"))
            continue
        for c, v in cond.items():
            if c not in FILTER_CONDITIONS:
                issues.append((key, f"unknown condition '{c}'", f"use {conds}"))
            elif c in ("min", "max") and not _num(v):
                issues.append((key, f"'{c}' needs a number, got {v!r}",
                               f"write e.g. {{ {c} = 100 }}"))
            elif c == "in" and (not isinstance(v, list | tuple) or not v):
                issues.append((key, "'in' needs a non-empty list",
                               "write e.g. { in = ['industrial', 'in_progress'] }"))
            elif c == "eq" and isinstance(v, list | tuple | Mapping):
                issues.append((key, "'eq' needs a single value", "use 'in' for a list"))
    return issues


def _check_layer(kind: MetricKind, layer: Any) -> tuple[list[Issue], bool]:
    if layer not in LAYER_TYPES:
        return [("layer", f"unknown layer type {layer!r}",
                 f"use a canonical type from siting.data.schema: {', '.join(LAYER_TYPES)}")], False
    if not set(LAYER_TYPES[layer].kinds) & set(kind.layer_kinds):
        fits = [t for t, lt in LAYER_TYPES.items() if set(lt.kinds) & set(kind.layer_kinds)]
        return [("layer", f"'{kind.name}' cannot read layer type '{layer}' "
                 f"({'/'.join(LAYER_TYPES[layer].kinds)}); it needs a "
                 f"{'/'.join(kind.layer_kinds)} layer", f"use one of: {', '.join(fits)}")], False
    return [], True


def _check_numbers(kind: str, params: Mapping[str, Any]) -> list[Issue]:
    issues: list[Issue] = []
    if "radius_m" in params and (not _num(params["radius_m"]) or params["radius_m"] <= 0):
        issues.append(("radius_m", f"must be a positive number of metres, got "
                       f"{params['radius_m']!r}", "e.g. radius_m = 10000"))
    if kind == "labour_pool":
        for key in ("travel_time_min", "speed_kmh"):
            if key in params and (not _num(params[key]) or params[key] <= 0):
                issues.append((key, f"must be a positive number, got {params[key]!r}", ""))
        det = params.get("detour_factor", DEFAULT_DETOUR_FACTOR)
        if not _num(det) or det < 1:
            issues.append(("detour_factor", f"must be a number >= 1, got {det!r}", ""))
    return issues


def _check_raster(params: Mapping[str, Any]) -> list[Issue]:
    stat = params.get("stat")
    issues: list[Issue] = []
    if "stat" in params and stat not in RASTER_STATS:
        issues.append(("stat", f"unknown statistic {stat!r}",
                       f"use one of {', '.join(RASTER_STATS)}"))
    classes = params.get("classes")
    if stat == "share" and (not isinstance(classes, list | tuple) or not classes
                            or not all(isinstance(c, int) for c in classes)):
        issues.append(("classes", "stat 'share' needs a list of integer class codes",
                       "e.g. classes = [3, 4]"))
    elif stat != "share" and classes is not None:
        issues.append(("classes", "only used with stat = \"share\"", "remove it"))
    return issues


def check_metric_params(kind: str, params: Mapping[str, Any], *,
                        descriptive: Collection[str] = ()) -> list[Issue]:
    """Check a metric's parameters; returns ``(field, message, hint)`` per problem.

    Parameters
    ----------
    kind : str
        A key of :data:`METRIC_KINDS` (unknown kinds give one issue).
    params : Mapping
        The ``[[metric]]`` table's parameters.
    descriptive : collection of str
        Further keys tolerated besides the parameters (``id``, labels ...).
    """
    spec = METRIC_KINDS.get(kind)
    if spec is None:
        return [("kind", f"unknown metric kind {kind!r}", f"use one of {', '.join(METRIC_KINDS)}")]
    issues: list[Issue] = []
    for key in spec.required:
        if key not in params:
            issues.append((key, f"'{kind}' needs '{key}'", f"add {key} = ..."))
    for key in params:
        if key not in spec.params and key not in descriptive:
            issues.append((key, f"unknown parameter '{key}' for kind '{kind}'",
                           f"allowed: {', '.join(spec.params) or 'none'}"))
    layer = params.get("layer")
    layer_ok = False
    if spec.layer_kinds and layer is not None:
        found, layer_ok = _check_layer(spec, layer)
        issues += found
    if kind == "site_attribute" and "field" in params:
        issues += _check_field("sites", params["field"], numeric=False)
    if kind == "labour_pool" and "field" in params:
        issues += _check_field("population_grid", params["field"], numeric=True)
    if layer_ok and "field" in params:
        issues += _check_field(str(layer), params["field"], numeric=kind == "sum_within")
    if layer_ok and "filter" in params:
        issues += check_filter(str(layer), params["filter"])
    issues += _check_numbers(kind, params)
    if kind == "raster_stat":
        issues += _check_raster(params)
    return issues
