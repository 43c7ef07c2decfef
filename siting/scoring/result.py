"""The result of scoring candidate sites: :class:`SitingResult` and its parts.

A :class:`SitingResult` (built by :func:`siting.scoring.evaluate`) holds, for
every candidate site and indexed like the sites,

* ``table``: one row per site with ``site_id, name, kommunkod, status``
  (``pass``/``fail``/``unknown``), ``passes_hard, hard_incomplete, n_failed,
  failures_sv, failures_en, not_checked_sv, not_checked_en`` (the unknown criteria
  and what would decide them), ``unknown_criteria, score, rank``, every
  metric (``metric_<id>``), soft value (``value_<criterion>``, 0..1) and
  contribution (``contrib_<criterion>`` = weight x value x 100, in score points);
* ``outcomes``: per site the :class:`HardOutcome` of every hard criterion
  (pass / fail / unknown, with the measured value, the threshold, a Swedish and
  English sentence and the layer that decided it);
* ``not_evaluated``: the criteria that could not be evaluated at all because
  their layer is missing (never silently passed);
* ``provenance``: a :class:`siting.core.provenance.Provenance`.

Scores are 0..100 (NaN "no data" for a site without any soft data). Ranks follow
the policy of :func:`siting.criteria.evaluator.rank_order`: every site that
fails a hard criterion ranks below all others; sites with unknown criteria rank
with the passing ones by score, flagged (``status`` "unknown", ``hard_incomplete``);
ties keep the input order. With ``strict`` (:meth:`SitingResult.with_strict`) an
unknown counts as a fail.

For the weighted sum the contributions add up to the score. For TOPSIS and
the cautious aggregation they show weight x value only (the score is not a sum).

The numeric core used by :meth:`SitingResult.rerank` works on numpy arrays
only (:func:`score_values`, :func:`rank_passing_first`), so re-weighting
10 000 sites takes milliseconds. Exports live in :mod:`siting.scoring.exports`.

Switching from the interim ``siting.evaluation.Evaluation``
-----------------------------------------------------------
Same names, same meaning: ``sites``, ``profile``, ``passes``, ``values``,
``no_data``, ``weights``, ``metrics``, ``reasons(lang)``, ``rerank(weights)``.
Changed: ``evaluate_layerset(ls, p)`` -> ``evaluate(None, p, ls)``;
``evaluate(s, p, ls, metrics=m)`` -> ``evaluate(s, p, ls, metrics_cache=m)``;
``table(lang)`` -> ``to_frame(lang)`` (same columns plus more; ``table`` is now
the bilingual DataFrame); ``scores`` is 0..100 (``score_share`` is 0..1, e.g.
for ``mapview.score_colour``); ``contributions`` are score points 0..100;
``ranks`` ranks every site (passing first), ``rank_passing`` is the old
passing-only rank with <NA> for failing sites; ``hard`` is nullable boolean
(<NA> = not evaluated); ``not_evaluated`` lists criterion ids (was metric ids),
``not_evaluated_texts(lang)`` explains them. A NaN hard metric is now "not
evaluated" (``hard_incomplete``), not a failure.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from siting.core.errors import Problem, ScoringError
from siting.core.frozen import FrozenMap
from siting.core.provenance import Provenance, utc_now
from siting.criteria import mcda
from siting.criteria.evaluator import (
    FAIL,
    PASS,
    STATUS_NAMES,
    UNKNOWN,
    Evidence,
    rank_order,
    row_verdict,
    status_names,
)
from siting.criteria.profiles import Profile
from siting.scoring.records import HardOutcome, NotEvaluated, build_outcomes

__all__ = [
    "STATUS_FAIL",
    "STATUS_NOT_EVALUATED",
    "STATUS_PASS",
    "STATUS_UNKNOWN",
    "HardOutcome",
    "NotEvaluated",
    "SitingResult",
    "no_data_score",
    "rank_passing_first",
    "score_values",
]

#: Codes of the per-site hard-criterion status table.
#: ``STATUS_UNKNOWN`` (was ``STATUS_NOT_EVALUATED``): not measured or not conclusive.
STATUS_PASS, STATUS_FAIL, STATUS_UNKNOWN = PASS, FAIL, UNKNOWN
STATUS_NOT_EVALUATED = STATUS_UNKNOWN
_STATUS_NAMES = STATUS_NAMES

# ----------------------------------------------------------------------------- numeric core
def score_values(values: ArrayLike, weights: ArrayLike, method: str, *,
                 validate: bool = True) -> NDArray[np.float64]:
    """Aggregate criterion values (0..1) into scores 0..100.

    Parameters
    ----------
    values : array_like, shape (n_sites, n_criteria)
        Value-function outputs in 0..1 (no NaN).
    weights : array_like, shape (n_criteria,)
        Non-negative weights (normalised here); all zero or no criteria -> all scores 0.
    method : {"weighted_sum", "topsis", "cautious"}
    validate : bool
        Check the values and weights (:func:`siting.criteria.mcda.aggregate`); False
        runs the core function directly, for values already checked (re-weighting).

    Returns
    -------
    ndarray, shape (n_sites,)

    Examples
    --------
    >>> score_values([[1.0, 0.0], [0.5, 0.5]], [3, 1], "weighted_sum").tolist()
    [75.0, 50.0]
    """
    x = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    if x.ndim != 2 or x.shape[1] == 0 or x.shape[0] == 0 or not np.isfinite(w).all() \
            or w.sum() <= 0:
        return np.zeros(x.shape[0] if x.ndim else 0)
    if validate:
        return np.clip(mcda.aggregate(x, w, method) * 100.0, 0.0, 100.0)
    raw = (mcda.weighted_sum(x, w) if method == "weighted_sum" else
           mcda.topsis(x, w) if method == "topsis" else mcda.weighted_minimum(x, w))
    return np.clip(raw * 100.0, 0.0, 100.0)


def no_data_score(scores: NDArray[np.float64], nodata: NDArray[np.bool_] | None
                  ) -> NDArray[np.float64]:
    """Scores with NaN ("no data", never 0) where no scored criterion had data for the site.

    Examples
    --------
    >>> no_data_score(np.array([40.0, 0.0]), np.array([[False, True], [True, True]])).tolist()
    [40.0, nan]
    """
    if nodata is None:
        return np.full(scores.shape, np.nan)
    return np.where(np.asarray(nodata, dtype=bool).all(axis=1), np.nan, scores)


def rank_passing_first(scores: ArrayLike, passes: ArrayLike) -> NDArray[np.int64]:
    """Ranks 1..n: passing sites by score, then failing sites by score; ties keep input order.

    The ranking policy itself is :func:`siting.criteria.evaluator.rank_order`.

    Examples
    --------
    >>> rank_passing_first([90, 10, 50, 70], [False, True, True, False]).tolist()
    [3, 2, 1, 4]
    """
    ok = np.asarray(passes, dtype=bool)
    return rank_order(np.where(ok, PASS, FAIL), np.asarray(scores, dtype=float))


# ----------------------------------------------------------------------------- the result
@dataclass(frozen=True)
class SitingResult:
    """Scores, ranks, pass/fail with reasons, contributions and provenance for candidate sites.

    Build it with :func:`siting.scoring.evaluate`; see the module docstring for the
    columns of :attr:`table`.

    Attributes
    ----------
    table : DataFrame
        One row per site, indexed like the sites.
    sites : GeoDataFrame
        The candidate sites as scored (EPSG:3006), index kept.
    profile : siting.criteria.profiles.Profile
        The profile, with the weights in use.
    provenance : Provenance
    hard_status : DataFrame
        int8 codes per site and hard criterion (1 pass, 0 fail, -1 not evaluated).
    not_evaluated_details : tuple of NotEvaluated
        Criteria not evaluated for any site (layer missing).
    missing_metrics : Mapping
        metric id -> missing canonical layer type.
    weights : Mapping
        Normalised weights (sum 1) of every soft criterion, as set by the profile or
        :meth:`rerank`. Criteria not evaluated do not take part in the score; see
        :attr:`effective_weights`.
    no_data : DataFrame
        True where a soft criterion's metric was missing for the site (its value is 0);
        every site for criteria not evaluated.
    lang_default : str
        Language of exports when none is given.
    """

    table: pd.DataFrame
    sites: gpd.GeoDataFrame
    profile: Profile
    provenance: Provenance
    hard_status: pd.DataFrame
    not_evaluated_details: tuple[NotEvaluated, ...]
    missing_metrics: Mapping[str, str]
    weights: Mapping[str, float]
    no_data: pd.DataFrame
    lang_default: str = "sv"
    strict: bool = False
    evidence: Mapping[str, Evidence] = field(default_factory=dict)
    _memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    # ------------------------------------------------------------------ basic views
    @property
    def geometry(self) -> gpd.GeoSeries:
        """Site geometries (EPSG:3006), indexed like the sites."""
        return self.sites.geometry

    @property
    def not_evaluated(self) -> tuple[str, ...]:
        """Ids of criteria (hard and soft) not evaluated for any site (layer missing)."""
        return tuple(n.criterion_id for n in self.not_evaluated_details)

    def site_labels(self) -> pd.Series:
        """What each site is called on every page and report: its name, else its id.

        Generated candidate sites and uploaded or drawn sites carry names; the id is a
        secondary detail (added after a name two sites share). Indexed like :attr:`table`.
        """
        tbl = self.table
        ids = tbl["site_id"].astype(str)
        if "name" not in tbl:
            return ids
        names = tbl["name"].astype("string").fillna("").str.strip()
        labels = names.where(names != "", ids).astype(str)
        twice = labels.duplicated(keep=False) & (labels != ids)
        return labels.where(~twice, labels + " (" + ids + ")")

    def not_evaluated_texts(self, lang: str = "sv", kind: str | None = None) -> list[str]:
        """One sentence per criterion not evaluated (``kind`` "hard"/"soft": only those), in
        user words: what is unknown, why and what would decide it (the evaluator's evidence).
        """
        from siting.core.i18n import t

        out = []
        for n in self.not_evaluated_details:
            if kind is not None and n.kind != kind:
                continue
            ev = self.evidence.get(n.metric)
            if ev is None or not ev.why(lang):
                out.append(n.text(lang))
                continue
            try:
                label = str(self.profile.metric(n.metric).label(lang))
            except KeyError:
                label = n.criterion_id
            out.append(t("site.not_scored_item", lang, criterion=label, why=ev.why(lang),
                         decide=ev.decide(lang)))
        return out

    @property
    def soft_ids(self) -> tuple[str, ...]:
        """Every soft criterion id, in profile order."""
        return tuple(c.id for c in self.profile.soft)

    @property
    def evaluated_soft_ids(self) -> tuple[str, ...]:
        """Soft criteria that take part in the score (their metric was computed)."""
        skip = set(self.not_evaluated)
        return tuple(c for c in self.soft_ids if c not in skip)

    @property
    def effective_weights(self) -> dict[str, float]:
        """Weights of the evaluated soft criteria, renormalised to sum 1 (empty if all 0)."""
        ids = self.evaluated_soft_ids
        total = sum(float(self.weights.get(c, 0.0)) for c in ids)
        if total <= 0:
            return dict.fromkeys(ids, 0.0)
        return {c: float(self.weights.get(c, 0.0)) / total for c in ids}

    @property
    def metrics(self) -> pd.DataFrame:
        """Raw metric values of the evaluated metrics (columns = metric ids)."""
        ids = [m.id for m in self.profile.metrics if m.id not in self.missing_metrics]
        out = self.table[[f"metric_{m}" for m in ids]].copy()
        out.columns = ids
        return out

    @property
    def values(self) -> pd.DataFrame:
        """Soft values 0..1 of the evaluated soft criteria (columns = criterion ids)."""
        ids = list(self.evaluated_soft_ids)
        out = self.table[[f"value_{c}" for c in ids]].astype(float)
        out.columns = ids
        return out

    @property
    def contributions(self) -> pd.DataFrame:
        """``contrib_<id>`` columns renamed to criterion ids (score points, 0..100)."""
        ids = list(self.soft_ids)
        out = self.table[[f"contrib_{c}" for c in ids]].astype(float)
        out.columns = ids
        return out

    @property
    def scores(self) -> pd.Series:
        """Score 0..100 per site."""
        return self.table["score"].rename("score")

    @property
    def score_share(self) -> pd.Series:
        """Score as a share 0..1 (``score / 100``), e.g. for colour ramps."""
        return (self.table["score"] / 100.0).rename("score")

    @property
    def ranks(self) -> pd.Series:
        """Rank 1..n of every site: passing sites first (by score), then failing ones."""
        return self.table["rank"].rename("rank")

    @property
    def rank_passing(self) -> pd.Series:
        """Rank among passing sites only; <NA> for failing sites."""
        ok = self.passes.to_numpy()
        out = pd.Series(pd.NA, index=self.table.index, dtype="Int64", name="rank")
        out[ok] = self.table["rank"].to_numpy()[ok]
        return out

    @property
    def passes(self) -> pd.Series:
        """True where no evaluated hard criterion failed (see ``hard_incomplete``)."""
        return self.table["passes_hard"].astype(bool).rename("passes")

    @property
    def verdict_codes(self) -> np.ndarray:
        """Per site the evaluator's verdict code (1 pass, 0 fail, -1 unknown; strict as set)."""
        return row_verdict(self.hard_status.to_numpy(), strict=self.strict)

    @property
    def status(self) -> pd.Series:
        """``"pass"``, ``"fail"`` or ``"unknown"`` per site (the ``status`` column)."""
        return self.table["status"].astype(str).rename("status")

    def policy(self, lang: str | None = None) -> str:
        """The ranking policy in force, as a sentence for the result and the UI."""
        from siting.core.i18n import t

        lang = _lang(lang or self.lang_default)
        text = t("verdict.policy", lang)
        return f"{text} {t('verdict.policy_strict', lang)}" if self.strict else text

    def with_strict(self, strict: bool) -> SitingResult:
        """A copy with unknown criteria counted as failures (``strict=True``) or not."""
        if strict == self.strict:
            return self
        res = dataclasses.replace(self, strict=strict, _memo={},
                                  provenance=dataclasses.replace(self.provenance, strict=strict))
        codes = res.verdict_codes
        tbl = self.table.copy(deep=False)
        tbl["status"] = pd.array(status_names(codes), dtype="string")
        tbl["passes_hard"] = codes != FAIL
        tbl["rank"] = rank_order(codes, tbl["score"].to_numpy(dtype=float))
        return dataclasses.replace(res, table=tbl)

    @property
    def hard_incomplete(self) -> pd.Series:
        """True where at least one hard criterion could not be checked."""
        return self.table["hard_incomplete"].astype(bool)

    @property
    def hard(self) -> pd.DataFrame:
        """Pass table per hard criterion (nullable boolean; <NA> = not evaluated)."""
        codes = self.hard_status
        out = pd.DataFrame(index=codes.index)
        for col in codes.columns:
            c = codes[col].to_numpy()
            s = pd.array(c == STATUS_PASS, dtype="boolean")
            s[c == STATUS_NOT_EVALUATED] = pd.NA
            out[col] = s
        return out

    @property
    def site_ids(self) -> pd.Series:
        """Site ids as text."""
        return self.table["site_id"].astype(str)

    @property
    def outcomes(self) -> pd.Series:
        """Per site (indexed like the sites) the tuple of :class:`HardOutcome`, profile order."""
        if "outcomes" not in self._memo:
            self._memo["outcomes"] = build_outcomes(self)
        return self._memo["outcomes"]

    # ------------------------------------------------------------------ texts and frames
    def failures(self, lang: str | None = None) -> pd.Series:
        """Failure reasons per site joined with ``"; "`` (empty when the site passes)."""
        lang = _lang(lang or self.lang_default)
        return self.table[f"failures_{lang}"].rename("failures")

    def reasons(self, lang: str | None = None) -> pd.Series:
        """Failure reasons per site as tuples of strings (empty tuple when the site passes)."""
        joined = self.failures(lang)
        return pd.Series([tuple(s.split("; ")) if s else () for s in joined],
                         index=joined.index, dtype=object, name="reasons")

    def to_frame(self, lang: str | None = None) -> pd.DataFrame:
        """The table with texts in one language.

        Columns: ``site_id, name, kommunkod, [area_ha], passes_hard, passes,
        hard_incomplete, n_failed, n_not_evaluated, failures, not_checked, score, rank``,
        ``metric_*``, ``value_*``, ``contrib_*``, ``no_data`` and ``reasons`` (tuples).
        """
        lang = _lang(lang or self.lang_default)
        tbl = self.table
        other = "en" if lang == "sv" else "sv"
        out = tbl.drop(columns=[f"failures_{other}", f"not_checked_{other}"])
        out = out.rename(columns={f"failures_{lang}": "failures",
                                  f"not_checked_{lang}": "not_checked"})
        out.insert(out.columns.get_loc("passes_hard") + 1, "passes",
                   out["passes_hard"].astype(bool))
        out["reasons"] = self.reasons(lang)
        return out

    def to_geodataframe(self, lang: str | None = None, *, crs: Any = None) -> gpd.GeoDataFrame:
        """:meth:`to_frame` with the site geometries (EPSG:3006 unless ``crs`` is given)."""
        frame = gpd.GeoDataFrame(self.to_frame(lang), geometry=self.geometry.to_numpy(),
                                 crs=self.geometry.crs)
        return frame.to_crs(crs) if crs is not None else frame

    def site_index(self, site_id: str) -> Any:
        """The index label of the site ``site_id``.

        Raises
        ------
        ScoringError
            When no site has that id (the closest ids are suggested).
        """
        ids = self.site_ids
        hit = ids.index[ids.to_numpy() == str(site_id)]
        if len(hit):
            return hit[0]
        import difflib

        close = difflib.get_close_matches(str(site_id), ids.tolist(), n=3, cutoff=0.5)
        hint = (f"did you mean {', '.join(close)}?" if close
                else f"use one of {', '.join(ids.head(8).tolist())}{' ...' if len(ids) > 8 else ''}")
        raise ScoringError.single("sites", f"no candidate site has the id '{site_id}'",
                                  field="site_id", hint=hint)

    def explain(self, site_id: str, lang: str | None = None) -> str:
        """A plain-text explanation of one site: status, score, every hard outcome, contributions."""
        from siting.scoring.exports import explain_site

        return explain_site(self, site_id, _lang(lang or self.lang_default))

    # ------------------------------------------------------------------ re-weighting
    def rerank(self, weights: Mapping[str, float]) -> SitingResult:
        """A copy scored with new soft-criterion weights; metrics and values are reused.

        Parameters
        ----------
        weights : mapping
            Soft-criterion id -> non-negative weight (normalised to sum 1). Criteria not
            named get weight 0.

        Raises
        ------
        ScoringError
            Unknown criterion ids, negative or non-finite weights, or all weights zero.
        """
        ids = list(self.soft_ids)
        problems: list[Problem] = []
        src = f"weights for profile {self.profile.id}"
        for key in weights:
            if key not in ids:
                problems.append(Problem(src, f"criterion '{key}'", "weight",
                                        "no soft criterion has this id",
                                        f"use one of {', '.join(ids)}"))
        raw = {c: weights.get(c, 0.0) for c in ids}
        for key, val in raw.items():
            ok = isinstance(val, int | float | np.number) and not isinstance(val, bool) \
                and math.isfinite(float(val)) and float(val) >= 0
            if not ok:
                problems.append(Problem(src, f"criterion '{key}'", "weight",
                                        f"must be a finite number >= 0, got {val!r}"))
        if not problems and sum(float(v) for v in raw.values()) <= 0:
            problems.append(Problem(src, "", "weight", "all weights are zero",
                                    "give at least one criterion a positive weight"))
        if problems:
            raise ScoringError.from_problems("Cannot re-rank with these weights", problems)
        profile = self.profile.with_weights({k: float(v) for k, v in raw.items()})
        return self._rescored(profile, dict(profile.weights))

    @staticmethod
    def rank_memo(ev_ids: Sequence[str], x: np.ndarray, none: np.ndarray, verdict: np.ndarray,
                  strict: bool) -> dict[str, Any]:
        """The memo of what re-weighting needs (see :meth:`_rank_core`); a new result starts
        with it when its maker already holds these, so even the first re-rank gathers
        nothing. The values are column-major: every criterion's values are one run."""
        return {"rank_core": (list(ev_ids), np.asfortranarray(x), np.asarray(none, dtype=bool),
                              verdict, strict)}

    def _rank_core(self) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
        """(evaluated soft ids, their values as an (n, k) matrix, rows without
        any soft data, verdict codes): what re-weighting needs, gathered once per result
        and handed on to re-ranked copies (same values, same hard verdicts)."""
        core = self._memo.get("rank_core")
        if core is None or core[4] != self.strict:
            ev_ids = list(self.evaluated_soft_ids)
            x = (self.table[[f"value_{c}" for c in ev_ids]].to_numpy(dtype=float) if ev_ids
                 else np.zeros((len(self.table), 0)))
            none = (self.no_data[ev_ids].to_numpy(dtype=bool).all(axis=1) if ev_ids
                    else np.ones(len(self.table), dtype=bool))
            self._memo.update(self.rank_memo(ev_ids, x, none, self.verdict_codes, self.strict))
            core = self._memo["rank_core"]
        return core[0], core[1], core[2], core[3]

    def _rescored(self, profile: Profile, weights: dict[str, float]) -> SitingResult:
        """A copy with new scores, ranks and contributions; nothing per row in Python.

        The table is a shallow copy (pandas copy-on-write: the new columns never touch
        this result's table), the value matrix and verdicts are reused, so re-weighting
        100 000 sites takes a few milliseconds (``bench/bench_sites.py``).
        """
        ev_ids, x, none, verdict = self._rank_core()
        total = sum(weights.get(c, 0.0) for c in ev_ids)
        w = np.array([weights.get(c, 0.0) / total if total > 0 else 0.0 for c in ev_ids])
        scores = score_values(x, w, profile.aggregation, validate=False)  # checked once
        scores[none] = np.nan
        tbl = self.table.copy(deep=False)
        tbl["score"] = scores
        tbl["rank"] = rank_order(verdict, scores)
        contrib = x * (w * 100.0)  # column-major like x
        for j, c in enumerate(ev_ids):
            tbl[f"contrib_{c}"] = contrib[:, j]
        prov = dataclasses.replace(
            self.provenance, profile_hash=profile.content_hash,
            profile_toml=profile.to_toml(), weights=FrozenMap(weights), created_utc=utc_now())
        memo = {k: v for k, v in self._memo.items() if k in ("outcomes", "rank_core")}
        return dataclasses.replace(self, table=tbl, profile=profile, provenance=prov,
                                   weights=FrozenMap(weights), _memo=memo)

    # ------------------------------------------------------------------ sensitivity
    def sensitivity(self, n_draws: int = 2000, seed: int = 0, **kwargs: Any) -> Any:
        """Rank acceptability (P(rank 1), P(top 3)) and a one-at-a-time weight sweep.

        Delegates to :mod:`siting.scoring.sensitivity`; returns a
        :class:`siting.scoring.exports.SensitivityReport`.
        """
        from siting.scoring.exports import sensitivity_report

        return sensitivity_report(self, n_draws=n_draws, seed=seed, **kwargs)

    # ------------------------------------------------------------------ exports
    def provenance_json(self, indent: int | None = 2) -> str:
        """The provenance as JSON text."""
        return self.provenance.to_json(indent)

    def to_csv(self, path: str | Path, lang: str | None = None, *,
               swedish_excel: bool = False) -> Path:
        """Write the table as UTF-8 CSV (with BOM, so Excel shows å, ä, ö); returns the path.

        ``swedish_excel=True`` writes semicolons and decimal commas, as Excel with Swedish
        settings expects.
        """
        from siting.scoring.exports import write_csv

        return write_csv(self, path, _lang(lang or self.lang_default),
                         swedish_excel=swedish_excel)

    def to_geojson(self, path: str | Path, lang: str | None = None) -> Path:
        """Write RFC 7946 GeoJSON (EPSG:4326) with a ``provenance`` foreign member."""
        from siting.scoring.exports import write_geojson

        return write_geojson(self, path, _lang(lang or self.lang_default))

    def to_gpkg(self, path: str | Path, lang: str | None = None) -> Path:
        """Write a GeoPackage: ``sites`` (EPSG:3006), ``hard_outcomes`` and ``provenance``."""
        from siting.scoring.exports import write_gpkg

        return write_gpkg(self, path, _lang(lang or self.lang_default))


def _lang(lang: str) -> str:
    if lang not in ("sv", "en"):
        raise ScoringError.single("lang", f"unknown language {lang!r}", hint="use 'sv' or 'en'")
    return lang
