"""The front end's side of a claim after submission: material (photos, PDFs,
"补充说明" notes) for a claim staff are still handling, and news of staff
changes at the worker's next message.

A file that could go to several claims waits here, in memory, until the worker
taps which one (``MATERIAL_CALLBACK`` + reference); it expires after
``PENDING_SECONDS`` and the worker is asked to send it again. News of a staff
change that was not delivered (no Telegram chat, or every retry failed) is
shown before the reply to the worker's next message (``claims.notify.news_for``);
the bot also delivers pending notifications at start and on a timer.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field

from bot import texts
from bot.rasa_client import Button
from bot.uploads import EvidenceUploader, Upload, UploadResult

log = logging.getLogger(__name__)

MATERIAL_CALLBACK = "material:"
PENDING_SECONDS = 600
NOTIFY_INTERVAL_SECONDS = 60.0


@dataclass(frozen=True)
class Outcome:
    text: str
    buttons: list[Button] = field(default_factory=list)
    to_rasa: str | None = None  # what to send on to Rasa afterwards (the claim form goes on)


@dataclass
class _Pending:
    at: float
    upload: Upload | None
    data: bytes
    note: str = ""


def is_note(text: str) -> bool:
    return text.strip().startswith(texts.NOTE_PREFIX)


def note_text(text: str) -> str:
    return text.strip().removeprefix(texts.NOTE_PREFIX).lstrip("：:，, ").strip()


class MaterialDesk:
    def __init__(self, uploader: EvidenceUploader) -> None:
        self.uploader = uploader
        self._pending: dict[str, _Pending] = {}

    def _outcome(self, sender: str, result: UploadResult, pending: _Pending) -> Outcome:
        if result.choices:
            self._pending[sender] = pending
            buttons = [Button(reference, MATERIAL_CALLBACK + reference) for reference in result.choices]
            return Outcome(texts.MATERIAL_CHOOSE, buttons)
        if not result.ok:
            return Outcome(result.reply or texts.UPLOAD_FAILED)
        if result.reference is None:  # a file for the draft: the claim form goes on
            return Outcome("", to_rasa="/upload_evidence")
        if pending.upload is None:
            return Outcome(texts.MATERIAL_NOTE_ADDED.format(reference=result.reference))
        return Outcome(texts.MATERIAL_ADDED.format(reference=result.reference, count=result.count))

    async def file(self, sender: str, upload: Upload, data: bytes) -> Outcome:
        result = await self.uploader.send(sender, upload, data)
        return self._outcome(sender, result, _Pending(time.monotonic(), upload, data))

    async def note(self, sender: str, text: str) -> Outcome | None:
        """None: not a note for a submitted claim (no such claim): the message goes to Rasa as usual."""
        body = note_text(text)
        if not body:
            return Outcome(texts.NOTE_EMPTY)
        result = await self.uploader.send_note(sender, body)
        if not result.ok and not result.choices and result.reply == texts.UPLOAD_OUTSIDE_CLAIM:
            return None
        return self._outcome(sender, result, _Pending(time.monotonic(), None, b"", body))

    async def choose(self, sender: str, reference: str) -> Outcome:
        pending = self._pending.pop(sender, None)
        if pending is None or time.monotonic() - pending.at > PENDING_SECONDS:
            return Outcome(texts.MATERIAL_EXPIRED)
        if pending.upload is None:
            result = await self.uploader.send_note(sender, pending.note, reference)
        else:
            result = await self.uploader.send(sender, pending.upload, pending.data, reference)
        return self._outcome(sender, result, pending)


async def news(sender: str) -> list[str]:
    """Staff changes this worker has not been told of (taken as they are read)."""
    from claims.notify import news_for

    try:
        return await asyncio.to_thread(news_for, sender)
    except Exception as error:  # the claims store being down must not stop the chat
        log.warning("could not look up claim news: %s", type(error).__name__)
        return []


async def deliver_notifications_forever(interval: float = NOTIFY_INTERVAL_SECONDS) -> None:
    """At start every pending notification, then those due, on a timer (failed ones back off)."""
    from claims.notify import notify_pending

    due_only = False
    while True:
        try:
            result = await asyncio.to_thread(notify_pending, due_only=due_only)
            if result.sent or result.failed:
                log.info("status notifications: %d delivered, %d to retry", result.sent, result.failed)
        except Exception as error:
            log.warning("status notifications not delivered this round: %s", type(error).__name__)
        due_only = True
        await asyncio.sleep(interval)
