"""Helpers for the outcome-log tests: one fresh database per test on each backend.

Imported by ``tests/test_outcomes_*.py`` (which define their own small fixtures
on top), so no global conftest changes are needed. PostgreSQL isolation: each
test gets its own schema (``search_path`` set through the URL), dropped after
the test, so xdist workers never collide.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from conftest import PG_URL, require_service
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

BACKENDS = ("sqlite", pytest.param("postgres", marks=pytest.mark.postgres))


@functools.cache
def pg_available() -> bool:
    """True when the test PostgreSQL server answers and has PostGIS."""
    try:
        engine = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            has_postgis = conn.execute(
                text("SELECT 1 FROM pg_extension WHERE extname = 'postgis'")).first()
            if not has_postgis:
                conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
                conn.commit()
        engine.dispose()
        return True
    except Exception:  # noqa: BLE001 - any failure means "not available"
        return False


@contextmanager
def pg_schema_url() -> Iterator[str]:
    """A URL whose search_path is a fresh schema (then ``public`` for PostGIS)."""
    require_service(pg_available(), f"PostgreSQL/PostGIS at {make_url(PG_URL).host}")
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    url = f"{PG_URL}{sep}options={quote(f'-csearch_path={schema},public')}"
    try:
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def backend_url(kind: str, tmp_path: Path) -> Iterator[str]:
    """A fresh database URL for ``kind`` ("sqlite" or "postgres")."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'outcomes.sqlite'}"
    else:
        with pg_schema_url() as url:
            yield url
