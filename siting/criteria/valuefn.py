"""Value functions: raw metric values (metres, MW, people, text) to 0..1.

A soft criterion turns its metric into a value between 0 (worst) and 1 (best)
with one of five kinds of function, written in a profile as an inline table
(``value = { kind = "linear", x0 = 20000, x1 = 150000 }``):

``linear {x0, x1}``
    0 at ``x0``, 1 at ``x1``, straight line between, clipped; decreasing when
    ``x1 < x0`` (e.g. distances).
``step {threshold, above = true}``
    1 at or above the threshold (at or below when ``above = false``), else 0.
``piecewise {points = [[x, v], ...]}``
    linear interpolation between points with strictly increasing ``x``,
    constant beyond the first and last point.
``ideal {ideal, tolerance, zero_at}``
    1 within ``tolerance`` of ``ideal``, falling linearly to 0 at distance
    ``zero_at`` from it.
``categories {values = {text = v, ...}, default = 0}``
    for text metrics (zoning, owner, price area); unlisted text gets ``default``.

A missing metric value (NaN, None) always gives 0; the scoring layer flags the
criterion "no data" for that site. ``direction`` (+1 increasing, -1 decreasing,
0 neither) tells the learning module which sign to expect for a criterion.

Examples
--------
>>> f = Linear(x0=10_000, x1=0)          # 10 km or more is worthless
>>> f(np.array([0.0, 2_500.0, 20_000.0, np.nan])).tolist()
[1.0, 0.75, 0.0, 0.0]
>>> f.direction
-1
>>> Categories({"industrial": 1.0, "in_progress": 0.6})(np.array(["industrial", "none"])).tolist()
[1.0, 0.0]
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from siting.core.errors import Problem, ProfileError
from siting.core.frozen import FrozenMap

__all__ = [
    "VALUE_FN_KINDS",
    "Categories",
    "Ideal",
    "Linear",
    "Piecewise",
    "Step",
    "ValueFn",
    "is_missing",
    "parse_value_fn",
]

FloatArray = NDArray[np.float64]


def _as_float(x: ArrayLike) -> FloatArray:
    """Float array; None and non-numeric entries become NaN."""
    arr = np.asarray(x)
    if arr.dtype.kind in "fiub":
        return arr.astype(float)
    out = np.full(arr.shape, np.nan)
    flat = arr.ravel()
    res = out.ravel()
    for i, item in enumerate(flat):
        try:
            res[i] = float(item)
        except (TypeError, ValueError):
            res[i] = np.nan
    return res.reshape(arr.shape)


def is_missing(value: Any) -> bool:
    """True for None, float NaN, numpy NaT and pandas' ``NA`` (without importing pandas)."""
    if value is None:
        return True
    if isinstance(value, float | np.floating):
        return math.isnan(value)
    if isinstance(value, np.datetime64):
        return bool(np.isnat(value))
    return type(value).__name__ in ("NAType", "NaTType")


def _finish(v: FloatArray) -> FloatArray:
    return np.where(np.isnan(v), 0.0, np.clip(v, 0.0, 1.0))


@dataclass(frozen=True)
class Linear:
    """0 at ``x0``, 1 at ``x1``, linear between, clipped to 0..1."""

    x0: float
    x1: float
    kind: ClassVar[str] = "linear"

    @property
    def direction(self) -> int:
        """+1 when increasing (``x1 > x0``), -1 when decreasing."""
        return 1 if self.x1 > self.x0 else -1

    def __call__(self, x: ArrayLike) -> FloatArray:
        """Values in 0..1; NaN gives 0."""
        xf = _as_float(x)
        return _finish((xf - self.x0) / (self.x1 - self.x0))

    def expression(self, var: str) -> str:
        """The same function as a ``numexpr`` expression of the variable ``var`` (fused overlays)."""
        t = f"(({var} - {float(self.x0)!r}) / {float(self.x1 - self.x0)!r})"
        return f"where({t} >= 0.0, minimum({t}, 1.0), 0.0)"  # NaN and below 0 give 0

    def to_table(self) -> dict[str, Any]:
        """The TOML inline table this function was parsed from."""
        return {"kind": self.kind, "x0": self.x0, "x1": self.x1}


@dataclass(frozen=True)
class Step:
    """1 at or above ``threshold`` (at or below when ``above`` is False), else 0."""

    threshold: float
    above: bool = True
    kind: ClassVar[str] = "step"

    @property
    def direction(self) -> int:
        """+1 for ``above``, -1 otherwise."""
        return 1 if self.above else -1

    def __call__(self, x: ArrayLike) -> FloatArray:
        """Values 0 or 1; NaN gives 0."""
        xf = _as_float(x)
        with np.errstate(invalid="ignore"):
            hit = xf >= self.threshold if self.above else xf <= self.threshold
        return np.where(np.isnan(xf), 0.0, hit.astype(float))

    def expression(self, var: str) -> str:
        """The same function as a ``numexpr`` expression of the variable ``var`` (fused overlays)."""
        cmp = ">=" if self.above else "<="
        return f"where({var} {cmp} {float(self.threshold)!r}, 1.0, 0.0)"

    def to_table(self) -> dict[str, Any]:
        """The TOML inline table."""
        return {"kind": self.kind, "threshold": self.threshold, "above": self.above}


@dataclass(frozen=True)
class Piecewise:
    """Linear interpolation through ``points`` ``((x, v), ...)``, x strictly increasing."""

    points: tuple[tuple[float, float], ...]
    kind: ClassVar[str] = "piecewise"

    @property
    def direction(self) -> int:
        """+1 when never decreasing, -1 when never increasing, else 0 (also when flat)."""
        v = np.array([p[1] for p in self.points])
        dv = np.diff(v)
        if np.all(dv >= 0) and np.any(dv > 0):
            return 1
        if np.all(dv <= 0) and np.any(dv < 0):
            return -1
        return 0

    def __call__(self, x: ArrayLike) -> FloatArray:
        """Interpolated values, constant beyond the ends; NaN gives 0."""
        xf = _as_float(x)
        xs = np.array([p[0] for p in self.points], dtype=float)
        vs = np.array([p[1] for p in self.points], dtype=float)
        return _finish(np.interp(xf, xs, vs))

    def to_table(self) -> dict[str, Any]:
        """The TOML inline table."""
        return {"kind": self.kind, "points": [list(p) for p in self.points]}


@dataclass(frozen=True)
class Ideal:
    """1 within ``tolerance`` of ``ideal``, 0 at distance ``zero_at`` or more."""

    ideal: float
    tolerance: float
    zero_at: float
    kind: ClassVar[str] = "ideal"

    @property
    def direction(self) -> int:
        """0: neither increasing nor decreasing."""
        return 0

    def __call__(self, x: ArrayLike) -> FloatArray:
        """Values in 0..1; NaN gives 0."""
        d = np.abs(_as_float(x) - self.ideal)
        return _finish((self.zero_at - d) / (self.zero_at - self.tolerance))

    def to_table(self) -> dict[str, Any]:
        """The TOML inline table."""
        return {"kind": self.kind, "ideal": self.ideal, "tolerance": self.tolerance,
                "zero_at": self.zero_at}


@dataclass(frozen=True)
class Categories:
    """Values for text categories; anything unlisted (or missing) gets ``default``."""

    values: Mapping[str, float]
    default: float = 0.0
    kind: ClassVar[str] = "categories"

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", FrozenMap(self.values))

    @property
    def direction(self) -> int:
        """0: categories have no order."""
        return 0

    def __call__(self, x: ArrayLike) -> FloatArray:
        """Mapped values; missing values give 0, unlisted text ``default``."""
        arr = np.asarray(x, dtype=object)
        out = np.empty(arr.shape, dtype=float)
        res = out.ravel()
        for i, item in enumerate(arr.ravel()):
            if is_missing(item):
                res[i] = 0.0
            else:
                res[i] = self.values.get(str(item), self.default)
        return res.reshape(arr.shape)

    def to_table(self) -> dict[str, Any]:
        """The TOML inline table."""
        table: dict[str, Any] = {"kind": self.kind, "values": dict(self.values)}
        if self.default:
            table["default"] = self.default
        return table


ValueFn = Linear | Step | Piecewise | Ideal | Categories

#: Keys of each kind: (required, optional).
VALUE_FN_KINDS: MappingProxyType[str, tuple[tuple[str, ...], tuple[str, ...]]] = MappingProxyType({
    "linear": (("x0", "x1"), ()),
    "step": (("threshold",), ("above",)),
    "piecewise": (("points",), ()),
    "ideal": (("ideal", "tolerance", "zero_at"), ()),
    "categories": (("values",), ("default",)),
})


def _num(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def parse_value_fn(
    table: Any,
    source: str,
    location: str,
    problems: list[Problem] | None = None,
) -> ValueFn | None:
    """Build a value function from its TOML table, collecting problems.

    Parameters
    ----------
    table : Any
        The parsed ``value`` table, e.g. ``{"kind": "linear", "x0": 0, "x1": 10}``.
    source, location : str
        File and place (``"soft 'labour'"``) used in problem reports.
    problems : list of Problem, optional
        When given, problems are appended and None is returned on failure; when
        omitted, a :class:`ProfileError` listing all problems is raised.

    Returns
    -------
    ValueFn or None

    Examples
    --------
    >>> parse_value_fn({"kind": "step", "threshold": 5}, "p.toml", "soft 'x'")
    Step(threshold=5.0, above=True)
    """
    own: list[Problem] = []
    fld = "value"

    def bad(msg: str, hint: str = "", key: str = "") -> None:
        own.append(Problem(source, location, f"{fld}.{key}" if key else fld, msg, hint))

    fn: ValueFn | None = None
    if not isinstance(table, Mapping):
        bad("must be an inline table such as { kind = \"linear\", x0 = 0, x1 = 10 }")
    else:
        kind = table.get("kind")
        if kind not in VALUE_FN_KINDS:
            bad(f"unknown value function kind {kind!r}",
                f"use one of {', '.join(VALUE_FN_KINDS)}", "kind")
        else:
            assert isinstance(kind, str)  # every key of VALUE_FN_KINDS is a str
            required, optional = VALUE_FN_KINDS[kind]
            for key in required:
                if key not in table:
                    bad(f"'{kind}' needs '{key}'", key=key)
            for key in table:
                if key != "kind" and key not in required and key not in optional:
                    bad(f"unknown key '{key}' for kind '{kind}'",
                        f"allowed: {', '.join(required + optional)}", key)
            if not own:
                fn = _build(kind, table, bad)
    if own:
        fn = None
        if problems is None:
            raise ProfileError.from_problems("Invalid value function", own)
        problems.extend(own)
    return fn


def _build(kind: str, t: Mapping[str, Any], bad: Any) -> ValueFn | None:
    ok = True

    def need_num(key: str) -> float:
        nonlocal ok
        v = t[key]
        if not _num(v):
            bad(f"must be a finite number, got {v!r}", key=key)
            ok = False
            return 0.0
        return float(v)

    if kind == "linear":
        x0, x1 = need_num("x0"), need_num("x1")
        if ok and x0 == x1:
            bad("x0 and x1 must differ", "put x0 where the value is 0 and x1 where it is 1")
            return None
        return Linear(x0, x1) if ok else None
    if kind == "step":
        thr = need_num("threshold")
        above = t.get("above", True)
        if not isinstance(above, bool):
            bad(f"must be true or false, got {above!r}", key="above")
            return None
        return Step(thr, above) if ok else None
    if kind == "piecewise":
        pts = t["points"]
        if (not isinstance(pts, list) or len(pts) < 2
                or not all(isinstance(p, list) and len(p) == 2 and all(_num(c) for c in p)
                           for p in pts)):
            bad("must be a list of at least two [x, value] number pairs", key="points")
            return None
        xs = [float(p[0]) for p in pts]
        vs = [float(p[1]) for p in pts]
        if any(b <= a for a, b in zip(xs, xs[1:], strict=False)):
            bad("x must be strictly increasing", key="points")
            ok = False
        if any(v < 0 or v > 1 for v in vs):
            bad("values must lie in 0..1", key="points")
            ok = False
        return Piecewise(tuple(zip(xs, vs, strict=True))) if ok else None
    if kind == "ideal":
        ideal, tol, zero = need_num("ideal"), need_num("tolerance"), need_num("zero_at")
        if ok and not 0 <= tol < zero:
            bad(f"need 0 <= tolerance < zero_at, got tolerance={tol:g}, zero_at={zero:g}")
            return None
        return Ideal(ideal, tol, zero) if ok else None
    # categories
    vals = t["values"]
    default = t.get("default", 0.0)
    if not isinstance(vals, Mapping) or not vals:
        bad("must be a non-empty table of text = value", key="values")
        return None
    for k, v in vals.items():
        if not _num(v) or not 0 <= v <= 1:
            bad(f"value for '{k}' must be a number in 0..1, got {v!r}", key="values")
            ok = False
    if not _num(default) or not 0 <= default <= 1:
        bad(f"must be a number in 0..1, got {default!r}", key="default")
        ok = False
    return Categories({str(k): float(v) for k, v in vals.items()}, float(default)) if ok else None
