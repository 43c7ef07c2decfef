"""The audit trail: revision records and the mapping between cases and rows.

Every write to a case (create, update, delete, undelete, restore, import)
stores a :class:`Revision` holding the full JSON snapshot of the case after
the write. Revision numbers count from 1 per case and equal the case's
``version`` after the write, so ``history(case_id)[-1].revision_no ==
case.meta.version`` always holds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from siting.data.soft_factors import factor_ids
from siting.outcomes.access import Access
from siting.outcomes.audit import REDACTED, field_digests, is_redacted, row_hash
from siting.outcomes.case import CONTENT_FIELDS, Case, CaseMeta, case_from_dict, case_to_dict
from siting.outcomes.models import CaseRow, MetricSnapshotRow, RevisionRow, SoftAssessmentRow

__all__ = [
    "ACTIONS",
    "DigestMemo",
    "Revision",
    "apply_case_to_row",
    "case_columns",
    "case_from_row",
    "case_from_snapshot",
    "changed_fields",
    "make_revision_row",
    "metric_items",
    "revision_values",
    "revision_from_row",
    "snapshot_of",
    "soft_items",
]

ACTIONS: tuple[str, ...] = ("create", "update", "delete", "undelete", "restore", "import")


@dataclass(frozen=True)
class Revision:
    """One entry of a case's history.

    Parameters
    ----------
    case_id : str
    revision_no : int
        1 for the creation, then +1 per write.
    action : str
        One of :data:`ACTIONS`.
    changed_by : str
    changed_at : datetime
        UTC, timezone-aware.
    comment : str
    snapshot : dict
        The full state after the write: the case content plus ``version`` and
        ``deleted_at`` (ISO text or None).
    """

    case_id: str
    revision_no: int
    action: str
    changed_by: str
    changed_at: dt.datetime
    comment: str
    snapshot: dict[str, Any]

    @property
    def is_deleted(self) -> bool:
        """True when the case was deleted in this state."""
        return self.snapshot.get("deleted_at") is not None

    def case(self) -> Case:
        """The case content as it was after this revision (redacted text comes back empty)."""
        return case_from_snapshot(self.snapshot)

    @property
    def redacted_fields(self) -> list[str]:
        """Fields whose text an admin redacted in this revision."""
        return sorted(k for k, v in self.snapshot.items() if is_redacted(v))

    def changed_fields(self, previous: Revision | None) -> list[str]:
        """Fields that differ from ``previous`` (all set fields for the first revision)."""
        return changed_fields(None if previous is None else previous.snapshot, self.snapshot)


def changed_fields(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> list[str]:
    """Names of the snapshot fields that differ (``deleted`` for a delete/undelete).

    Soft scores, evidence and metrics are reported per item, e.g.
    ``soft.responsiveness`` or ``metrics.dist_rail_m``.
    """
    before = before or {}
    out: list[str] = []
    order = {k: i for i, k in enumerate((*CONTENT_FIELDS, "deleted_at"))}
    for key in sorted(after, key=lambda k: (order.get(k, len(order)), k)):
        if key == "version":
            continue
        old, new = before.get(key), after.get(key)
        if key == "deleted_at":
            if (old is None) != (new is None):
                out.append("deleted")
            continue
        if isinstance(new, Mapping) or isinstance(old, Mapping):
            old_map, new_map = dict(old or {}), dict(new or {})
            out += [f"{key}.{k}" for k in sorted(set(old_map) | set(new_map))
                    if old_map.get(k) != new_map.get(k)]
        elif old != new and not (not old and not new):
            out.append(key)
    return out


def snapshot_of(case: Case, version: int, deleted_at: dt.datetime | None) -> dict[str, Any]:
    """The JSON snapshot stored in a revision."""
    snap = case_to_dict(case)
    snap["version"] = version
    snap["deleted_at"] = None if deleted_at is None else deleted_at.isoformat()
    return snap


def case_from_snapshot(snapshot: Mapping[str, Any]) -> Case:
    """Rebuild a case from a revision snapshot (validated like any input)."""
    content = {k: (None if is_redacted(v) else v) for k, v in snapshot.items()
               if k not in ("version", "deleted_at")}
    return case_from_dict(content, source="revision snapshot",
                          location=f"case {snapshot.get('case_id', '?')}")


def case_from_row(row: CaseRow) -> Case:
    """Convert a database row (with its children loaded) to a :class:`Case`."""
    meta = CaseMeta(version=row.version, created_by=row.created_by, created_at=row.created_at,
                    updated_by=row.updated_by, updated_at=row.updated_at,
                    deleted_at=row.deleted_at)
    soft = {a.factor: a.score for a in row.soft_assessments if a.score is not None}
    evidence = {a.factor: a.evidence for a in row.soft_assessments if a.evidence}
    order = factor_ids()
    return Case(
        case_id=row.case_id, title=row.title, industry=row.industry, kommunkod=row.kommunkod,
        outcome=row.outcome, profile=row.profile, geometry_wkt=row.geometry,
        year_started=row.year_started, year_decided=row.year_decided,
        competing_kommuner=tuple(row.competing_kommuner or ()),
        investment_msek=row.investment_msek, jobs=row.jobs, power_mw=row.power_mw,
        land_ha=row.land_ha, detaljplan_months=row.detaljplan_months,
        permit_months=row.permit_months,
        metrics={m.metric_id: float(m.value) for m in sorted(row.metric_snapshots,
                                                             key=lambda m: m.metric_id)},
        metrics_vintage=row.metrics_vintage,
        soft={f: int(soft[f]) for f in order if f in soft},
        soft_evidence={f: evidence[f] for f in order if f in evidence},
        decisive_factors=tuple(row.decisive_factors or ()), notes=row.notes, source=row.source,
        confidentiality=row.confidentiality, is_fictional=bool(row.is_fictional),
        organisation=row.organisation, meta=meta,
    )


def case_columns(case: Case) -> dict[str, Any]:
    """The ``outcome_case`` values of a case's content, keyed by :class:`CaseRow` attribute.

    The one mapping of a case onto its row: the ORM writes (:func:`apply_case_to_row`)
    and the bulk import (:mod:`siting.outcomes.bulk`) both use it.
    """
    return {
        "case_id": case.case_id, "title": case.title, "industry": case.industry,
        "profile": case.profile, "kommunkod": case.kommunkod, "geometry": case.geometry_wkt,
        "year_started": case.year_started, "year_decided": case.year_decided,
        "outcome": case.outcome, "competing_kommuner": list(case.competing_kommuner),
        "investment_msek": case.investment_msek, "jobs": case.jobs, "power_mw": case.power_mw,
        "land_ha": case.land_ha, "detaljplan_months": case.detaljplan_months,
        "permit_months": case.permit_months, "metrics_vintage": case.metrics_vintage,
        "decisive_factors": list(case.decisive_factors), "notes": case.notes,
        "source": case.source, "confidentiality": case.confidentiality,
        "is_fictional": case.is_fictional, "organisation": case.organisation,
    }


def soft_items(case: Case) -> list[tuple[str, int | None, str]]:
    """The ``outcome_soft_assessment`` rows of a case: (factor, score, evidence), by factor."""
    factors = sorted(set(case.soft) | set(case.soft_evidence))
    return [(f, case.soft.get(f), case.soft_evidence.get(f, "")) for f in factors]


def metric_items(case: Case) -> list[tuple[str, float]]:
    """The ``outcome_metric_snapshot`` rows of a case: (metric id, value)."""
    return [(metric_id, float(value)) for metric_id, value in case.metrics.items()]


def apply_case_to_row(case: Case, row: CaseRow) -> None:
    """Copy a case's content onto a row, updating child rows in place.

    Children are changed in place (never deleted and re-inserted under the same
    key) so the unique constraints hold at every point of the flush.
    """
    for key, value in case_columns(case).items():
        setattr(row, key, value)

    soft = soft_items(case)
    factors = {factor for factor, _, _ in soft}
    existing_soft = {a.factor: a for a in row.soft_assessments}
    for factor, stale in existing_soft.items():
        if factor not in factors:
            row.soft_assessments.remove(stale)
    for factor, score, evidence in soft:
        item = existing_soft.get(factor)
        if item is None:
            item = SoftAssessmentRow(factor=factor)
            row.soft_assessments.append(item)
        item.score = score
        item.evidence = evidence

    existing_metrics = {m.metric_id: m for m in row.metric_snapshots}
    for metric_id, stale_snap in existing_metrics.items():
        if metric_id not in case.metrics:
            row.metric_snapshots.remove(stale_snap)
    for metric_id, value in metric_items(case):
        snap = existing_metrics.get(metric_id)
        if snap is None:
            snap = MetricSnapshotRow(metric_id=metric_id)
            row.metric_snapshots.append(snap)
        snap.value = value


class DigestMemo:
    """:func:`~siting.outcomes.audit.field_digests` for many snapshots (bulk imports).

    Most values of an import repeat (empty text, None, industry, years, levels);
    each distinct short scalar is hashed once and remembered (at most ``limit``
    of them; then the memory starts afresh). Every digest equals what
    :func:`~siting.outcomes.audit.field_digests` gives, which computes each miss.
    """

    def __init__(self, limit: int = 200_000) -> None:
        self._memo: dict[tuple[type, Any], str] = {}
        self._limit = limit

    def __call__(self, snapshot: Mapping[str, Any]) -> dict[str, str]:
        memo = self._memo
        out: dict[str, str] = {}
        missing: dict[str, Any] = {}
        for key in sorted(snapshot):
            value = snapshot[key]
            memo_key = _memo_key(value)
            digest = None if memo_key is None else memo.get(memo_key)
            if digest is None:
                missing[key] = value
            out[key] = digest or ""  # filled in below, in the same (sorted) key order
        if missing:
            if len(memo) + len(missing) > self._limit:
                memo.clear()
            for key, digest in field_digests(missing).items():  # one call for all misses
                out[key] = digest
                memo_key = _memo_key(missing[key])
                if memo_key is not None:
                    memo[memo_key] = digest
        return out


def _memo_key(value: Any) -> tuple[type, Any] | None:
    """A key under which ``value``'s digest may be remembered (None: hash it every time).

    The type is part of the key (``True``, ``1`` and ``1.0`` are equal in Python but
    not in JSON); zero floats are never remembered (``-0.0 == 0.0``).
    """
    kind = type(value)
    if kind is str:
        return (kind, value) if len(value) <= 200 else None
    if value is None or kind is bool or kind is int:
        return (kind, value)
    if kind is float:
        return (kind, value) if value != 0.0 else None
    if (kind is list or kind is dict) and not value:
        return (kind, None)
    return None


def revision_values(case: Case, version: int, deleted_at: dt.datetime | None, action: str,
                    user: str, when: dt.datetime, comment: str, prev_hash: str,
                    digests_of: Callable[[Mapping[str, Any]], dict[str, str]] = field_digests,
                    ) -> dict[str, Any]:
    """The ``outcome_revision`` values (all but ``case_pk``) recording ``case`` at ``version``.

    ``prev_hash`` is the ``row_hash`` of the case's previous revision ("" for the
    first); the new row is chained to it (see :mod:`siting.outcomes.audit`).
    ``digests_of`` computes the field digests (a :class:`DigestMemo` in bulk writes).
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown revision action {action!r}")
    snapshot = snapshot_of(case, version, deleted_at)
    digests = digests_of(snapshot)
    when = when.astimezone(dt.UTC)
    return {"case_id": case.case_id, "revision_no": version, "action": action,
            "snapshot": snapshot, "changed_by": user, "changed_at": when, "comment": comment,
            "field_digests": digests, "prev_hash": prev_hash,
            "row_hash": row_hash(prev_hash, case.case_id, version, action, user, when, comment,
                                 digests)}


def make_revision_row(row: CaseRow, case: Case, action: str, user: str, when: dt.datetime,
                      comment: str, prev_hash: str) -> RevisionRow:
    """The revision row recording ``row``'s current state (version already bumped).

    ``prev_hash`` is the ``row_hash`` of the case's previous revision ("" for the
    first); the new row is chained to it (see :mod:`siting.outcomes.audit`).
    """
    return RevisionRow(case_pk=row.id, **revision_values(
        case, row.version, row.deleted_at, action, user, when, comment, prev_hash))


#: Snapshot keys a reader always sees: which case, whose, at what level, and when deleted.
_ALWAYS_SHOWN = frozenset({"case_id", "organisation", "confidentiality", "version", "deleted_at"})


def revision_from_row(row: RevisionRow, access: Access | None = None) -> Revision:
    """Convert a revision row to a :class:`Revision`, as ``access`` may see it.

    A revision written while the case was at a level the reader may not read
    (e.g. before a confidential case was made public) shows its content as
    redacted: the case being visible now does not open its past.
    """
    snapshot = dict(row.snapshot)
    if access is not None and not access.can_read(
            str(snapshot.get("organisation") or ""), str(snapshot.get("confidentiality") or ""),
            ("outcome_case", row.case_id)):
        snapshot = {k: (v if k in _ALWAYS_SHOWN or v in (None, "", [], {}) else dict(REDACTED))
                    for k, v in snapshot.items()}
    return Revision(case_id=row.case_id, revision_no=row.revision_no, action=row.action,
                    changed_by=row.changed_by, changed_at=row.changed_at,
                    comment=row.comment, snapshot=snapshot)
