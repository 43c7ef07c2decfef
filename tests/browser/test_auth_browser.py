"""Logging in to the shared app: two people of two organisations see only what each may.

A local OpenID Connect provider (``oidc-provider-mock``, no internet) issues the
logins; the app reads a temporary ``secrets.toml`` with an ``[auth]`` section
(shared mode) and connects to a PostgreSQL log as a gateway role that may only
``SET ROLE`` to the logged-in person, so the database's row-level security decides
what each page can read.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.xdist_group("browser"),
              # the test identity provider (a thread of this process) uses deprecated Authlib API
              pytest.mark.filterwarnings("ignore::DeprecationWarning")]

_TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def shared_log() -> Iterator[dict[str, str]]:
    """A PostgreSQL log with cases of two organisations, and a gateway login role."""
    from conftest_outcomes import pg_schema_url

    from siting.outcomes import Case, OutcomeStore, people

    suffix = uuid.uuid4().hex[:8]
    anna, bo, gateway = f"anna_{suffix}", f"bo_{suffix}", f"gw_{suffix}"
    with pg_schema_url() as owner:
        with OutcomeStore.open(owner) as store:
            people.add_organisation(store, "a-kommun", "A kommun")
            people.add_organisation(store, "b-kommun", "B kommun")
            people.add_user(store, anna, "a-kommun", "editor")
            people.add_user(store, bo, "b-kommun", "viewer")
            for case_id, org, level in (("AINTERNAL1", "a-kommun", "internal"),
                                        ("ASECRET1", "a-kommun", "confidential"),
                                        ("ANETWORK1", "a-kommun", "network"),
                                        ("BINTERNAL1", "b-kommun", "internal")):
                store.add(Case(case_id, f"Fall {case_id}", "battery", "2482", "ongoing",
                               confidentiality=level, organisation=org))
        admin = create_engine(owner)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE ROLE "{gateway}" LOGIN PASSWORD \'gw\''))
            conn.execute(text(f'GRANT siting_gateway TO "{gateway}"'))
        gw_url = make_url(owner).set(username=gateway, password="gw").render_as_string(
            hide_password=False)
        try:
            yield {"url": gw_url, "anna": anna, "bo": bo}
        finally:
            with admin.begin() as conn:
                for role in (anna, bo, gateway):
                    conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
            admin.dispose()


@pytest.fixture(scope="module")
def shared_app(shared_log: dict[str, str], app_runner, tmp_path_factory) -> Iterator[str]:
    from oidc_provider_mock import User, run_server_in_thread

    users = [User(sub=shared_log[k], claims={"preferred_username": shared_log[k],
                                             "email": f"{shared_log[k]}@example.org"})
             for k in ("anna", "bo")]
    tmp = tmp_path_factory.mktemp("shared_app")
    with run_server_in_thread(user_claims=users) as oidc:
        import socket

        with socket.socket() as s:  # the app's port must be known for the redirect URI
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        secrets = tmp / "secrets.toml"
        secrets.write_text(
            "[auth]\n"
            f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
            f'cookie_secret = "{uuid.uuid4().hex}"\n'
            'client_id = "siting-test"\nclient_secret = "siting-test-secret"\n'
            f'server_metadata_url = "http://localhost:{oidc.server_port}'
            '/.well-known/openid-configuration"\n', encoding="utf-8")
        with app_runner(tmp, env={"SITING_DB_URL": shared_log["url"]},
                        args=("--secrets.files", str(secrets)), port=port) as url:
            yield url


def _log_in_and_list(browser, app_url: str, person: str, shots: Path) -> str:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(_TIMEOUT_MS)
    try:
        page.goto(f"{app_url}/outcomes")
        page.get_by_role("button", name=re.compile("Logga in|Log in")).click()
        page.get_by_role("button", name=person).click()  # the provider's one-click login
        page.wait_for_url(re.compile(re.escape(app_url)))
        page.goto(f"{app_url}/outcomes")
        page.wait_for_selector('[data-testid="stSidebar"]')
        page.get_by_text(re.compile(person)).first.wait_for()
        page.get_by_text("ANETWORK1").first.wait_for()  # both may see it: the table is there
        page.wait_for_timeout(1000)
        page.screenshot(path=str(shots / f"login_{person.split('_')[0]}.png"), full_page=True)
        return page.inner_text('[data-testid="stApp"]')
    finally:
        context.close()


def test_two_people_of_two_organisations_see_only_their_share(
        browser, shared_app: str, shared_log: dict[str, str], screenshot_dir: Path) -> None:
    anna = _log_in_and_list(browser, shared_app, shared_log["anna"], screenshot_dir)
    assert {"AINTERNAL1", "ASECRET1", "ANETWORK1"} <= set(re.findall(r"[AB][A-Z]+1", anna))
    assert "BINTERNAL1" not in anna
    bo = _log_in_and_list(browser, shared_app, shared_log["bo"], screenshot_dir)
    assert "ANETWORK1" in bo and "BINTERNAL1" in bo
    assert "AINTERNAL1" not in bo and "ASECRET1" not in bo


def test_nothing_is_shown_before_login(browser, shared_app: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(_TIMEOUT_MS)
    try:
        page.goto(f"{shared_app}/outcomes")
        page.get_by_role("button", name=re.compile("Logga in|Log in")).wait_for()
        body = page.inner_text("body")
        assert "ANETWORK1" not in body and "AINTERNAL1" not in body
    finally:
        context.close()
