"""Rasa buttons as Telegram inline keyboards."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.rasa_client import Button

CALLBACK_DATA_LIMIT = 64  # bytes, Telegram's limit for callback_data


def inline_keyboard(buttons: list[Button]) -> InlineKeyboardMarkup | None:
    usable = [b for b in buttons if len(b.payload.encode("utf-8")) <= CALLBACK_DATA_LIMIT]
    if not usable:
        return None
    rows = [[InlineKeyboardButton(b.title, callback_data=b.payload)] for b in usable]
    return InlineKeyboardMarkup(rows)


def button_title(markup: InlineKeyboardMarkup | None, payload: str) -> str | None:
    """The title the user tapped, read back from the message's own keyboard."""
    if markup is None:
        return None
    for row in markup.inline_keyboard:
        for button in row:
            if button.callback_data == payload:
                return button.text
    return None
