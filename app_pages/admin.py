"""Administration: organisations, members and roles, grants of confidential cases.

The same functions as ``siting admin`` (:mod:`siting.outcomes.people`); the page
only lays out their results and forms. Shown in the navigation to organisation
admins and the network admin only; the functions check the rights again, and on
PostgreSQL the database's row-level security checks them a third time. Errors
are the package's :class:`~siting.core.errors.SitingError`, shown in the page's
language.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from app_pages._auth import outcome_store
from app_pages._state import AppState
from app_pages._widgets import md, run_page, show_error
from siting.core.errors import SitingError
from siting.core.i18n import t
from siting.outcomes import people
from siting.outcomes.access import ROLES, Access


def _role(role: str, lang: str) -> str:
    return t(f"role.{role}", lang)


def _whoami(me: Access, lang: str) -> str:
    roles = [f"{_role(r, lang)} – {o}" for o, r in sorted(me.roles.items())]
    if me.network_admin:
        roles.append(t("admin.network_admin", lang))
    if me.full:
        roles.append(t("admin.full_access", lang))
    return t("admin.you_are", lang, user=me.user,
             roles=", ".join(roles) or t("admin.no_role", lang))


def _administered(me: Access, organisations: list[people.Organisation]) -> list[str]:
    """The organisations whose members ``me`` manages."""
    return [o.id for o in organisations
            if me.may_manage(o.id)]


def _done(state: AppState, message: str) -> None:
    state.flash = message
    st.rerun()


def _tables(organisations: list[people.Organisation],
            members: list[people.Member], lang: str) -> None:
    st.subheader(t("admin.organisations", lang))
    st.dataframe(pd.DataFrame({
        t("admin.col_id", lang): [o.id for o in organisations],
        t("admin.col_name", lang): [o.name for o in organisations],
        t("admin.col_kommun", lang): [o.kommunkod or "" for o in organisations],
    }), hide_index=True, width="stretch", key="admin_orgs")
    st.subheader(t("admin.members", lang))
    if not members:
        st.info(t("admin.no_members", lang))
        return
    st.dataframe(pd.DataFrame({
        t("admin.col_person", lang): [m.person for m in members],
        t("admin.col_org", lang): [m.organisation_id for m in members],
        t("admin.col_role", lang): [_role(m.role, lang) for m in members],
    }), hide_index=True, width="stretch", key="admin_members")


def _add_organisation(store: Any, state: AppState) -> None:
    lang = state.lang
    with st.form("admin_add_org"):
        st.markdown(f"**{md(t('admin.add_org', lang))}**")
        org_id = st.text_input(t("admin.org_id", lang), key="admin_org_id")
        name = st.text_input(t("admin.org_name", lang), key="admin_org_name")
        kommun = st.text_input(t("admin.org_kommun", lang), key="admin_org_kommun")
        if st.form_submit_button(t("admin.add_org_button", lang)):
            people.add_organisation(store, org_id.strip(), name,
                                    kommunkod=kommun.strip() or None)
            _done(state, t("admin.org_added", lang, org=org_id.strip()))


def _add_user(store: Any, state: AppState, orgs: list[str]) -> None:
    lang = state.lang
    with st.form("admin_add_user"):
        st.markdown(f"**{md(t('admin.add_user', lang))}**")
        person = st.text_input(t("admin.person", lang), key="admin_person")
        c1, c2 = st.columns(2)
        org = c1.selectbox(t("admin.organisation", lang), orgs, key="admin_user_org")
        role = c2.selectbox(t("admin.role", lang), ROLES, format_func=lambda r: _role(r, lang),
                            key="admin_user_role")
        if st.form_submit_button(t("admin.add_user_button", lang)):
            people.add_user(store, person.strip(), str(org), str(role))
            _done(state, t("admin.user_added", lang, person=person.strip(),
                           role=_role(str(role), lang), org=org))


def _change_members(store: Any, state: AppState, members: list[people.Member]) -> None:
    lang = state.lang
    if not members:
        return
    labels = {f"{m.person} – {m.organisation_id}": m for m in members}
    with st.form("admin_change_role"):
        st.markdown(f"**{md(t('admin.change_role', lang))}**")
        c1, c2 = st.columns(2)
        chosen = c1.selectbox(t("admin.member", lang), list(labels), key="admin_role_member")
        role = c2.selectbox(t("admin.role", lang), ROLES, format_func=lambda r: _role(r, lang),
                            key="admin_role_new")
        if st.form_submit_button(t("admin.change_role_button", lang)):
            m = labels[str(chosen)]
            people.set_role(store, m.person, m.organisation_id, str(role))
            _done(state, t("admin.role_changed", lang, person=m.person,
                           role=_role(str(role), lang), org=m.organisation_id))
    with st.form("admin_remove_user"):
        st.markdown(f"**{md(t('admin.remove_user', lang))}**")
        chosen = st.selectbox(t("admin.member", lang), list(labels), key="admin_remove_member")
        sure = st.checkbox(t("admin.confirm_remove", lang), key="admin_remove_sure")
        if st.form_submit_button(t("admin.remove_button", lang)) and sure:
            m = labels[str(chosen)]
            people.remove_user(store, m.person, m.organisation_id)
            _done(state, t("admin.user_removed", lang, person=m.person, org=m.organisation_id))


def _grant(store: Any, state: AppState, orgs: list[str]) -> None:
    lang = state.lang
    st.markdown(f"**{md(t('admin.grant', lang))}**")
    cases = [c.case_id for c in store.list(confidentiality=["confidential"])
             if c.organisation in orgs]
    if not cases:
        st.caption(t("admin.no_confidential", lang))
        return
    with st.form("admin_grant"):
        c1, c2 = st.columns(2)
        case_id = c1.selectbox(t("admin.grant_case", lang), cases, key="admin_grant_case")
        person = c2.text_input(t("admin.grant_person", lang), key="admin_grant_person")
        if st.form_submit_button(t("admin.grant_button", lang)):
            people.grant_case(store, str(case_id), person.strip())
            _done(state, t("admin.granted", lang, person=person.strip(), case_id=case_id))


def _body(state: AppState) -> None:
    lang = state.lang
    st.title(t("admin.title", lang))
    st.caption(md(t("admin.intro", lang)))
    if state.flash:
        st.success(md(state.flash))
        state.flash = None
    store = outcome_store()
    me = store.whoami()
    st.caption(md(_whoami(me, lang)))
    organisations = people.list_organisations(store)
    orgs = _administered(me, organisations)
    if not orgs and not me.network_admin:
        st.info(t("admin.not_admin", lang))
        return
    members = [m for m in people.list_members(store) if m.organisation_id in orgs]
    if me.full and not members:
        st.caption(md(t("admin.first_member", lang, user=me.user)))
    _tables(organisations, members, lang)
    sections = [lambda: _add_user(store, state, orgs),
                lambda: _change_members(store, state, members),
                lambda: _grant(store, state, orgs)]
    if me.manages_network:
        sections.append(lambda: _add_organisation(store, state))
    for section in sections:
        try:
            section()
        except SitingError as exc:  # refused: say why in the page's language, keep the page
            show_error(exc, lang)


run_page(_body)
