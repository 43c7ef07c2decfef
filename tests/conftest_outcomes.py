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
from typing import Any
from urllib.parse import quote

import pytest
from _services import PG_URL, require_service
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

BACKENDS = ("sqlite", pytest.param("postgres", marks=pytest.mark.postgres))


@functools.cache
def pg_available() -> bool:
    """True when the test PostgreSQL server answers and has PostGIS."""
    check = text("SELECT 1 FROM pg_extension WHERE extname = 'postgis'")
    try:
        engine = create_engine(PG_URL, connect_args={"connect_timeout": 3})
    except Exception:  # noqa: BLE001 - any failure means "not available"
        return False
    try:
        with engine.connect() as conn:
            if conn.execute(check).first():
                return True
        try:  # another xdist worker may be creating it at the same moment
            with engine.begin() as conn:
                conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis SCHEMA public"))
        except Exception:  # noqa: BLE001
            pass
        with engine.connect() as conn:
            return conn.execute(check).first() is not None
    except Exception:  # noqa: BLE001 - any failure means "not available"
        return False
    finally:
        engine.dispose()


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


def concurrent_writer(url: str, worker: int, n_creates: int, n_updates: int,
                      barrier: Any, results: Any) -> None:
    """Child-process body of the concurrency test (module-level so spawn can import it).

    Both children open (and migrate) the same FRESH database at the same moment,
    both try to create the shared case ``SHARED`` (exactly one may succeed), then
    each creates ``n_creates`` own cases and tries ``n_updates`` read-modify-write
    updates of ``SHARED``, reporting every outcome on ``results``.
    """
    import dataclasses
    import random
    import time

    from siting.core.errors import StoreError
    from siting.outcomes import Case, OutcomeStore

    outcomes: list[tuple[str, str]] = []
    store = None
    try:
        barrier.wait(timeout=60)
        store = OutcomeStore.open(url)  # concurrent first-time migration
        barrier.wait(timeout=60)
        try:
            store.add(Case("SHARED", "start", "battery", "2482", "won"), user=f"worker{worker}")
            outcomes.append(("created", "SHARED"))
        except StoreError as exc:
            kind = "exists" if "already exists" in str(exc) else "error"
            outcomes.append((kind, str(exc)))
        barrier.wait(timeout=60)
        rng = random.Random(worker)
        for k in range(max(n_creates, n_updates)):
            if k < n_creates:
                store.add(Case(f"W{worker}-{k:03d}", f"Worker {worker} case {k}", "other",
                               "2482", "lost"), user=f"worker{worker}")
                outcomes.append(("created", f"W{worker}-{k:03d}"))
            if k < n_updates:
                current = store.get("SHARED")
                time.sleep(rng.uniform(0, 0.004))
                title = f"update by {worker} #{k}"
                try:
                    store.update(dataclasses.replace(current, title=title),
                                 user=f"worker{worker}")
                    outcomes.append(("applied", title))
                except StoreError as exc:
                    kind = "rejected" if "someone else changed" in str(exc) else "error"
                    outcomes.append((kind, str(exc)))
    except Exception as exc:  # report, never hang the parent
        outcomes.append(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        if store is not None:
            store.close()
        results.put((worker, outcomes))
