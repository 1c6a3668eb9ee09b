"""Sending to Telegram with retries: rate limits are handled by PTB's
AIORateLimiter; network failures and Telegram's 5xx answers are retried here
with exponential backoff before the reply is given up (and logged)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram.error import BadRequest, Forbidden, NetworkError

log = logging.getLogger(__name__)
T = TypeVar("T")
ATTEMPTS = 4
FIRST_DELAY = 0.5


async def with_retries(send: Callable[[], Awaitable[T]]) -> T:
    delay = FIRST_DELAY
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return await send()
        except (BadRequest, Forbidden):
            raise  # our request is wrong or the user blocked the bot: retrying cannot help
        except NetworkError as error:
            if attempt == ATTEMPTS:
                raise
            log.warning("Telegram send failed (%s), retry %d in %.1fs", type(error).__name__, attempt, delay)
            await asyncio.sleep(delay)
            delay *= 2
    raise AssertionError("unreachable")
