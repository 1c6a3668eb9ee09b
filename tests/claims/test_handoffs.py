"""A request for a person lands in the store, where staff can list it."""

from claims.handoffs import list_handoffs, record_handoff


def test_handoff_is_recorded_with_personal_data_masked(engine) -> None:
    record_handoff("tg-42", "user_request", "我要找人工 我手机13812345678", engine=engine)
    [handoff] = list_handoffs(engine=engine)
    assert handoff.sender_id == "tg-42"
    assert handoff.reason == "user_request"
    assert "13812345678" not in handoff.last_message
    assert handoff.status == "open"
