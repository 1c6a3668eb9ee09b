"""改一下手机号: empty the field (and what depends on it) so the form asks it again,
whether the user says it mid-form or presses a button on the summary."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.claim_answers import entity_value, text_of
from actions.claim_slots import FIELD_SLOTS, FORM, field_from_text
from actions.claim_summary import PROGRESS_SLOT, progress_text, which_field_buttons


class ActionCorrectClaimField(Action):
    def name(self) -> str:
        return "action_correct_claim_field"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if tracker.active_loop_name != FORM:
            dispatcher.utter_message(response="utter_correct_outside_claim")
            return []
        named = entity_value(tracker, "field")
        field = field_from_text(named) if named else None
        field = field or field_from_text(text_of(tracker))
        if field is None:
            dispatcher.utter_message(response="utter_ask_which_field", buttons=which_field_buttons())
            return []
        dispatcher.utter_message(response="utter_will_correct")
        events: list[EventType] = [SlotSet(slot, None) for slot in FIELD_SLOTS[field]]
        # The form asks next without validating first: the step counter is set here.
        after = {**tracker.slots, **dict.fromkeys(FIELD_SLOTS[field]), "claim_confirmed": None}
        return [*events, SlotSet("claim_confirmed", None), SlotSet(PROGRESS_SLOT, progress_text(after))]
