"""Writing validated answers to the draft claim from the form, off the event loop.

A failed write must never look like success: the slot stays empty, the user
is told, and the question is asked again."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.claim_slots import CLAIM_SLOTS, CLAIM_STATE_SLOTS
from claims.drafts import save_answers
from claims.errors import DraftNotFound

log = logging.getLogger(__name__)


def cleared_claim() -> dict[str, Any]:
    return dict.fromkeys(CLAIM_SLOTS + CLAIM_STATE_SLOTS)


def draft_id_of(tracker: Tracker) -> int | None:
    value = tracker.get_slot("claim_draft_id")
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


async def store_answer(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    slot: str,
    columns: dict[str, Any],
    shown: Any,
    extra_slots: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Save ``columns`` to the draft; on success the slot gets ``shown`` (a masked value)."""
    draft_id = draft_id_of(tracker)
    try:
        if draft_id is None:
            raise DraftNotFound(None)
        await asyncio.to_thread(save_answers, draft_id, tracker.sender_id, columns)
    except DraftNotFound:
        log.warning("draft %s of a claim form is gone; starting over", draft_id)
        dispatcher.utter_message(response="utter_claim_draft_lost")
        return cleared_claim()
    except (SQLAlchemyError, OSError):
        log.exception("could not save a claim answer (%s)", slot)
        dispatcher.utter_message(response="utter_claim_save_failed")
        return {slot: None}
    return {slot: shown, **(extra_slots or {})}
