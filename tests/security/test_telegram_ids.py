"""A Telegram group is never a claimant: status notices go to private chats only."""

from __future__ import annotations

from assistant import contracts
from bot.telegram_app import sender_id
from claims.notify import telegram_chat_id


def test_private_chats_are_claimants_and_groups_are_not() -> None:
    assert sender_id(7104) == "tg-7104" and sender_id(7104).startswith(contracts.TELEGRAM_SENDER_PREFIX)
    assert telegram_chat_id("tg-7104") == 7104
    assert telegram_chat_id("tg--1001234567") is None  # a supergroup
    assert telegram_chat_id("tg--42") is None  # a basic group
    assert telegram_chat_id("terminal-alice") is None and telegram_chat_id("tg-abc") is None
