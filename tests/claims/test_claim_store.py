"""A claim as staff and the claimant find it in the store: stored once, only
its owner sees it, statuses move as the workflow allows, erasure and retention
leave no personal data behind. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from claims.db import session_scope
from claims.drafts import discard_drafts, save_answers, start_draft
from claims.erasure import erase_user_data
from claims.errors import ClaimNotFound, DraftNotFound, IncompleteClaim, InvalidTransition
from claims.evidence import EvidenceRejected, store_evidence
from claims.models import Claim
from claims.retention import purge
from claims.staff_views import list_claims, show_claim, write_csv
from claims.status import claims_of, set_status
from claims.submission import submit_draft

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
ANSWERS = {
    "full_name": "王小明",
    "phone": "13812345678",
    "id_hash": "f" * 64,
    "id_last4": "002X",
    "platform": "美团",
    "work_type": "外卖配送",
    "injury_time": datetime(2026, 11, 26, 15, 0),
    "location": "杭州西湖区文三路",
    "on_order": True,
    "order_number": "MT2026112600123",
    "accident": "送餐途中在路口被电动车撞倒",
    "injury": "左腿骨折",
    "treatment": "浙一医院，打了石膏",
}


@pytest.fixture(autouse=True)
def evidence_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("EVIDENCE_DIR", str(tmp_path / "evidence"))
    return tmp_path / "evidence"


def filled_draft(engine, sender: str = "tg-1") -> int:
    draft = start_draft(sender, engine=engine)
    save_answers(draft, sender, ANSWERS, engine=engine)
    return draft


def test_a_submitted_claim_gets_a_reference_and_is_stored_once(engine) -> None:
    draft = filled_draft(engine)
    reference = submit_draft(draft, "tg-1", engine=engine)
    assert reference.startswith("GS") and len(reference) == 14
    assert submit_draft(draft, "tg-1", engine=engine) == reference  # a double tap
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(Claim)) == 1
    [record] = list_claims(engine=engine)
    assert (record.reference, record.status, record.full_name, record.phone) == (
        reference,
        "submitted",
        "王小明",
        "13812345678",
    )


def test_concurrent_submits_of_one_draft_agree_on_one_reference(engine) -> None:
    draft = filled_draft(engine)
    with ThreadPoolExecutor(4) as pool:
        references = set(pool.map(lambda _: submit_draft(draft, "tg-1", engine=engine), range(8)))
    assert len(references) == 1
    assert len(list_claims(engine=engine)) == 1


def test_starting_twice_reuses_the_open_draft(engine) -> None:
    assert start_draft("tg-1", engine=engine) == start_draft("tg-1", engine=engine)


def test_an_incomplete_draft_cannot_be_submitted(engine) -> None:
    draft = start_draft("tg-1", engine=engine)
    save_answers(draft, "tg-1", {"full_name": "王小明"}, engine=engine)
    with pytest.raises(IncompleteClaim):
        submit_draft(draft, "tg-1", engine=engine)


def test_nobody_else_can_write_to_or_submit_a_draft(engine) -> None:
    draft = filled_draft(engine, "tg-1")
    with pytest.raises(DraftNotFound):
        save_answers(draft, "tg-2", {"phone": "13900000000"}, engine=engine)
    with pytest.raises(DraftNotFound):
        submit_draft(draft, "tg-2", engine=engine)


def test_users_see_only_their_own_claims(engine) -> None:
    mine = submit_draft(filled_draft(engine, "tg-1"), "tg-1", engine=engine)
    theirs = submit_draft(filled_draft(engine, "tg-2"), "tg-2", engine=engine)
    assert [c.reference for c in claims_of("tg-1", engine=engine)] == [mine]
    assert claims_of("tg-1", mine.lower(), engine=engine)[0].status == "submitted"
    with pytest.raises(ClaimNotFound):
        claims_of("tg-1", theirs, engine=engine)


def test_staff_move_a_claim_through_its_statuses_with_notes(engine) -> None:
    reference = submit_draft(filled_draft(engine), "tg-1", engine=engine)
    set_status(reference, "under_review", engine=engine)
    change = set_status(reference, "need_more_info", "请补充诊断证明", engine=engine)
    assert (change.sender_id, change.old_status, change.status) == ("tg-1", "under_review", "need_more_info")
    set_status(reference, "approved", engine=engine)
    [claim] = claims_of("tg-1", engine=engine)
    assert [h.status for h in claim.history] == ["submitted", "under_review", "need_more_info", "approved"]
    assert claim.history[2].note == "请补充诊断证明"
    with pytest.raises(InvalidTransition):
        set_status(reference, "under_review", engine=engine)  # closed claims do not reopen


def test_export_has_no_full_resident_id_and_defuses_formulas(engine) -> None:
    draft = filled_draft(engine)
    save_answers(draft, "tg-1", {"accident": "=HYPERLINK(1)"}, engine=engine)
    submit_draft(draft, "tg-1", engine=engine)
    out = io.StringIO()
    assert write_csv(list_claims(engine=engine), out) == 1
    text = out.getvalue()
    assert "id_hash" not in text and "f" * 64 not in text
    assert "'=HYPERLINK(1)" in text and "002X" in text


def test_evidence_is_checked_by_its_bytes_and_stored_with_a_checksum(engine, evidence_folder) -> None:
    draft = filled_draft(engine)
    stored = store_evidence(draft, "tg-1", "现场.png", PNG, engine=engine)
    assert stored.media_type == "image/png" and stored.count == 1
    assert (evidence_folder / str(draft) / f"{stored.sha256}.png").read_bytes() == PNG
    assert store_evidence(draft, "tg-1", "again.png", PNG, engine=engine).count == 1  # same file twice
    for data, reason in ((b"MZ\x90\x00 fake.exe", "type"), (b"", "empty"), (PNG + b"\x00" * 11_000_000, "too_large")):
        with pytest.raises(EvidenceRejected) as rejected:
            store_evidence(draft, "tg-1", "x.jpg", data, engine=engine)
        assert rejected.value.reason == reason
    reference = submit_draft(draft, "tg-1", engine=engine)
    assert len(show_claim(reference, engine=engine).evidence) == 1


def test_an_unwritable_evidence_folder_is_reported_and_records_nothing(engine, evidence_folder) -> None:
    draft = filled_draft(engine)
    evidence_folder.write_text("a file where the folder should be")  # fails for root too, unlike chmod
    with pytest.raises(EvidenceRejected) as rejected:
        store_evidence(draft, "tg-1", "a.png", PNG, engine=engine)
    assert rejected.value.reason == "storage"
    assert show_claim(submit_draft(draft, "tg-1", engine=engine), engine=engine).evidence == []
    evidence_folder.unlink()
    draft = filled_draft(engine)
    assert store_evidence(draft, "tg-1", "a.png", PNG, engine=engine).count == 1


def test_cancelling_discards_the_draft_and_its_files(engine, evidence_folder) -> None:
    draft = filled_draft(engine)
    store_evidence(draft, "tg-1", "a.png", PNG, engine=engine)
    assert discard_drafts("tg-1", engine=engine) == 1
    assert not any(evidence_folder.rglob("*.png"))
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(Claim)) == 0


def test_withdrawing_consent_erases_personal_data_but_keeps_the_case(engine, evidence_folder) -> None:
    draft = filled_draft(engine)
    store_evidence(draft, "tg-1", "a.png", PNG, engine=engine)
    reference = submit_draft(draft, "tg-1", engine=engine)
    filled_draft(engine)  # a second claim still being filled
    erased = erase_user_data("tg-1", engine=engine)
    assert (erased.drafts_deleted, erased.claims_anonymised) == (1, 1)
    detail = show_claim(reference, engine=engine)
    assert detail.record.status == "withdrawn"
    assert (detail.record.full_name, detail.record.phone, detail.record.accident) == ("", "", "")
    assert detail.evidence == [] and not any(evidence_folder.rglob("*.png"))


def test_retention_anonymises_old_closed_claims_and_drops_stale_drafts(engine) -> None:
    old = submit_draft(filled_draft(engine, "tg-1"), "tg-1", engine=engine)
    set_status(old, "rejected", engine=engine)
    open_claim = submit_draft(filled_draft(engine, "tg-2"), "tg-2", engine=engine)
    filled_draft(engine, "tg-3")
    later = datetime.now(UTC) + timedelta(days=40)
    result = purge(later, claim_days=30, draft_days=30, engine=engine)
    assert (result.claims_anonymised, result.drafts_deleted) == (1, 1)
    assert show_claim(old, engine=engine).record.full_name == ""
    assert show_claim(open_claim, engine=engine).record.full_name == "王小明"  # still being processed
