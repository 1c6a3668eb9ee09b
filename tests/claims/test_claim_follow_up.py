"""After submission: material reaches the worker's own claim (and wakes a claim
waiting for it), staff changes reach the worker even when a delivery fails,
and the claim's fields are defined once. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from assistant.settings import get_settings
from claims.db import session_scope
from claims.errors import ClaimNotFound
from claims.evidence import EvidenceRejected
from claims.fields import FIELDS, NOT_APPLICABLE, progress, summary_lines
from claims.material import add_file, add_note, claims_taking_material
from claims.models import Claim, utcnow
from claims.notify import RETRY_DELAYS, announce_status_change, news_for, notify_pending
from claims.staff_views import show_claim
from claims.status import claims_of, set_status
from claims.submission import submit_draft
from claims.validation.work import is_other, normalise_platform, normalise_work_type
from tests.claims.test_claim_store import PNG, filled_draft
from tests.telegram.bot_api_server import FakeBotApi


@pytest.fixture
def evidence_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("EVIDENCE_DIR", str(tmp_path / "evidence"))
    get_settings.cache_clear()
    yield tmp_path / "evidence"
    get_settings.cache_clear()


@pytest.fixture
def bot_api(monkeypatch):
    api = FakeBotApi().start()
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", api.token)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", api.base_url)
    get_settings.cache_clear()
    yield api
    api.stop()
    get_settings.cache_clear()


def submitted(engine, sender: str = "tg-4242") -> str:
    return submit_draft(filled_draft(engine, sender), sender, engine=engine)


def test_a_photo_after_need_more_info_joins_the_claim_and_puts_it_back_under_review(engine, evidence_folder) -> None:
    reference = submitted(engine)
    set_status(reference, "need_more_info", "请补充病历照片", engine=engine)
    assert claims_taking_material("tg-4242", engine=engine) == [reference]
    added, stored = add_file("tg-4242", reference, "病历.png", PNG, engine=engine)
    assert (added.reference, added.status, added.files) == (reference, "under_review", 1)
    with session_scope(engine) as session:
        claim_id = session.query(Claim.id).filter(Claim.reference == reference).scalar()
    assert (evidence_folder / str(claim_id) / f"{stored.sha256}.png").read_bytes() == PNG
    detail = show_claim(reference, engine=engine)
    assert "提交后补充" in detail.evidence[0]
    assert [h.status for h in detail.history][-1] == "under_review" and "补充了材料" in detail.history[-1].note
    note = add_note("tg-4242", reference, "补充说明：医生说要休息两周", engine=engine)
    assert note.status == "under_review"
    assert "医生说要休息两周" in show_claim(reference, engine=engine).history[-1].note


def test_material_reaches_only_the_senders_open_claims(engine, evidence_folder) -> None:
    first, second = submitted(engine), submitted(engine)
    assert set(claims_taking_material("tg-4242", engine=engine)) == {first, second}  # the front end asks which
    with pytest.raises(ClaimNotFound):
        add_file("tg-9999", first, "x.png", PNG, engine=engine)  # someone else's claim
    set_status(second, "rejected", engine=engine)
    with pytest.raises(ClaimNotFound):
        add_note("tg-4242", second, "还有一张照片", engine=engine)  # closed claims take nothing
    assert claims_taking_material("tg-4242", engine=engine) == [first]
    with pytest.raises(EvidenceRejected):
        add_file("tg-4242", first, "x.exe", b"MZ\x90\x00", engine=engine)
    assert [h.status for h in claims_of("tg-4242", first, engine=engine)[0].history] == ["submitted"]


def test_a_failed_notification_is_retried_with_backoff_and_then_arrives(engine, bot_api) -> None:
    reference = submitted(engine)
    bot_api.break_next["sendMessage"] = 1
    change = set_status(reference, "need_more_info", "请补充病历照片", engine=engine)
    now = utcnow()
    assert announce_status_change(change, now, engine=engine) is False
    assert notify_pending(now + timedelta(seconds=10), engine=engine).sent == 0  # not due yet
    later = now + RETRY_DELAYS[0] + timedelta(seconds=1)
    assert notify_pending(later, engine=engine).sent == 1
    [message] = bot_api.sent_messages(4242)
    assert reference in message["text"] and "请补充病历照片" in message["text"]
    assert notify_pending(later + timedelta(hours=1), due_only=False, engine=engine).sent == 0  # never twice


def test_a_worker_without_telegram_hears_of_the_change_at_their_next_message(engine) -> None:
    reference = submitted(engine, "terminal-zhang")
    set_status(reference, "under_review", engine=engine)
    assert notify_pending(engine=engine).sent == 0  # no chat to write to
    [news] = news_for("terminal-zhang", engine=engine)
    assert reference in news and "审核中" in news
    assert news_for("terminal-zhang", engine=engine) == []  # told once


def test_typed_platforms_and_kinds_of_work_map_to_known_names() -> None:
    assert [normalise_platform(t) for t in ("美团外卖", "我是跑饿了吗的", "UU跑腿", "小象超市")] == [
        "美团",
        "饿了么",
        "UU跑腿",
        "小象超市",
    ]
    assert [normalise_work_type(t) for t in ("送外卖的", "开滴滴", "帮人跑腿送菜")] == [
        "外卖配送",
        "网约车",
        "同城跑腿",
    ]
    assert is_other("其他") and is_other("其它平台") and normalise_platform("其他") is None


def test_progress_counts_only_the_questions_that_still_apply() -> None:
    slots = {field.slot: None for field in FIELDS}
    assert progress(slots) == (1, 13)
    answered = dict(slots, claimant_name="王*", claimant_phone="138****5678", claimant_id="x", on_order=False)
    assert progress(dict(answered, order_number=NOT_APPLICABLE)) == (4, 12)  # no order number to ask
    everything = {slot: "x" for slot in slots}
    assert progress(dict(everything, injury_location=None)) == (7, 13)  # asked again after a correction


def test_the_summary_shows_the_workers_own_answers(engine) -> None:
    draft = filled_draft(engine)
    with session_scope(engine) as session:
        lines = {field.key: value for field, value in summary_lines(session.get(Claim, draft))}
    assert lines["location"] == "杭州西湖区文三路" and lines["accident"] == "送餐途中在路口被电动车撞倒"
    assert lines["phone"] == "13812345678" and lines["id_number"].endswith("002X") and "f" * 8 not in lines["id_number"]
