"""Rules for establishment profiles: thresholds, AHP and canonical TOML.

The metric kinds and their parameters are declared once in
:mod:`siting.metrics.spec` (re-exported here for the profile parser); this
module checks hard-criterion thresholds and ``[ahp]`` tables and writes a
:class:`siting.criteria.profiles.Profile` back to canonical TOML text.
:mod:`siting.criteria.profiles` builds on it.

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
from typing import TYPE_CHECKING, Any

import numpy as np

from siting.criteria.ahp import CR_LIMIT, ahp_weights, is_reciprocal, most_inconsistent_pair
from siting.metrics.spec import METRIC_KINDS, check_metric_params, metric_is_text

if TYPE_CHECKING:  # pragma: no cover
    from siting.criteria.profiles import Profile

__all__ = [
    "AhpSpec",
    "HARD_OPS",
    "INDUSTRIES",
    "METRIC_KINDS",
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


@dataclass(frozen=True)
class AhpSpec:
    """A pairwise comparison matrix over soft criteria (Saaty's 1-9 scale)."""

    criteria: tuple[str, ...]
    matrix: tuple[tuple[float, ...], ...]


def _num(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


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
            bad(loc, "threshold", f"the metric is text; compare with text, got {item!r}",
                f'write the threshold as text in quotes, e.g. threshold = "{item}"')
        elif not text and not _num(item):
            bad(loc, "threshold", f"the metric is numeric; the threshold must be a number, "
                f"got {item!r}", "write a number without quotes, e.g. threshold = 5000")
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
        row, col = np.unravel_index(int(np.argmax(np.abs(np.log(a * a.T)))), a.shape)
        bad(loc, "matrix", f"not reciprocal: a[{crit[row]}][{crit[col]}] = {a[row, col]:g} but "
            f"a[{crit[col]}][{crit[row]}] = {a[col, row]:g}",
            "a_ji must be 1/a_ij and the diagonal 1")
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
