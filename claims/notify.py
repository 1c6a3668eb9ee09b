"""Telling the worker their claim moved on, so that it arrives.

A staff change is an event with ``notified = false``. Whoever delivers it first
claims it with one conditional UPDATE (a lease), so the CLI, the console and the
bot's retry loop never send the same news twice. A failed delivery is retried
with backoff (1 min, 5 min, 30 min, 2 h, 12 h) by the bot's loop, at bot start,
and by ``assistant claims notify-pending``; a worker without a Telegram chat
(terminal, other channels) is shown the news at their next message.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy import Engine, or_, select, update

from assistant.contracts import TELEGRAM_SENDER_PREFIX
from assistant.settings import get_settings
from claims.db import session_scope
from claims.models import Claim, ClaimEvent, utcnow
from claims.wording import status_change_text

log = logging.getLogger(__name__)
TELEGRAM_PREFIX = TELEGRAM_SENDER_PREFIX
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=12),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
LEASE = timedelta(minutes=2)  # how long a sender may take before someone else may try


@dataclass(frozen=True)
class Delivery:
    sent: int
    failed: int


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
    return False


def _claim(event_id: int, now: datetime, due_only: bool, engine: Engine | None) -> bool:
    """Take the event for delivery: one conditional UPDATE that only one process wins."""
    due = or_(ClaimEvent.notify_after.is_(None), ClaimEvent.notify_after <= now) if due_only else True
    with session_scope(engine) as session:
        won = session.execute(
            update(ClaimEvent)
            .where(ClaimEvent.id == event_id, ClaimEvent.notified.is_(False), due)
            .values(notify_after=now + LEASE)
            .execution_options(synchronize_session=False)
        ).rowcount
    return bool(won)


def _record(event_id: int, delivered: bool, now: datetime, engine: Engine | None) -> None:
    with session_scope(engine) as session:
        event = session.get(ClaimEvent, event_id)
        if event is None:
            return
        if delivered:
            event.notified = True
            event.notify_after = None
            return
        event.notify_attempts = (event.notify_attempts or 0) + 1
        if event.notify_attempts < MAX_ATTEMPTS:
            event.notify_after = now + RETRY_DELAYS[event.notify_attempts - 1]
        else:
            event.notify_after = None  # given up here: shown at the worker's next message
    if not delivered:
        log.warning("status notification for event %s not delivered; will retry", event_id)


def _deliver(event_id: int, sender_id: str, text: str, now: datetime, due_only: bool, engine: Engine | None) -> bool:
    if not _claim(event_id, now, due_only, engine):
        return False
    delivered = notify_user(sender_id, text)
    _record(event_id, delivered, now, engine)
    return delivered


def announce_status_change(change, now: datetime | None = None, engine: Engine | None = None) -> bool:
    """Send a staff status change (a ``claims.status.StatusChange``) to the worker, or schedule its retry."""
    text = status_change_text(change.reference, change.status, change.note)
    return _deliver(change.event_id, change.sender_id, text, now or utcnow(), False, engine)


def notify_pending(now: datetime | None = None, *, due_only: bool = True, engine: Engine | None = None) -> Delivery:
    """Deliver staff changes not yet delivered to Telegram workers (only those due, unless ``due_only`` is off)."""
    now = now or utcnow()
    query = (
        select(ClaimEvent.id, Claim.sender_id, Claim.reference, ClaimEvent.status, ClaimEvent.note)
        .join(Claim, Claim.id == ClaimEvent.claim_id)
        .where(
            ClaimEvent.actor == "staff",
            ClaimEvent.notified.is_(False),
            ClaimEvent.notify_attempts < MAX_ATTEMPTS,
            Claim.sender_id.like(f"{TELEGRAM_PREFIX}%"),
        )
        .order_by(ClaimEvent.id)
    )
    if due_only:
        query = query.where(or_(ClaimEvent.notify_after.is_(None), ClaimEvent.notify_after <= now))
    with session_scope(engine) as session:
        rows = list(session.execute(query))
    sent = failed = 0
    for event_id, sender_id, reference, status, note in rows:
        text = status_change_text(reference or "", status, note)
        if _deliver(event_id, sender_id, text, now, due_only, engine):
            sent += 1
        else:
            failed += 1
    return Delivery(sent, failed)


def news_for(sender_id: str, now: datetime | None = None, engine: Engine | None = None) -> list[str]:
    """Staff changes this worker has not heard of, taken (marked delivered) as they are returned.

    Front ends show them before the reply to the worker's next message: how a worker on a
    channel without push (the terminal, a web chat) learns of them, and a Telegram worker
    whose notification never got through.
    """
    now = now or utcnow()
    texts = []
    with session_scope(engine) as session:
        rows = list(
            session.execute(
                select(ClaimEvent.id, Claim.reference, ClaimEvent.status, ClaimEvent.note)
                .join(Claim, Claim.id == ClaimEvent.claim_id)
                .where(Claim.sender_id == sender_id, ClaimEvent.actor == "staff", ClaimEvent.notified.is_(False))
                .order_by(ClaimEvent.id)
            )
        )
        for event_id, reference, status, note in rows:
            taken = session.execute(
                update(ClaimEvent)
                .where(
                    ClaimEvent.id == event_id,
                    ClaimEvent.notified.is_(False),
                    or_(ClaimEvent.notify_after.is_(None), ClaimEvent.notify_after <= now),
                )
                .values(notified=True, notify_after=None)
                .execution_options(synchronize_session=False)
            ).rowcount
            if taken:
                texts.append(status_change_text(reference or "", status, note))
    return texts


__all__ = ["Delivery", "announce_status_change", "news_for", "notify_pending", "notify_user", "telegram_chat_id"]
