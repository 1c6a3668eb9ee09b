"""A terminal chat for newcomers and staff: the same relay as Telegram, on stdin.

Buttons are shown as numbered choices; typing the number sends the payload.
"""

from __future__ import annotations

import asyncio
import getpass
import logging
import sys
import threading

from assistant import contracts
from assistant.settings import get_settings
from bot import texts
from bot.claim_material import news
from bot.rasa_client import BotReply, Button, RasaClient, RasaUnavailable

log = logging.getLogger(__name__)

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


class _StdinLines:
    """Lines from stdin on a daemon thread: a blocked read must not keep the
    process alive after Ctrl-C (asyncio's default executor would wait for it)."""

    def __init__(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        threading.Thread(target=self._pump, name="stdin", daemon=True).start()

    def _pump(self) -> None:
        for line in iter(sys.stdin.readline, ""):
            self._loop.call_soon_threadsafe(self._queue.put_nowait, line)
        self._loop.call_soon_threadsafe(self._queue.put_nowait, None)

    async def next(self) -> str | None:
        return await self._queue.get()


async def run_terminal_chat(sender_id: str | None = None) -> int:
    settings = get_settings()
    client = RasaClient(settings.rasa_url, settings.rasa_token, contracts.CLIENT_LOCAL, settings.frontend_secret)
    sender = sender_id or f"{contracts.TERMINAL_SENDER_PREFIX}{getpass.getuser()}"
    buttons: list[Button] = []
    lines = _StdinLines()
    print(f"助手> {texts.TERMINAL_WELCOME}", flush=True)
    try:
        while True:
            print(PROMPT, end="", flush=True)
            line = await lines.next()
            if line is None or line.strip() in ("/quit", "/exit"):
                break
            if not line.strip():
                continue
            for item in await news(sender):  # a staff change on their claim, since they last wrote
                print(f"助手> {item}", flush=True)
            try:
                replies = await client.send(sender, resolve_choice(line.rstrip("\n"), buttons))
            except RasaUnavailable:
                print(f"助手> {texts.RASA_UNAVAILABLE}", flush=True)
                continue
            text, buttons = render(replies)
            print(f"助手> {text or texts.EMPTY_REPLY}", flush=True)
    finally:
        await client.aclose()
    return 0
