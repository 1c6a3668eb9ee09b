"""Each dialogue flow through the real Rasa server and action server (REST channel)."""

from __future__ import annotations

import uuid

from sqlalchemy import create_engine, text


def new_user() -> str:
    return f"e2e-{uuid.uuid4().hex[:8]}"


def test_subsidy_self_check_with_buttons(stack) -> None:
    user = new_user()
    first = stack.say(user, "帮我看看我能不能领一次性求职补贴")
    assert any("第1题" in m.get("text", "") for m in first)
    question = next(m for m in first if m.get("buttons"))
    yes = next(b for b in question["buttons"] if "是" in b["title"] and "不" not in b["title"])
    second = stack.say(user, yes["payload"])
    situation = next(m for m in second if m.get("buttons"))
    assert "第2题" in situation["text"]
    dibao = next(b for b in situation["buttons"] if b["title"] == "低保家庭")
    result = stack.texts(user, dibao["payload"])
    assert "✅" in result and "省" in result


def test_subsidy_self_check_with_typed_answers_and_a_digression(stack) -> None:
    user = new_user()
    assert "第1题" in stack.texts(user, "测一下我有没有资格领求职补贴")
    digression = stack.texts(user, "一次性求职补贴的钱是从哪来的？")
    assert "就业补助资金" in digression and "第1题" in digression  # answered, then the form resumes
    assert "第2题" in stack.texts(user, "我今年毕业")
    assert "暂不符合" in stack.texts(user, "都不是")


def test_cancel_in_the_middle_of_the_self_check(stack) -> None:
    user = new_user()
    stack.texts(user, "我符合求职补贴条件吗")
    assert "已取消" in stack.texts(user, "取消")
    assert "第2题" not in stack.texts(user, "是的")


def test_two_misses_in_a_row_offer_a_person(stack) -> None:
    user = new_user()
    first = stack.say(user, "今天天气怎么样")
    assert not any(m.get("buttons") for m in first)
    second = stack.say(user, "推荐一只股票吧")
    offer = next(m for m in second if m.get("buttons"))
    assert any(b["payload"] == "/human_handoff" for b in offer["buttons"])


def test_handoff_is_recorded_where_staff_look(stack) -> None:
    user = new_user()
    stack.texts(user, "工伤认定结果不服怎么办")
    reply = stack.texts(user, "转人工")
    assert "12351" in reply and "登记" in reply
    engine = create_engine(stack.settings.database_url)
    with engine.connect() as connection:
        rows = connection.execute(
            text("select reason, last_message from handoff_requests where sender_id = :s"), {"s": user}
        ).all()
    engine.dispose()
    assert rows == [("user_request", "工伤认定结果不服怎么办")]
