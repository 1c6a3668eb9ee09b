"""Tell a Telegram user their claim moved on. Conversations from other channels
(terminal, REST) have no address to write to; they see it when they ask."""

from __future__ import annotations

import logging
import time

import httpx

from assistant.contracts import TELEGRAM_SENDER_PREFIX
from assistant.settings import get_settings

log = logging.getLogger(__name__)
TELEGRAM_PREFIX = TELEGRAM_SENDER_PREFIX


def telegram_chat_id(sender_id: str) -> int | None:
    """The private chat of a ``tg-`` sender; group chats (negative ids) are never claimants."""
    if not sender_id.startswith(TELEGRAM_PREFIX):
        return None
    try:
        chat_id = int(sender_id[len(TELEGRAM_PREFIX) :])
    except ValueError:
        return None
    return chat_id if chat_id > 0 else None


def notify_user(sender_id: str, text: str) -> bool:
    settings = get_settings()
    chat_id = telegram_chat_id(sender_id)
    if chat_id is None or not settings.telegram_token:
        return False
    url = f"{settings.telegram_api_base_url}{settings.telegram_token}/sendMessage"
    for attempt in range(3):
        try:
            response = httpx.post(url, json={"chat_id": chat_id, "text": text}, timeout=10)
            if response.status_code == 429 and attempt < 2:
                retry_after = response.json().get("parameters", {}).get("retry_after", 1)
                time.sleep(min(float(retry_after), 30))
                continue
            response.raise_for_status()
            return True
        except httpx.HTTPError as error:
            # The URL carries the bot token: log the kind of failure only.
            log.warning("status notification to a Telegram chat failed: %s", type(error).__name__)
    return False
