"""Leaving a form cleanly, and taking up an offer the assistant just made."""

from __future__ import annotations

import asyncio
import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.claim_slots import FORM as CLAIM_FORM
from actions.claim_storage import cleared_claim
from claims.drafts import discard_drafts

log = logging.getLogger(__name__)

FORM_SLOTS = {
    "subsidy_check_form": ["graduating_this_year", "subsidy_situation"],
}


class ActionCancelForm(Action):
    """Cancel works at any step: the form stops, its answers are dropped, and the user is told."""

    def name(self) -> str:
        return "action_cancel_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        form = tracker.active_loop_name
        events: list[EventType] = [ActiveLoop(None), SlotSet("requested_slot", None)]
        events += [SlotSet(slot, None) for slot in FORM_SLOTS.get(form or "", [])]
        if form == CLAIM_FORM:
            # Nothing typed into a cancelled claim is kept; a deletion that failed is not reported as done.
            try:
                await asyncio.to_thread(discard_drafts, tracker.sender_id)
            except (SQLAlchemyError, OSError):
                log.exception("could not discard the draft of a cancelled claim")
                dispatcher.utter_message(response="utter_cancel_failed")
                return []
            events += [SlotSet(slot, value) for slot, value in cleared_claim().items()]
        dispatcher.utter_message(response="utter_cancelled")
        return events


class ActionAcceptOffer(Action):
    """'好的' after a policy answer means yes to the offer that came with it."""

    def name(self) -> str:
        return "action_accept_offer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        topic = tracker.get_slot("policy_topic")
        if topic == "subsidy":
            return [FollowupAction("subsidy_check_form")]
        if topic == "injury":
            return [FollowupAction(CLAIM_FORM)]
        dispatcher.utter_message(response="utter_anything_else")
        return []
