"""Hand the user to a person: the 12351 hotline, and a request staff can see."""

from __future__ import annotations

import asyncio
import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.dialogue_events import consecutive_misses
from claims.handoffs import record_handoff

log = logging.getLogger(__name__)


class ActionHumanHandoff(Action):
    def name(self) -> str:
        return "action_human_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        reason = "after_misses" if consecutive_misses(tracker) else "user_request"
        last_text = _last_meaningful_text(tracker)
        try:
            request_id = await asyncio.to_thread(record_handoff, tracker.sender_id, reason, last_text)
            log.info("hand-off request %s recorded (%s)", request_id, reason)
            dispatcher.utter_message(response="utter_handoff")
        except Exception:
            log.exception("could not record the hand-off request")
            dispatcher.utter_message(response="utter_handoff_not_recorded")
        events: list[EventType] = []
        if tracker.active_loop_name:
            events += [ActiveLoop(None), SlotSet("requested_slot", None)]
        return events


def _last_meaningful_text(tracker: Tracker) -> str:
    """The user's last real question, not the '转人工' that asked for the hand-off."""
    texts = [e.get("text") or "" for e in tracker.events if e.get("event") == "user"]
    texts = [t for t in texts if t and not t.startswith("/")]
    return texts[-2] if len(texts) >= 2 else (texts[-1] if texts else "")
