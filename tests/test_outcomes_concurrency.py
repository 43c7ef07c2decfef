"""Two processes writing the same outcome log at once: nothing is lost.

Both processes (multiprocessing, spawn) open and migrate the same fresh
database at the same moment, race to create one shared case, create their own
cases and race each other to update the shared case. Every create must be present; every update
is either applied or rejected with the stale-version error; the revision
count must add up exactly.
"""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest_outcomes import BACKENDS, backend_url, concurrent_writer

from siting.outcomes import OutcomeStore

N_CREATES = 15
N_UPDATES = 15


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with backend_url(request.param, tmp_path) as fresh:
        yield fresh


def test_two_processes_lose_nothing(url: str) -> None:
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(2)
    results = ctx.Queue()
    procs = [ctx.Process(target=concurrent_writer,
                         args=(url, w, N_CREATES, N_UPDATES, barrier, results))
             for w in (1, 2)]
    for p in procs:
        p.start()
    reports = dict(results.get(timeout=120) for _ in procs)
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    results.close()
    results.join_thread()

    outcomes = [o for w in (1, 2) for o in reports[w]]
    errors = [text for kind, text in outcomes if kind == "error"]
    assert errors == []
    # both migrated the fresh database at once; exactly one created the shared case
    assert outcomes.count(("created", "SHARED")) == 1
    assert sum(kind == "exists" for kind, _ in outcomes) == 1
    applied = [text for kind, text in outcomes if kind == "applied"]
    rejected = [text for kind, text in outcomes if kind == "rejected"]
    assert len(applied) + len(rejected) == 2 * N_UPDATES
    # a rejection needs a distinct update of the other process in its read-write window
    assert len(rejected) <= len(applied)

    with OutcomeStore.open(url) as store:
        ids = {c.case_id for c in store.list()}
        assert ids == {"SHARED"} | {f"W{w}-{k:03d}" for w in (1, 2) for k in range(N_CREATES)}
        shared = store.get("SHARED")
        history = store.history("SHARED")
        assert shared.meta is not None and shared.meta.version == 1 + len(applied)
        assert [r.revision_no for r in history] == list(range(1, len(applied) + 2))
        assert sorted(r.snapshot["title"] for r in history[1:]) == sorted(applied)
        assert shared.title == history[-1].snapshot["title"]
        assert store.revision_count() == 1 + 2 * N_CREATES + len(applied)

