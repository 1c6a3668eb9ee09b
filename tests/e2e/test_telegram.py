"""The real Telegram front end against a local Bot API server and the real stack."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator

import pytest

from assistant.services import Service
from assistant.settings import PROJECT_ROOT
from tests.telegram.bot_api_server import FakeBotApi


def bot_service(stack, api: FakeBotApi, log_name: str, ready_call: str, **env: str) -> Service:
    """The real bot process, pointed at the local Bot API server."""
    return Service(
        name="Telegram bot",
        command=[sys.executable, "-m", "bot.telegram_app"],
        env=dict(stack.env, TELEGRAM_BOT_TOKEN=api.token, TELEGRAM_API_BASE_URL=api.base_url, **env),
        log_file=stack.settings.log_dir / log_name,
        ready=lambda: bool(api.calls_of(ready_call)) and bool(api.calls_of("setMyCommands")),
        url=api.base_url,
    )


@pytest.fixture
def telegram(stack) -> Iterator[FakeBotApi]:
    api = FakeBotApi().start()
    bot = bot_service(stack, api, "telegram.log", "getMe")
    bot.start()
    api.bot_service = bot  # type: ignore[attr-defined]  (tests that restart the bot)
    try:
        bot.wait_ready(60)
        yield api
    finally:
        bot.stop()
        api.stop()


def test_commands_are_registered_for_the_menu(telegram: FakeBotApi) -> None:
    [call] = telegram.calls_of("setMyCommands")
    names = {c["command"] for c in json.loads(call.params["commands"])}
    assert {"start", "help", "cancel", "status", "human"} <= names


def test_start_and_a_policy_question(telegram: FakeBotApi) -> None:
    chat = 5001
    telegram.send_text(chat, "/start")
    [greeting] = telegram.wait_for_reply(chat, 0)
    assert "助手" in greeting["text"]
    telegram.send_text(chat, "一次性求职补贴是什么资金？")
    reply = telegram.wait_for_reply(chat, 1)
    assert "就业补助资金" in reply[0]["text"] and "出处" in reply[0]["text"]
    assert "parse_mode" not in reply[0]  # sent as plain text: nothing to escape or break
    assert telegram.calls_of("sendChatAction")


def test_sticker_gets_a_helpful_reply(telegram: FakeBotApi) -> None:
    chat = 5002
    telegram.send_sticker(chat)
    [reply] = telegram.wait_for_reply(chat, 0)
    assert "打字" in reply["text"] and "照片" in reply["text"]


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 256


class Chat:
    """One user's side of a Telegram chat: type, press, upload, read the answer."""

    def __init__(self, api: FakeBotApi, chat_id: int) -> None:
        self.api, self.chat_id, self.seen = api, chat_id, 0

    def _await(self, expect: str) -> list[dict]:
        def arrived():
            sent = self.api.sent_messages(self.chat_id)[self.seen :]
            return sent if any(expect in m["text"] for m in sent) else None

        try:
            replies = self.api.wait_for(arrived, timeout=90)
        except TimeoutError:
            sent = [m["text"] for m in self.api.sent_messages(self.chat_id)[self.seen :]]
            raise AssertionError(f"waited for {expect!r}; the bot sent {sent}") from None
        self.seen += len(replies)
        return replies

    def say(self, text: str, expect: str) -> list[dict]:
        self.api.send_text(self.chat_id, text)
        return self._await(expect)

    def press(self, replies: list[dict], title: str, expect: str) -> list[dict]:
        message = next(m for m in replies if "reply_markup" in m)
        markup = message["reply_markup"]
        markup = json.loads(markup) if isinstance(markup, str) else markup
        button = next(b for row in markup["inline_keyboard"] for b in row if b["text"] == title)
        self.api.press_button(self.chat_id, self.api.message_object(self.chat_id, message), button["callback_data"])
        return self._await(expect)

    def photo(self, content: bytes, expect: str) -> list[dict]:
        self.api.send_photo(self.chat_id, content)
        return self._await(expect)

    def document(self, content: bytes, name: str, mime: str, expect: str, size: int | None = None) -> list[dict]:
        self.api.send_document(self.chat_id, content, name, mime, size)
        return self._await(expect)


def test_a_claim_with_a_photo_through_telegram(telegram: FakeBotApi, stack) -> None:
    from sqlalchemy import create_engine, text

    from claims.validation.resident_id import check_character

    chat = Chat(telegram, 5003)
    chat.photo(PNG, "补充材料")  # outside a claim: told what uploads are for
    consent = chat.say("我要报工伤", "同意")
    sensitive = chat.press(consent, "同意", "敏感")
    chat.press(sensitive, "同意", "第1步")
    chat.say("张伟", "第2步")
    chat.say("13700001111", "第3步")
    platform = chat.say("11010519491231002" + check_character("11010519491231002"), "第4步")
    work = chat.press(platform, "滴滴", "第5步")
    chat.press(work, "网约车", "第6步")
    chat.say("昨天晚上八点", "第7步")
    on_order = chat.say("成都高新区天府三街", "第8步")
    chat.press(on_order, "是，在工作途中", "第9步")
    chat.say("DD1234567890", "第10步")
    chat.say("载客途中被后车追尾", "第11步")
    chat.say("颈部扭伤", "第12步")
    chat.say("华西医院门诊", "第13步")
    chat.document(b"MZ\x90\x00", "virus.exe", "application/x-msdownload", "格式")
    chat.document(PNG, "big.pdf", "application/pdf", "太大", size=50 * 1024 * 1024)
    evidence = chat.photo(PNG, "发完点")  # the evidence question again, with its buttons
    assert any("已保存 1 份" in m["text"] for m in evidence)
    summary = chat.press(evidence, "完成", "请核对")
    assert any("材料：1份" in m["text"] for m in summary)
    done = chat.press(summary, "确认提交", "受理编号")
    reference = next(m["text"] for m in done if "受理编号" in m["text"]).split("受理编号：")[1][:14]

    engine = create_engine(stack.settings.database_url)
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "select c.status, count(e.id) from claims c left join claim_evidence e on e.claim_id = c.id "
                "where c.reference = :r group by c.status"
            ),
            {"r": reference},
        ).all()
    engine.dispose()
    assert rows == [("submitted", 1)]
    assert any(reference in m["text"] for m in chat.say("/status", reference))

    # Staff approve it; the claimant hears about it in the chat.
    env = dict(stack.env, TELEGRAM_BOT_TOKEN=telegram.token, TELEGRAM_API_BASE_URL=telegram.base_url)
    staff = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "claims", "set-status", reference, "approved"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert staff.returncode == 0 and "user notified" in staff.stdout, staff.stderr
    notice = chat._await("有新进展")
    assert any(reference in m["text"] and "审核通过" in m["text"] for m in notice)


def test_cancel_command_leaves_a_claim(telegram: FakeBotApi) -> None:
    chat = Chat(telegram, 5004)
    chat.say("我要报工伤", "同意")
    chat.say("同意", "敏感")
    assert any("已取消" in m["text"] for m in chat.say("/cancel", "已取消"))
    assert any("问" in m["text"] for m in chat.say("谢谢", "不客气"))


def test_two_chats_at_once_each_get_their_own_answers_in_order(telegram: FakeBotApi) -> None:
    first, second = Chat(telegram, 5005), Chat(telegram, 5006)
    telegram.send_text(5005, "我要报工伤")
    telegram.send_text(5006, "一次性求职补贴是什么资金？")
    telegram.send_text(5005, "同意")
    assert any("就业补助资金" in m["text"] for m in second._await("就业补助资金"))
    replies = first._await("单独同意")
    consent = next(i for i, m in enumerate(replies) if "需要收集" in m["text"])
    sensitive = next(i for i, m in enumerate(replies) if "单独同意" in m["text"])
    assert consent < sensitive  # the second message was handled after the first


def test_rate_limited_sends_are_retried(telegram: FakeBotApi) -> None:
    telegram.fail_next["sendMessage"] = 1
    chat = Chat(telegram, 5007)
    assert chat.say("你好", "助手")


def test_rasa_down_gets_an_apology_and_the_next_message_works(telegram: FakeBotApi, stack) -> None:
    chat = Chat(telegram, 5008)
    stack.rasa.stop()
    try:
        reply = chat.say("骑手受伤了怎么办", "没有处理成功")
        assert "12351" in reply[-1]["text"]
    finally:
        stack.rasa.start()
        stack.rasa.wait_ready(300)
    assert chat.say("你好", "助手")


def test_webhook_mode_checks_the_secret_on_every_request(stack) -> None:
    import httpx

    from assistant.services import free_port

    api = FakeBotApi().start()
    port = free_port()
    hook = f"http://127.0.0.1:{port}/telegram-hook"
    bot = bot_service(
        stack,
        api,
        "telegram-webhook.log",
        "setWebhook",
        TELEGRAM_WEBHOOK_URL=hook,
        TELEGRAM_WEBHOOK_LISTEN=f"127.0.0.1:{port}",
        TELEGRAM_WEBHOOK_SECRET="test-secret_123",
    )
    bot.start()
    try:
        bot.wait_ready(60)
        [call] = api.calls_of("setWebhook")
        assert call.params["url"] == hook and call.params["secret_token"] == "test-secret_123"
        update = {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": 1_790_000_000,
                "chat": {"id": 5009, "type": "private"},
                "from": {"id": 5009, "is_bot": False, "first_name": "测试"},
                "text": "你好",
            },
        }

        def post(headers: dict[str, str]) -> int:
            for _ in range(50):  # the webhook server may still be binding its port
                try:
                    return httpx.post(hook, json=update, headers=headers, timeout=10).status_code
                except httpx.ConnectError:
                    __import__("time").sleep(0.2)
            raise AssertionError("webhook server never listened")

        assert post({}) == 403
        assert post({"X-Telegram-Bot-Api-Secret-Token": "wrong"}) == 403
        assert api.sent_messages(5009) == []
        assert post({"X-Telegram-Bot-Api-Secret-Token": "test-secret_123"}) == 200
        [greeting] = api.wait_for_reply(5009, 0)
        assert "助手" in greeting["text"]
    finally:
        bot.stop()
        api.stop()


def test_network_failures_when_sending_are_retried(telegram: FakeBotApi) -> None:
    telegram.break_next["sendMessage"] = 2
    chat = Chat(telegram, 5010)
    assert chat.say("你好", "助手")


def test_a_restarted_bot_picks_up_messages_sent_while_it_was_down(telegram: FakeBotApi, stack) -> None:
    chat = Chat(telegram, 5011)
    chat.say("我要报工伤", "需要收集")
    bot = telegram.bot_service
    bot.kill()
    telegram.send_text(5011, "同意")  # waits at the Bot API, as Telegram keeps it
    bot.start()
    assert any("单独同意" in m["text"] for m in chat._await("单独同意"))


def test_a_failing_typing_indicator_does_not_lose_the_message(telegram: FakeBotApi) -> None:
    telegram.break_next["sendChatAction"] = 10
    chat = Chat(telegram, 5012)
    assert chat.say("你好", "助手")


def _stored_about(stack, sender: str) -> tuple[int, int]:
    from sqlalchemy import create_engine, text

    tracker = create_engine(f"sqlite:///{stack.settings.tracker_db}")
    claims = create_engine(stack.settings.database_url)
    try:
        with tracker.connect() as connection:
            events = connection.execute(text("select count(*) from events where sender_id = :s"), {"s": sender})
            event_count = events.scalar() or 0
        with claims.connect() as connection:
            rows = connection.execute(text("select count(*) from claims where sender_id = :s"), {"s": sender})
            claim_count = rows.scalar() or 0
    finally:
        tracker.dispose()
        claims.dispose()
    return event_count, claim_count


def test_in_a_group_the_bot_points_to_a_private_chat_and_tells_rasa_nothing(telegram: FakeBotApi, stack) -> None:
    group = -1001234567
    telegram.send_text(group, "我要报工伤", from_id=7201)
    [reply] = telegram.wait_for_reply(group, 0)
    assert "私聊" in reply["text"]
    telegram.send_text(group, "/status", from_id=7201)
    telegram.wait_for(lambda: len(telegram.sent_messages(group)) >= 2)
    assert "私聊" in telegram.sent_messages(group)[1]["text"]
    assert _stored_about(stack, f"tg-{group}") == (0, 0)
    assert _stored_about(stack, "tg-7201") == (0, 0)  # nor does the member become a claimant


def test_an_edited_message_is_not_taken_as_a_new_answer(telegram: FakeBotApi) -> None:
    chat = Chat(telegram, 5010)
    consent = chat.say("我要报工伤", "同意")
    sensitive = chat.press(consent, "同意", "敏感")
    chat.press(sensitive, "同意", "第1步")
    sent = telegram.send_text(5010, "李四")
    chat._await("第2步")
    telegram.edit_text(5010, sent, "李五")
    assert any("修改过的消息" in m["text"] for m in chat._await("修改过的消息"))
    chat.say("13800001111", "第3步")  # the edit answered nothing: the form is where it was
