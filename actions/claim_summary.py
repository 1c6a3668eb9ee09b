"""What the worker sees of their own claim while filling it: the summary before
确认提交 rendered from the claims store (their real answers, not the masked
slot values), the buttons to change any field, the step counter, and the
free-text prompt after "其他（直接打字）".

The summary's text echoes personal data, so the tracker store keeps that bot
message as a placeholder (``utter_claim_summary`` is an echoing response)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.claim_answers import entity_value, text_of
from actions.claim_storage import draft_id_of
from claims.drafts import draft_summary
from claims.errors import DraftNotFound
from claims.fields import FIELDS, progress
from claims.validation.work import is_other

log = logging.getLogger(__name__)

SUMMARY_RESPONSE = "utter_claim_summary"
PROGRESS_SLOT = "claim_progress"


def which_field_buttons() -> list[dict[str, str]]:
    """One button per field, from the field table (a new field gets its button)."""
    return [{"title": field.label, "payload": f'/correct_field{{"field":"{field.key}"}}'} for field in FIELDS]


def progress_text(slots: dict[str, Any]) -> str:
    step, total = progress(slots)
    return f"第{step}步（共{total}步）"


class ActionAskClaimConfirmed(Action):
    def name(self) -> str:
        return "action_ask_claim_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[Any]:
        draft_id = draft_id_of(tracker)
        try:
            if draft_id is None:
                raise DraftNotFound(None)
            lines = await asyncio.to_thread(draft_summary, draft_id, tracker.sender_id)
        except DraftNotFound:
            dispatcher.utter_message(response="utter_claim_draft_lost")
            return []
        except SQLAlchemyError:
            log.exception("could not read the draft for its summary")
            dispatcher.utter_message(response="utter_claim_summary_unavailable")
            return []
        summary = "\n".join(f"{label}：{value}" for label, value in lines)
        dispatcher.utter_message(response=SUMMARY_RESPONSE, summary=summary)
        return []


class _AskWithOther:
    """A question with buttons; after "其他" the validator has asked to type, so nothing more is said.

    A mixin, not an ``Action``: rasa-sdk registers every subclass of ``Action``."""

    slot = ""
    entity = ""

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[Any]:
        chosen = entity_value(tracker, self.entity) or text_of(tracker)
        if tracker.get_slot("requested_slot") == self.slot and is_other(chosen):
            return []
        dispatcher.utter_message(response=f"utter_ask_{self.slot}")
        return []


class ActionAskClaimPlatform(_AskWithOther, Action):
    slot = "claim_platform"
    entity = "platform"


class ActionAskClaimWorkType(_AskWithOther, Action):
    slot = "claim_work_type"
    entity = "work_type"
