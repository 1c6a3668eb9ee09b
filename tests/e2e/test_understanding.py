"""First messages as workers write them, through the real Rasa server and action server."""

from __future__ import annotations

import sqlite3
import uuid

from actions.claim_prefill import SLOT

STORY = "我是送外卖的昨天下午四点多在人民路口被电动车撞了膝盖破了流了好多血去社区医院包扎了这种能不能报"


def new_user() -> str:
    return f"e2e-{uuid.uuid4().hex[:8]}"


def button(messages: list[dict], title_part: str) -> str:
    return next(b["payload"] for m in messages for b in m.get("buttons") or [] if title_part in b["title"])


def test_a_dictated_story_reaches_the_claim_and_is_not_asked_again(stack) -> None:
    user = new_user()
    first = stack.say(user, STORY)
    text = "\n".join(m.get("text", "") for m in first)
    assert "登记" in text and "没太看懂" not in text
    if "你同意我们" not in text:  # the cascade offered the claim; accept it
        assert "你同意我们" in stack.texts(user, button(first, "登记"))
    sensitive = stack.texts(user, "同意")
    assert "敏感" in sensitive
    proposal = stack.say(user, "同意")
    shown = "\n".join(m.get("text", "") for m in proposal)
    assert "人民路口" in shown and "膝盖" in shown and "社区医院" in shown
    assert "第1步" not in shown  # the story is confirmed first
    after = stack.texts(user, "都对")
    assert "姓名" in after
    # Name, phone and ID are still asked; platform is asked, the rest was told.
    stack.texts(user, "王小明")
    stack.texts(user, "13812345678")
    platform = stack.texts(user, "11010519491231002X")
    assert "平台" in platform
    nxt = stack.texts(user, "美团")
    # Work (外卖), time, place were told: next is whether they were on an order.
    assert "途中" in nxt and "哪类工作" not in nxt and "什么时候受的伤" not in nxt

    # What Rasa stored: neither the story nor the sealed facts in clear.
    with sqlite3.connect(stack.settings.tracker_db) as db:
        rows = [r[0] for r in db.execute("select data from events where sender_id = ?", (user,))]
    stored = "\n".join(rows)
    assert "膝盖破了" not in stored and "人民路口" not in stored
    assert SLOT in stored  # the slot is there, sealed


def test_a_question_with_personal_context_is_answered_first(stack) -> None:
    user = new_user()
    reply = stack.say(user, "我今年毕业，家里是低保户，能领一次性求职补贴吗")
    text = "\n".join(m.get("text", "") for m in reply)
    assert "📄 出处" in text
    assert "第1题" not in text  # no quiz about what was just said
    result = stack.texts(user, button(reply, "测"))
    assert "初步符合" in result and "第1题" not in result and "第2题" not in result


def test_an_amount_the_documents_do_not_give_is_declined_in_the_first_sentence(stack) -> None:
    reply = stack.say(new_user(), "一次性求职补贴一般能领多少钱啊")
    first = reply[0]["text"]
    assert first.startswith("资料里没有找到")
    assert "12351" in first


def test_a_short_answer_can_be_read_in_full_and_rated(stack) -> None:
    user = new_user()
    reply = stack.say(user, "职业伤害保障和工伤保险有什么区别")
    assert "📄 出处" in reply[0]["text"]
    payloads = [b["payload"] for b in reply[0].get("buttons") or []]
    assert '/feedback{"rating":"down"}' in payloads
    if "/show_full_answer" in payloads:
        assert "全文" in stack.texts(user, "/show_full_answer")
    assert "抱歉没帮上忙" in stack.texts(user, '/feedback{"rating":"down"}')


def test_an_injury_at_home_starts_no_claim_and_the_next_message_is_heard_afresh(stack) -> None:
    user = new_user()
    reply = stack.texts(user, "周末在家切菜把手指头切了 缝了三针 疼死了 能报吗")
    assert "登记不了" in reply and "12351" in reply and "你同意我们" not in reply
    # No form was left waiting for consent: a policy question is answered as one.
    assert "📄 出处" in stack.texts(user, "职业伤害保障和工伤保险有什么区别")
