"""Lärdomar / Lessons: what separated wins from losses, suggested vs expert weights."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from app_pages import _cache as _data
from app_pages._learning import db_url, decided, learning, revision_count
from app_pages._state import AppState
from app_pages._widgets import md, run_page
from siting.core.errors import SitingError
from siting.core.i18n import format_number, format_percent, t
from siting.data.soft_factors import SOFT_FACTORS
from siting.learn.result import MIN_CASES_PER_CLASS, MIN_LEARNABLE_PER_CLASS


def _wait_for(job: Any, lang: str) -> None:
    """Say that the lessons are being worked out; look again every two seconds."""
    st.info(t("lessons.working", lang))

    @st.fragment(run_every=2.0)
    def poll() -> None:
        if job.done():
            st.rerun()

    poll()


def _fmt_iv(value: float, iv: tuple[float, float], lang: str) -> str:
    return (f"{format_number(value, lang, decimals=2)} "
            f"[{format_number(iv[0], lang, decimals=2)}–{format_number(iv[1], lang, decimals=2)}]")


@st.cache_resource(show_spinner=False, max_entries=4)
def _backtest(profile_name: str) -> Any:
    from siting.backtest import backtest, cases_frame
    from siting.data.layers import load_layerset
    from siting.outcomes.seed import real_cases

    return backtest(_data.profile(profile_name), load_layerset("sweden_open"),
                    cases_frame(real_cases()))


def _backtest_section(state: AppState, prof: Any) -> None:
    """Backtest of the profile on real Sweden against the log's real seed cases (thin view)."""
    lang = state.lang
    st.caption(md(t("lessons.backtest_help", lang)))
    if not st.button(t("lessons.backtest_run", lang), key="backtest_run"):
        return
    try:
        with st.spinner(t("common.loading", lang)):
            res = _backtest(state.profile)
    except SitingError as exc:
        st.info(md(str(exc)))
        return
    for key in ("profile_ranking", "learned_weights_loo"):
        b = res.summary[key]
        lo, hi = b["winners_ci95"]
        st.markdown(md(t(f"lessons.backtest_{key}", lang,
                         mean=format_number(b["winners_mean"], lang, decimals=2),
                         lo=format_number(lo, lang, decimals=2),
                         hi=format_number(hi, lang, decimals=2), n=b["n_winners"],
                         losers=format_number(b["losers_mean"], lang, decimals=2),
                         n_lost=b["n_losers"])))
    cases = res.cases.assign(label=res.cases["name"] + " (" + res.cases["outcome"] + ")")
    st.bar_chart(cases.set_index("label")[["percentile", "percentile_learned_loo"]].rename(
        columns={"percentile": prof.name(lang),
                 "percentile_learned_loo": t("lessons.backtest_loo", lang)}),
        horizontal=True, stack=False, sort=False)


def _body(state: AppState) -> None:
    lang = state.lang
    st.title(t("lessons.title", lang))
    if state.flash:
        st.success(md(state.flash))
        state.flash = None
    prof = _data.profile(state.profile)
    st.caption(md(f"{t('common.profile', lang)}: {prof.name(lang)}"))
    c1, c2 = st.columns(2)
    wal = c1.checkbox(t("lessons.withdrawn_as_lost", lang), key="learn_wal")
    conf = c2.checkbox(t("lessons.include_confidential", lang), key="learn_conf")
    with st.expander(t("lessons.backtest", lang)):
        _backtest_section(state, prof)
    url = db_url()
    try:
        import siting.learn.adapters  # noqa: F401
    except ImportError:
        st.info(t("common.not_available", lang, what="siting.learn.adapters"))
        return
    won, lost = decided(url, state.profile, wal, conf, revision_count(url))
    if min(won, lost) < MIN_LEARNABLE_PER_CLASS:
        industry = t(f"industry_in_text.{prof.industry}", lang)
        st.info(md(t("lessons.need_cases", lang, need=MIN_LEARNABLE_PER_CLASS, won=won,
                     lost=lost, industry=industry)))
        st.caption(md(t("lessons.thin", lang, n=MIN_CASES_PER_CLASS)))
        return
    job = learning((url, state.profile, wal, conf, revision_count(url)), prof)
    if not job.done():
        _wait_for(job, lang)
        return
    res = job.result()  # a LearningError is shown by run_page like any package error
    excl = sum(res.n_excluded_by_outcome.values())
    if res.indicative:
        st.warning(f"**{md(t('lessons.indicative', lang))}** – {md(res.message(lang))}")
    else:
        st.info(md(res.message(lang)))
    for w in res.warnings(lang):
        st.caption(md(w))
    st.markdown(md(t("lessons.n_cases", lang, n=res.n_cases, won=res.n_won, lost=res.n_lost,
                     excl=excl)))

    labels = {}
    for crit in prof.soft:
        try:
            labels[crit.id] = prof.metric(crit.metric).label(lang)
        except KeyError:
            labels[crit.id] = crit.id

    def label(f: str) -> str:
        if f in labels:
            return labels[f]
        fid = f.removeprefix("soft_")
        factor = SOFT_FACTORS.get(fid)
        return str(getattr(factor, f"name_{lang}", f)) if factor is not None else f

    st.subheader(t("lessons.separators", lang))
    imp = pd.Series(dict(res.permutation_importance), dtype=float).sort_values(ascending=False)
    st.bar_chart(imp.rename(index=label).rename(t("lessons.importance", lang)),
                 horizontal=True, sort=False)

    st.subheader(t("lessons.weights", lang))
    keys = sorted(set(res.suggested_weights) | set(res.expert_weights),
                  key=lambda k: -res.expert_weights.get(k, 0.0))
    weights = pd.DataFrame({
        t("lessons.suggested", lang): [res.suggested_weights.get(k, 0.0) for k in keys],
        t("lessons.expert", lang): [res.expert_weights.get(k, 0.0) for k in keys],
    }, index=[label(k) for k in keys])
    st.bar_chart(weights, horizontal=True, stack=False, sort=False)
    st.dataframe(weights.map(lambda x: format_percent(x, lang, 1)), width="stretch")

    st.subheader(t("lessons.quality", lang))
    model = t("lessons.model", lang)
    rows = [{model: t("lessons.logit", lang), t("lessons.auc", lang): _fmt_iv(res.cv_auc, res.cv_auc_interval,
                                                               lang),
             t("lessons.brier", lang): _fmt_iv(res.brier, res.brier_interval, lang)}]
    rows.extend({model: m.name, t("lessons.auc", lang): _fmt_iv(m.auc, m.auc_interval, lang),
                 t("lessons.brier", lang): _fmt_iv(m.brier, m.brier_interval, lang)}
                for m in res.comparison)
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    st.caption(md(f"{t('lessons.brier_baseline', lang)}: "
                  f"{format_number(res.brier_baseline, lang, decimals=3)} · {res.cv_scheme}"))

    soft_ids = [c.id for c in prof.soft]
    suggested = {k: float(res.suggested_weights.get(k, 0.0)) for k in soft_ids}
    if sum(suggested.values()) > 0 and st.button(t("lessons.apply", lang), key="learn_apply"):
        copy = prof.with_weights(suggested)
        out_dir = _data.user_profile_dir()
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / f"{prof.id}_suggested.toml"
        path.write_text(copy.to_toml(), encoding="utf-8")
        state.flash = t("lessons.applied", lang, path=str(path))
        st.rerun()  # the sidebar lists the new copy on the next run


run_page(_body)
