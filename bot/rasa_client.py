"""Talk to the Rasa server over its REST channel.

Every front end (terminal, Telegram) goes through this one client, so retries,
timeouts and the shape of replies are decided once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import httpx

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class BotReply:
    text: str = ""
    buttons: list[Button] = field(default_factory=list)
    image: str | None = None
    custom: dict | None = None


class RasaUnavailable(RuntimeError):
    """Rasa (or the action server behind it) did not answer; the user must be told."""


def parse_replies(payload: list[dict]) -> list[BotReply]:
    replies = []
    for item in payload:
        buttons = [Button(str(b.get("title", "")), str(b.get("payload", ""))) for b in item.get("buttons") or []]
        replies.append(BotReply(item.get("text") or "", buttons, item.get("image"), item.get("custom")))
    return replies


class RasaClient:
    def __init__(self, base_url: str, token: str, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._client = httpx.AsyncClient(timeout=httpx.Timeout(timeout, connect=5.0))
        self._token = token

    async def send(self, sender_id: str, text: str) -> list[BotReply]:
        url = f"{self.base_url}/webhooks/rest/webhook"
        try:
            response = await self._client.post(url, json={"sender": sender_id, "message": text})
            response.raise_for_status()
        except httpx.HTTPError as exc:
            log.warning("Rasa did not answer: %s", type(exc).__name__)
            raise RasaUnavailable(str(type(exc).__name__)) from exc
        return parse_replies(response.json())

    async def is_ready(self) -> bool:
        try:
            response = await self._client.get(f"{self.base_url}/status", params={"token": self._token})
        except httpx.HTTPError:
            return False
        return response.status_code == 200 and bool(response.json().get("model_file"))

    async def aclose(self) -> None:
        await self._client.aclose()
