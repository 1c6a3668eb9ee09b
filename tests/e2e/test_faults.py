"""Faults in the middle of a claim: a crashed action server or Rasa server, and
a burst of the same message. The conversation resumes and the claim is stored
exactly once."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import create_engine, text

from claims.validation.resident_id import check_character

ID_NUMBER = "44030519850615003" + check_character("44030519850615003")
ANSWERS = [
    ("我要报工伤", "同意"),
    ("同意", "敏感"),
    ("同意", "第1步"),
    ("刘建军", "第2步"),
    ("13622223333", "第3步"),
    (ID_NUMBER, "第4步"),
    ("货拉拉", "第5步"),
    ("货运", "第6步"),
    ("前天上午十点", "第7步"),
    ("深圳南山区科技园", "第8步"),
    ("不是", "第9步"),
    ("装货的时候从车上摔下来了", "第10步"),
    ("腰扭伤", "第11步"),
    ("跳过", "第12步"),
    ("跳过", "确认提交"),
]


def new_user() -> str:
    return f"e2e-fault-{uuid.uuid4().hex[:8]}"


def claims_of(stack, user: str) -> list[str]:
    engine = create_engine(stack.settings.database_url)
    with engine.connect() as connection:
        rows = connection.execute(text("select status from claims where sender_id = :s"), {"s": user}).all()
    engine.dispose()
    return [r[0] for r in rows]


def test_a_crashed_action_server_loses_nothing(stack) -> None:
    user = new_user()
    for message, expect in ANSWERS[:5]:
        assert expect in stack.texts(user, message)
    stack.action.kill()
    try:
        lost = stack.say(user, ID_NUMBER)  # no action server: nothing can be validated or stored
        assert not any("第4步" in m.get("text", "") for m in lost)
    finally:
        stack.action.start()
        stack.action.wait_ready(180)
    for message, expect in ANSWERS[5:]:
        assert expect in stack.texts(user, message), message
    assert "受理编号" in stack.texts(user, "确认提交")
    assert claims_of(stack, user) == ["submitted"]


def test_a_crashed_rasa_server_resumes_the_claim(stack) -> None:
    user = new_user()
    for message, expect in ANSWERS[:8]:
        assert expect in stack.texts(user, message)
    stack.rasa.kill()
    stack.rasa.start()
    stack.rasa.wait_ready(300)
    for message, expect in ANSWERS[8:]:
        assert expect in stack.texts(user, message), message
    assert "受理编号" in stack.texts(user, "确认提交")
    assert claims_of(stack, user) == ["submitted"]


def test_a_burst_of_the_same_confirmation_submits_once(stack) -> None:
    user = new_user()
    for message, expect in ANSWERS:
        assert expect in stack.texts(user, message), message
    with ThreadPoolExecutor(4) as pool:
        replies = list(pool.map(lambda _: stack.texts(user, "确认提交"), range(4)))
    assert sum("受理编号" in r for r in replies) == 1
    assert all(r.strip() for r in replies)
    assert claims_of(stack, user) == ["submitted"]


def test_a_long_conversation_is_split_into_sessions_and_carries_on(stack) -> None:
    user = new_user()
    for turn in range(60):
        assert stack.texts(user, "你好" if turn % 2 == 0 else "谢谢").strip()
    engine = create_engine(f"sqlite:///{stack.settings.tracker_db}")
    with engine.connect() as connection:
        sessions = connection.execute(
            text("select count(*) from events where sender_id = :s and type_name = 'session_started'"), {"s": user}
        ).scalar()
    engine.dispose()
    assert sessions >= 2
    assert "同意" in stack.texts(user, "我要报工伤")  # the dialogue goes on as before
    assert "敏感" in stack.texts(user, "同意")
