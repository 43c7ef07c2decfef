"""Service discovery shared by the test modules (a uniquely named module, so it
cannot be shadowed the way a second ``conftest`` module can).

Tests marked ``postgres`` or ``browser`` need a PostgreSQL/PostGIS server or
Debian's Chromium. In CI (``CI=true``) a missing service is a test *failure*;
on a developer machine without them those tests are skipped with the reason.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = (REPO.parent / "shared" / "data" / "sweden").resolve()
CHROMIUM = "/usr/bin/chromium"
PG_URL = os.environ.get(
    "SITING_TEST_PG_URL", "postgresql+psycopg://siting:siting@localhost:5432/siting_test"
)


def in_ci() -> bool:
    """True when running under CI, where every service must be present."""
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require_service(available: bool, what: str) -> None:
    """Fail in CI, skip elsewhere, when a needed service is missing."""
    if available:
        return
    if in_ci():
        pytest.fail(f"{what} is required in CI but not available")
    pytest.skip(f"{what} not available on this machine")
