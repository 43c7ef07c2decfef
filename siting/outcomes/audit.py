"""The tamper-evident audit trail: per-field digests, a hash chain per case, redaction.

Every revision row stores

- ``field_digests``: SHA-256 of each snapshot field's canonical JSON;
- ``prev_hash``: the ``row_hash`` of the case's previous revision ("" for the first);
- ``row_hash``: SHA-256 over ``prev_hash``, case id, revision number, action, who,
  when, comment and the field digests.

Because the chain covers the *digests*, an admin can redact the text of a field
(the snapshot then holds ``{"__redacted__": true}``) and the chain still
verifies: :func:`verify_case` accepts a redacted field only where a recorded
redaction (who, when, why) covers it. Any other change of a revision row, a
deleted row, or a gap in the numbering is reported with the case and revision.
The database refuses UPDATE and DELETE of revision rows (a trigger, and no
privilege for application roles), so the verification catches what only the
database owner could still do.

Examples
--------
>>> import datetime as dt
>>> snap = {"case_id": "X", "notes": "secret"}
>>> digests = field_digests(snap)
>>> when = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
>>> h1 = row_hash("", "X", 1, "create", "anna", when, "", digests)
>>> len(h1), digests["notes"] == field_digests({"notes": "secret"})["notes"]
(64, True)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "REDACTED",
    "REDACTABLE_FIELDS",
    "ChainProblem",
    "RevisionRecord",
    "field_digests",
    "is_redacted",
    "redact_snapshot",
    "row_hash",
    "verify_case",
]

#: The marker a redacted snapshot field holds instead of its text.
REDACTED: dict[str, bool] = {"__redacted__": True}
#: Snapshot fields an admin may redact (free text that may hold secrets).
REDACTABLE_FIELDS: tuple[str, ...] = ("title", "notes", "source", "soft_evidence",
                                      "decisive_factors")


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=str)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def is_redacted(value: Any) -> bool:
    """True for the redaction marker."""
    return isinstance(value, Mapping) and dict(value) == REDACTED


def field_digests(snapshot: Mapping[str, Any]) -> dict[str, str]:
    """SHA-256 of every snapshot field's canonical JSON, keyed by field."""
    return {key: _sha(_canonical(value)) for key, value in sorted(snapshot.items())}


def row_hash(prev_hash: str, case_id: str, revision_no: int, action: str, changed_by: str,
             changed_at: dt.datetime, comment: str, digests: Mapping[str, str]) -> str:
    """The chained hash of one revision."""
    when = changed_at.astimezone(dt.UTC).isoformat(timespec="microseconds")
    return _sha(_canonical([prev_hash, case_id, int(revision_no), action, changed_by, when,
                            comment, dict(sorted(digests.items()))]))


def redact_snapshot(snapshot: Mapping[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    """A copy of ``snapshot`` with ``fields`` replaced by the redaction marker."""
    out = dict(snapshot)
    for key in fields:
        if key in out:
            out[key] = dict(REDACTED)
    return out


@dataclass(frozen=True)
class RevisionRecord:
    """What the verifier reads of one stored revision row."""

    case_id: str
    revision_no: int
    action: str
    changed_by: str
    changed_at: dt.datetime
    comment: str
    snapshot: Mapping[str, Any]
    field_digests: Mapping[str, str] | None
    prev_hash: str | None
    row_hash: str | None


@dataclass(frozen=True)
class ChainProblem:
    """A place where the audit trail was changed outside the application."""

    case_id: str
    revision_no: int | None
    message: str

    def __str__(self) -> str:
        where = f"revision {self.revision_no}" if self.revision_no is not None else "history"
        return f"case {self.case_id}, {where}: {self.message}"


def _check_fields(rec: RevisionRecord, redacted: set[str]) -> list[str]:
    stored = dict(rec.field_digests or {})
    actual = field_digests(rec.snapshot)
    problems = []
    if set(stored) != set(actual):
        problems.append("the snapshot's fields differ from the recorded ones "
                        f"({', '.join(sorted(set(stored) ^ set(actual)))})")
    for key in sorted(set(stored) & set(actual)):
        if stored[key] == actual[key]:
            continue
        if is_redacted(rec.snapshot[key]) and key in redacted:
            continue
        if is_redacted(rec.snapshot[key]):
            problems.append(f"field {key!r} is blanked without a recorded redaction")
        else:
            problems.append(f"field {key!r} was changed after it was written")
    return problems


def verify_case(case_id: str, version: int, records: Sequence[RevisionRecord],
                redactions: Mapping[int, set[str]]) -> list[ChainProblem]:
    """Every problem of one case's revision chain (empty when intact).

    Parameters
    ----------
    case_id : str
    version : int
        The case row's version: the chain must hold revisions 1..version.
    records : sequence of RevisionRecord
        The stored revisions, in revision order.
    redactions : mapping of revision number to set of field names
        Fields a recorded redaction covers.
    """
    out: list[ChainProblem] = []
    numbers = [r.revision_no for r in records]
    expected = list(range(1, version + 1))
    missing = sorted(set(expected) - set(numbers))
    if missing:
        out.append(ChainProblem(case_id, missing[0],
                                "missing (deleted or never written): revisions "
                                f"{', '.join(map(str, missing))} of 1..{version}"))
    prev = ""
    for rec in records:
        if rec.row_hash is None or rec.field_digests is None:
            out.append(ChainProblem(case_id, rec.revision_no, "has no hash (written outside "
                                    "the application)"))
            prev = rec.row_hash or ""
            continue
        out += [ChainProblem(case_id, rec.revision_no, msg)
                for msg in _check_fields(rec, redactions.get(rec.revision_no, set()))]
        if (rec.prev_hash or "") != prev:
            out.append(ChainProblem(case_id, rec.revision_no,
                                    "does not follow the previous revision (a revision "
                                    "before it was deleted or changed)"))
        recomputed = row_hash(rec.prev_hash or "", rec.case_id, rec.revision_no, rec.action,
                              rec.changed_by, rec.changed_at, rec.comment,
                              rec.field_digests)
        if recomputed != rec.row_hash:
            out.append(ChainProblem(case_id, rec.revision_no,
                                    "who/when/what of the revision was changed after it was "
                                    "written"))
        prev = rec.row_hash
    return out
