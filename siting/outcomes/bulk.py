"""Bulk writes of the outcome store: imports and seeding, in one transaction, in batches.

:class:`BulkWrites` is a mixin of :class:`siting.outcomes.store.OutcomeStore`; it
uses the store's transaction, access and revision helpers, so the same rules
(validation, organisation rights, audit trail) hold as for single writes.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from siting.core.errors import StoreError
from siting.outcomes.access import Access
from siting.outcomes.case import Case
from siting.outcomes.models import CaseRow
from siting.outcomes.revisions import apply_case_to_row, case_from_row, make_revision_row

if TYPE_CHECKING:  # pragma: no cover
    from contextlib import AbstractContextManager

__all__ = ["BulkWrites", "UpsertReport"]

logger = logging.getLogger(__name__)

_UPSERT_RETRIES = 5
_ID_CHUNK = 5_000  # ids per IN (...) lookup


@dataclass(frozen=True)
class UpsertReport:
    """What a bulk upsert (import, seeding) did.

    Parameters
    ----------
    created, updated, unchanged : tuple of str
        Case ids per result; unchanged cases got no new revision.
    skipped_deleted : tuple of str
        Ids of soft-deleted cases that were left alone (undelete them first).
    """

    created: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    skipped_deleted: tuple[str, ...] = field(default=())

    def summary(self) -> str:
        """One line for people."""
        text = (f"{len(self.created)} created, {len(self.updated)} updated, "
                f"{len(self.unchanged)} unchanged")
        if self.skipped_deleted:
            text += f", {len(self.skipped_deleted)} skipped (deleted: " \
                    f"{', '.join(self.skipped_deleted)})"
        return text


class BulkWrites:
    """Upserts of many cases (mixed into :class:`~siting.outcomes.store.OutcomeStore`)."""

    if TYPE_CHECKING:  # pragma: no cover - provided read-only by OutcomeStore
        @property
        def url(self) -> str: ...

        @property
        def dialect(self) -> str: ...

    _tx: Callable[..., AbstractContextManager[Session]]
    _access: Callable[[Session], Access]
    _author: Callable[[str | None, Access], str]
    _owned: Callable[..., Case]
    _readable: Callable[[Access, CaseRow], bool]
    _modify: Callable[..., Case]

    def upsert_many(self, cases: Sequence[Case], *, user: str | None = None,
                    action: str = "import", comment: str = "") -> UpsertReport:
        """Create or update many cases in ONE transaction (all or nothing).

        New ids are created; existing ids are updated when their content
        differs (one revision each) and left alone when identical (no
        revision); soft-deleted cases are skipped and reported. Two concurrent
        imports of the same new ids both succeed (the loser retries and finds
        the cases the winner created).
        """
        counts = Counter(c.case_id for c in cases)
        duplicates = sorted(i for i, n in counts.items() if n > 1)
        if duplicates:
            raise StoreError.single(self.url, f"duplicate case ids: {', '.join(duplicates[:20])}"
                                    + (" …" if len(duplicates) > 20 else ""),
                                    field="case_id", hint="each case id may appear once")
        return self.upsert_batches(lambda: [cases], user=user, action=action, comment=comment)

    def upsert_batches(self, batches: Callable[[], Iterable[Sequence[Case]]], *,
                       user: str | None = None, action: str = "import", comment: str = "",
                       progress: Callable[[int], None] | None = None) -> UpsertReport:
        """Like :meth:`upsert_many` for cases streamed in batches (bounded memory).

        ``batches`` is called (again on a retry) to produce the batches; their
        case ids must be unique across all batches (the caller checked).
        ``progress(n)`` is called with the number of cases done after each batch.
        Everything is written in one transaction.
        """
        for attempt in range(_UPSERT_RETRIES):
            try:
                return self._upsert_once(batches(), user, action, comment, progress)
            except StoreError as exc:
                if not isinstance(exc.__cause__, IntegrityError) or \
                        attempt == _UPSERT_RETRIES - 1:
                    raise
                logger.info("import met a concurrent import of the same ids; retrying")
        raise AssertionError("unreachable")  # pragma: no cover

    def _upsert_once(self, batches: Iterable[Sequence[Case]], user: str | None, action: str,
                     comment: str, progress: Callable[[int], None] | None) -> UpsertReport:
        done: dict[str, list[str]] = {"created": [], "updated": [], "unchanged": [],
                                      "skipped": []}
        n_done = 0
        with self._tx() as session:
            access = self._access(session)
            who = self._author(user, access)
            when = dt.datetime.now(dt.UTC)
            for batch in batches:
                self._upsert_batch(session, access, who, batch, action, comment, when, done)
                session.flush()
                session.expunge_all()  # bounded memory: nothing of this batch stays
                n_done += len(batch)
                if progress is not None:
                    progress(n_done)
        return UpsertReport(tuple(done["created"]), tuple(done["updated"]),
                            tuple(done["unchanged"]), tuple(done["skipped"]))

    def _upsert_batch(self, session: Session, access: Access, who: str, cases: Sequence[Case],
                      action: str, comment: str, when: dt.datetime,
                      done: dict[str, list[str]]) -> None:
        ids = [c.case_id for c in cases]
        # lock in a fixed order so two concurrent imports cannot deadlock
        existing: dict[str, CaseRow] = {}
        for start in range(0, len(ids), _ID_CHUNK):
            stmt = select(CaseRow).where(CaseRow.case_id.in_(ids[start:start + _ID_CHUNK]))
            found = list(session.scalars(stmt))
            writable = [r.id for r in found if access.can_write(r.organisation)]
            if self.dialect == "postgresql" and writable:
                # lock (and re-read) what we may change; a viewer's FOR UPDATE sees nothing
                session.scalars(select(CaseRow).where(CaseRow.id.in_(writable))
                                .order_by(CaseRow.case_id).with_for_update()
                                .execution_options(populate_existing=True)).all()
            existing.update((row.case_id, row) for row in found)
        new_rows: list[tuple[CaseRow, Case]] = []
        checked: set[str] = set()
        for case in cases:
            case = self._owned(session, access, case, checked)
            row = existing.get(case.case_id)
            if row is None:
                row = CaseRow(version=1, created_by=who, created_at=when, updated_by=who,
                              updated_at=when, deleted_at=None)
                apply_case_to_row(case, row)
                session.add(row)
                new_rows.append((row, case))
                done["created"].append(case.case_id)
            elif not access.can_write(row.organisation) or not self._readable(access, row):
                raise StoreError.single(self.url, f"case {case.case_id!r} belongs to "
                                        f"organisation {row.organisation!r}, which "
                                        f"{access.user} may not change", field="case_id",
                                        hint="remove the row or use another id")
            elif row.deleted_at is not None:
                done["skipped"].append(case.case_id)
            elif case_from_row(row) == case:
                done["unchanged"].append(case.case_id)
            else:
                self._modify(session, row, case, action, who, comment)
                done["updated"].append(case.case_id)
        session.flush()  # one batch of INSERTs for every new case and its children
        session.add_all([make_revision_row(row, case, action, who, when, comment, "")
                         for row, case in new_rows])
