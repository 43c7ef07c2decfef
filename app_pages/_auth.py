"""Login gate of the app: Streamlit's built-in OpenID Connect when shared, local mode otherwise.

*Local mode* (the default of ``make app``): no ``[auth]`` section in
``.streamlit/secrets.toml``, one analyst, one organisation, no login; the outcome
log records ``$SITING_USER`` or the OS login.

*Shared mode*: ``.streamlit/secrets.toml`` holds an ``[auth]`` section (e.g.
Entra ID / Azure AD, see the README); every visitor must log in with
``st.login()`` before any page runs. The person is the login's
``preferred_username`` or ``email`` claim; the outcome store acts as that person
(PostgreSQL ``SET ROLE``, so the database's row-level security applies), and
every change is recorded under it.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from siting.core.i18n import t

__all__ = ["current_person", "login_gate", "may_administer", "outcome_store", "own_organisation",
           "shared_mode"]

_CLAIMS = ("preferred_username", "email")


def shared_mode() -> bool:
    """True when OpenID Connect is configured (``[auth]`` in the secrets)."""
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return False


def _claim(user: Any) -> str | None:
    for claim in _CLAIMS:
        value = user.get(claim) if hasattr(user, "get") else None
        if value:
            return str(value).strip()
    return None


def current_person() -> str | None:
    """The logged-in person (None in local mode: the store's default identity)."""
    if not shared_mode():
        return None
    return _claim(st.user) if st.user.is_logged_in else None


def login_gate(lang: str) -> None:
    """Stop the script until the visitor logged in (shared mode); show who is logged in."""
    if not shared_mode():
        st.sidebar.caption(t("access.local_mode", lang))
        return
    if not st.user.is_logged_in:
        st.title(t("access.login_title", lang))
        st.write(t("access.login_prompt", lang))
        st.button(t("access.login_button", lang), on_click=st.login, type="primary",
                  key="login_button")
        st.stop()
    person = _claim(st.user) or "?"
    st.sidebar.caption(t("access.signed_in_as", lang, user=person))
    st.sidebar.button(t("access.logout_button", lang), on_click=st.logout, key="logout_button")


@st.cache_resource(show_spinner=False)
def _store(url: str, person: str | None) -> Any:
    from siting.outcomes import OutcomeStore

    return OutcomeStore.open(url or None, act_as=person)  # one store per logged-in person


def outcome_store() -> Any:
    """The outcome log as the logged-in person (local mode: the store's default identity)."""
    from app_pages._learning import db_url

    return _store(db_url(), current_person())


def may_administer() -> bool:
    """True for an organisation admin or the network admin (and local mode's one analyst)."""
    try:
        me = outcome_store().whoami()
    except Exception:  # noqa: BLE001 - an unreachable log: the pages say so themselves
        return False
    return me.may_manage()


def own_organisation() -> str:
    """The organisation whose workspace the person works in.

    Local mode: ``local``. Shared mode: the one organisation the person may write to,
    else the first they belong to (``local`` for nobody's member: public items only).
    """
    from siting.outcomes.access import LOCAL_ORG

    if current_person() is None:
        return LOCAL_ORG
    try:
        me = outcome_store().whoami()
    except Exception:  # noqa: BLE001 - an unreachable log: the pages say so themselves
        return LOCAL_ORG
    return me.default_org() or (sorted(me.roles)[0] if me.roles else LOCAL_ORG)
