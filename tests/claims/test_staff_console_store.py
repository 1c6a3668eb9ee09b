"""The claims-store side of the staff console (migration 0004): accounts with lockout,
the audit log, hand-off threads and the dashboard's per-day outcomes, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select

from claims.db import session_scope
from claims.erasure import erase_user_data
from claims.handoff_threads import (
    add_staff_reply,
    add_worker_message,
    close_handoff,
    close_handoffs,
    inbox,
    open_handoff_of,
    thread,
)
from claims.handoffs import record_handoff
from claims.models import HandoffMessage, StaffAccount, utcnow
from claims.outcomes import daily_counts, record_outcome, today
from claims.staff import (
    MAX_FAILURES,
    StaffError,
    add_staff,
    audit,
    audit_log,
    authenticate,
    end_sessions,
    get_staff,
    set_password,
)

PASSWORD = "correct-horse-battery"


def test_accounts_hash_passwords_and_lock_after_repeated_failures(engine: Engine) -> None:
    staff = add_staff("王芳", "officer", PASSWORD, engine=engine)
    with session_scope(engine) as session:
        stored = session.scalar(select(StaffAccount.password_hash).where(StaffAccount.name == "王芳"))
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    with pytest.raises(StaffError):
        add_staff("王芳", "officer", PASSWORD, engine=engine)
    with pytest.raises(StaffError):
        add_staff("短密码", "officer", "short", engine=engine)

    assert authenticate("王芳", PASSWORD, engine=engine).staff.id == staff.id
    assert authenticate("nobody", PASSWORD, engine=engine).staff is None
    for _ in range(MAX_FAILURES - 1):
        result = authenticate("王芳", "wrong-password", engine=engine)
        assert result.staff is None and not result.locked
    assert authenticate("王芳", "wrong-password", engine=engine).locked
    # Locked: even the right password is refused until the lockout ends.
    locked = authenticate("王芳", PASSWORD, engine=engine)
    assert locked.staff is None and locked.locked
    later = utcnow() + timedelta(minutes=16)
    assert authenticate("王芳", PASSWORD, now=later, engine=engine).staff is not None

    before = get_staff(staff.id, engine=engine)
    end_sessions(staff.id, engine=engine)
    assert get_staff(staff.id, engine=engine).session_nonce != before.session_nonce
    set_password("王芳", "another-long-password", engine=engine)
    assert authenticate("王芳", PASSWORD, now=later, engine=engine).staff is None
    assert authenticate("王芳", "another-long-password", now=later, engine=engine).staff is not None


def test_audit_log_records_who_did_what(engine: Engine) -> None:
    audit("王芳", "claim_view", "GS20261129ABCD", engine=engine)
    audit("李强", "claim_status", "GS20261129ABCD", "submitted → approved", engine=engine)
    entries = audit_log("GS20261129ABCD", engine=engine)
    assert [(e.staff_name, e.action) for e in entries] == [("李强", "claim_status"), ("王芳", "claim_view")]


def test_handoff_thread_opens_relays_masked_and_closes(engine: Engine) -> None:
    sender = "tg-4242"
    handoff = record_handoff(sender, "user_request", "职业伤害怎么报", engine=engine)
    assert open_handoff_of(sender, engine=engine) == handoff
    add_worker_message(handoff, "我的电话是13812345678", engine=engine)
    add_staff_reply(handoff, "王芳", "好的，我们来联系你", engine=engine)
    found = thread(handoff, engine=engine)
    assert found is not None
    assert [m.author for m in found.messages] == ["worker", "staff"]
    assert "13812345678" not in found.messages[0].text
    [item] = inbox(engine=engine)
    assert item.id == handoff and item.messages == 2 and not item.waiting

    assert close_handoffs(sender, "劳动者输入“结束人工”", engine=engine) == 1
    assert open_handoff_of(sender, engine=engine) is None
    assert close_handoff(handoff, "again", engine=engine) == ""  # closed already

    second = record_handoff(sender, "user_request", "", engine=engine)
    # A hand-off nobody wrote in for a day ends by itself: old requests do not swallow new questions.
    assert open_handoff_of(sender, now=utcnow() + timedelta(hours=25), engine=engine) is None
    assert thread(second, engine=engine).status == "closed"


def test_withdrawal_deletes_the_thread_with_the_request(engine: Engine) -> None:
    handoff = record_handoff("tg-777", "user_request", "", engine=engine)
    add_worker_message(handoff, "在吗", engine=engine)
    erase_user_data("tg-777", engine=engine)
    with session_scope(engine) as session:
        assert session.scalar(select(func.count(HandoffMessage.id))) == 0


def test_outcomes_are_counted_per_day_without_text(engine: Engine) -> None:
    for outcome in ("answered", "answered", "declined"):
        record_outcome(outcome, engine=engine)
    assert daily_counts(today(), engine=engine)[today()] == {"answered": 2, "declined": 1}
    with pytest.raises(ValueError):
        record_outcome("asked", engine=engine)
