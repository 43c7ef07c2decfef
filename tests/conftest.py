"""Shared test fixtures.

Services: tests marked ``postgres`` or ``browser`` need a PostgreSQL/PostGIS
server or Debian's Chromium. In CI (``CI=true``) a missing service is a test
*failure*; on a developer machine without them those tests are skipped with
the reason, so the suite stays runnable anywhere.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from _services import CHROMIUM, PG_URL, REPO, SHARED_DATA, in_ci, require_service

__all__ = ["CHROMIUM", "PG_URL", "REPO", "SHARED_DATA", "in_ci", "require_service"]

# The app opens on real Sweden; its tests (and the app servers the browser tests start, which
# inherit this environment) open on the demo unless a test chooses otherwise.
os.environ.setdefault("SITING_DATASET", "demo")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real Swedish open-data pack in ../shared/data/sweden (read in place)."""
    require_service(SHARED_DATA.is_dir(), f"the shared data pack at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Path to Debian's Chromium for Playwright."""
    require_service(shutil.which(CHROMIUM) is not None, "Debian chromium (/usr/bin/chromium)")
    return CHROMIUM


@pytest.fixture(autouse=True)
def _private_default_database(tmp_path_factory: pytest.TempPathFactory,
                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands that read the workspace/outcome log by default never touch the user's database."""
    if not os.environ.get("SITING_DB_URL"):
        path = tmp_path_factory.getbasetemp() / "default_outcomes.sqlite"
        monkeypatch.setenv("SITING_DB_URL", f"sqlite:///{path}")
