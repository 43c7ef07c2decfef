"""Shared widgets and helpers for the pages: sidebar, error handling, escaping, tables."""

from __future__ import annotations

import logging
import os
import re
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from app_pages import _cache as _data
from app_pages._state import AppState, get_state
from siting.core.errors import SitingError
from siting.core.i18n import format_number, t
from siting.data.catalog import available_catalogs

__all__ = [
    "criterion_label",
    "current_evaluation",
    "dataset_title",
    "md",
    "run_page",
    "show_error",
    "problems_frame",
    "ranking_columns",
    "ranking_frame",
    "soft_label",
    "show_problems",
    "sidebar",
    "site_labels",
]

_LOG = logging.getLogger("siting.app")
_MD_SPECIAL = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation character
LANG_LABELS = {"sv": "Svenska", "en": "English"}


def md(text: Any) -> str:
    """Escape user text for Streamlit markdown: shown exactly as typed.

    Every ASCII punctuation character gets a backslash (CommonMark escapes), so no
    link, image, HTML, emphasis, colour directive (``:red[..]``) or formula can
    appear; raw HTML is never rendered by Streamlit's markdown anyway.
    """
    return _MD_SPECIAL.sub(r"\\\1", str(text)) if text is not None else ""


def show_error(exc: SitingError, lang: str) -> None:
    """Show a package error in plain language (what is wrong, where, what to do), no traceback.

    The problems are rendered in ``lang`` from their message keys; the summary,
    free text written by the raiser, is shown only when it is not the one
    problem itself and the page is in English.
    """
    problems = exc.problems
    if len(problems) == 1:
        head = _problem_text(problems[0], lang)
    elif problems:
        head = exc.summary if lang == "en" else t("problems.n_found", lang, n=len(problems))
    else:
        head = exc.summary
    lines = [f"**{md(t('common.error_title', lang))}:** {md(head)}"]
    if len(problems) > 1:
        lines.extend(f"- {md(_problem_text(p, lang))}" for p in problems)
    st.error("\n".join(lines))


def _problem_text(problem: Any, lang: str) -> str:
    """A problem rendered in ``lang`` (Swedish when translated), plain ``str`` otherwise."""
    render = getattr(problem, "text", None)
    return render(lang) if callable(render) else str(problem)


def _localized(problem: Any, lang: str) -> tuple[str, str]:
    localized = getattr(problem, "localized", None)
    if callable(localized):
        return localized(lang)
    return problem.message, problem.hint


def problems_frame(problems: Sequence[Any], lang: str) -> pd.DataFrame:
    """Validation problems as a table with translated column names (one row per problem).

    Message and fix are shown in Swedish when the problem carries a translation.
    """
    rows = []
    for p in problems:
        message, hint = _localized(p, lang)
        rows.append({t("problems.source", lang): p.source,
                     t("problems.location", lang): p.location,
                     t("problems.field", lang): p.field,
                     t("problems.problem", lang): message,
                     t("problems.fix", lang): hint})
    return pd.DataFrame(rows)


def show_problems(frame: pd.DataFrame, max_html_rows: int = 200) -> None:
    """A table of validation problems: readable text (escaped) when short, a grid when long."""
    if len(frame) <= max_html_rows:
        st.table(frame.apply(lambda col: col.map(md)), border="horizontal")
    else:
        st.dataframe(frame, hide_index=True, width="stretch")


def run_page(body: Callable[[AppState], None]) -> None:
    """Run a page body; package errors become ``st.error``, nothing shows a traceback."""
    state = get_state()
    try:
        body(state)
    except SitingError as exc:
        show_error(exc, state.lang)
    except Exception:  # the app must keep working; details go to the server log
        _LOG.exception("page failed")
        st.error(t("common.unexpected_error", state.lang))


def _default_region(muni: pd.DataFrame) -> tuple[str, ...]:
    """The study area a new session opens on.

    ``$SITING_KOMMUN`` (a kommunkod or a name, e.g. ``2482`` or ``Skellefteå``) names the user's
    own municipality; a small dataset (the demo) opens on its whole county; otherwise the first
    municipality, which the user replaces in the sidebar.
    """
    codes = sorted(muni["kommunkod"].astype(str))
    wanted = os.environ.get("SITING_KOMMUN", "").strip()
    if wanted:
        names = dict(zip(muni["name"].astype(str).str.casefold(),
                         muni["kommunkod"].astype(str), strict=True))
        code = wanted if wanted in codes else names.get(wanted.casefold())
        if code:
            return (code,)
    if len(codes) <= 12:
        county = Counter(c[:2] for c in codes).most_common(1)[0][0]
        return tuple(c for c in codes if c.startswith(county))
    return (codes[0],)


def _profile_label(name: str, lang: str) -> str:
    try:
        prof = _data.profile(name)
    except SitingError:
        return name
    label = str(getattr(prof, f"name_{lang}", name))
    return f"{label} ({Path(name).stem})" if name.endswith(".toml") else label


def sidebar(state: AppState) -> None:
    """Language, dataset, region and profile: the choices every page shares."""
    with st.sidebar:
        lang = st.segmented_control(
            "Språk / Language", options=list(LANG_LABELS), format_func=LANG_LABELS.get,
            default=state.lang, key="lang", selection_mode="single")
        state.lang = lang or state.lang
        lang = state.lang
        try:
            _dataset_widgets(state, lang)
        except SitingError as exc:
            show_error(exc, lang)
        except Exception:
            _LOG.exception("sidebar failed")
            st.error(t("common.unexpected_error", lang))


def dataset_title(name: str, lang: str) -> str:
    """A dataset's human name (its catalogue title), never its file id."""
    try:
        cat = _data.catalog(name)
    except SitingError:
        return name
    return str(cat.title(lang)) or name


def _dataset_widgets(state: AppState, lang: str) -> None:
    catalogs = list(available_catalogs()) or ["demo"]
    if state.catalog not in catalogs and not state.catalog.endswith(".toml"):
        state.catalog = catalogs[0]
    options = catalogs + ([state.catalog] if state.catalog not in catalogs else [])
    state.catalog = st.selectbox(
        t("common.dataset", lang), options, index=options.index(state.catalog), key=f"catalog_{lang}",
        format_func=lambda c: dataset_title(c, lang), help=t("common.dataset_help", lang))
    with st.expander(t("common.dataset_custom", lang)):
        path = st.text_input(t("common.catalog_path", lang), value="", key="catalog_path")
        data_dir = st.text_input(t("common.data_dir", lang), value=state.data_dir or "",
                                 key="data_dir")
        if path.strip() and path.strip() != state.catalog:
            state.catalog = path.strip()
            state.region_codes = ()
        state.data_dir = data_dir.strip() or None
    muni = _data.municipalities(state.catalog, state.data_dir)
    names = dict(zip(muni["kommunkod"].astype(str), muni["name"].astype(str), strict=True))
    valid = tuple(c for c in state.region_codes if c in names)
    if not valid:
        valid = _default_region(muni)
    codes = st.multiselect(
        t("common.region", lang), sorted(names), default=list(valid), key=f"region_{state.catalog}",
        format_func=lambda c: f"{names.get(c, c)} ({c})", help=t("common.region_help", lang))
    state.region_codes = tuple(codes)
    choices = list(_data.profile_choices())
    if choices:
        if state.profile not in choices:
            state.profile = choices[0]
        state.profile = st.selectbox(
            t("common.profile", lang), choices, index=choices.index(state.profile),
            key=f"profile_{lang}", format_func=lambda p: _profile_label(p, lang))
    state.strict = st.checkbox(t("verdict.strict", lang), value=state.strict, key="strict",
                               help=t("verdict.strict_help", lang))


def current_evaluation(state: AppState) -> Any:
    """The evaluation for the current choices and weights (None without a region)."""
    if not state.region_codes:
        st.info(t("common.no_region", state.lang))
        return None
    with st.spinner(t("common.loading", state.lang)):
        # without a sites layer (real data) the evaluation names candidate areas as sites
        return _data.evaluation_for(state.catalog, state.data_dir, state.region_codes,
                                    state.profile, state.weights.get(state.profile),
                                    state.lang, strict=state.strict)


def kommun_names(state: AppState) -> dict[str, str]:
    """kommunkod -> name for the current dataset."""
    muni = _data.municipalities(state.catalog, state.data_dir)
    return dict(zip(muni["kommunkod"].astype(str), muni["name"].astype(str), strict=True))


def main_reasons(result: Any, lang: str, status: pd.Series, n_strongest: int = 2) -> list[str]:
    """The one line that explains each site's status.

    Failing: the first failed hard criterion. Unknown: what is still to confirm
    (the evaluator's text of the unchecked criteria). Passing: the soft criteria
    that contribute most to the score.
    """
    reasons = result.reasons(lang)
    table = result.to_frame(lang)
    unchecked = table["not_checked"] if "not_checked" in table else pd.Series("", table.index)
    contrib = result.contributions
    labels = {c.id: soft_label(result.profile, c.id, lang) for c in result.profile.soft}
    out = []
    for i, idx in enumerate(table.index):
        code = status.iloc[i]
        if code == "fail" and reasons.loc[idx]:
            out.append(str(reasons.loc[idx][0]))
        elif code == "unknown" and isinstance(unchecked.loc[idx], str) and unchecked.loc[idx]:
            out.append(str(unchecked.loc[idx]))
        elif code == "pass" and len(contrib.columns):
            top = contrib.loc[idx].astype(float).nlargest(n_strongest)
            items = ", ".join(labels.get(str(k), str(k)) for k, v in top.items() if v > 0)
            out.append(t("ranking.reason_pass", lang, items=items) if items else "")
        else:
            out.append("")
    return out


def criterion_label(profile: Any, crit_id: str, lang: str) -> str:
    """Display label of a hard or soft criterion (its metric's label)."""
    for crit in (*profile.hard, *profile.soft):
        if crit.id == crit_id:
            try:
                return str(profile.metric(crit.metric).label(lang))
            except KeyError:
                return crit_id
    return crit_id


def soft_label(profile: Any, soft_id: str, lang: str) -> str:
    """Display label of soft criterion ``soft_id`` (its metric's label)."""
    crit = next((c for c in profile.soft if c.id == soft_id), None)
    try:
        return str(profile.metric(crit.metric).label(lang)) if crit is not None else soft_id
    except (KeyError, AttributeError):
        return soft_id


def site_labels(result: Any) -> pd.Series:
    """What each site is called (:meth:`siting.scoring.result.SitingResult.site_labels`)."""
    return result.site_labels()


def ranking_frame(result: Any, state: AppState, names: dict[str, str]) -> pd.DataFrame:
    """The ranking table as shown: status and main reason first, rank only for ranked sites.

    Ranked (passing) sites first by score, then the others; plain text, Streamlit
    escapes cells.
    """
    lang = state.lang
    tbl = result.to_frame(lang)
    status = result.status
    rank = result.rank_passing
    out = pd.DataFrame({
        t("ranking.col_rank", lang): [str(int(r)) if pd.notna(r) else "" for r in rank],
        t("ranking.col_status", lang): [t(f"verdict.{s}", lang) for s in status],
        t("ranking.col_site", lang): site_labels(result).to_numpy(),
        t("ranking.col_reasons", lang): main_reasons(result, lang, status),
        t("ranking.col_score", lang): [format_number(x, lang, decimals=1)
                                       for x in tbl["score"].astype(float)],
        t("ranking.col_kommun", lang): [names.get(str(k), str(k)) for k in tbl["kommunkod"]],
    })
    if "area_ha" in tbl:
        out[t("ranking.col_area", lang)] = [format_number(x, lang, decimals=1)
                                            for x in tbl["area_ha"].astype(float)]
    out[t("site.col_id", lang)] = tbl["site_id"].astype(str).to_numpy()
    order = result.ranks.to_numpy().argsort(kind="stable")
    return out.iloc[order].reset_index(drop=True)


def ranking_columns(lang: str) -> dict[str, Any]:
    """Column widths for :func:`ranking_frame` (the reason gets the room)."""
    return {
        t("ranking.col_rank", lang): st.column_config.TextColumn(width=40),
        t("ranking.col_status", lang): st.column_config.TextColumn(width=80),
        t("ranking.col_site", lang): st.column_config.TextColumn(width="medium"),
        t("ranking.col_reasons", lang): st.column_config.TextColumn(width="large"),
        t("ranking.col_score", lang): st.column_config.TextColumn(width=55),
    }


def theme_options() -> Sequence[str]:
    """The five themes."""
    from siting.data.schema import THEMES

    return [str(x) for x in THEMES]
