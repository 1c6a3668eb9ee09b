"""Erasure that erases: withdrawal and retention leave no hand-off, staff note,
sender id, stored conversation or stray evidence file behind; an evidence file
exists only for a committed record. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from claims.db import session_scope
from claims.drafts import save_answers, start_draft
from claims.erasure import erase_user_data
from claims.evidence import EvidenceRejected, store_evidence
from claims.handoffs import list_handoffs, record_handoff
from claims.models import Claim, ClaimEvent, Evidence
from claims.retention import purge, sweep_orphan_files
from claims.status import set_status
from claims.submission import submit_draft
from tests.claims.test_claim_store import ANSWERS, PNG

NOTE = "已电话联系王小明，13812345678，请补交左腿骨折诊断书"


@pytest.fixture(autouse=True)
def evidence_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("EVIDENCE_DIR", str(tmp_path / "evidence"))
    return tmp_path / "evidence"


@pytest.fixture
def tracker_db(tmp_path: Path) -> Path:
    """Rasa's tracker table as the SQL tracker store lays it out."""
    path = tmp_path / "tracker.db"
    with sqlite3.connect(path) as connection:
        connection.execute(
            "create table events (id integer primary key, sender_id varchar(255) not null, type_name varchar(255),"
            " timestamp float, intent_name varchar(255), action_name varchar(255), data text)"
        )
    return path


def add_events(path: Path, sender: str, when: datetime, count: int = 3) -> None:
    with sqlite3.connect(path) as connection:
        for _ in range(count):
            connection.execute(
                "insert into events (sender_id, type_name, timestamp, data) values (?, 'user', ?, '{}')",
                (sender, when.timestamp()),
            )


def events_of(path: Path, sender: str) -> int:
    with sqlite3.connect(path) as connection:
        return connection.execute("select count(*) from events where sender_id = ?", (sender,)).fetchone()[0]


def submitted(engine, sender: str) -> str:
    draft = start_draft(sender, engine=engine)
    save_answers(draft, sender, ANSWERS, engine=engine)
    return submit_draft(draft, sender, engine=engine)


def test_withdrawal_deletes_hand_offs_staff_notes_and_the_link_to_the_user(engine) -> None:
    reference = submitted(engine, "tg-1")
    set_status(reference, "under_review", engine=engine)
    set_status(reference, "need_more_info", NOTE, engine=engine)
    record_handoff("tg-1", "user_request", "我叫王小明，想问问进度", engine=engine)
    record_handoff("tg-2", "user_request", "别人的问题", engine=engine)
    erased = erase_user_data("tg-1", engine=engine)
    assert erased.handoffs_deleted == 1
    assert [h.sender_id for h in list_handoffs(None, engine=engine)] == ["tg-2"]
    with session_scope(engine) as session:
        claim = session.scalars(select(Claim).where(Claim.reference == reference)).one()
        assert claim.sender_id == "" and claim.status == "withdrawn"
        notes = session.scalars(select(ClaimEvent.note).where(ClaimEvent.claim_id == claim.id)).all()
        assert all(note == "" for note in notes) and "withdrawn" in [e.status for e in claim.events]
    assert erase_user_data("tg-1", engine=engine).claims_anonymised == 0  # nothing left to find them by


def test_retention_clears_notes_sender_hand_offs_and_old_conversation(engine, tracker_db) -> None:
    now = datetime.now(UTC)
    old = submitted(engine, "tg-1")
    set_status(old, "rejected", NOTE, engine=engine)
    record_handoff("tg-1", "user_request", "进度怎么样", engine=engine)
    add_events(tracker_db, "tg-1", now - timedelta(days=5))
    add_events(tracker_db, "tg-1", now + timedelta(days=39), count=2)  # talking again just before the purge
    start_draft("tg-3", engine=engine)
    add_events(tracker_db, "tg-3", now - timedelta(days=1))
    add_events(tracker_db, "tg-9", now - timedelta(days=1))  # no claim: not retention's business
    result = purge(now + timedelta(days=40), claim_days=30, draft_days=30, engine=engine, tracker_db=tracker_db)
    assert (result.claims_anonymised, result.drafts_deleted, result.handoffs_deleted) == (1, 1, 1)
    assert result.conversation_events_deleted == 6
    assert (events_of(tracker_db, "tg-1"), events_of(tracker_db, "tg-3"), events_of(tracker_db, "tg-9")) == (2, 0, 3)
    with session_scope(engine) as session:
        claim = session.scalars(select(Claim).where(Claim.reference == old)).one()
        assert claim.sender_id == "" and claim.full_name is None
        assert all(e.note == "" for e in claim.events)


def test_a_withdrawn_claim_is_unlinked_by_retention_too(engine, tracker_db) -> None:
    reference = submitted(engine, "tg-5")
    with session_scope(engine) as session:  # withdrawn before sender ids were cleared
        claim = session.scalars(select(Claim).where(Claim.reference == reference)).one()
        claim.status, claim.closed_at, claim.full_name = "withdrawn", datetime.now(UTC), None
    purge(datetime.now(UTC) + timedelta(days=40), 30, 30, engine=engine, tracker_db=tracker_db)
    with session_scope(engine) as session:
        assert session.scalars(select(Claim.sender_id).where(Claim.reference == reference)).one() == ""


def test_evidence_is_written_only_after_its_record_is_committed(engine, evidence_folder, monkeypatch) -> None:
    draft = start_draft("tg-1", engine=engine)
    seen: list[int] = []
    import claims.evidence as evidence

    original = evidence._write_file

    def checking_write(path: Path, data: bytes) -> None:
        with session_scope(engine) as session:  # another session already sees the row
            seen.append(len(session.scalars(select(Evidence).where(Evidence.claim_id == draft)).all()))
        original(path, data)

    monkeypatch.setattr(evidence, "_write_file", checking_write)
    store_evidence(draft, "tg-1", "a.png", PNG, engine=engine)
    assert seen == [1]


def test_a_failed_file_write_removes_its_record(engine, evidence_folder, monkeypatch) -> None:
    draft = start_draft("tg-1", engine=engine)
    import claims.evidence as evidence

    def full_disk(path: Path, data: bytes) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(evidence, "_write_file", full_disk)
    with pytest.raises(EvidenceRejected):
        store_evidence(draft, "tg-1", "a.png", PNG, engine=engine)
    with session_scope(engine) as session:
        assert session.scalars(select(Evidence)).all() == []


def test_purge_sweeps_evidence_files_no_record_refers_to(engine, evidence_folder) -> None:
    draft = start_draft("tg-1", engine=engine)
    store_evidence(draft, "tg-1", "a.png", PNG, engine=engine)
    stray = evidence_folder / "999" / ("0" * 64 + ".png")
    stray.parent.mkdir(parents=True)
    stray.write_bytes(PNG)
    fresh = evidence_folder / "998" / ("1" * 64 + ".png")  # an upload still in flight
    fresh.parent.mkdir(parents=True)
    fresh.write_bytes(PNG)
    hour_ago = time.time() - 7200
    os.utime(stray, (hour_ago, hour_ago))
    assert sweep_orphan_files(engine) == 1
    assert not stray.exists() and fresh.exists()
    assert len(list(evidence_folder.glob(f"{draft}/*"))) == 1  # the claim's own file stays
