"""The per-site sentences of a result, built per criterion column instead of per site.

:func:`siting.criteria.evaluator.reason` is the one place that words a fail or an
unknown. Calling it for every failing site and criterion formats two numbers with
Babel each time (about 55 µs), which dominated the scoring of 10 000 sites. Here the
sentence of a criterion is asked of :func:`reason` once per verdict code with a
placeholder for the measured value, the measured values are formatted in one batch
(:func:`siting.core.i18n.format_numbers_in`, the rules of ``format_number``), and the placeholder is
replaced; missing, infinite and text values still go through :func:`reason` itself
(memoised by value). The result is identical to calling :func:`reason` per site (a test
checks it on random tables).

Examples
--------
>>> import numpy as np
>>> from siting.criteria.profiles import HardCriterion
>>> crit = HardCriterion("area", "a", ">=", 50.0, "", "Yta", "Area", "ha")
>>> column_reasons(crit, np.array([42.0, 7.25]), np.array([0, 0]), None)["en"].tolist()
['Area: 42 ha, required at least 50 ha', 'Area: 7.25 ha, required at least 50 ha']
>>> join_columns([np.array(["a", None], dtype=object), np.array(["b", "c"], dtype=object)],
...              "; ").tolist()
['a; b', 'c']
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from siting.core.i18n import format_numbers_in
from siting.criteria.evaluator import FAIL, UNKNOWN, Evidence, reason
from siting.criteria.profiles import HardCriterion

__all__ = ["column_reasons", "hard_texts", "join_columns", "join_flags"]

_SLOT = "\x00"  # stands for the formatted value in a sentence asked of reason()


def _template(crit: HardCriterion, code: int, ev: Evidence | None,
              lang: str) -> tuple[str, str] | None:
    """(text before, text after) the measured value in the sentence, or None when the
    sentence does not carry the value exactly once (then every row asks :func:`reason`)."""
    text = reason(crit, _SLOT, code, ev, lang)
    if text.count(_SLOT) != 1:
        return None
    head, tail = text.split(_SLOT)
    return head, tail


def column_reasons(crit: HardCriterion, values: np.ndarray, codes: np.ndarray,
                   ev: Evidence | None, langs: tuple[str, ...] = ("sv", "en")
                   ) -> dict[str, np.ndarray]:
    """:func:`reason` for every row of one criterion, per language (object arrays).

    Parameters
    ----------
    crit : HardCriterion
    values : numpy.ndarray
        The measured values of the rows: float64 (NaN missing) or object (None missing).
    codes : numpy.ndarray
        The verdict code of each row (FAIL or UNKNOWN; PASS rows get the measured sentence).
    ev : Evidence or None
    langs : tuple of str
    """
    out = {lang: np.empty(len(values), dtype=object) for lang in langs}
    if values.dtype.kind != "f":  # text and other values: one sentence per distinct value
        keys, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
        for code in np.unique(codes):
            pick = codes == code
            for k in np.unique(keys[pick]):
                v = None if k < 0 else uniques[k]
                for lang in langs:
                    out[lang][pick & (keys == k)] = reason(crit, v, int(code), ev, lang)
        return out
    finite = np.isfinite(values)
    for code in np.unique(codes):
        at = codes == code
        for kind, rows in (("nan", at & np.isnan(values)), ("inf", at & (values == np.inf)),
                           ("-inf", at & (values == -np.inf))):
            if rows.any():  # missing and infinite values: one sentence each
                v = None if kind == "nan" else float(kind)
                for lang in langs:
                    out[lang][rows] = reason(crit, v, int(code), ev, lang)
        rows = np.flatnonzero(at & finite)
        if not rows.size:
            continue
        parts = {lang: _template(crit, int(code), ev, lang) for lang in langs}
        nums = format_numbers_in(values[rows], langs)
        for lang in langs:
            tpl = parts[lang]
            if tpl is None:  # the sentence does not carry the value once: ask per row
                out[lang][rows] = [reason(crit, float(v), int(code), ev, lang)
                                   for v in values[rows]]
                continue
            head, tail = tpl
            out[lang][rows] = [f"{head}{num}{tail}" for num in nums[lang]]
    return out


def join_columns(columns: Sequence[np.ndarray], sep: str) -> np.ndarray:
    """Per row, the non-None texts of ``columns`` (object arrays) joined with ``sep``.

    Rows with one text take it as is; only rows with several are joined in Python.
    """
    n = len(columns[0]) if len(columns) else 0
    out = np.full(n, "", dtype=object)
    if not len(columns):
        return out
    texts = np.column_stack(columns)
    has = texts != None  # noqa: E711 - elementwise test of an object array
    count = has.sum(axis=1)
    one = np.flatnonzero(count == 1)
    out[one] = texts[one, has[one].argmax(axis=1)]
    many = np.flatnonzero(count > 1)
    out[many] = [sep.join([v for v in row if v is not None]) for row in texts[many]]
    return out


def join_flags(names: Sequence[str], mask: np.ndarray) -> np.ndarray:
    """Per row the ``names`` whose column of ``mask`` (rows x names) is set, joined by ", ".

    Rows share few distinct patterns: each pattern is joined once.
    """
    n = mask.shape[0]
    if not len(names):
        return np.full(n, "", dtype=object)
    mask = np.asarray(mask, dtype=bool)
    labels = np.asarray(names, dtype=object)
    if len(names) > 62:
        return np.array([", ".join(labels[row]) for row in mask], dtype=object)
    bits = mask.astype(np.int64) @ (np.int64(1) << np.arange(len(names), dtype=np.int64))
    patterns, inverse = np.unique(bits, return_inverse=True)
    texts = np.array([", ".join(labels[(int(p) >> np.arange(len(names))) & 1 == 1])
                      for p in patterns], dtype=object)
    return texts[np.asarray(inverse).reshape(n)]


def hard_texts(hard: Sequence[HardCriterion], values: dict[str, np.ndarray], codes: np.ndarray,
               evidence: dict[str, Evidence]) -> dict[str, np.ndarray]:
    """The ``failures_<lang>`` and ``not_checked_<lang>`` texts of every row.

    Parameters
    ----------
    hard : sequence of HardCriterion
        The profile's hard criteria, in profile order (the order of the sentences).
    values : dict
        Metric id -> measured values (float64 with NaN, or object with None); metrics
        absent here are unmeasured (None).
    codes : numpy.ndarray
        (rows x criteria) verdict codes from the evaluator.
    evidence : dict
        Metric id -> Evidence.

    Returns
    -------
    dict
        ``fail_sv``, ``fail_en``, ``unk_sv``, ``unk_en`` -> object arrays of "; "-joined texts.
    """
    n = codes.shape[0]
    cols: dict[str, list[np.ndarray]] = {k: [] for k in ("fail_sv", "fail_en", "unk_sv",
                                                       "unk_en")}
    for j, crit in enumerate(hard):
        rows = np.flatnonzero((codes[:, j] == FAIL) | (codes[:, j] == UNKNOWN))
        if not rows.size:
            continue
        vals = values.get(crit.metric)
        sub = vals[rows] if vals is not None else np.full(rows.size, None, dtype=object)
        code = codes[rows, j]
        both = column_reasons(crit, sub, code, evidence.get(crit.metric))
        for lang, texts in both.items():
            for prefix, which in (("fail", FAIL), ("unk", UNKNOWN)):
                pick = code == which
                if pick.any():
                    col = np.full(n, None, dtype=object)
                    col[rows[pick]] = texts[pick]
                    cols[f"{prefix}_{lang}"].append(col)
    return {k: join_columns(v, "; ") if v else np.full(n, "", dtype=object)
            for k, v in cols.items()}
