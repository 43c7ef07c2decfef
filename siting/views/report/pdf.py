"""PDF rendering with fpdf2: an A4 document class and the site dossier layout.

Fonts are matplotlib's bundled DejaVu Sans (embedded and subset, so å, ä, ö, ≥ and
non-breaking spaces print and the text stays extractable). Nothing is fetched from
the network.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from siting.core.i18n import format_number, format_percent
from siting.views.report._texts import tr
from siting.views.report.dossier import Dossier

__all__ = ["ReportPDF", "dossier_pdf"]

_FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
_FAMILY = "DejaVu"
_INK = (33, 37, 41)
_MUTED = (110, 117, 125)
_ACCENT = (31, 78, 121)
_PASS = (30, 132, 73)
_FAIL = (192, 57, 43)
_WARN = (183, 119, 13)
_HEAD_FILL = (226, 234, 242)
_ZEBRA = (246, 248, 250)


class ReportPDF(FPDF):
    """A4 portrait report with a running header and a numbered footer.

    Parameters
    ----------
    running_title : str
        Shown at the top of every page but the first.
    footer_note : str
        Shown at the bottom of every page (e.g. the generation date and a demo notice).
    lang : {"sv", "en"}
    """

    def __init__(self, running_title: str, footer_note: str, lang: str = "sv") -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.running_title = running_title
        self.footer_note = footer_note
        self.report_lang = lang
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(True, margin=18)
        self.add_font(_FAMILY, "", str(_FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(_FAMILY, "B", str(_FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.add_font(_FAMILY, "I", str(_FONT_DIR / "DejaVuSans-Oblique.ttf"))
        self.add_font(_FAMILY, "BI", str(_FONT_DIR / "DejaVuSans-BoldOblique.ttf"))
        self.set_font(_FAMILY, size=9.5)
        self.set_text_color(*_INK)
        self.set_title(running_title)
        self.set_creator("siting")
        self.set_lang("sv-SE" if lang == "sv" else "en-GB")

    # ------------------------------------------------------------------ page furniture
    def header(self) -> None:  # noqa: D102 - fpdf hook
        if self.page_no() == 1:
            return
        self.set_font(_FAMILY, "", 7.5)
        self.set_text_color(*_MUTED)
        self.cell(0, 5, self.running_title, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(200, 205, 210)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(4)
        self.set_text_color(*_INK)
        self.set_font(_FAMILY, "", 9.5)

    def footer(self) -> None:  # noqa: D102 - fpdf hook
        self.set_y(-12)
        self.set_font(_FAMILY, "", 7)
        self.set_text_color(*_MUTED)
        self.cell(0, 5, self.footer_note, align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, tr("page", self.report_lang, page=self.page_no(), pages="{nb}"), align="R")
        self.set_text_color(*_INK)

    # ------------------------------------------------------------------ building blocks
    @property
    def content_width(self) -> float:
        """Usable width in mm."""
        return self.w - self.l_margin - self.r_margin

    def h1(self, text: str) -> None:
        """A section heading (starts a new page when little room is left)."""
        if self.get_y() > self.h - 60:
            self.add_page()
        self.ln(3)
        self.set_font(_FAMILY, "B", 13)
        self.set_text_color(*_ACCENT)
        self.cell(0, 8, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(*_ACCENT)
        self.set_line_width(0.4)
        self.line(self.l_margin, self.get_y(), self.l_margin + 30, self.get_y())
        self.set_line_width(0.2)
        self.ln(2.5)
        self.set_text_color(*_INK)
        self.set_font(_FAMILY, "", 9.5)

    def h2(self, text: str) -> None:
        """A sub-heading."""
        if self.get_y() > self.h - 40:
            self.add_page()
        self.ln(1.5)
        self.set_font(_FAMILY, "B", 10.5)
        self.cell(0, 6, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(_FAMILY, "", 9.5)

    def para(self, text: str, *, size: float = 9.5, style: str = "",
             colour: tuple[int, int, int] = _INK, h: float = 4.8) -> None:
        """A paragraph of wrapped text."""
        if not text:
            return
        self.set_font(_FAMILY, style, size)
        self.set_text_color(*colour)
        self.multi_cell(0, h, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*_INK)
        self.set_font(_FAMILY, "", 9.5)

    def table_rows(self, headings: Sequence[str], rows: Sequence[Sequence[Any]], *,
                   widths: Sequence[float], align: Sequence[str] | None = None,
                   size: float = 8.3, colours: Sequence[tuple[int, int, int] | None] = ()
                   ) -> None:
        """A table with a shaded heading row and zebra rows.

        ``colours`` gives a text colour per row for the last column (e.g. pass/fail).
        """
        self.set_font(_FAMILY, "", size)
        align = align or ["LEFT"] * len(headings)
        heading_style = FontFace(emphasis="BOLD", fill_color=_HEAD_FILL, color=_INK)
        with self.table(col_widths=tuple(widths), text_align=tuple(align),
                        headings_style=heading_style, line_height=size * 0.52,
                        borders_layout="HORIZONTAL_LINES", cell_fill_color=_ZEBRA,
                        cell_fill_mode="ROWS", padding=1.2, width=self.content_width) as tbl:
            head = tbl.row()
            for text in headings:
                head.cell(text)
            for i, values in enumerate(rows):
                row = tbl.row()
                colour = colours[i] if i < len(colours) else None
                for j, value in enumerate(values):
                    if colour is not None and j == len(values) - 1:
                        row.cell(str(value), style=FontFace(emphasis="BOLD", color=colour))
                    else:
                        row.cell(str(value))
        self.set_font(_FAMILY, "", 9.5)
        self.ln(2)

    def png(self, data: bytes, *, width_mm: float | None = None) -> None:
        """Place a PNG image at the current position, full content width by default."""
        w = width_mm or self.content_width
        x = self.l_margin + (self.content_width - w) / 2
        self.image(io.BytesIO(data), x=x, w=w)
        self.ln(1)

    def status_box(self, text: str, ok: bool, detail: str = "", *, warn: bool = False) -> None:
        """A coloured verdict box (green pass, red fail, amber when undecided)."""
        colour = _WARN if warn else _PASS if ok else _FAIL
        self.set_fill_color(*colour)
        self.set_text_color(255, 255, 255)
        self.set_font(_FAMILY, "B", 11)
        self.cell(0, 9, f"  {text}", fill=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if detail:
            self.set_fill_color(240, 243, 246)
            self.set_text_color(*_INK)
            self.set_font(_FAMILY, "", 9)
            self.multi_cell(0, 5.5, f"  {detail}", fill=True, new_x=XPos.LMARGIN,
                            new_y=YPos.NEXT)
        self.set_text_color(*_INK)
        self.set_font(_FAMILY, "", 9.5)
        self.ln(2)

    def output_bytes(self) -> bytes:
        """The finished PDF as bytes."""
        return bytes(self.output())


_STATUS_COLOUR = {"pass": _PASS, "fail": _FAIL, "unknown": _WARN}


def dossier_pdf(d: Dossier, images: Any) -> bytes:
    """Render a dossier to PDF bytes.

    Parameters
    ----------
    d : Dossier
    images : object
        With ``map_png`` (bytes or None) and ``contrib_png`` (bytes), see
        :func:`siting.views.report.render.dossier_images`.
    """
    lang = d.lang
    title = f"{tr('dossier', lang)} · {d.site_id} · {d.profile_name}"
    note = f"{tr('generated', lang)} {d.generated_utc}"
    if d.is_fictional:
        note += " · " + tr("demo_notice", lang)
    pdf = ReportPDF(title, note, lang)
    pdf.set_subject(f"{d.site_id} {d.site_name} – {d.municipality}")
    pdf.add_page()
    _cover(pdf, d, images)
    pdf.add_page()
    _context(pdf, d, images)
    _summary(pdf, d, images)
    _criteria(pdf, d, images)
    _ranking(pdf, d)
    _infrastructure(pdf, d)
    _catchment(pdf, d)
    _lessons(pdf, d)
    _sources(pdf, d)
    return pdf.output_bytes()


def _cover(pdf: ReportPDF, d: Dossier, images: Any) -> None:
    """The pitch: site, verdict, three reasons to choose it, what to confirm, a map."""
    lang = d.lang
    pdf.set_font(_FAMILY, "", 9)
    pdf.set_text_color(*_MUTED)
    pdf.cell(0, 5, f"{tr('dossier', lang).upper()} · {tr('profile', lang)}: {d.profile_name}",
             new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*_INK)
    pdf.set_font(_FAMILY, "B", 22)
    pdf.multi_cell(0, 10, f"{d.site_id} {d.site_name}".strip(), new_x=XPos.LMARGIN,
                   new_y=YPos.NEXT)
    pdf.set_font(_FAMILY, "", 13)
    pdf.set_text_color(*_ACCENT)
    pdf.cell(0, 7, tr("municipality_of", lang, name=d.municipality, code=d.kommunkod),
             new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*_INK)
    pdf.ln(2)
    score = format_number(d.score, lang, decimals=1)
    detail = f"{d.verdict} · {tr('score', lang)} {score} / 100 · {tr('rank', lang)} {d.rank_text}"
    status = d.status or ("pass" if d.passes else "fail")
    pdf.status_box(tr(f"status_{status}", lang), d.passes, detail,
                   warn=status == "unknown")
    _bullets(pdf, tr("pitch_reasons", lang), d.reasons_to_choose,
             tr("pitch_no_reasons", lang))
    _bullets(pdf, tr("pitch_confirm", lang), d.to_confirm, tr("pitch_confirm_none", lang))
    if images.map_png:
        room_mm = pdf.h - pdf.b_margin - pdf.get_y() - 12
        pdf.png(images.map_png, width_mm=min(pdf.content_width, max(room_mm, 60) * 1.25))
        pdf.para(tr("map_caption", lang), size=7.5, colour=_MUTED, h=3.8)
    if d.is_fictional:
        pdf.set_font(_FAMILY, "B", 8.5)
        pdf.set_text_color(*_WARN)
        pdf.multi_cell(0, 4.6, tr("demo_notice", lang), align="L", new_x=XPos.LMARGIN,
                       new_y=YPos.NEXT)
        pdf.set_text_color(*_INK)


def _bullets(pdf: ReportPDF, heading: str, items: Sequence[str], empty: str) -> None:
    pdf.h2(heading)
    for item in items or (empty,):
        pdf.para(f"•  {item}", size=9.3, h=4.8)


def _context(pdf: ReportPDF, d: Dossier, images: Any) -> None:
    """Profile, dataset, study area and an overview map (the second page's head)."""
    lang = d.lang
    top = pdf.get_y()
    inset_w = 52.0
    overview = getattr(images, "overview_png", None)
    if overview:
        pdf.image(io.BytesIO(overview), x=pdf.w - pdf.r_margin - inset_w, y=top, w=inset_w)
    text_w = pdf.content_width - (inset_w + 4 if overview else 0)
    rows = [(tr("profile", lang), d.profile_name), (tr("dataset", lang), d.dataset),
            (tr("region", lang), d.region), (tr("generated", lang), d.generated_utc)]
    pdf.set_font(_FAMILY, "", 8.5)
    for key, value in rows:
        pdf.set_text_color(*_MUTED)
        pdf.cell(38, 4.6, key)
        pdf.set_text_color(*_INK)
        pdf.multi_cell(text_w - 38, 4.6, value, align="L", new_x=XPos.LMARGIN,
                       new_y=YPos.NEXT)
    if overview:
        pdf.set_y(max(pdf.get_y(), top + inset_w * 1.1))


def _summary(pdf: ReportPDF, d: Dossier, images: Any) -> None:
    lang = d.lang
    del images
    pdf.h1(tr("summary", lang))
    pdf.para(d.profile_description, size=9)
    pdf.ln(1)
    failing = [h for h in d.hard if h.status != "pass"]
    lines = [d.verdict + "."]
    lines += [f"– {h.sentence}" for h in failing if h.status == "fail"]
    if d.policy:
        lines.append(d.policy)
    lines.append(f"{tr('score', lang)}: {format_number(d.score, lang, decimals=1)} / 100. "
                 f"{tr('rank', lang)}: {d.rank_text}.")
    if d.p_rank1 is not None and d.passes:
        lines.append(f"{tr('p_rank1', lang)}: {format_percent(d.p_rank1, lang)} · "
                     f"{tr('p_top3', lang)}: {format_percent(d.p_top3, lang)}.")
    if d.catchment_total is not None:
        lines.append(f"{tr('col_labour', lang)}: "
                     f"{format_number(d.catchment_total, lang, decimals=0)} "
                     f"({d.catchment_intro.split('.')[0]}).")
    for line in lines:
        pdf.para(line, size=9.3)
    pdf.h1(tr("key_facts", lang))
    pdf.table_rows((tr("col_fact", lang), tr("col_value", lang), tr("col_source", lang)),
                   [(f.label, f.value, f.source) for f in d.facts], widths=(46, 24, 30),
                   align=("LEFT", "RIGHT", "LEFT"))


def _criteria(pdf: ReportPDF, d: Dossier, images: Any) -> None:
    lang = d.lang
    pdf.h1(tr("hard_criteria", lang))
    pdf.table_rows(
        (tr("col_criterion", lang), tr("col_measured", lang), tr("col_requirement", lang),
         tr("col_result", lang)),
        [(h.label, h.measured, h.requirement, h.status_text) for h in d.hard],
        widths=(46, 18, 20, 16), align=("LEFT", "RIGHT", "LEFT", "LEFT"),
        colours=[_STATUS_COLOUR.get(h.status) for h in d.hard])
    for text in d.not_evaluated:
        pdf.para(text, size=8, colour=_WARN)
    rationales = [h for h in d.hard if h.rationale]
    if rationales:
        pdf.h2(tr("rationale", lang))
        for h in rationales:
            pdf.para(f"{h.label}: {h.rationale}", size=7.5, colour=_MUTED, h=3.8)
    pdf.h1(tr("soft_criteria", lang))
    pdf.para(tr("score_note", lang, method=d.aggregation), size=8.5, colour=_MUTED)
    rows = []
    for s in d.soft:
        measured = s.measured + (f" ({tr('no_data', lang)})" if s.no_data else "")
        rows.append((s.label, measured, format_number(s.value, lang, decimals=2),
                     format_percent(s.weight, lang, 1),
                     format_number(s.contribution, lang, decimals=1)))
    rows.append((tr("score", lang), "", "", format_percent(sum(s.weight for s in d.soft),
                                                            lang, 0),
                  format_number(d.score, lang, decimals=1)))
    pdf.table_rows((tr("col_criterion", lang), tr("col_measured", lang),
                    tr("col_value01", lang), tr("col_weight", lang),
                    tr("col_contribution", lang)), rows, widths=(44, 18, 12, 12, 14),
                   align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"))
    if images.contrib_png:
        if pdf.get_y() > pdf.h - 90:
            pdf.add_page()
        pdf.h2(tr("contrib_chart", lang))
        pdf.png(images.contrib_png, width_mm=min(pdf.content_width, 150))


def _ranking(pdf: ReportPDF, d: Dossier) -> None:
    lang = d.lang
    pdf.h1(tr("ranking", lang))
    pdf.para(f"{tr('rank', lang)}: {d.rank_text}.")
    if d.p_rank1 is not None:
        pdf.para(f"{tr('p_rank1', lang)}: {format_percent(d.p_rank1, lang)} · "
                 f"{tr('p_top3', lang)}: {format_percent(d.p_top3, lang)}")
        pdf.para(d.acceptability_note, size=8, colour=_MUTED)
    if d.sweep:
        pdf.h2(tr("sweep_title", lang))
        if d.top_site:
            pdf.para(tr("top_site", lang, site=d.top_site), size=8.5)
        pdf.table_rows((tr("col_criterion", lang), tr("col_weight", lang)), list(d.sweep),
                       widths=(62, 38), align=("LEFT", "LEFT"))


def _infrastructure(pdf: ReportPDF, d: Dossier) -> None:
    lang = d.lang
    if not d.infrastructure:
        return
    pdf.h1(tr("infrastructure", lang))
    pdf.table_rows((tr("col_kind", lang), tr("col_name", lang), tr("col_detail", lang),
                    tr("col_distance", lang)),
                   [(r.kind, r.name or "–", r.detail or "–", r.distance)
                    for r in d.infrastructure],
                   widths=(24, 32, 30, 14), align=("LEFT", "LEFT", "LEFT", "RIGHT"))


def _catchment(pdf: ReportPDF, d: Dossier) -> None:
    lang = d.lang
    pdf.h1(tr("catchment", lang))
    pdf.para(d.catchment_intro, size=9)
    if d.catchment:
        rows = []
        for r in d.catchment:
            name = f"{r.name} ({r.kommunkod})"
            if not r.in_study_area:
                name += f" – {tr('outside_study', lang)}"
            rows.append((name, format_number(r.labour, lang, decimals=0), r.schools,
                         r.dwellings, r.vacancy, r.planned))
        if d.catchment_total is not None:
            rows.append((tr("total", lang),
                         format_number(d.catchment_total, lang, decimals=0), "", "", "", ""))
        pdf.table_rows((tr("municipality", lang), tr("col_labour", lang),
                        tr("col_schools", lang), tr("col_dwellings", lang),
                        tr("col_vacancy", lang), tr("col_planned", lang)), rows,
                       widths=(25, 13, 27, 11, 13, 11),
                       align=("LEFT", "RIGHT", "LEFT", "RIGHT", "RIGHT", "RIGHT"))
    if d.schools:
        pdf.h2(d.schools_heading)
        pdf.table_rows((tr("col_name", lang), tr("col_detail", lang)), list(d.schools),
                       widths=(38, 62), align=("LEFT", "LEFT"))


def _lessons(pdf: ReportPDF, d: Dossier) -> None:
    lang = d.lang
    ls = d.lessons
    pdf.h1(tr("lessons", lang))
    if ls.note:
        pdf.para(ls.note)
    if ls.p_win is not None:
        level = format_percent(ls.level, lang)
        pdf.para(f"{tr('win_probability', lang)}: {format_percent(ls.p_win, lang)} "
                 f"({tr('interval', lang, level=level, low=format_percent(ls.p_low, lang), high=format_percent(ls.p_high, lang))})",  # noqa: E501
                 style="B")
        pdf.para(tr("cases_used", lang, n=ls.n_cases, won=ls.n_won, lost=ls.n_lost), size=9)
        if ls.indicative:
            pdf.para(tr("indicative", lang), size=9, style="B", colour=_WARN)
        if ls.relative:
            pdf.para(tr("relative", lang), size=9, colour=_WARN)
        pdf.para(ls.message, size=8.5, colour=_MUTED)
        for w in ls.warnings:
            pdf.para(f"– {w}", size=8.5, colour=_MUTED)
    if ls.cases:
        pdf.h2(tr("nearest_cases", lang))
        pdf.table_rows((tr("col_case", lang), tr("municipality", lang), tr("col_year", lang),
                        tr("col_outcome", lang), tr("col_distance", lang)),
                       [(c.title, c.municipality, c.year, c.outcome, c.distance)
                        for c in ls.cases], widths=(46, 18, 8, 14, 14),
                       align=("LEFT", "LEFT", "RIGHT", "LEFT", "RIGHT"))
    if ls.used and ls.n_confidential_excluded:
        pdf.para(tr("confidential_excluded", lang, n=ls.n_confidential_excluded), size=8,
                 colour=_MUTED)
    if ls.used and ls.confidential_included:
        pdf.para(tr("confidential_included", lang), size=8, style="B", colour=_WARN)


def _sources(pdf: ReportPDF, d: Dossier) -> None:
    lang = d.lang
    pdf.h1(tr("sources", lang))
    pdf.table_rows((tr("col_layer", lang), tr("col_file", lang), tr("col_attribution", lang),
                    tr("col_licence", lang), tr("col_vintage", lang)),
                   [(s.title, s.source, s.attribution, s.licence, s.vintage)
                    for s in d.sources], widths=(30, 18, 30, 10, 12), size=7.3)
    pdf.h2(tr("method", lang))
    pdf.set_font(_FAMILY, "", 8)
    for key, value in d.method:
        pdf.set_text_color(*_MUTED)
        pdf.cell(40, 4.4, key)
        pdf.set_text_color(*_INK)
        pdf.multi_cell(0, 4.4, value, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
