"""Learning from the outcome log, computed in the background once per log version and profile.

Fitting and validating the models takes several seconds of CPU, so the
Lessons page never waits for it: the first page that sees a new log version
starts the work on one background thread, and the Lessons page shows the
result when it is ready (or says that it is being worked out). Jobs live in a
registry held by ``st.cache_resource`` (one per server process), keyed by
database, profile, options and the log's revision count.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import streamlit as st

__all__ = ["LearnKey", "db_url", "decided", "learning", "prefetch", "revision_count"]

_LOG = logging.getLogger("siting.app")
_KEEP = 16

LearnKey = tuple[str, str, bool, bool, int]  # url, profile, withdrawn as lost, confidential, rev


def db_url() -> str:
    """The outcome log's database URL (``$SITING_DB_URL``; empty = the user's SQLite file)."""
    return os.environ.get("SITING_DB_URL", "").strip()


def revision_count(url: str) -> int:
    """How many revisions the log has (changes whenever a case is written)."""
    from siting.outcomes import OutcomeStore

    store = OutcomeStore.open(url or None)
    try:
        return int(store.revision_count())
    finally:
        store.close()


def _fit(key: LearnKey, profile: Any) -> Any:
    from siting.learn.adapters import learn_from_store
    from siting.outcomes import OutcomeStore

    url, _, withdrawn_as_lost, include_confidential, _ = key
    store = OutcomeStore.open(url or None)
    try:
        return learn_from_store(store, profile, withdrawn_as_lost=withdrawn_as_lost,
                                include_confidential=include_confidential)
    finally:
        store.close()


class _Jobs:
    """Background learning jobs by key (one worker; the newest few kept)."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="siting-learn")
        self._jobs: OrderedDict[LearnKey, Future[Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: LearnKey, profile: Any) -> Future[Any]:
        with self._lock:
            job = self._jobs.get(key)
            if job is None:
                _LOG.info("learning from the outcome log in the background: %s", key[1:])
                job = self._pool.submit(_fit, key, profile)
                self._jobs[key] = job
                while len(self._jobs) > _KEEP:
                    self._jobs.popitem(last=False)
            return job


@st.cache_resource(show_spinner=False)
def _registry() -> _Jobs:
    return _Jobs()


def learning(key: LearnKey, profile: Any) -> Future[Any]:
    """The (possibly still running) learning job for ``key``; starts it when new."""
    return _registry().get(key, profile)


@st.cache_data(show_spinner=False, max_entries=16)
def decided(url: str, profile_name: str, withdrawn_as_lost: bool, include_confidential: bool,
            revisions: int) -> tuple[int, int]:
    """(won, lost) cases learning would use, per log version (``revisions``) and profile."""
    from app_pages import _cache as _data
    from siting.learn.adapters import decided_counts
    from siting.outcomes import OutcomeStore

    del revisions  # part of the cache key only
    store = OutcomeStore.open(url or None)
    try:
        return decided_counts(store, _data.profile(profile_name),
                              withdrawn_as_lost=withdrawn_as_lost,
                              include_confidential=include_confidential)
    finally:
        store.close()


def prefetch(profile_name: str, withdrawn_as_lost: bool = False,
             include_confidential: bool = False) -> None:
    """Start learning for the current log version in the background when there is enough to learn.

    Called on every page run: a revision count and a cached count of decided
    cases, so the Lessons page usually finds its result ready.
    """
    from app_pages import _cache as _data
    from siting.learn.result import MIN_LEARNABLE_PER_CLASS

    url = db_url()
    try:
        revisions = revision_count(url)
        won, lost = decided(url, profile_name, withdrawn_as_lost, include_confidential,
                            revisions)
    except Exception:  # the log may be unreachable; the Lessons page says so itself
        _LOG.debug("no prefetch of lessons", exc_info=True)
        return
    if min(won, lost) >= MIN_LEARNABLE_PER_CLASS:
        learning((url, profile_name, withdrawn_as_lost, include_confidential, revisions),
                 _data.profile(profile_name))
