"""Talk to the Rasa server over its signed REST channel.

Every front end (terminal, Telegram) goes through this one client, so signing,
retries, timeouts and the shape of replies are decided once. Each request is
signed with the front end's secret (``assistant.contracts``); Rasa refuses
anything unsigned, replayed or for a sender outside the front end's namespace.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field

import httpx

from assistant import contracts

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


def signed_message(client: str, secret: str, sender_id: str, text: str) -> tuple[bytes, dict[str, str]]:
    """Body and headers of one message to the signed channel."""
    body = json.dumps({"sender": sender_id, "message": text}, ensure_ascii=False).encode("utf-8")
    headers = contracts.sign(client, secret, "POST", contracts.REST_WEBHOOK_PATH, body, sender=sender_id)
    headers["Content-Type"] = contracts.JSON_CONTENT_TYPE
    return body, headers


class RasaClient:
    def __init__(self, base_url: str, token: str, client: str, secret: str, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.AsyncClient(timeout=httpx.Timeout(timeout, connect=5.0))
        self._token = token
        self._client, self._secret = client, secret

    async def send(self, sender_id: str, text: str) -> list[BotReply]:
        body, headers = signed_message(self._client, self._secret, sender_id, text)
        try:
            url = f"{self.base_url}{contracts.REST_WEBHOOK_PATH}"
            response = await self._http.post(url, content=body, headers=headers)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            log.warning("Rasa did not answer: %s", type(exc).__name__)
            raise RasaUnavailable(str(type(exc).__name__)) from exc
        return parse_replies(response.json())

    async def is_ready(self) -> bool:
        try:
            response = await self._http.get(f"{self.base_url}/status", params={"token": self._token})
        except httpx.HTTPError:
            return False
        return response.status_code == 200 and bool(response.json().get("model_file"))

    async def aclose(self) -> None:
        await self._http.aclose()
