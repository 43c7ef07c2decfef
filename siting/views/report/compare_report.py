"""The municipality comparison report for regional planners (PDF or self-contained HTML).

:func:`build_comparison` lays out a computed :class:`~siting.compare.ComparisonResult`
(from :func:`siting.compare.compare`; verdicts, ranks and best sites are taken as they
are) as a :class:`Comparison`: the table, a map, and one short section per municipality
(best sites, its verdict and what is left to confirm, the hard criteria that fail most
often, key statistics and the municipality's self-assessment);
:func:`write_comparison` renders it.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from siting.compare import ComparisonResult, comparison_of_sites
from siting.core.errors import ReportError
from siting.core.i18n import format_number, t
from siting.criteria.evaluator import FAIL
from siting.data.layerset import LayerSet
from siting.scoring.result import SitingResult
from siting.views.report._texts import tr
from siting.views.report.dossier import SourceRow, layer_sources, value_text

__all__ = ["Comparison", "MunicipalitySection", "build_comparison", "comparison_html",
           "comparison_pdf", "render_comparison", "write_comparison"]

_TOP_SITES = 3
_TOP_REASONS = 3


@dataclass(frozen=True)
class MunicipalitySection:
    """One municipality of the comparison."""

    kommunkod: str
    name: str
    summary: str
    best_score: float
    top_sites: tuple[tuple[str, str, str, str], ...]  # site id, name, score, rank
    reasons: tuple[tuple[str, int], ...]  # hard criterion label, failing sites
    facts: tuple[tuple[str, str], ...]
    soft_self: tuple[tuple[str, str], ...]
    criteria: tuple[tuple[str, str], ...]
    status: str = ""  # the comparison's verdict: pass | fail | unknown | no_data
    to_confirm: tuple[str, ...] = ()  # the best row's unknown criteria and what decides them


@dataclass(frozen=True)
class Comparison:
    """A comparison report in one language."""

    lang: str
    profile_id: str
    profile_name: str
    profile_description: str
    dataset: str
    region: str
    is_fictional: bool
    generated_utc: str
    intro: str
    table: tuple[tuple[str, str, str, str, str, str], ...]
    sections: tuple[MunicipalitySection, ...]
    sources: tuple[SourceRow, ...]
    map_png: bytes | None = field(default=None, repr=False)
    heatmap_png: bytes | None = field(default=None, repr=False)
    policy: str = ""


def _names(layerset: LayerSet) -> dict[str, str]:
    muni = layerset.municipalities
    return dict(zip(muni["kommunkod"].astype(str), muni["name"].astype(str), strict=True))


def _row(table: pd.DataFrame | None, code: str) -> dict[str, Any]:
    if table is None or "kommunkod" not in table:
        return {}
    hit = table[table["kommunkod"].astype(str) == code]
    return hit.iloc[0].to_dict() if len(hit) else {}


def _status_text(status: str, lang: str) -> str:
    return tr("no_data", lang) if status == "no_data" else t(f"verdict.{status}", lang)


def _as_comparison(result: ComparisonResult | SitingResult, layerset: LayerSet,
                   codes: list[str]) -> ComparisonResult:
    if isinstance(result, ComparisonResult):
        return result
    return comparison_of_sites(result, layerset, codes)


def build_comparison(comparison: ComparisonResult | SitingResult, layerset: LayerSet, *,
                     lang: str = "sv", codes: list[str] | tuple[str, ...] | None = None,
                     with_map: bool = True) -> Comparison:
    """Lay out a computed comparison of municipalities (nothing is re-evaluated here).

    Parameters
    ----------
    comparison : ComparisonResult or SitingResult
        From :func:`siting.compare.compare`; a SitingResult over several municipalities
        is summarised by :func:`siting.compare.municipality_table` (the same verdicts).
    layerset : LayerSet
    lang : {"sv", "en"}
    codes : sequence of str, optional
        The municipalities to report; default those of the comparison / the study area.
    with_map : bool
        Draw the map (False for text-only use).

    Raises
    ------
    ReportError
        Unknown language, or none of the municipalities has candidate sites.
    """
    if lang not in ("sv", "en"):
        raise ReportError.single("lang", f"unknown language {lang!r}", hint="use 'sv' or 'en'")
    names = _names(layerset)
    codes = [str(c) for c in (codes or layerset.region.kommunkoder)]
    comp = _as_comparison(comparison, layerset, codes)
    result = comp.sites
    if result is None or not result.table["kommunkod"].astype(str).isin(set(codes)).any():
        raise ReportError.keyed("problem.report.no_sites", "sites")
    tbl = comp.table[comp.table["kommunkod"].astype(str).isin(set(codes))]
    in_set = result.table["kommunkod"].astype(str).isin(set(codes)).to_numpy()
    sub = result.table[in_set]
    passes = result.passes[in_set]
    called = dict(zip(result.table["site_id"].astype(str), result.site_labels(), strict=True))
    rows = tuple((f"{r['name']} ({r['kommunkod']})", str(int(r["n_sites"])),
                  f"{int(r['n_pass'])} ({int(r['n_unknown'])})", _score_text(r["score"], lang),
                  called.get(str(r["best_site"]), str(r["best_site"] or "–")),
                  _status_text(str(r["status"]), lang))
                 for _, r in tbl.iterrows())
    matrix = comp.matrix
    labels = {c.id: result.profile.metric(c.metric).label(lang) for c in result.profile.soft}
    sections = tuple(_section(r, sub, result, layerset, matrix, labels, lang)
                     for _, r in tbl.iterrows())
    map_png = heat_png = None
    if with_map and not matrix.empty:
        from siting.views.report.charts import heatmap_png

        order = [str(k) for k in tbl["kommunkod"] if str(k) in matrix.index]
        heat_png = heatmap_png(matrix.loc[order].to_numpy(dtype=float),
                               [names.get(k, k) for k in order],
                               [labels.get(str(c), str(c)) for c in matrix.columns], lang)
    if with_map:
        from siting.views.report.maps import region_map_png

        muni = layerset.municipalities
        muni = muni[muni["kommunkod"].astype(str).isin(set(codes))]
        best = {str(k): float(v) for k, v in zip(tbl["kommunkod"], tbl["score"], strict=True)}
        map_png = region_map_png(muni, best, result.sites[in_set], passes, lang)
    cat = layerset.catalog
    used = set(result.profile.layer_types()) | {"municipalities", "sites", "municipality_stats",
                                                "housing", "municipal_assessment"}
    return Comparison(
        lang=lang, profile_id=str(result.profile.id), profile_name=result.profile.name(lang),
        profile_description=result.profile.description(lang),
        dataset=cat.title(lang),
        region=", ".join(f"{names.get(c, c)} ({c})" for c in codes),
        is_fictional=cat.id == "demo" or "fictional" in cat.title_en.lower(),
        generated_utc=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        intro=tr("compare_intro", lang, n=len(tbl), profile=result.profile.name(lang),
                 sites=int(in_set.sum()), ok=int(np.asarray(passes).sum())),
        table=rows, sections=sections,
        sources=tuple(layer_sources(layerset, used)), map_png=map_png, heatmap_png=heat_png,
        policy=result.policy(lang))


def _score_text(score: Any, lang: str) -> str:
    if score is None or (isinstance(score, float) and math.isnan(score)):
        return tr("no_data", lang)
    return format_number(float(score), lang, decimals=1)


def _section(r: pd.Series, sub: pd.DataFrame, result: SitingResult, layerset: LayerSet,
             matrix: pd.DataFrame, labels: dict[str, str], lang: str) -> MunicipalitySection:
    """One municipality's section from the computed comparison row and its sites."""
    from siting.data.soft_factors import SOFT_FACTORS

    code = str(r["kommunkod"])
    mine = sub[sub["kommunkod"].astype(str).to_numpy() == code].sort_values("rank",
                                                                            kind="stable")
    top = tuple((str(s["site_id"]), str(s["name"] or ""),
                 format_number(float(s["score"]), lang, decimals=1), str(int(s["rank"])))
                for _, s in mine[mine["passes_hard"].astype(bool)].head(_TOP_SITES).iterrows())
    hard_labels = {c.id: (c.label_sv if lang == "sv" else c.label_en) or c.id
                   for c in result.profile.hard}
    fails = (result.hard_status.loc[mine.index] == FAIL).sum(axis=0)
    reasons = tuple((hard_labels.get(str(k), str(k)), int(v)) for k, v in
                    fails[fails > 0].sort_values(ascending=False, kind="stable")
                    .head(_TOP_REASONS).items())
    srow = _row(layerset.table("municipality_stats"), code)
    hrow = _row(layerset.table("housing"), code)
    facts = []
    for key, val, unit in (("col_population", srow.get("population"), ""),
                           ("col_labour", srow.get("working_age_population"), ""),
                           ("col_price_area", srow.get("price_area"), ""),
                           ("col_dwellings", hrow.get("dwellings"), ""),
                           ("col_vacancy", hrow.get("vacancy_rate_pct"), "%")):
        if val is not None and not (isinstance(val, float) and math.isnan(val)):
            facts.append((tr(key, lang), value_text(val, unit, lang)))
    arow = _row(layerset.table("municipal_assessment"), code)
    soft_self = tuple((SOFT_FACTORS[f].name_sv if lang == "sv" else SOFT_FACTORS[f].name_en,
                       format_number(arow[f], lang)) for f in SOFT_FACTORS
                      if f in arow and arow[f] is not None
                      and not (isinstance(arow[f], float) and math.isnan(arow[f])))
    crit: tuple[tuple[str, str], ...] = ()
    if code in matrix.index:
        crit = tuple((labels.get(str(c), str(c)), format_number(float(v), lang, decimals=2))
                     for c, v in matrix.loc[code].items())
    best = mine[mine["site_id"].astype(str) == str(r["best_site"])]
    confirm = tuple(str(best.iloc[0][f"not_checked_{lang}"]).split("; ")) \
        if len(best) and str(best.iloc[0][f"not_checked_{lang}"]) else ()
    status = str(r["status"])
    return MunicipalitySection(
        kommunkod=code, name=str(r["name"]),
        summary=tr("muni_summary", lang, sites=int(r["n_sites"]), ok=int(r["n_pass"]))
        + f" {t('verdict.status', lang)}: {_status_text(status, lang)}.",
        best_score=float(r["score"]), top_sites=top, reasons=reasons, facts=tuple(facts),
        soft_self=soft_self, criteria=crit, status=status, to_confirm=confirm)


# ----------------------------------------------------------------------------- rendering
def comparison_pdf(c: Comparison) -> bytes:
    """The comparison as PDF bytes."""
    from siting.views.report.pdf import ReportPDF

    lang = c.lang
    note = f"{tr('generated', lang)} {c.generated_utc}"
    if c.is_fictional:
        note += " · " + tr("demo_notice", lang)
    pdf = ReportPDF(f"{tr('compare_report', lang)} · {c.profile_name}", note, lang)
    pdf.add_page()
    pdf.para(f"{tr('compare_report', lang).upper()} · {tr('profile', lang)}: {c.profile_name}",
             size=9, colour=(110, 117, 125))
    pdf.para(c.profile_name, size=22, style="B", h=10)
    pdf.para(c.region, size=11, colour=(31, 78, 121), h=6)
    pdf.ln(1)
    pdf.para(c.intro)
    if c.is_fictional:
        pdf.para(tr("demo_notice", lang), size=8.5, style="B", colour=(183, 119, 13))
    if c.map_png:
        pdf.png(c.map_png, width_mm=160)
        pdf.para(tr("compare_map_caption", lang), size=7.5, colour=(110, 117, 125), h=3.8)
    pdf.h1(tr("compare_table", lang))
    pdf.table_rows((tr("municipality", lang), tr("col_sites", lang), tr("col_pass", lang),
                    tr("col_best", lang), tr("col_best_site", lang), tr("col_status", lang)),
                   c.table, widths=(30, 12, 16, 14, 14, 14),
                   align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "LEFT", "LEFT"))
    if c.policy:
        pdf.para(c.policy, size=8.5, colour=(110, 117, 125))
    pdf.para(c.profile_description, size=8.5, colour=(110, 117, 125))
    if c.heatmap_png:
        if pdf.get_y() > pdf.h - 120:
            pdf.add_page()
        pdf.h1(tr("criteria_values", lang))
        pdf.png(c.heatmap_png)
        pdf.para(tr("heatmap_note", lang), size=7.5, colour=(110, 117, 125), h=3.8)
    pdf.h1(tr("per_municipality", lang))
    for s in c.sections:
        pdf.h2(f"{s.name} ({s.kommunkod})")
        pdf.para(s.summary, size=9)
        if s.top_sites:
            pdf.table_rows((tr("site", lang), tr("col_name", lang), tr("score", lang),
                            tr("rank", lang)), s.top_sites, widths=(14, 50, 12, 10),
                           align=("LEFT", "LEFT", "RIGHT", "RIGHT"))
        else:
            pdf.para(tr("no_passing", lang), size=9, style="B", colour=(192, 57, 43))
        if s.to_confirm:
            pdf.para(tr("to_confirm", lang) + ": " + "; ".join(s.to_confirm), size=8.5,
                     colour=(183, 119, 13))
        if s.reasons:
            pdf.para(tr("col_reason", lang) + ": " + "; ".join(
                f"{label} ({n})" for label, n in s.reasons), size=8.5)
        if s.facts:
            pdf.para(" · ".join(f"{k}: {v}" for k, v in s.facts), size=8.5,
                     colour=(110, 117, 125))
        if s.soft_self:
            pdf.para(tr("soft_self", lang) + ": " + "; ".join(f"{k} {v}" for k, v in
                                                                s.soft_self), size=8,
                     colour=(110, 117, 125))
    pdf.h1(tr("sources", lang))
    pdf.table_rows((tr("col_layer", lang), tr("col_file", lang), tr("col_attribution", lang),
                    tr("col_licence", lang), tr("col_vintage", lang)),
                   [(s.title, s.source, s.attribution, s.licence, s.vintage)
                    for s in c.sources], widths=(30, 18, 30, 10, 12), size=7.3)
    return pdf.output_bytes()


def comparison_html(c: Comparison) -> str:
    """The comparison as one self-contained HTML page."""
    from siting.views.report.html import render_template

    return render_template("compare.html", c.lang, c=c)


def render_comparison(c: Comparison, fmt: str = "pdf") -> bytes:
    """PDF bytes or UTF-8 HTML bytes."""
    if fmt == "pdf":
        return comparison_pdf(c)
    if fmt == "html":
        return comparison_html(c).encode("utf-8")
    raise ReportError.single("format", f"unknown report format {fmt!r}",
                              hint="use 'pdf' or 'html'")


def write_comparison(c: Comparison, path: str | Path) -> Path:
    """Write the comparison to ``path`` (.pdf or .html); returns the path."""
    from siting.views.report.render import output_format

    p = Path(path)
    fmt = output_format(p)
    if not p.parent.exists():
        raise ReportError.single(str(p), "the output folder does not exist",
                                  hint="create the folder or choose another path")
    p.write_bytes(render_comparison(c, fmt))
    return p
