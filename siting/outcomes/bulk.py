"""Bulk writes of the outcome store: imports and seeding, in one transaction, in batches.

:class:`BulkWrites` is a mixin of :class:`siting.outcomes.store.OutcomeStore`; it
uses the store's transaction, access and revision helpers, so the same rules
(validation, organisation rights, audit trail) hold as for single writes.

New cases are written set-based: per batch, one SQLAlchemy Core ``insert()``
with the list of parameter sets (executemany) per table, for the cases, their
soft scores, metrics and first revisions (snapshot, field digests and chained
hash computed by the same functions as single writes, see
:func:`siting.outcomes.revisions.revision_values`). On SQLite the cases go in
multi-row ``INSERT ... RETURNING`` statements ("insertmanyvalues") and the rest
through ``cursor.executemany``; on PostgreSQL the case ids are drawn from the
sequence first and every table is written by psycopg's pipelined executemany
(one short prepared statement: a 1,000-row multi-row statement costs psycopg more
to parse than the server to run). The rows are written as the session's role,
so the row-level security policies check every one. Existing cases are updated
one by one through the ORM (a new revision chained to the previous one).

All batches share ONE transaction: an error in any batch, or a bad row found by
the caller's iterator after earlier batches were written, leaves the log as it
was. On SQLite that transaction holds the write lock for the whole import.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from sqlalchemy import String, any_, bindparam, insert, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from siting.core.errors import StoreError
from siting.outcomes.access import Access
from siting.outcomes.case import Case
from siting.outcomes.models import (
    Base,
    CaseRow,
    MetricSnapshotRow,
    RevisionRow,
    SoftAssessmentRow,
)
from siting.outcomes.revisions import (
    DigestMemo,
    apply_case_to_row,
    case_columns,
    case_from_row,
    make_revision_row,
    metric_items,
    revision_values,
    soft_items,
)

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
                       progress: Callable[[int], None] | None = None,
                       validated: bool = False, bulk: bool = True) -> UpsertReport:
        """Like :meth:`upsert_many` for cases streamed in batches (bounded memory).

        ``batches`` is called (again on a retry) to produce the batches; their
        case ids must be unique across all batches (the caller checked). An
        exception raised by the iterator (e.g. a bad row found late in a file)
        rolls everything back. ``progress(n)`` is called with the number of
        cases done after each batch. Everything is written in one transaction.

        Parameters
        ----------
        validated : bool
            Every case was just built by :func:`~siting.outcomes.case.parse_case`
            (an import): it is not validated a second time. Otherwise every case is.
        bulk : bool
            New cases are written with set-based INSERTs (SQLAlchemy Core
            ``executemany``: a few statements per batch and table). ``False`` writes
            them one by one through the ORM (the reference the tests compare the
            bulk path with); both store identical rows, revisions and hashes.
            Existing cases are always updated through the ORM (one revision each).
        """
        for attempt in range(_UPSERT_RETRIES):
            try:
                return self._upsert_once(batches(), _Write(user, action, comment, validated, bulk),
                                         progress)
            except StoreError as exc:
                if not isinstance(exc.__cause__, IntegrityError) or \
                        attempt == _UPSERT_RETRIES - 1:
                    raise
                logger.info("import met a concurrent import of the same ids; retrying")
        raise AssertionError("unreachable")  # pragma: no cover

    def _upsert_once(self, batches: Iterable[Sequence[Case]], how: _Write,
                     progress: Callable[[int], None] | None) -> UpsertReport:
        done: dict[str, list[str]] = {"created": [], "updated": [], "unchanged": [],
                                      "skipped": []}
        n_done = 0
        with self._tx() as session:
            access = self._access(session)
            ctx = _Context(access, self._author(how.user, access), _now(), how)
            for batch in batches:
                self._upsert_batch(session, ctx, batch, done)
                session.flush()
                session.expunge_all()  # bounded memory: nothing of this batch stays
                n_done += len(batch)
                if progress is not None:
                    progress(n_done)
        return UpsertReport(tuple(done["created"]), tuple(done["updated"]),
                            tuple(done["unchanged"]), tuple(done["skipped"]))

    def _existing(self, session: Session, access: Access, ids: list[str]) -> dict[str, CaseRow]:
        """The stored rows among ``ids`` (with children), locked on PostgreSQL when writable."""
        existing: dict[str, CaseRow] = {}
        for start in range(0, len(ids), _ID_CHUNK):
            chunk = ids[start:start + _ID_CHUNK]
            if self.dialect == "postgresql":  # one array parameter, not thousands
                stmt = select(CaseRow).where(CaseRow.case_id == any_(
                    bindparam("ids", chunk, type_=ARRAY(String))))
            else:
                stmt = select(CaseRow).where(CaseRow.case_id.in_(chunk))
            found = list(session.scalars(stmt))
            writable = [r.id for r in found if access.can_write(r.organisation)]
            if self.dialect == "postgresql" and writable:
                # lock (and re-read) what we may change; a viewer's FOR UPDATE sees nothing;
                # in a fixed order so two concurrent imports cannot deadlock
                session.scalars(select(CaseRow).where(CaseRow.id.in_(writable))
                                .order_by(CaseRow.case_id).with_for_update()
                                .execution_options(populate_existing=True)).all()
            existing.update((row.case_id, row) for row in found)
        return existing

    def _resolved(self, session: Session, ctx: _Context, case: Case) -> Case:
        """``case`` with its organisation resolved, after checking the writer may write it.

        A validated case is handed to :meth:`_owned` (validation and the
        organisation check) only for the first case of each organisation.
        """
        if ctx.how.validated:
            org = case.organisation or ctx.access.default_org()
            if org and org in ctx.checked:
                return case if case.organisation == org else replace(case, organisation=org)
        return self._owned(session, ctx.access, case, ctx.checked)

    def _upsert_batch(self, session: Session, ctx: _Context, cases: Sequence[Case],
                      done: dict[str, list[str]]) -> None:
        access, who, how = ctx.access, ctx.who, ctx.how
        existing = self._existing(session, access, [c.case_id for c in cases])
        new: list[Case] = []
        changed: list[tuple[CaseRow, Case]] = []
        for case in cases:
            case = self._resolved(session, ctx, case)
            row = existing.get(case.case_id)
            if row is None:
                new.append(case)
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
            elif how.bulk:
                changed.append((row, case))
                done["updated"].append(case.case_id)
            else:
                self._modify(session, row, case, how.action, who, how.comment)
                done["updated"].append(case.case_id)
        if how.bulk:
            _update_changed(session, ctx, changed)
            _insert_new(session, ctx, new)
        else:
            _insert_new_orm(session, ctx, new)


@dataclass(frozen=True)
class _Write:
    """What an upsert writes: who asked, the revision's action and comment, how."""

    user: str | None
    action: str
    comment: str
    validated: bool
    bulk: bool


@dataclass
class _Context:
    """One upsert transaction: the identity, author, time, and what was checked."""

    access: Access
    who: str
    when: dt.datetime
    how: _Write
    checked: set[str] = field(default_factory=set)  # organisations the writer may write
    digests: DigestMemo = field(default_factory=DigestMemo)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _case_keys() -> dict[str, str]:
    """:class:`CaseRow` attribute -> ``outcome_case`` column key (``organisation`` ->
    ``organisation_id``, ``confidentiality`` -> ``level``)."""
    return {attr.key: attr.columns[0].key for attr in CaseRow.__mapper__.column_attrs}


def _insert_new(session: Session, ctx: _Context, cases: Sequence[Case]) -> None:
    """Insert new cases, their children and their first revisions: one executemany per table.

    The rows are those the ORM path writes (:func:`_insert_new_orm`; the tests
    compare the two on both backends).
    """
    if not cases:
        return
    keys = _case_keys()
    case_t, soft_t, metric_t, rev_t = (Base.metadata.tables[m.__tablename__] for m in (
        CaseRow, SoftAssessmentRow, MetricSnapshotRow, RevisionRow))
    meta = {"version": 1, "created_by": ctx.who, "created_at": ctx.when, "updated_by": ctx.who,
            "updated_at": ctx.when, "deleted_at": None}
    rows = [{**meta, **{keys[k]: v for k, v in case_columns(case).items()}} for case in cases]
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        # ids drawn from the sequence first, then a plain executemany (psycopg's pipeline):
        # one short prepared INSERT instead of huge multi-row statements to parse
        ids = conn.execute(text("SELECT nextval(pg_get_serial_sequence('outcome_case', 'id')) "
                                "FROM generate_series(1, :n)"), {"n": len(rows)}).scalars().all()
        for row, row_pk in zip(rows, ids, strict=True):
            row["id"] = row_pk
        conn.execute(insert(case_t), rows)
        pk = {row["case_id"]: int(row["id"]) for row in rows}
    else:
        stored = conn.execute(insert(case_t).returning(case_t.c.case_id, case_t.c.id), rows)
        pk = {str(r[0]): int(r[1]) for r in stored}
    soft = [{"case_pk": pk[c.case_id], "factor": f, "score": s, "evidence": e}
            for c in cases for f, s, e in soft_items(c)]
    metrics = [{"case_pk": pk[c.case_id], "metric_id": m, "value": v}
               for c in cases for m, v in metric_items(c)]
    how = ctx.how
    revisions = [{"case_pk": pk[c.case_id],
                  **revision_values(c, 1, None, how.action, ctx.who, ctx.when, how.comment, "",
                                    ctx.digests)} for c in cases]
    for table, params in ((soft_t, soft), (metric_t, metrics), (rev_t, revisions)):
        if params:
            conn.execute(insert(table), params)


def _update_changed(session: Session, ctx: _Context, changed: Sequence[tuple[CaseRow, Case]]
                    ) -> None:
    """Update changed cases of a batch together: one flush, one look-up of the previous
    hashes, one executemany of the new revisions (each chained to its case's last one).

    Gives the rows the store's single update writes (``_modify``; the tests compare).
    """
    if not changed:
        return
    for row, case in changed:
        apply_case_to_row(case, row)
        row.version += 1
        row.updated_by = ctx.who
        row.updated_at = ctx.when
    session.flush()
    pairs = {(row.id, row.version - 1) for row, _ in changed}
    previous: dict[tuple[int, int], str] = {}
    pks = sorted({pk for pk, _ in pairs})
    for start in range(0, len(pks), _ID_CHUNK):
        stmt = select(RevisionRow.case_pk, RevisionRow.revision_no, RevisionRow.row_hash).where(
            RevisionRow.case_pk.in_(pks[start:start + _ID_CHUNK]))
        previous.update(((pk, no), digest or "") for pk, no, digest in session.execute(stmt)
                        if (pk, no) in pairs)
    how = ctx.how
    revisions = [{"case_pk": row.id,
                  **revision_values(case, row.version, row.deleted_at, how.action, ctx.who,
                                    ctx.when, how.comment, previous.get((row.id, row.version - 1), ""),
                                    ctx.digests)} for row, case in changed]
    session.connection().execute(insert(Base.metadata.tables[RevisionRow.__tablename__]),
                                 revisions)


def _insert_new_orm(session: Session, ctx: _Context, cases: Sequence[Case]) -> None:
    """Insert new cases one ORM object at a time (the reference for :func:`_insert_new`)."""
    new_rows: list[tuple[CaseRow, Case]] = []
    for case in cases:
        row = CaseRow(version=1, created_by=ctx.who, created_at=ctx.when, updated_by=ctx.who,
                      updated_at=ctx.when, deleted_at=None)
        apply_case_to_row(case, row)
        session.add(row)
        new_rows.append((row, case))
    session.flush()  # one batch of INSERTs for every new case and its children
    session.add_all([make_revision_row(row, case, ctx.how.action, ctx.who, ctx.when,
                                       ctx.how.comment, "") for row, case in new_rows])
