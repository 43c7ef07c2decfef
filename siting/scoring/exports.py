"""Exports, explanations and the sensitivity wrapper of :class:`siting.scoring.result.SitingResult`.

* :func:`write_csv` (UTF-8 with BOM), :func:`write_geojson` (RFC 7946, EPSG:4326,
  provenance as a foreign member) and :func:`write_gpkg` (EPSG:3006 ``sites``
  layer plus ``hard_outcomes`` and ``provenance`` attribute tables);
* :func:`explain_site`: one site in plain text, in Swedish or English;
* :func:`sensitivity_report`: rank acceptability (P(rank 1), P(top 3)) and the
  one-at-a-time weight sweep from :mod:`siting.scoring.sensitivity`, as tables keyed by
  site id and criterion id.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

import numpy as np
import pandas as pd

from siting.core.errors import ScoringError
from siting.core.i18n import format_number

if TYPE_CHECKING:
    from siting.scoring.result import SitingResult

__all__ = [
    "SensitivityReport",
    "explain_site",
    "export_frame",
    "sensitivity_report",
    "write_csv",
    "write_geojson",
    "write_gpkg",
]


def export_frame(result: SitingResult, lang: str) -> pd.DataFrame:
    """:meth:`SitingResult.to_frame` without Python-object columns (ready for files)."""
    return result.to_frame(lang).drop(columns=["reasons", "passes"])


def _parent(path: str | Path) -> Path:
    p = Path(path)
    if not p.parent.exists():
        raise ScoringError.single(str(p), "the output folder does not exist",
                                  hint="create the folder or choose another path")
    return p


def write_csv(result: SitingResult, path: str | Path, lang: str, *,
              swedish_excel: bool = False) -> Path:
    """Write the result table as CSV, UTF-8 with BOM; returns the path.

    Comma-separated with dot decimals, or with ``swedish_excel`` semicolon-separated
    with decimal commas.
    """
    p = _parent(path)
    sep, dec = (";", ",") if swedish_excel else (",", ".")
    export_frame(result, lang).to_csv(p, index=False, encoding="utf-8-sig", sep=sep,
                                      decimal=dec)
    return p


def write_geojson(result: SitingResult, path: str | Path, lang: str) -> Path:
    """Write RFC 7946 GeoJSON (EPSG:4326) with the provenance as a foreign member."""
    p = _parent(path)
    if p.exists():
        p.unlink()
    gdf = _geo(result, lang).to_crs("EPSG:4326")
    gdf.to_file(p, driver="GeoJSON", RFC7946="YES", engine="pyogrio")
    doc = json.loads(p.read_text(encoding="utf-8"))
    doc["provenance"] = result.provenance.to_dict()
    p.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return p


def write_gpkg(result: SitingResult, path: str | Path, lang: str) -> Path:
    """Write a GeoPackage: ``sites`` (EPSG:3006), ``hard_outcomes`` and ``provenance`` tables."""
    import pyogrio

    p = _parent(path)
    if p.exists():
        p.unlink()
    _geo(result, lang).to_file(p, layer="sites", driver="GPKG", engine="pyogrio")
    pyogrio.write_dataframe(outcomes_frame(result), p, layer="hard_outcomes", driver="GPKG")
    prov = pd.DataFrame(result.provenance.rows(), columns=["key", "value"])
    pyogrio.write_dataframe(prov, p, layer="provenance", driver="GPKG")
    return p


def _geo(result: SitingResult, lang: str) -> Any:
    import geopandas as gpd

    return gpd.GeoDataFrame(export_frame(result, lang), geometry=result.geometry.to_numpy(),
                            crs=result.geometry.crs)


def outcomes_frame(result: SitingResult) -> pd.DataFrame:
    """Long table: one row per site and hard criterion (status, value, threshold, texts)."""
    ids = result.site_ids.to_numpy()
    rows: list[dict[str, Any]] = []
    for sid, outs in zip(ids, result.outcomes.to_numpy(), strict=True):
        for o in outs:
            thr = ", ".join(map(str, o.threshold)) if isinstance(o.threshold, tuple) \
                else str(o.threshold)
            rows.append({"site_id": str(sid), "criterion_id": o.criterion_id,
                         "status": o.status, "value": "" if o.value is None else str(o.value),
                         "op": o.op, "threshold": thr, "text_sv": o.text_sv,
                         "text_en": o.text_en})
    cols = ["site_id", "criterion_id", "status", "value", "op", "threshold", "text_sv",
            "text_en"]
    return pd.DataFrame(rows, columns=cols)


# ----------------------------------------------------------------------------- explanation
#: The words of :func:`explain_site` in one language ("status": per outcome status).
_Words = TypedDict("_Words", {"pass": str, "fail": str, "incomplete": str, "score": str,
                              "rank": str, "hard": str, "soft": str, "ne": str, "nodata": str,
                              "status": dict[str, str]})

_WORDS: dict[str, _Words] = {
    "sv": {"pass": "klarar skallkraven", "fail": "klarar inte skallkraven",
           "incomplete": "okända skallkrav: att bekräfta", "score": "Poäng",
           "rank": "Rang", "hard": "Skallkrav", "soft": "Bidrag till poängen",
           "ne": "Inte utvärderat", "nodata": "uppgift saknas",
           "status": {"pass": "uppfyllt", "fail": "EJ uppfyllt",
                      "unknown": "okänt – att bekräfta"}},
    "en": {"pass": "passes the hard criteria", "fail": "fails the hard criteria",
           "incomplete": "unknown hard criteria: to confirm", "score": "Score",
           "rank": "Rank", "hard": "Hard criteria", "soft": "Contributions to the score",
           "ne": "Not evaluated", "nodata": "no data",
           "status": {"pass": "met", "fail": "NOT met", "unknown": "unknown – to confirm"}},
}


def explain_site(result: SitingResult, site_id: str, lang: str) -> str:
    """One site as plain text: status, score and rank, every hard outcome, contributions."""
    w = _WORDS[lang]
    idx = result.site_index(site_id)
    row = result.table.loc[idx]
    name = row["name"] if isinstance(row["name"], str) and row["name"] else ""
    head = f"{row['site_id']}{' ' + name if name else ''} ({row['kommunkod']})"
    state = w["pass"] if row["passes_hard"] else w["fail"]
    if row["hard_incomplete"]:
        state += f"; {w['incomplete']}"
    lines = [head, f"  {state}",
             f"  {w['score']}: {format_number(float(row['score']), lang, decimals=1)} / 100"
             f" · {w['rank']}: {int(row['rank'])} / {len(result.table)}",
             f"  {w['hard']}:"]
    for o in result.outcomes.loc[idx]:
        lines.append(f"    [{w['status'][o.status]}] {o.text(lang)}")
    lines.append(f"  {w['soft']}:")
    nodata = result.no_data.loc[idx]
    for crit in result.profile.soft:
        label = result.profile.metric(crit.metric).label(lang)
        val = row[f"value_{crit.id}"]
        contrib = float(row[f"contrib_{crit.id}"])
        if crit.id in result.not_evaluated:
            lines.append(f"    {label}: {w['ne']}")
            continue
        extra = f" ({w['nodata']})" if bool(nodata[crit.id]) else ""
        lines.append(f"    {label}: {format_number(float(val), lang, decimals=2)} x "
                     f"{format_number(result.weights[crit.id], lang, decimals=3)} -> "
                     f"{format_number(contrib, lang, decimals=1)}{extra}")
    if result.not_evaluated_details:
        lines.append(f"  {w['ne']}:")
        lines.extend(f"    {t}" for t in result.not_evaluated_texts(lang))
    return "\n".join(lines)


# ----------------------------------------------------------------------------- sensitivity
@dataclass(frozen=True)
class SensitivityReport:
    """Robustness of a ranking under uncertain weights.

    Attributes
    ----------
    acceptability : DataFrame
        Per site (indexed like the sites): ``site_id, kommunkod, passes_hard, score, rank,
        p_rank1, p_top3``; failing sites have probability 0.
    sweep : DataFrame
        Per evaluated soft criterion: ``criterion_id, label_sv, label_en, weight, lower,
        upper, lower_takeover, upper_takeover`` (site ids; empty when the top site stays
        first all the way), plus ``top_site``.
    n_draws, seed : int
    method : str
    raw : tuple
        The :class:`siting.scoring.sensitivity.RankAcceptability` and ``WeightSweep`` (or None).
    """

    acceptability: pd.DataFrame
    sweep: pd.DataFrame
    n_draws: int
    seed: int
    method: str
    raw: tuple[Any, Any]

    def to_frame(self) -> pd.DataFrame:
        """Both tables stacked in one long frame with a ``table`` column (for one CSV)."""
        a = self.acceptability.assign(table="acceptability")
        s = self.sweep.assign(table="weight_sweep")
        return pd.concat([a.reset_index(drop=True), s.reset_index(drop=True)],
                         ignore_index=True, sort=False)


def sensitivity_report(result: SitingResult, *, n_draws: int = 2000, seed: int = 0,
                       concentration: float | None = None) -> SensitivityReport:
    """Rank acceptability and weight sweep for a result (see :mod:`siting.scoring.sensitivity`).

    Only evaluated soft criteria take part; failing sites never take a rank above a
    passing one.
    """
    from siting.scoring import sensitivity as sens
    ids = list(result.evaluated_soft_ids)
    tbl = result.table
    x = tbl[[f"value_{c}" for c in ids]].to_numpy(dtype=float)
    eff = result.effective_weights
    w = np.array([eff[c] for c in ids], dtype=float)
    passes = tbl["passes_hard"].to_numpy(dtype=bool)
    method = str(result.profile.aggregation)
    site_ids = tbl["site_id"].astype(str).to_numpy()
    acc = pd.DataFrame({"site_id": site_ids, "kommunkod": tbl["kommunkod"].to_numpy(),
                        "passes_hard": passes, "score": tbl["score"].to_numpy(),
                        "rank": tbl["rank"].to_numpy(), "p_rank1": 0.0, "p_top3": 0.0},
                       index=tbl.index)
    sweep_cols = ["criterion_id", "label_sv", "label_en", "weight", "lower", "upper",
                  "lower_takeover", "upper_takeover", "top_site"]
    if not ids or w.sum() <= 0 or not passes.any():
        return SensitivityReport(acc, pd.DataFrame(columns=sweep_cols), n_draws, seed, method,
                                 (None, None))
    kw: dict[str, Any] = {}
    if concentration is not None:
        kw["concentration"] = concentration
    ra = sens.rank_acceptability(x, w, n_draws=n_draws, seed=seed, passes=passes,
                                 method=method, max_rank=min(3, len(tbl)), **kw)
    acc["p_rank1"] = np.asarray(ra.p_first, dtype=float)
    acc["p_top3"] = np.asarray(ra.p_top3, dtype=float)
    sw = sens.weight_sweep(x, w, passes=passes, method=method)

    def sid(k: int) -> str:
        return "" if k < 0 else str(site_ids[k])

    rows = []
    for j, cid in enumerate(ids):
        crit = next(c for c in result.profile.soft if c.id == cid)
        m = result.profile.metric(crit.metric)
        rows.append({"criterion_id": cid, "label_sv": m.label_sv, "label_en": m.label_en,
                     "weight": float(sw.weights[j]), "lower": float(sw.lower[j]),
                     "upper": float(sw.upper[j]),
                     "lower_takeover": sid(int(sw.lower_takeover[j])),
                     "upper_takeover": sid(int(sw.upper_takeover[j])),
                     "top_site": sid(int(sw.top))})
    return SensitivityReport(acc, pd.DataFrame(rows, columns=sweep_cols), n_draws, seed, method,
                             (ra, sw))
