"""Rules for establishment profiles: metric kinds and their parameters, canonical TOML.

The metric kinds and their TOML parameters are fixed by contracts §B; this
module checks a ``[[metric]]`` table against them and against the canonical
layer types of :mod:`siting.data.schema`, and writes a :class:`siting.criteria.profiles.Profile`
back to canonical TOML text. :mod:`siting.criteria.profiles` builds on it.

Examples
--------
>>> check_metric_params("distance", {"layer": "substations",
...                                  "filter": {"voltage_kv": {"min": 380}}})
[]
>>> check_metric_params("distance", {"layer": "powerlines"})[0][:2]
('layer', "unknown layer type 'powerlines'")
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from siting.criteria.ahp import CR_LIMIT, ahp_weights, is_reciprocal, most_inconsistent_pair
from siting.data.schema import LAYER_TYPES

if TYPE_CHECKING:  # pragma: no cover
    from siting.criteria.profiles import Profile

__all__ = [
    "FILTER_CONDITIONS",
    "AhpSpec",
    "HARD_OPS",
    "INDUSTRIES",
    "METRIC_KINDS",
    "RASTER_STATS",
    "MetricKind",
    "check_metric_params",
    "check_threshold",
    "dump_profile_toml",
    "metric_is_text",
    "parse_ahp",
]

#: Industries a profile may declare.
INDUSTRIES: tuple[str, ...] = ("battery", "steel", "data_center", "other")
#: Operators of hard criteria.
HARD_OPS: tuple[str, ...] = (">=", "<=", ">", "<", "==", "!=", "in")
#: Zonal statistics of ``raster_stat``.
RASTER_STATS: tuple[str, ...] = ("mean", "min", "max", "share")
#: Conditions of a ``filter`` entry.
FILTER_CONDITIONS: tuple[str, ...] = ("min", "max", "eq", "in")

_VECTOR = ("point", "line", "polygon")
_TEXT_DTYPES = ("str", "kommunkod", "date")
_NUMERIC_DTYPES = ("float", "int", "bool")


@dataclass(frozen=True)
class MetricKind:
    """A metric kind: its required and optional parameters and the layer kinds it reads."""

    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    layer_kinds: tuple[str, ...] = ()


#: The metric kinds of contracts §B.
METRIC_KINDS: MappingProxyType[str, MetricKind] = MappingProxyType({k.name: k for k in (
    MetricKind("site_area", (), ()),
    MetricKind("site_attribute", ("field",), ()),
    MetricKind("distance", ("layer",), ("filter",), _VECTOR),
    MetricKind("nearest_attribute", ("layer", "field"), ("filter",), _VECTOR),
    MetricKind("sum_within", ("layer", "field", "radius_m"), ("filter",), _VECTOR),
    MetricKind("count_within", ("layer", "radius_m"), ("filter",), _VECTOR),
    MetricKind("overlap_share", ("layer",), ("filter",), ("polygon",)),
    MetricKind("raster_stat", ("layer", "stat"), ("classes",), ("raster",)),
    MetricKind("municipality_attribute", ("layer", "field"), (), ("table",)),
    MetricKind("labour_pool", ("travel_time_min",), ("speed_kmh", "detour_factor", "field")),
)})

Issue = tuple[str, str, str]  # (field, message, hint)


@dataclass(frozen=True)
class AhpSpec:
    """A pairwise comparison matrix over soft criteria (Saaty's 1-9 scale)."""

    criteria: tuple[str, ...]
    matrix: tuple[tuple[float, ...], ...]


def _num(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _field_dtype(layer: str, field: str) -> str | None:
    spec = LAYER_TYPES[layer].field(field)
    return spec.dtype if spec else None


def metric_is_text(kind: str, params: Mapping[str, Any]) -> bool:
    """True when a metric of this kind and parameters yields text values."""
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


def _check_filter(layer: str, flt: Any) -> list[Issue]:
    if not isinstance(flt, Mapping) or not flt:
        return [("filter", "must be a table of field = { condition }",
                 "e.g. filter = { voltage_kv = { min = 380 } }")]
    issues: list[Issue] = []
    for fname, cond in flt.items():
        key = f"filter.{fname}"
        issues += _check_field(layer, fname, numeric=False, key=key)
        if not isinstance(cond, Mapping) or not cond:
            issues.append((key, "condition must be a table such as { min = 380 }",
                           f"use {', '.join(FILTER_CONDITIONS)}"))
            continue
        for c, v in cond.items():
            if c not in FILTER_CONDITIONS:
                issues.append((key, f"unknown condition '{c}'",
                               f"use {', '.join(FILTER_CONDITIONS)}"))
            elif c in ("min", "max") and not _num(v):
                issues.append((key, f"'{c}' needs a number, got {v!r}", ""))
            elif c == "in" and (not isinstance(v, list | tuple) or not v):
                issues.append((key, "'in' needs a non-empty list", ""))
            elif c == "eq" and isinstance(v, list | tuple | Mapping):
                issues.append((key, "'eq' needs a single value", "use 'in' for a list"))
    return issues


def check_metric_params(kind: str, params: Mapping[str, Any]) -> list[Issue]:  # noqa: C901
    """Check a metric's parameters; returns ``(field, message, hint)`` per problem.

    Parameters
    ----------
    kind : str
        A key of :data:`METRIC_KINDS` (unknown kinds give one issue).
    params : Mapping
        The ``[[metric]]`` table without ``id``, ``kind``, ``unit`` and labels.
    """
    spec = METRIC_KINDS.get(kind)
    if spec is None:
        return [("kind", f"unknown metric kind {kind!r}", f"use one of {', '.join(METRIC_KINDS)}")]
    issues: list[Issue] = []
    allowed = spec.required + spec.optional
    for key in spec.required:
        if key not in params:
            issues.append((key, f"'{kind}' needs '{key}'", ""))
    for key in params:
        if key not in allowed:
            issues.append((key, f"unknown parameter '{key}' for kind '{kind}'",
                           f"allowed: {', '.join(allowed) or 'none'}"))
    layer = params.get("layer")
    layer_ok = False
    if "layer" in allowed and layer is not None:
        if layer not in LAYER_TYPES:
            issues.append(("layer", f"unknown layer type {layer!r}",
                           f"use a canonical type from siting.data.schema: {', '.join(LAYER_TYPES)}"))
        elif not set(LAYER_TYPES[layer].kinds) & set(spec.layer_kinds):
            issues.append(("layer", f"'{kind}' cannot read layer type '{layer}' "
                           f"({'/'.join(LAYER_TYPES[layer].kinds)})",
                           f"'{kind}' needs a {'/'.join(spec.layer_kinds)} layer"))
        else:
            layer_ok = True
    if kind == "site_attribute" and "field" in params:
        issues += _check_field("sites", params["field"], numeric=False)
    if layer_ok and "field" in params:
        issues += _check_field(str(layer), params["field"], numeric=kind == "sum_within")
    if layer_ok and "filter" in params:
        issues += _check_filter(str(layer), params["filter"])
    if "radius_m" in params and (not _num(params["radius_m"]) or params["radius_m"] <= 0):
        issues.append(("radius_m", f"must be a positive number of metres, got "
                       f"{params['radius_m']!r}", ""))
    if kind == "raster_stat":
        stat = params.get("stat")
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
    if kind == "labour_pool":
        for key, low in (("travel_time_min", 0.0), ("speed_kmh", 0.0)):
            if key in params and (not _num(params[key]) or params[key] <= low):
                issues.append((key, f"must be a positive number, got {params[key]!r}", ""))
        det = params.get("detour_factor", 1.3)
        if not _num(det) or det < 1:
            issues.append(("detour_factor", f"must be a number >= 1, got {det!r}", ""))
        if "field" in params:
            issues += _check_field("population_grid", params["field"], numeric=True)
    return issues


# ---------------------------------------------------------------------------
# Criteria and AHP
# ---------------------------------------------------------------------------

def check_threshold(op: str, thr: Any, text: bool, loc: str, bad: Any) -> None:
    """Report a hard-criterion threshold that does not fit its operator or metric type.

    ``bad(location, field, message, hint="")`` receives each problem.
    """
    if op == "in":
        if not isinstance(thr, list) or not thr:
            bad(loc, "threshold", "operator 'in' needs a non-empty list", 'e.g. ["SE1", "SE2"]')
            return
        items = thr
    else:
        items = [thr]
    for item in items:
        if text and not isinstance(item, str):
            bad(loc, "threshold", f"the metric is text; compare with text, got {item!r}")
        elif not text and not _num(item):
            bad(loc, "threshold", f"must be a number, got {item!r}")
    if text and op in (">=", "<=", ">", "<"):
        bad(loc, "op", f"operator '{op}' does not apply to a text metric", "use ==, != or in")




def parse_ahp(raw: Any, soft_ids: list[str], bad: Any
              ) -> tuple[AhpSpec | None, dict[str, float] | None, float | None]:
    """Validate an ``[ahp]`` table; return its spec, weights by criterion and CR.

    Problems go to ``bad(location, field, message, hint="")``: criteria that are not
    the soft criteria, a matrix that is not square/positive/reciprocal, and a
    consistency ratio above :data:`siting.criteria.ahp.CR_LIMIT`, naming the judgement
    that deviates most from the ratio its weights imply.
    """
    if raw is None:
        return None, None, None
    loc = "[ahp]"
    if not isinstance(raw, dict):
        bad(loc, "", "must be a table with criteria and matrix")
        return None, None, None
    crit = raw.get("criteria")
    mat = raw.get("matrix")
    if not isinstance(crit, list) or not all(isinstance(c, str) for c in crit):
        bad(loc, "criteria", "must be a list of soft criterion ids")
        return None, None, None
    for c in crit:
        if c not in soft_ids:
            bad(loc, "criteria", f"'{c}' is not a soft criterion id")
    missing = [s for s in soft_ids if s not in crit]
    if missing:
        bad(loc, "criteria", f"soft criteria missing from the matrix: {', '.join(missing)}",
            "list every soft criterion once")
    if len(set(crit)) != len(crit):
        bad(loc, "criteria", "a criterion is listed twice")
    n = len(crit)
    if (not isinstance(mat, list) or len(mat) != n
            or not all(isinstance(r, list) and len(r) == n for r in mat)):
        bad(loc, "matrix", f"must be a square {n} x {n} matrix (one row and column per criterion)")
        return None, None, None
    if not all(_num(v) and v > 0 for r in mat for v in r):
        bad(loc, "matrix", "all judgements must be positive numbers (Saaty's 1/9..9 scale)")
        return None, None, None
    a = np.array(mat, dtype=float)
    if not is_reciprocal(a):
        i, j = np.unravel_index(int(np.argmax(np.abs(np.log(a * a.T)))), a.shape)
        bad(loc, "matrix", f"not reciprocal: a[{crit[i]}][{crit[j]}] = {a[i, j]:g} but "
            f"a[{crit[j]}][{crit[i]}] = {a[j, i]:g}", "a_ji must be 1/a_ij and the diagonal 1")
        return None, None, None
    w, cr = ahp_weights(a)
    if cr > CR_LIMIT:
        i, j, judged, implied = most_inconsistent_pair(a, w)
        bad(loc, "matrix",
            f"consistency ratio {cr:.3f} exceeds {CR_LIMIT:.2f}; the most inconsistent "
            f"judgement is '{crit[i]}' vs '{crit[j]}': judged {judged:g}, the other "
            f"judgements imply {implied:.2g}",
            f"revise the judgement '{crit[i]}' vs '{crit[j]}'")
    spec = AhpSpec(tuple(crit), tuple(tuple(float(v) for v in r) for r in mat))
    return spec, {c: float(x) for c, x in zip(crit, w, strict=True)}, float(cr)


# ---------------------------------------------------------------------------
# Canonical TOML
# ---------------------------------------------------------------------------

def _plain(v: Any) -> Any:
    """Values as the TOML writer takes them: dicts, lists and Python scalars."""
    if isinstance(v, Mapping):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_plain(x) for x in v]
    if isinstance(v, np.generic):
        return v.item()
    return v


def dump_profile_toml(profile: Profile) -> str:
    """Canonical TOML text of a profile (stable key order, effective weights), via tomli-w."""
    import tomli_w

    p = profile
    doc: dict[str, Any] = {
        "profile": {"id": p.id, "name_sv": p.name_sv, "name_en": p.name_en,
                    "industry": p.industry, "aggregation": p.aggregation,
                    "min_area_ha": p.min_area_ha, "description_sv": p.description_sv,
                    "description_en": p.description_en},
        "metric": [{"id": m.id, "kind": m.kind, **dict(m.params), "unit": m.unit,
                    "label_sv": m.label_sv, "label_en": m.label_en} for m in p.metrics],
        "hard": [{"id": h.id, "metric": h.metric, "op": h.op, "threshold": h.threshold,
                  "rationale": h.rationale} for h in p.hard],
        "soft": [{"id": s.id, "metric": s.metric, "weight": s.weight,
                  "value": s.value_fn.to_table(), "rationale": s.rationale} for s in p.soft],
    }
    if p.ahp is not None:
        doc["ahp"] = {"criteria": p.ahp.criteria, "matrix": p.ahp.matrix}
    body = tomli_w.dumps(_plain(doc), multiline_strings=False)
    return "# Establishment profile (canonical form written by siting).\n\n" + body
