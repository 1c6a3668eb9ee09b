"""Never silence, never a random flow: say what was not understood, and after
two misses in a row offer a person."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.dialogue_events import consecutive_misses

OFFER_HUMAN_AFTER = 2


class ActionFallback(Action):
    def name(self) -> str:
        return "action_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        dispatcher.utter_message(response="utter_out_of_scope" if intent == "out_of_scope" else "utter_default")
        if consecutive_misses(tracker) >= OFFER_HUMAN_AFTER:
            dispatcher.utter_message(response="utter_offer_human")
        return []
