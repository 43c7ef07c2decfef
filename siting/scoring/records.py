"""Per-site records of hard criteria: :class:`HardOutcome` and :class:`NotEvaluated`.

:func:`build_outcomes` turns a :class:`~siting.scoring.result.SitingResult`'s status
codes into one :class:`HardOutcome` per site and criterion, with the sentence from
:func:`siting.criteria.evaluator.reason` and the layer (and feature source) that
decided it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from siting.criteria.evaluator import STATUS_NAMES, reason

if TYPE_CHECKING:  # pragma: no cover
    from siting.scoring.result import SitingResult

__all__ = ["HardOutcome", "NotEvaluated", "Status", "build_outcomes"]

Status = Literal["pass", "fail", "unknown"]


@dataclass(frozen=True)
class HardOutcome:
    """The outcome of one hard criterion for one site.

    Parameters
    ----------
    criterion_id : str
        The hard criterion.
    status : {"pass", "fail", "unknown"}
        ``unknown`` when the layer or value is missing, or the layer does not cover what
        the criterion asks (the text says what would decide it).
    value : float, str or None
        The measured metric value (None when not measured).
    threshold : float, str or tuple
        The criterion's threshold.
    op : str
        The comparison (``>=``, ``<=``, ``>``, ``<``, ``==``, ``!=``, ``in``).
    text_sv, text_en : str
        The outcome as a sentence, e.g. ``"Tillgänglig nätkapacitet inom 10 km: 35 MW,
        krav minst 200 MW"``.
    layer_id, source : str
        Which catalogue layer decided it, and the deciding feature's ``source`` field when
        the layer has one (else the layer's attribution; "" for metrics of the site).
    """

    criterion_id: str
    status: Status
    value: float | str | None
    threshold: Any
    op: str
    text_sv: str
    text_en: str
    layer_id: str = ""
    source: str = ""

    def text(self, lang: str = "sv") -> str:
        """The sentence in ``lang``."""
        return self.text_sv if lang == "sv" else self.text_en


@dataclass(frozen=True)
class NotEvaluated:
    """A criterion that could not be evaluated for any site (its layer is missing).

    Parameters
    ----------
    criterion_id : str
    kind : {"hard", "soft"}
    metric : str
        The metric the criterion reads.
    layer_type : str
        The canonical layer type that is missing.
    text_sv, text_en : str
        Explanation, e.g. ``"Avstånd till hamn: inte utvärderat – lagertypen 'ports'
        saknas i data"``.
    """

    criterion_id: str
    kind: Literal["hard", "soft"]
    metric: str
    layer_type: str
    text_sv: str
    text_en: str

    def text(self, lang: str = "sv") -> str:
        """The explanation in ``lang``."""
        return self.text_sv if lang == "sv" else self.text_en


def _cell(value: Any) -> float | str | None:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else float(value)
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        return float(value)
    return value if isinstance(value, str) else str(value)


def build_outcomes(result: SitingResult) -> pd.Series:
    """Per site the tuple of :class:`HardOutcome` of every hard criterion, profile order."""
    missing_layer = {n.criterion_id: n for n in result.not_evaluated_details
                     if n.kind == "hard"}
    rows: list[list[HardOutcome]] = [[] for _ in range(len(result.table))]
    for crit in result.profile.hard:
        codes = result.hard_status[crit.id].to_numpy()
        col = f"metric_{crit.metric}"
        vals = result.table[col].to_numpy(dtype=object) if col in result.table else \
            np.full(len(result.table), None, dtype=object)
        ne = missing_layer.get(crit.id)
        src_col = f"source_{crit.metric}"
        per_site = (result.table[src_col].to_numpy(dtype=object) if src_col in result.table
                    else None)
        for i, code in enumerate(codes):
            v = _cell(vals[i])
            ev = result.evidence.get(crit.metric)
            if ne is not None and (ev is None or not ev.why("sv")):
                sv, en = ne.text_sv, ne.text_en
            else:  # the evaluator's sentence: what is unknown, why, what would decide it
                sv = reason(crit, v, int(code), ev, "sv")
                en = reason(crit, v, int(code), ev, "en")
            rows[i].append(HardOutcome(
                crit.id, STATUS_NAMES[int(code)],  # type: ignore[arg-type]
                v, crit.threshold, crit.op, sv, en,
                ev.layer_id if ev is not None else "",
                str(per_site[i]) if per_site is not None and isinstance(per_site[i], str)
                else (ev.layer_source if ev is not None else "")))
    return pd.Series([tuple(r) for r in rows], index=result.table.index, dtype=object,
                     name="outcomes")
