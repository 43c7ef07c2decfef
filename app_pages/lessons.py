"""Lärdomar / Lessons: what separated wins from losses, suggested vs expert weights."""

from __future__ import annotations

import os
from typing import Any

import pandas as pd
import streamlit as st

from app_pages import _cache as _data
from app_pages._state import AppState
from app_pages._widgets import md, run_page
from siting.core.i18n import format_number, format_percent, t
from siting.data.soft_factors import SOFT_FACTORS


def _db_url() -> str:
    return os.environ.get("SITING_DB_URL", "").strip()


@st.cache_resource(show_spinner=False, max_entries=8)
def _learn(url: str, profile_name: str, withdrawn_as_lost: bool, include_confidential: bool,
           _revisions: int) -> Any:
    from siting.learn.adapters import learn_from_store
    from siting.outcomes import OutcomeStore

    store = OutcomeStore.open(url or None)
    return learn_from_store(store, _data.profile(profile_name),
                            withdrawn_as_lost=withdrawn_as_lost,
                            include_confidential=include_confidential)


def _revision_count(url: str) -> int:
    from siting.outcomes import OutcomeStore

    store = OutcomeStore.open(url or None)
    try:
        return int(store.revision_count())
    finally:
        store.close()


def _fmt_iv(value: float, iv: tuple[float, float], lang: str) -> str:
    return (f"{format_number(value, lang, decimals=2)} "
            f"[{format_number(iv[0], lang, decimals=2)}–{format_number(iv[1], lang, decimals=2)}]")


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
    url = _db_url()
    try:
        import siting.learn.adapters  # noqa: F401
    except ImportError:
        st.info(t("common.not_available", lang, what="siting.learn.adapters"))
        return
    with st.spinner(t("common.loading", lang)):
        res = _learn(url, state.profile, wal, conf, _revision_count(url))
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
    rows = [{"model": "logit", t("lessons.auc", lang): _fmt_iv(res.cv_auc, res.cv_auc_interval,
                                                               lang),
             t("lessons.brier", lang): _fmt_iv(res.brier, res.brier_interval, lang)}]
    rows.extend({"model": m.name, t("lessons.auc", lang): _fmt_iv(m.auc, m.auc_interval, lang),
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
