"""The end of the claim form: submitted with a reference number, or, when a
consent was refused, nothing kept and the other ways to apply explained."""

from __future__ import annotations

import asyncio
import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.claim_slots import FORM
from actions.claim_storage import cleared_claim, draft_id_of
from claims.drafts import discard_drafts
from claims.errors import DraftNotFound, IncompleteClaim
from claims.submission import submit_draft

log = logging.getLogger(__name__)


class ActionSubmitClaim(Action):
    def name(self) -> str:
        return "action_submit_claim"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        reset = [SlotSet(slot, value) for slot, value in cleared_claim().items()]
        if tracker.get_slot("claim_consent") is False or tracker.get_slot("claim_sensitive_consent") is False:
            try:
                await asyncio.to_thread(discard_drafts, tracker.sender_id)
            except SQLAlchemyError:
                log.exception("could not discard a draft after consent was refused")
            dispatcher.utter_message(response="utter_claim_no_consent")
            return reset
        draft_id = draft_id_of(tracker)
        if tracker.get_slot("claim_confirmed") is not True or draft_id is None:
            dispatcher.utter_message(response="utter_claim_draft_lost")
            return reset
        try:
            reference = await asyncio.to_thread(submit_draft, draft_id, tracker.sender_id)
        except (DraftNotFound, IncompleteClaim) as error:
            log.warning("claim draft %s could not be submitted: %s", draft_id, type(error).__name__)
            dispatcher.utter_message(response="utter_claim_draft_lost")
            return reset
        except SQLAlchemyError:
            # Nothing was written: the answers stay in the draft and the form shows the summary again.
            log.exception("claim submission failed")
            dispatcher.utter_message(response="utter_claim_submit_failed")
            return [SlotSet("claim_confirmed", None), FollowupAction(FORM)]
        log.info("claim %s submitted", reference)
        dispatcher.utter_message(response="utter_claim_submitted", reference=reference)
        return [*reset, SlotSet("last_claim_ref", reference)]
