"""Answer ``ask_policy`` turns from the knowledge folder, citing the source."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.dialogue_events import already_said
from actions.unanswered import record_unanswered
from assistant.settings import get_settings
from knowledge.answer import compose_answer
from knowledge.index.store import IndexMismatch, IndexMissing
from knowledge.service import knowledge_base

log = logging.getLogger(__name__)

# After an answer on these topics the assistant offers the matching flow.
OFFERS = {"injury": "utter_offer_claim", "subsidy": "utter_offer_subsidy_check"}


class ActionAnswerPolicy(Action):
    def name(self) -> str:
        return "action_answer_policy"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        question = (tracker.latest_message.get("text") or "").strip()
        settings = get_settings()
        try:
            # Encoding blocks for tens of milliseconds: keep the event loop free for other users.
            hits = await asyncio.to_thread(knowledge_base().search, question, 5)
        except (IndexMissing, IndexMismatch, FileNotFoundError):
            log.exception("knowledge index unavailable")
            dispatcher.utter_message(response="utter_policy_unavailable")
            return []
        answer = compose_answer(hits, settings.answer_min_score)
        if answer is None:
            best: Any = hits[0].dense_score if hits else None
            await asyncio.to_thread(record_unanswered, question, best)
            dispatcher.utter_message(response="utter_policy_no_answer")
            return [SlotSet("policy_topic", None)]
        log.info("answered from %s › %s (score %.3f)", answer.document, answer.section, answer.score)
        dispatcher.utter_message(
            response="utter_policy_answer", answer=answer.text, title=answer.title, section=answer.section
        )
        offer = OFFERS.get(answer.topic or "")
        if offer and not tracker.active_loop_name and not already_said(tracker, offer):
            dispatcher.utter_message(response=offer)
        return [SlotSet("policy_topic", answer.topic)]
