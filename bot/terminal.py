"""A terminal chat for newcomers and staff: the same relay as Telegram, on stdin.

Buttons are shown as numbered choices; typing the number sends the payload.
"""

from __future__ import annotations

import asyncio
import getpass
import logging
import sys

from assistant.settings import get_settings
from bot.rasa_client import BotReply, Button, RasaClient, RasaUnavailable

log = logging.getLogger(__name__)

UNAVAILABLE = "（助手暂时无法回复，你的消息没有送达，请稍后再发一次。）"
PROMPT = "你> "


def render(replies: list[BotReply]) -> tuple[str, list[Button]]:
    lines: list[str] = []
    buttons: list[Button] = []
    for reply in replies:
        if reply.text:
            lines.append(reply.text)
        for button in reply.buttons:
            buttons.append(button)
            lines.append(f"  [{len(buttons)}] {button.title}")
    return "\n".join(lines), buttons


def resolve_choice(text: str, buttons: list[Button]) -> str:
    stripped = text.strip()
    if stripped.isdigit() and 1 <= int(stripped) <= len(buttons):
        return buttons[int(stripped) - 1].payload
    return text


async def _read_line() -> str | None:
    line = await asyncio.to_thread(sys.stdin.readline)
    return line if line else None


async def run_terminal_chat(sender_id: str | None = None) -> int:
    settings = get_settings()
    client = RasaClient(settings.rasa_url, settings.rasa_token)
    sender = sender_id or f"terminal-{getpass.getuser()}"
    buttons: list[Button] = []
    print("助手> 你好！直接输入问题，输入 /quit 退出。", flush=True)
    try:
        while True:
            print(PROMPT, end="", flush=True)
            line = await _read_line()
            if line is None or line.strip() in ("/quit", "/exit"):
                break
            if not line.strip():
                continue
            try:
                replies = await client.send(sender, resolve_choice(line.rstrip("\n"), buttons))
            except RasaUnavailable:
                print(f"助手> {UNAVAILABLE}", flush=True)
                continue
            text, buttons = render(replies)
            print(f"助手> {text or '（没有回复）'}", flush=True)
    finally:
        await client.aclose()
    return 0
