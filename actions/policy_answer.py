"""Answer ``ask_policy`` turns from the knowledge folder: a short cited answer, or
a first sentence saying the documents do not cover it."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.claim_prefill import now as story_clock
from actions.claim_prefill import prefill_events
from actions.claim_status import ActionClaimStatus, asks_own_claim_status
from actions.dialogue_events import already_said
from actions.injury_story import asks_something, tells_own_injury
from actions.subsidy_check import start_subsidy_check, subsidy_facts, wants_subsidy_check
from actions.unanswered import STORY_PLACEHOLDER, record_unanswered
from assistant.logging_setup import mask_pii
from assistant.metrics import count_decline
from assistant.settings import get_settings
from knowledge.answer import Answer, Decline, respond
from knowledge.index.lexical import tokenize
from knowledge.index.store import IndexMismatch, IndexMissing
from knowledge.service import knowledge_base

log = logging.getLogger(__name__)

# After an answer on these topics (a document's own metadata) the assistant offers the matching flow.
OFFERS = {"injury": "utter_offer_claim", "subsidy": "utter_offer_subsidy_check"}


def answer_question(question: str, min_score: float) -> Answer | Decline:
    kb = knowledge_base()
    hits = kb.search(question, 5)
    return respond(question, hits, min_score, tokenize, kb.vocabulary())


def count_outcome(outcome: str) -> None:
    """The day's tally for the staff dashboard (day and outcome only); never fails a turn."""
    from claims.outcomes import record_outcome

    try:
        record_outcome(outcome)
    except Exception as error:
        log.warning("question outcome not counted: %s", type(error).__name__)


def last_answer_slot(question: str, answer: Answer) -> dict[str, Any]:
    """What 看全文 and 👍/👎 need later; the question with numbers masked."""
    return {
        "chunk": answer.chunk_id,
        "document": answer.document,
        "section": answer.section,
        "question": mask_pii(question)[:300],
    }


def utter_answer(dispatcher: CollectingDispatcher, question: str, answer: Answer) -> list[EventType]:
    """The short cited answer (with 看全文 when shortened and 👍/👎) and the slots that go with it."""
    log.info("answered from %s › %s (score %.3f)", answer.document, answer.section, answer.score)
    dispatcher.utter_message(
        response="utter_policy_answer" if answer.shortened else "utter_policy_answer_whole",
        answer=answer.text,
        title=answer.title,
        section=answer.section,
    )
    return [SlotSet("policy_topic", answer.topic), SlotSet("last_answer", last_answer_slot(question, answer))]


async def answer_if_documents_do(question: str, dispatcher: CollectingDispatcher) -> list[EventType] | None:
    """Answer when a passage clears both gates; say nothing otherwise (the caller has its own reply)."""
    try:
        result = await asyncio.to_thread(answer_question, question, get_settings().answer_min_score)
    except (IndexMissing, IndexMismatch, FileNotFoundError):
        log.exception("knowledge index unavailable")
        return None
    if not isinstance(result, Answer):
        return None
    await asyncio.to_thread(count_outcome, "answered")
    return utter_answer(dispatcher, question, result)


async def answer_or_name_what_is_missing(
    question: str, dispatcher: CollectingDispatcher, story: bool = True
) -> list[EventType]:
    """For a story (or an unsure question) that asks something: the answer, or — when the question
    names what the documents lack (赔车, 误工费) — a first sentence saying so; silent otherwise (the
    caller's own reply follows). A story's words are never logged as unanswered."""
    try:
        result = await asyncio.to_thread(answer_question, question, get_settings().answer_min_score)
    except (IndexMissing, IndexMismatch, FileNotFoundError):
        log.exception("knowledge index unavailable")
        return []
    if isinstance(result, Decline) and not (result.missing and result.related):
        return []
    return await _reply_with(result, question, dispatcher, story=story)


async def answer_story_and_offer_claim(
    text: str, dispatcher: CollectingDispatcher, tracker: Tracker
) -> list[EventType]:
    """An injury told as a story: the answer first when it asks something the documents answer
    (or a first sentence saying what they lack), then the claim, with what the story told kept."""
    answered = await answer_or_name_what_is_missing(text, dispatcher) if asks_something(text) else []
    dispatcher.utter_message(response="utter_offer_claim_for_story")
    return [*answered, SlotSet("policy_topic", "injury"), *await prefill_events(tracker)]


async def reply_to_question(
    question: str, dispatcher: CollectingDispatcher, tracker: Tracker
) -> tuple[Answer | Decline | None, list[EventType]]:
    """Answer or decline ``question`` in the dialogue; None when the index is unavailable."""
    settings = get_settings()
    try:
        # Encoding blocks for tens of milliseconds: keep the event loop free for other users.
        result = await asyncio.to_thread(answer_question, question, settings.answer_min_score)
    except (IndexMissing, IndexMismatch, FileNotFoundError):
        log.exception("knowledge index unavailable")
        dispatcher.utter_message(response="utter_policy_unavailable")
        count_decline("index_unavailable")
        return None, []
    return result, await _reply_with(result, question, dispatcher)


async def _reply_with(
    result: Answer | Decline, question: str, dispatcher: CollectingDispatcher, story: bool = False
) -> list[EventType]:
    """The answer or the decline; a story's words (an injury told) never reach the unanswered log."""
    await asyncio.to_thread(count_outcome, "declined" if isinstance(result, Decline) else "answered")
    if isinstance(result, Answer):
        return utter_answer(dispatcher, question, result)
    count_decline("no_answer" if result.related is None else "not_covered")
    asked = STORY_PLACEHOLDER if story else question
    await asyncio.to_thread(record_unanswered, asked, result.best_score, result.missing)
    related = result.related
    if related is None:
        dispatcher.utter_message(response="utter_policy_no_answer")
    else:
        missing = f"关于“{result.missing}”的规定" if result.missing else "能直接回答这个问题的内容"
        dispatcher.utter_message(
            response="utter_policy_not_covered",
            missing=missing,
            answer=related.text,
            title=related.title,
            section=related.section,
        )
    return [SlotSet("policy_topic", None), SlotSet("last_answer", None)]


class ActionAnswerPolicy(Action):
    def name(self) -> str:
        return "action_answer_policy"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        question = (tracker.latest_message.get("text") or "").strip()
        if not tracker.active_loop_name and wants_subsidy_check(question):
            # "帮我测测能不能领" read as a question: what was asked for is the self-check itself.
            return start_subsidy_check(question, dispatcher)
        if not tracker.active_loop_name and asks_own_claim_status(question):
            # "俺那个职伤申请咋还没动静" read as a question about the rules: it asks after the sender's own.
            return await ActionClaimStatus().run(dispatcher, tracker, domain)
        if not tracker.active_loop_name and tells_own_injury(question, story_clock()):
            # "…被撞倒 右小腿骨折 …职业伤害保障要怎么申请": a story that ends in a question is a claim.
            return await answer_story_and_offer_claim(question, dispatcher, tracker)
        result, events = await reply_to_question(question, dispatcher, tracker)
        if not isinstance(result, Answer):
            return events
        offer = OFFERS.get(result.topic or "")
        if offer and not tracker.active_loop_name and not already_said(tracker, offer):
            if result.topic == "subsidy":
                # Answer first; what the question already told is not asked again in the self-check.
                events += [SlotSet(slot, value) for slot, value in subsidy_facts(question).items()]
            dispatcher.utter_message(response=offer)
        return events


class ActionShowFullAnswer(Action):
    """The whole passage behind the last short answer (看全文)."""

    def name(self) -> str:
        return "action_show_full_answer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        last = tracker.get_slot("last_answer") or {}
        chunk = None
        if isinstance(last, dict) and last.get("chunk"):
            try:
                chunk = await asyncio.to_thread(knowledge_base().chunk, str(last["chunk"]))
            except (IndexMissing, IndexMismatch, FileNotFoundError):
                log.exception("knowledge index unavailable")
        if chunk is None:
            dispatcher.utter_message(response="utter_no_full_answer")
            return []
        dispatcher.utter_message(
            response="utter_policy_full", answer=chunk.text, title=chunk.title, section=chunk.section
        )
        return []
