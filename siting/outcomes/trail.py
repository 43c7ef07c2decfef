"""Checking and redacting the audit trail (see :mod:`siting.outcomes.audit` for the chain).

Examples
--------
>>> import tempfile, pathlib
>>> from siting.outcomes import Case, OutcomeStore
>>> store = OutcomeStore.open(str(pathlib.Path(tempfile.mkdtemp()) / "log.sqlite"))
>>> _ = store.add(Case("T-1", "Test", "battery", "2482", "ongoing", notes="price 40 MSEK"))
>>> _ = store.update(Case("T-1", "Test", "battery", "2482", "ongoing"), expected_version=1)
>>> verify(store)
[]
>>> _ = redact(store, "T-1", ["notes"], reason="negotiation position")
>>> store.history("T-1")[0].redacted_fields, verify(store)
(['notes'], [])
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from siting.core.errors import StoreError
from siting.outcomes.audit import (
    REDACTABLE_FIELDS,
    ChainProblem,
    RevisionRecord,
    redact_snapshot,
    verify_case,
)
from siting.outcomes.models import CaseRow, RedactionRow, RevisionRow
from siting.outcomes.store import OutcomeStore

__all__ = ["Redaction", "redact", "redactions", "verify"]


@dataclass(frozen=True)
class Redaction:
    """A recorded redaction: who purged which fields of which revisions, when and why."""

    case_id: str
    up_to_revision: int
    fields: tuple[str, ...]
    reason: str
    redacted_by: str
    redacted_at: dt.datetime


def _record(row: RevisionRow) -> RevisionRecord:
    return RevisionRecord(row.case_id, row.revision_no, row.action, row.changed_by,
                          row.changed_at, row.comment, dict(row.snapshot),
                          None if row.field_digests is None else dict(row.field_digests),
                          row.prev_hash, row.row_hash)


def verify(store: OutcomeStore, case_id: str | None = None) -> list[ChainProblem]:
    """Every break of the audit trail among the cases the identity may see.

    Detects revision rows changed, deleted or inserted outside the application,
    gaps in the numbering, and text blanked without a recorded redaction; each
    problem names the case and revision.
    """
    with store.transaction(write=False) as (session, access):
        stmt = select(CaseRow.id, CaseRow.case_id, CaseRow.version, CaseRow.organisation,
                      CaseRow.confidentiality)
        if case_id:
            stmt = stmt.where(CaseRow.case_id == case_id)
        cases = {pk: (cid, version) for pk, cid, version, org, level in session.execute(stmt)
                 if access.can_read(org, level, ("outcome_case", cid))}
        if case_id and not cases:
            raise StoreError.single(store.url, f"no case with id {case_id!r}",
                                    field="case_id", hint="list the cases to see their ids")
        revisions: dict[int, list[RevisionRecord]] = defaultdict(list)
        rev_stmt = select(RevisionRow).order_by(RevisionRow.case_pk, RevisionRow.revision_no)
        if case_id:
            rev_stmt = rev_stmt.where(RevisionRow.case_pk.in_(list(cases)))
        for row in session.scalars(rev_stmt).yield_per(2_000):
            if row.case_pk in cases:
                revisions[row.case_pk].append(_record(row))
            session.expunge(row)
        covered: dict[int, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
        for red in session.scalars(select(RedactionRow)):
            for no in range(1, red.up_to_revision + 1):
                covered[red.case_pk][no].update(red.fields)
    problems: list[ChainProblem] = []
    for pk, (cid, version) in sorted(cases.items(), key=lambda kv: kv[1][0]):
        problems += verify_case(cid, version, revisions.get(pk, []), covered.get(pk, {}))
    return problems


def redact(store: OutcomeStore, case_id: str, fields: Sequence[str], *, reason: str,
           up_to_revision: int | None = None) -> Redaction:
    """Purge the text of ``fields`` in a case's earlier revisions, as a recorded act.

    Only an admin of the case's organisation may redact. The current state of
    the case is not touched (edit it first, e.g. after downgrading it to
    public); revisions 1..``up_to_revision`` (default: all but the latest) lose
    the text, which stays covered by the hash chain through its digest.
    """
    bad = sorted(set(fields) - set(REDACTABLE_FIELDS))
    if bad or not fields:
        raise StoreError.single(store.url, f"cannot redact {', '.join(bad) or 'nothing'}",
                                field="fields",
                                hint=f"choose among {', '.join(REDACTABLE_FIELDS)}")
    if not reason.strip():
        raise StoreError.single(store.url, "a redaction needs a reason", field="reason",
                                hint="e.g. 'downgraded to public; negotiation notes withdrawn'")
    with store.transaction() as (session, access):
        row = session.scalars(select(CaseRow).where(CaseRow.case_id == case_id)
                              .with_for_update()).one_or_none()
        if row is None or not access.can_read(row.organisation, row.confidentiality,
                                              ("outcome_case", case_id)):
            raise StoreError.single(store.url, f"no case with id {case_id!r}", field="case_id",
                                    hint="list the cases to see their ids")
        if not access.is_admin(row.organisation):
            raise StoreError.single(store.url, f"{access.user} is not an admin of "
                                    f"organisation {row.organisation!r}",
                                    hint="only an admin of the owning organisation may redact")
        upto = row.version - 1 if up_to_revision is None else int(up_to_revision)
        if not 1 <= upto <= row.version:
            raise StoreError.single(store.url, f"case {case_id!r} has revisions 1..{row.version}",
                                    field="up_to_revision",
                                    hint="redact earlier revisions: give at most "
                                         f"{row.version} (default {row.version - 1})")
        when = dt.datetime.now(dt.UTC)
        red = RedactionRow(case_pk=row.id, case_id=case_id, up_to_revision=upto,
                           fields=sorted(set(fields)), reason=reason.strip(),
                           redacted_by=access.user, redacted_at=when)
        session.add(red)
        session.flush()
        if store.dialect != "postgresql":  # PostgreSQL's trigger applies it
            for rev in session.scalars(select(RevisionRow).where(
                    RevisionRow.case_pk == row.id, RevisionRow.revision_no <= upto)):
                rev.snapshot = redact_snapshot(rev.snapshot, fields)
        return Redaction(case_id, upto, tuple(sorted(set(fields))), reason.strip(),
                         access.user, when)


def redactions(store: OutcomeStore, case_id: str) -> list[Redaction]:
    """The recorded redactions of a case, oldest first."""
    store.get(case_id, include_deleted=True)  # "no case" when it may not be seen
    with store.transaction(write=False) as (session, _access):
        return [Redaction(r.case_id, r.up_to_revision, tuple(r.fields), r.reason,
                          r.redacted_by, r.redacted_at)
                for r in session.scalars(select(RedactionRow).where(
                    RedactionRow.case_id == case_id).order_by(RedactionRow.id))]
