"""Establishment profiles: ``criteria/*.toml`` parsed and validated into frozen dataclasses.

A profile says what an establishment type (battery plant, steelworks, data
centre) needs: the *metrics* to measure on every candidate site, the *hard*
criteria a site must pass and the *soft* criteria that rank the sites that
pass, each with a weight, a value function and a sourced rationale. The format
is specified in ``criteria/README.md``; every problem in a file is reported at
once, naming the file, the metric/criterion id and the field.

Examples
--------
>>> p = load_profile("battery_plant")
>>> p.industry, p.aggregation
('battery', 'weighted_sum')
>>> round(sum(p.weights.values()), 6)
1.0
>>> parse_profile(p.to_toml()).content_hash == p.content_hash
True
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeGuard

import numpy as np
from numpy.typing import NDArray

from siting.core.errors import Problem, ProfileError
from siting.core.frozen import FrozenMap, freeze
from siting.core.i18n import format_number, t
from siting.core.shipped import resolve_toml, shipped_dir, shipped_names
from siting.criteria.mcda import METHODS
from siting.criteria.rules import (
    HARD_OPS,
    INDUSTRIES,
    METRIC_KINDS,
    AhpSpec,
    check_metric_params,
    check_threshold,
    dump_profile_toml,
    metric_is_text,
    parse_ahp,
)
from siting.criteria.valuefn import Categories, ValueFn, is_missing, parse_value_fn

__all__ = [
    "HARD_OPS",
    "INDUSTRIES",
    "METRIC_KINDS",
    "PROFILE_DIR",
    "AhpSpec",
    "HardCriterion",
    "MetricSpec",
    "Profile",
    "SoftCriterion",
    "available_profiles",
    "load_profile",
    "parse_profile",
    "resolve_profile_path",
]

#: Folder holding the profiles shipped with the project: ``criteria/`` in a checkout; in an
#: installed package ``siting/data/shipped_criteria`` (a symlink to ``criteria/`` in the
#: repository, so the wheel carries the files).
PROFILE_DIR = shipped_dir("criteria")

_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_TOP_KEYS = {"profile", "metric", "hard", "soft", "ahp"}
_PROFILE_KEYS = {"id", "name_sv", "name_en", "industry", "aggregation", "min_area_ha",
                 "description_sv", "description_en"}
_METRIC_KEYS = {"id", "kind", "unit", "label_sv", "label_en"}
_HARD_KEYS = {"id", "metric", "op", "threshold", "rationale"}
_SOFT_KEYS = {"id", "metric", "weight", "value", "rationale"}
_OP_WORDS = {
    "sv": {">=": "minst", "<=": "högst", ">": "mer än", "<": "mindre än", "==": "exakt",
           "!=": "inte", "in": "en av"},
    "en": {">=": "at least", "<=": "at most", ">": "more than", "<": "less than",
           "==": "exactly", "!=": "not", "in": "one of"},
}
_REQUIRED = {"sv": "krav", "en": "required"}


def _is_num(v: Any) -> TypeGuard[float]:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


@dataclass(frozen=True)
class MetricSpec:
    """A metric to compute on every candidate site (contracts §B).

    Parameters
    ----------
    id : str
        Metric id with the unit in the name (``dist_rail_m``).
    kind : str
        One of :data:`METRIC_KINDS`.
    params : Mapping
        The kind's parameters (``layer``, ``field``, ``radius_m``, ``filter`` ...).
    unit : str
        Display unit (``"m"``, ``"MW"``); empty for shares and text.
    label_sv, label_en : str
        Display labels.
    """

    id: str
    kind: str
    params: Mapping[str, Any]
    unit: str
    label_sv: str
    label_en: str

    def label(self, lang: str = "sv") -> str:
        """Label in ``lang``."""
        return self.label_sv if lang == "sv" else self.label_en

    @property
    def is_text(self) -> bool:
        """True when the metric yields text (zoning, owner, price area)."""
        return metric_is_text(self.kind, self.params)

    @property
    def layer_type(self) -> str | None:
        """The canonical layer type the metric reads, besides the sites."""
        if self.kind == "labour_pool":
            return "population_grid"
        layer = self.params.get("layer")
        return str(layer) if layer is not None else None


@dataclass(frozen=True)
class HardCriterion:
    """A requirement on one metric, decided per row by :mod:`siting.criteria.evaluator`
    (pass, fail or unknown).

    ``label_sv``, ``label_en`` and ``unit`` are copied from the metric so that
    failure reasons can be written without the profile at hand.
    """

    id: str
    metric: str
    op: str
    threshold: float | str | tuple[float | str, ...]
    rationale: str
    label_sv: str = ""
    label_en: str = ""
    unit: str = ""

    def reason(self, value: Any, lang: str = "sv") -> str:
        """Why a site fails, e.g. ``'Area: 42 ha, krav minst 50 ha'``.

        Format (contracts §C): ``"{label}: {value} {unit}, krav minst {threshold} {unit}"``
        in Swedish (Swedish number format), ``"..., required at least ..."`` in English.
        """
        lang = "sv" if lang == "sv" else "en"
        label = self.label_sv if lang == "sv" else self.label_en
        unit = f" {self.unit}" if self.unit else ""
        missing = is_missing(value)
        if missing:
            shown = t("verdict.no_data", lang)
        elif isinstance(value, int | float) and math.isinf(value) and value > 0:
            shown = t("verdict.none_in_reach", lang)  # nothing within the study area + buffer
        else:
            shown = f"{_fmt(value, lang)}{unit}"
        thr = self.threshold
        thr_text = ", ".join(_fmt(t, lang) for t in thr) if isinstance(thr, tuple) else _fmt(
            thr, lang)
        return f"{label}: {shown}, {_REQUIRED[lang]} {_OP_WORDS[lang][self.op]} {thr_text}{unit}"


def _fmt(value: Any, lang: str) -> str:
    if isinstance(value, str):
        return value
    return format_number(value, lang)


@dataclass(frozen=True)
class SoftCriterion:
    """A ranking criterion: a metric, its value function and its declared weight.

    ``weight`` is the weight as written in the file (any non-negative number);
    the effective, normalised weight is ``Profile.weights[id]``.
    """

    id: str
    metric: str
    weight: float
    value_fn: ValueFn
    rationale: str


@dataclass(frozen=True)
class Profile:
    """A validated establishment profile.

    Attributes
    ----------
    weights : Mapping[str, float]
        Effective soft-criterion weights (sum 1), from ``[ahp]`` when present.
    ahp_cr : float or None
        The AHP consistency ratio, None without ``[ahp]``.
    content_hash : str
        sha256 of :meth:`to_toml` (the canonical text): equal for files that
        differ only in comments/layout, different after any change of content.
    source_path : Path or None
        Where the profile was read from.
    """

    id: str
    name_sv: str
    name_en: str
    industry: str
    aggregation: str
    min_area_ha: float
    description_sv: str
    description_en: str
    metrics: tuple[MetricSpec, ...]
    hard: tuple[HardCriterion, ...]
    soft: tuple[SoftCriterion, ...]
    weights: Mapping[str, float]
    ahp: AhpSpec | None = None
    ahp_cr: float | None = None
    content_hash: str = ""
    source_path: Path | None = None
    #: The canonical TOML text once written (not an init field: ``dataclasses.replace``
    #: starts a copy without it, so a changed copy never reuses an old text).
    _toml: str | None = dataclasses.field(default=None, init=False, repr=False, compare=False)

    def name(self, lang: str = "sv") -> str:
        """Display name in ``lang``."""
        return self.name_sv if lang == "sv" else self.name_en

    def description(self, lang: str = "sv") -> str:
        """Description in ``lang``."""
        return self.description_sv if lang == "sv" else self.description_en

    def metric(self, metric_id: str) -> MetricSpec:
        """The metric called ``metric_id`` (KeyError when absent)."""
        for m in self.metrics:
            if m.id == metric_id:
                return m
        raise KeyError(metric_id)

    def weight_vector(self) -> NDArray[np.float64]:
        """Weights in the order of :attr:`soft`."""
        return np.array([self.weights[s.id] for s in self.soft], dtype=float)

    def layer_types(self) -> tuple[str, ...]:
        """Canonical layer types the profile's metrics read (sorted, without ``sites``)."""
        types = {m.layer_type for m in self.metrics if m.layer_type}
        return tuple(sorted(t for t in types if t))

    def with_weights(self, weights: Mapping[str, float]) -> Profile:
        """A copy with new soft-criterion weights, normalised to sum 1.

        The ``[ahp]`` block is dropped (the weights are now set directly).

        Raises
        ------
        ProfileError
            On unknown or missing criterion ids, negative/non-numeric weights or
            weights that are all zero.
        """
        src = str(self.source_path or self.id)
        problems: list[Problem] = []
        ids = [s.id for s in self.soft]
        for key in weights:
            if key not in ids:
                problems.append(Problem(src, f"soft '{key}'", "weight",
                                        "no soft criterion has this id",
                                        f"use one of {', '.join(ids)}"))
        for sid in ids:
            if sid not in weights:
                problems.append(Problem(src, f"soft '{sid}'", "weight", "weight missing"))
            elif not _is_num(weights[sid]) or weights[sid] < 0:
                problems.append(Problem(src, f"soft '{sid}'", "weight",
                                        f"must be a non-negative number, got {weights[sid]!r}"))
        if not problems and sum(float(weights[s]) for s in ids) <= 0:
            problems.append(Problem(src, "", "weight", "all weights are zero",
                                    "give at least one soft criterion a positive weight"))
        if problems:
            raise ProfileError.from_problems(f"Invalid weights for profile {self.id}", problems)
        total = sum(float(weights[s]) for s in ids)
        norm = {s: float(weights[s]) / total for s in ids}
        soft = tuple(dataclasses.replace(s, weight=norm[s.id]) for s in self.soft)
        new = dataclasses.replace(self, soft=soft, weights=FrozenMap(norm), ahp=None,
                                  ahp_cr=None)
        text = new.to_toml()
        out = dataclasses.replace(new, content_hash=_hash(text))
        object.__setattr__(out, "_toml", text)  # the hash is not part of the text
        return out

    def to_toml(self) -> str:
        """The profile as canonical TOML text that :func:`parse_profile` reads back.

        Written once per profile (a re-rank needs it for the hash and the provenance).
        """
        if self._toml is None:
            object.__setattr__(self, "_toml", dump_profile_toml(self))
        assert self._toml is not None
        return self._toml


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def available_profiles() -> tuple[str, ...]:
    """Ids of the profiles shipped in ``criteria/``."""
    return shipped_names(PROFILE_DIR)


def resolve_profile_path(name_or_path: str | Path) -> Path:
    """Turn a profile name (``battery_plant``) or a path into an existing file path."""
    return resolve_toml(name_or_path, PROFILE_DIR, ProfileError, "profile")


def load_profile(name_or_path: str | Path) -> Profile:
    """Read and validate a profile.

    Parameters
    ----------
    name_or_path : str or Path
        A shipped profile id (``"battery_plant"``) or a path to a ``.toml`` file.

    Raises
    ------
    ProfileError
        Listing every problem found, each with file, criterion id and field.
    """
    path = resolve_profile_path(name_or_path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ProfileError.single(str(path), "not UTF-8 text",
                                  hint="save the file as UTF-8") from exc
    return parse_profile(text, source=str(path), path=path)


def parse_profile(text: str, source: str = "<profile>", path: Path | None = None) -> Profile:
    """Parse and validate profile TOML text (e.g. an edited copy from the app).

    Raises
    ------
    ProfileError
        Listing every problem found.
    """
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError.single(source, f"not valid TOML: {exc}",
                                  hint="check quotes, brackets and '=' signs on that line") from exc
    problems: list[Problem] = []

    def bad(loc: str, fld: str, msg: str, hint: str = "") -> None:
        problems.append(Problem(source, loc, fld, msg, hint))

    for key in raw:
        if key not in _TOP_KEYS:
            bad("", key, f"unknown section '{key}'",
                "allowed: [profile], [[metric]], [[hard]], [[soft]], [ahp]")
    head = _parse_head(raw.get("profile"), bad)
    n_before = len(problems)
    metrics = _parse_metrics(raw.get("metric", []), bad)
    # metrics with their own problems are not type-checked again by the criteria
    broken = {p.location[len("metric '"):-1] for p in problems[n_before:]
              if p.location.startswith("metric '")}
    by_id = {m.id: m for m in metrics}
    hard = _parse_hard(raw.get("hard", []), by_id, broken, bad)
    soft_raw = _parse_soft(raw.get("soft", []), by_id, broken, "ahp" in raw, source, problems,
                           bad)
    declared = {sec: _declared_ids(raw.get(sec)) for sec in ("hard", "soft")}
    seen: set[str] = set()
    for cid in declared["hard"] + declared["soft"]:
        if cid in seen:
            bad(f"criterion '{cid}'", "id", "duplicate criterion id",
                "give every [[hard]] and [[soft]] criterion a unique id")
        seen.add(cid)
    ahp, ahp_w, cr = parse_ahp(raw.get("ahp"), list(dict.fromkeys(declared["soft"])), bad)
    # an all-zero check is only meaningful when every soft criterion parsed
    weights = _effective_weights(soft_raw, ahp_w, bad,
                                 complete=len(soft_raw) == len(declared["soft"]))
    if problems:
        raise ProfileError.from_problems(f"Invalid profile {Path(source).name}", problems)
    # Declared weights stay as written (so the canonical text round-trips exactly); with
    # [ahp] they are informational and replaced by the AHP weights rounded to 6 decimals.
    soft = tuple(SoftCriterion(sid, metric, round(weights[sid], 6) if ahp else w, fn, rat)
                 for sid, metric, w, fn, rat in soft_raw)
    profile = Profile(
        **head, metrics=tuple(metrics), hard=tuple(hard), soft=soft,
        weights=FrozenMap(weights), ahp=ahp, ahp_cr=cr, source_path=path)
    return dataclasses.replace(profile, content_hash=_hash(profile.to_toml()))


def _declared_ids(section: Any) -> list[str]:
    """The text ids of the tables of one array section, as written (duplicates kept)."""
    entries = section if isinstance(section, list) else []
    return [e["id"] for e in entries if isinstance(e, dict) and isinstance(e.get("id"), str)]


def _parse_head(head: Any, bad: Any) -> dict[str, Any]:
    loc = "[profile]"
    if not isinstance(head, dict):
        bad(loc, "", "missing [profile] table", "start the file with [profile] and id = ...")
        head = {}
    for key in head:
        if key not in _PROFILE_KEYS:
            bad(loc, key, f"unknown key '{key}'", f"allowed: {', '.join(sorted(_PROFILE_KEYS))}")
    out: dict[str, Any] = {}
    for key in ("id", "name_sv", "name_en"):
        val = head.get(key)
        if not isinstance(val, str) or not val.strip():
            bad(loc, key, f"required text, got {val!r}")
        out[key] = str(val or "")
    if out["id"] and not _ID_RE.match(out["id"]):
        bad(loc, "id", f"'{out['id']}' is not a valid id", "use lower case letters, digits and _")
    industry = head.get("industry", "other")
    if industry not in INDUSTRIES:
        bad(loc, "industry", f"unknown industry {industry!r}", f"use one of {', '.join(INDUSTRIES)}")
    aggregation = head.get("aggregation", "weighted_sum")
    if aggregation not in METHODS:
        bad(loc, "aggregation", f"unknown aggregation {aggregation!r}",
            f"use one of {', '.join(METHODS)}")
    area = head.get("min_area_ha")
    if not _is_num(area) or area <= 0:
        bad(loc, "min_area_ha", f"must be a positive number of hectares, got {area!r}")
        area = 0.0
    out.update(industry=str(industry), aggregation=str(aggregation), min_area_ha=float(area),
               description_sv=str(head.get("description_sv", "")),
               description_en=str(head.get("description_en", "")))
    return out


def _entries(raw: Any, section: str, bad: Any) -> list[tuple[str, dict[str, Any]]]:
    if not isinstance(raw, list):
        bad("", section, f"must be an array of tables, written [[{section}]]")
        return []
    out = []
    for i, entry in enumerate(raw, start=1):
        if not isinstance(entry, dict):
            bad(f"{section} #{i}", "", "must be a table")
            continue
        eid = entry.get("id")
        if not isinstance(eid, str) or not _ID_RE.match(eid):
            bad(f"{section} #{i}", "id", f"missing or invalid id {eid!r}",
                "use lower case letters, digits and _ (e.g. dist_rail_m)")
            eid = f"#{i}"
        out.append((str(eid), entry))
    return out


def _parse_metrics(raw: Any, bad: Any) -> list[MetricSpec]:
    metrics: list[MetricSpec] = []
    seen: set[str] = set()
    for mid, entry in _entries(raw, "metric", bad):
        loc = f"metric '{mid}'"
        if mid in seen:
            bad(loc, "id", "duplicate metric id", "give every [[metric]] a unique id")
        seen.add(mid)
        kind = entry.get("kind")
        params = {k: v for k, v in entry.items() if k not in _METRIC_KEYS}
        if kind not in METRIC_KINDS:
            bad(loc, "kind", f"unknown metric kind {kind!r}",
                f"use one of {', '.join(METRIC_KINDS)}")
        else:
            for fld, msg, hint in check_metric_params(str(kind), params):
                bad(loc, fld, msg, hint)
        for key in ("label_sv", "label_en"):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                bad(loc, key, "required text label", "write the label shown in tables and reasons")
        unit = entry.get("unit", "")
        if not isinstance(unit, str):
            bad(loc, "unit", f"must be text, got {unit!r}")
        metrics.append(MetricSpec(mid, str(kind), freeze(params), str(unit),
                                  str(entry.get("label_sv", "")), str(entry.get("label_en", ""))))
    return metrics


def _parse_hard(raw: Any, metrics: Mapping[str, MetricSpec], broken: set[str],
                bad: Any) -> list[HardCriterion]:
    out: list[HardCriterion] = []
    for hid, entry in _entries(raw, "hard", bad):
        loc = f"hard '{hid}'"
        for key in entry:
            if key not in _HARD_KEYS:
                bad(loc, key, f"unknown key '{key}'", f"allowed: {', '.join(sorted(_HARD_KEYS))}")
        metric = _ref_metric(entry, metrics, loc, bad)
        op = entry.get("op")
        thr = entry.get("threshold")
        if op not in HARD_OPS:
            bad(loc, "op", f"unknown operator {op!r}", f"use one of {', '.join(HARD_OPS)}")
        elif "threshold" not in entry:
            bad(loc, "threshold", "missing threshold")
        elif metric is not None and metric.id not in broken:
            check_threshold(op, thr, metric.is_text, loc, bad)
        if not isinstance(entry.get("rationale", ""), str):
            bad(loc, "rationale", "must be text")
        if thr is None:
            continue  # missing threshold: reported above and the profile is rejected
        threshold = tuple(thr) if isinstance(thr, list) else thr
        out.append(HardCriterion(
            hid, str(entry.get("metric")), str(op), threshold, str(entry.get("rationale", "")),
            metric.label_sv if metric else "", metric.label_en if metric else "",
            metric.unit if metric else ""))
    return out


def _ref_metric(entry: Mapping[str, Any], metrics: Mapping[str, MetricSpec], loc: str,
                bad: Any) -> MetricSpec | None:
    ref = entry.get("metric")
    if ref not in metrics:
        bad(loc, "metric", f"unknown metric {ref!r}",
            f"define it in a [[metric]] table; known: {', '.join(metrics) or 'none'}")
        return None
    assert isinstance(ref, str)  # every metric id is a str
    return metrics[ref]


def _parse_soft(raw: Any, metrics: Mapping[str, MetricSpec], broken: set[str], has_ahp: bool,
                source: str, problems: list[Problem], bad: Any
                ) -> list[tuple[str, str, float, ValueFn, str]]:
    out: list[tuple[str, str, float, ValueFn, str]] = []
    entries = _entries(raw, "soft", bad)
    if not entries:
        bad("", "soft", "the profile has no [[soft]] criteria",
            "add at least one soft criterion to rank the sites that pass")
    for sid, entry in entries:
        loc = f"soft '{sid}'"
        for key in entry:
            if key not in _SOFT_KEYS:
                bad(loc, key, f"unknown key '{key}'", f"allowed: {', '.join(sorted(_SOFT_KEYS))}")
        metric = _ref_metric(entry, metrics, loc, bad)
        weight = entry.get("weight", None if not has_ahp else 0.0)
        if not _is_num(weight):
            bad(loc, "weight", f"must be a number, got {weight!r}", "e.g. weight = 0.2")
            weight = 0.0
        elif weight < 0:
            bad(loc, "weight", f"negative weight {weight}", "use 0 to switch a criterion off")
        fn = parse_value_fn(entry.get("value"), source, loc, problems)
        if fn is not None and metric is not None and metric.id not in broken:
            if metric.is_text and not isinstance(fn, Categories):
                bad(loc, "value", f"metric '{metric.id}' is text; use kind = \"categories\"")
            elif not metric.is_text and isinstance(fn, Categories):
                bad(loc, "value", f"metric '{metric.id}' is numeric; 'categories' needs text")
        if not isinstance(entry.get("rationale", ""), str):
            bad(loc, "rationale", "must be text")
        if fn is not None:
            out.append((sid, str(entry.get("metric")), float(weight), fn,
                        str(entry.get("rationale", ""))))
    return out


def _effective_weights(soft: list[tuple[str, str, float, ValueFn, str]],
                       ahp_w: dict[str, float] | None, bad: Any, *,
                       complete: bool = True) -> dict[str, float]:
    if ahp_w is not None and all(s[0] in ahp_w for s in soft):
        raw = {s[0]: ahp_w[s[0]] for s in soft}
    else:
        raw = {s[0]: max(s[2], 0.0) for s in soft}
    total = sum(raw.values())
    if soft and total <= 0 and complete:
        bad("", "weight", "all soft weights are zero",
            "give at least one soft criterion a positive weight")
        return raw
    return {k: v / total for k, v in raw.items()} if total > 0 else raw
