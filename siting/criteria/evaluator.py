"""THE evaluator: hard criteria -> pass / fail / unknown, soft criteria -> values 0..1.

Every door (candidate sites in :mod:`siting.scoring`, raster cells of the
suitability surface in :mod:`siting.surface`, municipalities' best areas in
:mod:`siting.compare`) hands this module a metric table (rows x metrics, any
number of rows) and gets the verdicts back; none keeps its own copy of the
semantics. Everything here is vectorised numpy, so a tile of millions of cells
costs a few array passes per criterion.

Three-valued hard criteria
--------------------------
A criterion is

* **pass** / **fail** when its metric was measured and the comparison is
  conclusive;
* **unknown** when the metric could not be measured (no layer of the type,
  the layer lacks the field, the value is missing for that row), or when the
  layer does not cover what the criterion asks: a catalogue layer may declare
  it is complete only for some features (``[[layer.coverage]]``, e.g.
  ``voltage_kv >= 220``) or not at all (``complete = false``). A criterion
  needing features the layer is not complete for keeps only the verdicts that
  missing features could not overturn: a 130 kV station *found* within 8 km is
  a pass, *none found* is unknown, with what would decide it.

Which verdicts an incomplete layer can overturn follows from the metric kind's
``evidence`` (:mod:`siting.metrics.spec`): a distance can only shrink when
features are added (``<=`` passes and ``>=`` fails stay), counts, sums and
shares can only grow (``>=`` passes and ``<=`` fails stay); anything else
becomes unknown.

A row's verdict is fail when any criterion fails, else unknown when any is
unknown, else pass; with ``strict=True`` an unknown counts as a fail. Ranking
policy (:func:`rank_order`): failing rows below all others; rows with unknowns
rank with the passing ones (by score), flagged.

Examples
--------
>>> import numpy as np
>>> from siting.criteria.profiles import HardCriterion
>>> near = HardCriterion("grid", "dist_m", "<=", 8000.0, "")
>>> hard_codes(near, np.array([5000.0, 12000.0, np.nan])).tolist()
[1, 0, -1]
>>> gap = Evidence("dist_m", layer_id="substations", bias="upper")
>>> hard_codes(near, np.array([5000.0, 12000.0]), gap).tolist()
[1, -1]
>>> row_verdict(np.array([[1, -1], [1, 0]], dtype=np.int8)).tolist()
[-1, 0]
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from siting.core.i18n import t
from siting.data.catalog import Coverage, LayerSpec
from siting.data.schema import field_title, type_title
from siting.metrics.spec import METRIC_KINDS
from siting.metrics.spec import Evidence as Bias

if TYPE_CHECKING:  # pragma: no cover
    from siting.criteria.profiles import HardCriterion, MetricSpec, SoftCriterion
    from siting.data.layerset import LayerSet

__all__ = [
    "FAIL",
    "PASS",
    "STATUS_NAMES",
    "UNKNOWN",
    "Evidence",
    "coverage_gaps",
    "evidence_for",
    "hard_codes",
    "hard_matrix",
    "rank_order",
    "reason",
    "row_verdict",
    "soft_values",
    "status_names",
]

#: Status codes (int8) of a hard criterion / a row.
PASS, FAIL, UNKNOWN = 1, 0, -1
STATUS_NAMES: Mapping[int, str] = {PASS: "pass", FAIL: "fail", UNKNOWN: "unknown"}
Status = Literal["pass", "fail", "unknown"]

_ORDER_OPS = (">=", ">", "<=", "<")


@dataclass(frozen=True)
class Evidence:
    """How a metric was measured: which layer decided it and what it cannot tell.

    Parameters
    ----------
    metric_id : str
    layer_id : str
        The catalogue layer read ("" for metrics of the sites themselves).
    layer_source : str
        The layer's attribution (shown as "which source decided").
    measured : bool
        False when the layer or a field is missing: every row is unknown.
    bias : {"none", "upper", "lower", "any"}
        "none" when the layer covers what the metric asks; else the metric kind's
        evidence (see the module docstring).
    why_sv, why_en : str
        Why the metric is not measured / not conclusive.
    decide_sv, decide_en : str
        What data would decide it.
    """

    metric_id: str
    layer_id: str = ""
    layer_source: str = ""
    measured: bool = True
    bias: Bias = "none"
    why_sv: str = ""
    why_en: str = ""
    decide_sv: str = ""
    decide_en: str = ""

    def why(self, lang: str = "sv") -> str:
        """Why the metric is unknown or inconclusive, in ``lang``."""
        return self.why_sv if lang == "sv" else self.why_en

    def decide(self, lang: str = "sv") -> str:
        """What would decide it, in ``lang``."""
        return self.decide_sv if lang == "sv" else self.decide_en


# ----------------------------------------------------------------------------- coverage
def _implies(cond: Mapping[str, Any], cov: Coverage) -> bool:
    """True when every feature meeting the filter condition meets the coverage condition."""
    ok = _OPS_PY[cov.op]
    bound = {">=": "min", ">": "min", "<=": "max", "<": "max"}.get(cov.op, "")
    if bound and bound in cond and _is_num(cond[bound]) and _is_num(cov.value) \
            and ok(float(cond[bound]), cov.value):
        return True
    values: list[Any] = [cond["eq"]] if "eq" in cond else list(cond.get("in") or [])
    if not values:
        return False
    try:
        return all(ok(v, cov.value) for v in values)
    except TypeError:
        return False


def coverage_gaps(spec: LayerSpec, flt: Mapping[str, Any] | None) -> tuple[Coverage, ...] | None:
    """The coverage conditions a metric's filter does not guarantee.

    Returns
    -------
    tuple of Coverage, or None
        Empty when the layer is complete for every feature the filter keeps;
        None when the layer declares ``complete = false`` (nothing is guaranteed).
    """
    if not spec.complete:
        return None
    flt = flt or {}
    return tuple(c for c in spec.coverage
                 if not (isinstance(flt.get(c.field), Mapping) and _implies(flt[c.field], c)))


def evidence_for(metric: MetricSpec, layerset: LayerSet | None, *,
                 missing: str | None = None, missing_field: str | None = None) -> Evidence:
    """The evidence of one metric on a LayerSet.

    Parameters
    ----------
    metric : MetricSpec
    layerset : LayerSet or None
    missing : str, optional
        The layer type that is not loaded (the metric was not computed).
    missing_field : str, optional
        The field the loaded layer lacks.
    """
    kind = METRIC_KINDS.get(metric.kind)
    ltype = metric.layer_type
    lyr = layerset.get(ltype) if (layerset is not None and ltype) else None
    layer_id = lyr.spec.id if lyr is not None else ""
    src = lyr.spec.attribution if lyr is not None else ""
    if missing is not None:
        keys = ("verdict.no_field", "verdict.decide_field") if missing_field else \
            ("verdict.no_layer", "verdict.decide_layer")
        names = {lang: {"layer": type_title(missing, lang),
                        "field": field_title(missing_field or "", lang)} for lang in ("sv", "en")}
        w = {lang: t(keys[0], lang, **names[lang]) for lang in ("sv", "en")}
        d = {lang: t(keys[1], lang, **names[lang]) for lang in ("sv", "en")}
        return Evidence(metric.id, layer_id, src, False, "none", w["sv"], w["en"], d["sv"],
                        d["en"])
    if metric.kind == "site_area":  # measured where known; a point's area is unknown, not 0
        return Evidence(metric.id, layer_id, src, True, "none",
                        *(t("site.area_unknown", lang) for lang in ("sv", "en")),
                        *(t("site.area_decide", lang) for lang in ("sv", "en")))
    if lyr is None or kind is None or kind.evidence == "none":
        return Evidence(metric.id, layer_id, src)
    gaps = coverage_gaps(lyr.spec, metric.params.get("filter"))
    if gaps == ():
        return Evidence(metric.id, layer_id, src)
    texts: dict[str, tuple[str, str]] = {}
    for lang in ("sv", "en"):
        title = lyr.spec.title(lang)
        if gaps is None:
            why = t("verdict.incomplete", lang, layer=title)
        else:
            limits = " and ".join(f"{g.text()}" + (f" ({g.note})" if g.note else "") for g in gaps)
            why = t("verdict.partial", lang, layer=title, limits=limits)
        key = f"verdict.decide_{ltype}"
        decide = t(key, lang)
        if decide == key:
            decide = t("verdict.decide_complete", lang, layer=title)
        texts[lang] = (why, decide)
    return Evidence(metric.id, layer_id, src, True, kind.evidence, texts["sv"][0],
                    texts["en"][0], texts["sv"][1], texts["en"][1])


# ----------------------------------------------------------------------------- hard
_OPS_PY: Mapping[str, Callable[[Any, Any], Any]] = {
    ">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt,
    "==": operator.eq, "!=": operator.ne}


def _is_num(v: Any) -> bool:
    return isinstance(v, int | float | np.number) and not isinstance(v, bool)


def _as_array(values: Any) -> np.ndarray:
    """Float64 for numeric input (NaN missing), else object (None missing)."""
    if isinstance(values, pd.Series):
        if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(
                values.dtype):
            return np.asarray(values.to_numpy(dtype="float64", na_value=np.nan))
        return np.asarray(values.to_numpy(dtype=object, na_value=None))
    arr = np.asarray(values)
    if arr.dtype.kind in "fiu":
        return arr.astype("float64", copy=False)
    return arr.astype(object)


def _missing(arr: np.ndarray) -> np.ndarray:
    if arr.dtype.kind == "f":
        return np.asarray(np.isnan(arr), dtype=bool)
    return np.array([v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))
                     for v in arr.ravel()], dtype=bool).reshape(arr.shape)


def _compare(op: str, arr: np.ndarray, thr: Any) -> np.ndarray:
    """``arr op thr`` elementwise (False where missing); text compared as text."""
    if op == "in":
        items = list(thr)
        if arr.dtype.kind == "f":
            nums = [float(x) for x in items if _is_num(x)]
            return np.isin(arr, np.asarray(nums, dtype="float64"))
        return np.isin(np.array([str(v) if v is not None else None for v in arr.ravel()],
                                dtype=object), np.asarray([str(x) for x in items],
                                                          dtype=object)).reshape(arr.shape)
    if arr.dtype.kind == "f":
        with np.errstate(invalid="ignore"):
            return np.asarray(_OPS_PY[op](arr, float(thr)), dtype=bool)
    text = np.array([None if v is None else str(v) for v in arr.ravel()], dtype=object)
    out = np.zeros(text.shape, dtype=bool)
    present = np.array([v is not None for v in text], dtype=bool)
    if present.any():
        out[present] = [bool(_OPS_PY[op](v, str(thr))) for v in text[present]]
    return out.reshape(arr.shape)


def _inconclusive(op: str, bias: Bias, ok: np.ndarray) -> np.ndarray:
    """Rows whose verdict missing features could overturn."""
    if bias == "none":
        return np.zeros(ok.shape, dtype=bool)
    if bias == "any" or op not in _ORDER_OPS:
        return np.ones(ok.shape, dtype=bool)  # "==" stays a fail only through _overshoot
    # "upper": the true value is <= the measured one; "lower": >= the measured one
    smaller = op in ("<=", "<")
    stays = ok if (bias == "upper") == smaller else ~ok
    return ~stays


def _overshoot(crit: HardCriterion, arr: np.ndarray, bias: Bias) -> np.ndarray:
    """Rows failing ``==`` in the direction missing features cannot undo."""
    thr = crit.threshold
    if crit.op != "==" or arr.dtype.kind != "f" or not isinstance(thr, int | float) or \
            isinstance(thr, bool) or bias not in ("upper", "lower"):
        return np.zeros(arr.shape, dtype=bool)
    with np.errstate(invalid="ignore"):
        return np.asarray(arr > float(thr) if bias == "lower" else arr < float(thr), dtype=bool)


def hard_codes(crit: HardCriterion, values: Any, evidence: Evidence | None = None
               ) -> np.ndarray:
    """Status codes (int8: 1 pass, 0 fail, -1 unknown) of one hard criterion per row.

    Parameters
    ----------
    crit : HardCriterion
    values : array_like or Series
        The metric per row (NaN/None = not measured there); any shape.
    evidence : Evidence, optional
        How the metric was measured (default: measured, complete).
    """
    arr = _as_array(values)
    if evidence is not None and not evidence.measured:
        return np.full(arr.shape, UNKNOWN, dtype=np.int8)
    ok = _compare(crit.op, arr, crit.threshold)
    codes = np.where(ok, np.int8(PASS), np.int8(FAIL)).astype(np.int8)
    unknown = _missing(arr)
    if evidence is not None and evidence.bias != "none":
        unknown |= _inconclusive(crit.op, evidence.bias, ok) & ~_overshoot(crit, arr,
                                                                          evidence.bias)
    codes[unknown] = UNKNOWN
    return codes


def hard_matrix(hard: Sequence[HardCriterion], metrics: Mapping[str, Any], n: int,
                evidence: Mapping[str, Evidence]) -> np.ndarray:
    """Codes (n x criteria, int8) for a metric table; absent metrics are unknown."""
    out = np.full((n, len(hard)), UNKNOWN, dtype=np.int8)
    for j, crit in enumerate(hard):
        ev = evidence.get(crit.metric)
        if crit.metric in metrics and (ev is None or ev.measured):
            out[:, j] = hard_codes(crit, metrics[crit.metric], ev).reshape(n)
    return out


def row_verdict(codes: np.ndarray, *, strict: bool = False) -> np.ndarray:
    """One code per row: fail if any criterion fails (or is unknown when ``strict``),
    else unknown if any is unknown, else pass. Rows with no criteria pass."""
    codes = np.asarray(codes, dtype=np.int8)
    if codes.ndim == 1:
        codes = codes[:, None]
    if codes.shape[1] == 0:
        return np.full(codes.shape[0], PASS, dtype=np.int8)
    fail = (codes == FAIL).any(axis=1)
    unknown = (codes == UNKNOWN).any(axis=1)
    if strict:
        fail |= unknown
    return np.where(fail, FAIL, np.where(unknown, UNKNOWN, PASS)).astype(np.int8)


def status_names(codes: np.ndarray) -> np.ndarray:
    """``"pass"``/``"fail"``/``"unknown"`` per code."""
    names: np.ndarray = np.array(["unknown", "fail", "pass"], dtype=object)
    return np.asarray(names[np.asarray(codes) + 1])


def rank_order(verdict: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Ranks 1..n by the ranking policy: failing rows last; the others (passing or unknown)
    by score, NaN scores after scored rows; ties keep the input order."""
    s = np.asarray(scores, dtype=float)
    key_score = np.where(np.isnan(s), np.inf, -s)
    order = _stable_order(key_score)
    fail = (np.asarray(verdict) == FAIL)[order]
    order = np.concatenate([order[~fail], order[fail]])  # a stable partition keeps the order
    ranks = np.empty(s.shape[0], dtype=np.int64)
    ranks[order] = np.arange(1, s.shape[0] + 1)
    return ranks


def _stable_order(key: np.ndarray) -> np.ndarray:
    """Indices sorting ``key`` (float, no NaN), ties in index order: a stable argsort.

    numpy's unstable sort plus a second sort of the tied entries only (a stable sort of
    100 000 floats takes ~5x longer).
    """
    order = np.argsort(key)
    ks = key[order]
    tied = ks[1:] == ks[:-1]
    if not tied.any():
        return order
    group = np.cumsum(np.r_[True, ~tied]) - 1
    pos = np.flatnonzero(np.r_[tied, False] | np.r_[False, tied])
    # (group, index) is unique, so any sort of it is the stable order within groups
    fix = np.argsort(group[pos].astype(np.int64) * key.shape[0] + order[pos])
    order[pos] = order[pos][fix]
    return order


# ----------------------------------------------------------------------------- texts
def reason(crit: HardCriterion, value: Any, code: int, evidence: Evidence | None,
           lang: str = "sv") -> str:
    """The sentence for one row and criterion.

    Fail: ``"Area: 42 ha, required at least 50 ha"``. Unknown: that sentence's
    measured part, why it is unknown and what would decide it, e.g. ``"Distance to a
    substation (>= 130 kV): 12 km, required at most 8 000 m – unknown: ... ; would be
    decided by: the grid owner's list of stations"``. Pass: the measured sentence.
    """
    base = crit.reason(value, lang)
    if code != UNKNOWN:
        return base
    if evidence is not None and evidence.why(lang):
        why, decide = evidence.why(lang), evidence.decide(lang)
    else:
        why, decide = t("verdict.no_value", lang), t("verdict.decide_value", lang)
    return t("verdict.unknown_reason", lang, base=base, why=why, decide=decide)


# ----------------------------------------------------------------------------- soft
def soft_values(crit: SoftCriterion, values: Any) -> tuple[np.ndarray, np.ndarray]:
    """Values 0..1 through the criterion's value function, and the no-data mask.

    A missing metric value gives 0 and is flagged (never a silent mid value).
    """
    arr = _as_array(values)
    nodata = _missing(arr)
    with np.errstate(invalid="ignore"):
        v = np.asarray(crit.value_fn(arr), dtype="float64")
    v = np.where(nodata | ~np.isfinite(v), 0.0, np.clip(v, 0.0, 1.0))
    return v, nodata
