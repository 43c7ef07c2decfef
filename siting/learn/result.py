"""The result of learning from outcomes: :class:`LearningResult` and its text rendering."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from siting.core.i18n import format_number
from siting.learn.features import DROP_REASONS, FeatureSpec
from siting.learn.models import ShrunkLogit

__all__ = ["MIN_CASES_PER_CLASS", "MIN_LEARNABLE_PER_CLASS", "FittedModel", "LearningResult", "ModelScore", "render_table"]

#: Below this many cases in either class the result is flagged indicative only.
MIN_CASES_PER_CLASS = 10
#: Fewer decided cases than this in either class and nothing can be learned at all.
MIN_LEARNABLE_PER_CLASS = 2


@dataclass(frozen=True)
class ModelScore:
    """Cross-validated performance of one model.

    ``auc_interval``/``brier_interval`` are bootstrap percentile intervals
    over cases of the out-of-fold predictions.
    """

    name: str
    auc: float
    auc_interval: tuple[float, float]
    brier: float
    brier_interval: tuple[float, float]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dictionary."""
        return _json_safe({
            "name": self.name, "auc": self.auc, "auc_interval": list(self.auc_interval),
            "brier": self.brier, "brier_interval": list(self.brier_interval),
        })


@dataclass(frozen=True)
class FittedModel:
    """What is needed to score new rows: the spec, imputation, model and bootstrap refits."""

    spec: FeatureSpec
    features: tuple[str, ...]
    medians: Mapping[str, float]
    logit: ShrunkLogit
    bootstrap: tuple[ShrunkLogit, ...]


@dataclass(frozen=True)
class LearningResult:
    """Everything learned from the cases, with its uncertainty and caveats.

    ``cv_scheme`` is ``"leave_one_out"`` (small samples; the AUC is then
    leave-pair-out), ``"repeated_stratified_{k}fold_x{r}"``, or with
    ``grouped_by`` (e.g. ``"kommunkod"``, ``n_groups`` groups)
    ``"leave_one_group_out"`` / ``"repeated_stratified_group_{k}fold_x{r}"``.

    Weights and coefficients are keyed by feature id. ``coefficients`` are
    per standard deviation of the feature among the fitting cases;
    ``suggested_weights`` are their normalised positive parts (sign-adjusted)
    and ``suggested_weights_interval`` the percentile interval of the same
    quantity over bootstrap refits. ``expert_weights`` are the profile's
    weights over the same (kept) features, normalised to sum 1 like the
    suggested weights, so the two compare directly (0 = factor not in the
    profile); ``expert_weights_profile`` are the profile's weights over every
    feature including those left out. Features left out are in ``dropped``
    with the reason; they get no suggested weight.
    """

    profile_id: str
    mode: str
    n_cases: int
    n_won: int
    n_lost: int
    n_excluded_by_outcome: Mapping[str, int]
    withdrawn_as_lost: bool
    indicative: bool
    message_sv: str
    message_en: str
    warnings_sv: tuple[str, ...]
    warnings_en: tuple[str, ...]
    cv_scheme: str
    grouped_by: str
    n_groups: int
    interval_level: float
    cv_auc: float
    cv_auc_interval: tuple[float, float]
    brier: float
    brier_interval: tuple[float, float]
    brier_baseline: float
    comparison: tuple[ModelScore, ...]
    features: tuple[str, ...]
    intercept: float
    coefficients: Mapping[str, float]
    coefficients_per_value_unit: Mapping[str, float]
    expert_scale: float
    prior_strength: float
    permutation_importance: Mapping[str, float]
    permutation_importance_std: Mapping[str, float]
    suggested_weights: Mapping[str, float]
    suggested_weights_interval: Mapping[str, tuple[float, float]]
    expert_weights: Mapping[str, float]
    expert_weights_profile: Mapping[str, float]
    n_imputed: Mapping[str, int]
    dropped: Mapping[str, str]
    predictions: Mapping[str, Mapping[str, float]]
    model: FittedModel = field(repr=False, compare=False)

    def message(self, lang: str = "sv") -> str:
        """The headline message in ``lang``."""
        return self.message_sv if lang == "sv" else self.message_en

    def warnings(self, lang: str = "sv") -> tuple[str, ...]:
        """The caveats in ``lang``."""
        return self.warnings_sv if lang == "sv" else self.warnings_en

    def dropped_reason(self, feature: str, lang: str = "sv") -> str:
        """Why ``feature`` was left out, in ``lang`` (empty when it was not)."""
        code = self.dropped.get(feature)
        if code is None:
            return ""
        sv, en = DROP_REASONS.get(code, (code, code))
        return sv if lang == "sv" else en

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dictionary (NaN becomes None); the fitted model is left out.

        Besides the fields, ``dropped_reasons_sv``/``_en`` give the reasons as text.
        """
        out: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            if name == "model":
                continue
            value = getattr(self, name)
            if name == "comparison":
                value = [m.to_dict() for m in value]
            out[name] = value
        out["dropped_reasons_sv"] = {f: self.dropped_reason(f, "sv") for f in self.dropped}
        out["dropped_reasons_en"] = {f: self.dropped_reason(f, "en") for f in self.dropped}
        return _json_safe(out)


def _json_safe(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return None if math.isnan(f) or math.isinf(f) else f
    if isinstance(value, np.ndarray):
        return _json_safe(value.tolist())
    return value


def _fmt(x: float | None, lang: str, decimals: int = 2) -> str:
    return format_number(x, lang, decimals=decimals)


def _interval(iv: Sequence[float], lang: str, decimals: int = 2) -> str:
    return f"[{_fmt(iv[0], lang, decimals)}; {_fmt(iv[1], lang, decimals)}]"


def _scheme(result: LearningResult, sv: bool) -> str:
    scheme = result.cv_scheme
    if scheme == "leave_one_out":
        return ("leave-one-out; AUC lämna-ett-par-utanför" if sv
                else "leave-one-out; AUC leave-pair-out")
    if result.grouped_by:
        word = "grupperat efter" if sv else "grouped by"
        return f"{scheme}; {word} {result.grouped_by}, {result.n_groups}"
    return scheme


def render_table(result: LearningResult, lang: str = "en") -> str:
    """A readable plain-text summary (used by ``siting learn``)."""
    sv = lang == "sv"
    spec = result.model.spec
    lines = [result.message(lang)]
    lines.extend(f"! {w}" for w in result.warnings(lang))
    pct = _fmt(result.interval_level * 100, lang, 0)
    lines.append("")
    lines.append(
        ("Korsvalidering" if sv else "Cross-validation") + f" ({_scheme(result, sv)}), {pct} % "
        + ("bootstrapintervall" if sv else "bootstrap intervals") + ":"
    )
    rows = [("logistic (shrunk, sign-constrained)", result.cv_auc, result.cv_auc_interval,
             result.brier, result.brier_interval)]
    rows.extend((m.name, m.auc, m.auc_interval, m.brier, m.brier_interval)
                for m in result.comparison)
    lines.append(f"  {'model':40s} {'AUC':>6s} {'':17s} {'Brier':>6s}")
    for name, auc, auc_iv, brier, brier_iv in rows:
        lines.append(
            f"  {name:40s} {_fmt(auc, lang):>6s} {_interval(auc_iv, lang):17s} "
            f"{_fmt(brier, lang, 3):>6s} {_interval(brier_iv, lang, 3)}"
        )
    lines.append(
        f"  {('konstant (andel vunna)' if sv else 'constant (win share)'):40s} "
        f"{_fmt(0.5, lang):>6s} {'':17s} {_fmt(result.brier_baseline, lang, 3):>6s}"
    )
    lines.append("")
    head = ("kriterium", "expert", "föreslagen", "intervall", "koef/SD", "perm.") if sv else (
        "criterion", "expert", "suggested", "interval", "coef/SD", "perm.")
    lines.append(f"  {head[0]:44s} {head[1]:>7s} {head[2]:>10s} {head[3]:>15s} "
                 f"{head[4]:>8s} {head[5]:>7s}")
    for fid in result.features:
        lines.append(
            f"  {spec.label(fid, lang)[:44]:44s} {_fmt(result.expert_weights.get(fid), lang):>7s} "
            f"{_fmt(result.suggested_weights.get(fid), lang):>10s} "
            f"{_interval(result.suggested_weights_interval.get(fid, (math.nan, math.nan)), lang):>15s} "
            f"{_fmt(result.coefficients.get(fid), lang):>8s} "
            f"{_fmt(result.permutation_importance.get(fid), lang, 3):>7s}"
        )
    by_reason: dict[str, list[str]] = {}
    for fid in result.dropped:
        by_reason.setdefault(result.dropped_reason(fid, lang), []).append(spec.label(fid, lang))
    if by_reason:
        lines.append("")
        lines.append("Utelämnade:" if sv else "Left out:")
        for reason, names in by_reason.items():
            lines.append(f"  {reason}: {', '.join(names)}")
    imputed = {k: v for k, v in result.n_imputed.items() if v}
    if imputed:
        lines.append("")
        lines.append(("Imputerade med median: " if sv else "Imputed with the median: ")
                     + ", ".join(f"{k} {v}" for k, v in imputed.items()))
    if result.predictions:
        lines.append("")
        lines.append("Pågående fall, sannolikhet att vinna:" if sv
                     else "Ongoing cases, probability of winning:")
        for cid, pred in result.predictions.items():
            lines.append(f"  {cid:20s} {_fmt(pred['p_win'], lang)} "
                         f"{_interval((pred['p_low'], pred['p_high']), lang)}")
    return "\n".join(lines)
