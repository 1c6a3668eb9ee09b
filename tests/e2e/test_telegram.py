"""The real Telegram front end against a local Bot API server and the real stack."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from assistant.services import Service
from tests.telegram.bot_api_server import FakeBotApi


@pytest.fixture
def telegram(stack) -> Iterator[FakeBotApi]:
    api = FakeBotApi().start()
    env = dict(stack.env, TELEGRAM_BOT_TOKEN=api.token, TELEGRAM_API_BASE_URL=api.base_url)
    bot = Service(
        name="Telegram bot",
        command=[__import__("sys").executable, "-m", "bot.telegram_app"],
        env=env,
        log_file=stack.settings.log_dir / "telegram.log",
        ready=lambda: bool(api.calls_of("getMe")) and bool(api.calls_of("setMyCommands")),
        url=api.base_url,
    )
    bot.start()
    try:
        bot.wait_ready(60)
        yield api
    finally:
        bot.stop()
        api.stop()


def test_commands_are_registered_for_the_menu(telegram: FakeBotApi) -> None:
    import json

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
    assert "文字" in reply["text"]
