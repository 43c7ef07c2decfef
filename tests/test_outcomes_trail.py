"""The tamper-evident audit trail: append-only revisions, hash chain, verify, redaction."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest_outcomes import BACKENDS, backend_url
from sqlalchemy import create_engine, text

from siting.cli import main
from siting.core.errors import StoreError
from siting.outcomes import Case, OutcomeStore
from siting.outcomes.trail import redact, redactions, verify

SECRET = "we offered the land for free"


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with backend_url(request.param, tmp_path) as opened:
        yield opened


@pytest.fixture
def store(url: str) -> Iterator[OutcomeStore]:
    with OutcomeStore.open(url) as opened:
        saved = opened.add(Case("T-1", "Fabrik", "battery", "2482", "ongoing",
                                confidentiality="confidential", notes=SECRET))
        saved = opened.update(dataclasses.replace(saved, title="Fabrik 2"))
        opened.update(dataclasses.replace(saved, confidentiality="public", notes=""))
        opened.add(Case("T-2", "Annan", "steel", "2480", "won", confidentiality="public"))
        yield opened


def _raw(url: str, *statements: str, drop_guard: bool = True) -> None:
    """Change the revision table directly, as the database owner would."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            if drop_guard:
                if conn.dialect.name == "postgresql":
                    conn.execute(text("ALTER TABLE outcome_revision DISABLE TRIGGER USER"))
                else:
                    conn.execute(text("DROP TRIGGER outcome_revision_no_update"))
                    conn.execute(text("DROP TRIGGER outcome_revision_no_delete"))
            for statement in statements:
                conn.execute(text(statement))
    finally:
        engine.dispose()


def test_an_intact_trail_verifies(store: OutcomeStore) -> None:
    assert verify(store) == []
    assert [r.revision_no for r in store.history("T-1")] == [1, 2, 3]


def test_revisions_cannot_be_updated_or_deleted_even_by_the_owner(
        store: OutcomeStore, url: str) -> None:
    with pytest.raises(Exception, match="append-only"):
        _raw(url, "UPDATE outcome_revision SET comment = 'x'", drop_guard=False)
    with pytest.raises(Exception, match="append-only"):
        _raw(url, "DELETE FROM outcome_revision WHERE revision_no = 2", drop_guard=False)
    assert verify(store) == []


def test_verify_names_an_update(store: OutcomeStore, url: str,
                                capsys: pytest.CaptureFixture[str]) -> None:
    _raw(url, "UPDATE outcome_revision SET changed_by = 'mallory' "
              "WHERE case_id = 'T-1' AND revision_no = 2")
    problems = verify(store)
    assert [(p.case_id, p.revision_no) for p in problems] == [("T-1", 2)]
    assert "changed after it was written" in problems[0].message
    assert main(["outcomes", "--db", url, "verify"]) == 1
    assert "case T-1, revision 2" in capsys.readouterr().out


def test_verify_names_a_changed_snapshot(store: OutcomeStore, url: str) -> None:
    column = "json_set(snapshot, '$.notes', 'nothing')" if url.startswith("sqlite") else \
        "jsonb_set(snapshot, '{notes}', '\"nothing\"')"
    _raw(url, f"UPDATE outcome_revision SET snapshot = {column} "
              "WHERE case_id = 'T-1' AND revision_no = 1")
    problems = verify(store)
    assert [(p.case_id, p.revision_no) for p in problems] == [("T-1", 1)]
    assert "'notes' was changed" in problems[0].message


def test_verify_names_a_deletion_and_a_gap(store: OutcomeStore, url: str) -> None:
    _raw(url, "DELETE FROM outcome_revision WHERE case_id = 'T-1' AND revision_no = 2")
    found = {(p.case_id, p.revision_no) for p in verify(store)}
    assert ("T-1", 2) in found  # missing
    assert ("T-1", 3) in found  # no longer follows its predecessor
    assert all(cid == "T-1" for cid, _ in found)


def test_verify_names_a_deleted_latest_revision(store: OutcomeStore, url: str) -> None:
    _raw(url, "DELETE FROM outcome_revision WHERE case_id = 'T-1' AND revision_no = 3")
    problems = verify(store)
    assert [(p.case_id, p.revision_no) for p in problems] == [("T-1", 3)]
    assert "missing" in problems[0].message


def test_redaction_is_recorded_and_keeps_the_chain_verifiable(store: OutcomeStore,
                                                              url: str) -> None:
    assert any(SECRET in str(r.snapshot) for r in store.history("T-1"))
    red = redact(store, "T-1", ["notes"], reason="downgraded to public")
    assert red.up_to_revision == 2 and red.redacted_by == store.whoami().user
    history = store.history("T-1")
    assert not any(SECRET in str(r.snapshot) for r in history)
    assert history[0].redacted_fields == ["notes"] and history[0].case().notes == ""
    assert verify(store) == []
    assert [(r.reason, r.fields) for r in redactions(store, "T-1")] == [
        ("downgraded to public", ("notes",))]
    with pytest.raises(Exception, match="append-only"):
        _raw(url, "DELETE FROM outcome_redaction", drop_guard=False)


def test_blanking_without_a_redaction_record_is_detected(store: OutcomeStore, url: str) -> None:
    column = "json_set(snapshot, '$.notes', json('{\"__redacted__\": true}'))" \
        if url.startswith("sqlite") else \
        "jsonb_set(snapshot, '{notes}', '{\"__redacted__\": true}')"
    _raw(url, f"UPDATE outcome_revision SET snapshot = {column} "
              "WHERE case_id = 'T-1' AND revision_no = 1")
    problems = verify(store)
    assert [(p.case_id, p.revision_no) for p in problems] == [("T-1", 1)]
    assert "without a recorded redaction" in problems[0].message


def test_redaction_needs_a_reason_and_known_fields(store: OutcomeStore) -> None:
    with pytest.raises(StoreError, match="needs a reason"):
        redact(store, "T-1", ["notes"], reason=" ")
    with pytest.raises(StoreError, match="cannot redact"):
        redact(store, "T-1", ["kommunkod"], reason="x")
