"""Withdrawing consent: asked once more (it cannot be undone), then every
draft is deleted and submitted claims lose their personal data and evidence."""

from __future__ import annotations

import asyncio
import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.claim_storage import cleared_claim
from claims.erasure import erase_user_data

log = logging.getLogger(__name__)


class ActionConfirmWithdrawal(Action):
    def name(self) -> str:
        return "action_confirm_withdrawal"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        dispatcher.utter_message(response="utter_confirm_withdrawal")
        if tracker.active_loop_name:
            # The yes/no that follows answers this question, not the form's.
            return [ActiveLoop(None), SlotSet("requested_slot", None)]
        return []


class ActionWithdrawConsent(Action):
    def name(self) -> str:
        return "action_withdraw_consent"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        try:
            erased = await asyncio.to_thread(erase_user_data, tracker.sender_id)
        except (SQLAlchemyError, OSError):
            log.exception("erasure after consent withdrawal failed")
            dispatcher.utter_message(response="utter_withdrawal_failed")
            return []
        log.info(
            "consent withdrawn: %d drafts deleted, %d claims anonymised",
            erased.drafts_deleted,
            erased.claims_anonymised,
        )
        dispatcher.utter_message(response="utter_withdrawal_done")
        return [SlotSet(slot, value) for slot, value in cleared_claim().items()]
