"""Nothing that could be handled falls to "没看懂".

When the classifier is unsure (nlu_fallback), says ``inform`` outside a form,
or calls a message out of scope, the cascade tries in turn:

a. an injury told as a story (injury words plus work or accident context, or
   report_injury among the top guesses) gets the claim offer;
b. an explicit request to be checked for the subsidy starts the self-check;
c. a confident, answering knowledge-base passage is given as the answer
   (not for out_of_scope: small talk must not be answered from the documents);
d. the two or three likeliest intents are offered as buttons ("你是想…？").

Only then the honest "没看懂", and after two misses in a row a person is offered.
"""

from __future__ import annotations

import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.claim_status import ActionClaimStatus, asks_own_claim_status
from actions.dialogue_events import consecutive_misses
from actions.injury_story import asks_something, looks_like_injury_report, tells_injury_off_work
from actions.policy_answer import (
    answer_if_documents_do,
    answer_or_name_what_is_missing,
    answer_story_and_offer_claim,
    reply_to_question,
)
from actions.subsidy_check import start_subsidy_check, wants_subsidy_check
from assistant.metrics import count_decline
from knowledge.answerability import neighbouring_topic

log = logging.getLogger(__name__)

OFFER_HUMAN_AFTER = 2
# Intents worth offering as a button, with the payload the button sends.
SUGGESTIBLE = (
    "report_injury",
    "check_subsidy_eligibility",
    "check_claim_status",
    "human_handoff",
    "withdraw_consent",
    "help",
)
# Answers to a form's questions, sent when no form is open.
FORM_ANSWERS = frozenset({"inform", "skip"})
MAIN_OFFERS = ("report_injury", "check_claim_status", "help")
# Small talk needs no dialogue state: read with little confidence, or as a form answer
# with no form open ("88" between goodbye and a number someone typed), it still gets its
# reply when it is most of what the message could mean here and nothing else comes close.
SMALL_TALK = {
    "greet": "utter_greet",
    "goodbye": "utter_goodbye",
    "thank": "utter_you_are_welcome",
    "bot_challenge": "utter_iamabot",
}
# Number slang: the classifier reads every number alike (88 looks like an age or a phone
# number to it), so these few are read by their text.
NUMBER_SLANG = {"88": "goodbye", "886": "goodbye", "8888": "goodbye", "3q": "thank", "3x": "thank"}
SMALL_TALK_MIN_CONFIDENCE = 0.1
SMALL_TALK_MIN_SHARE = 0.5  # of the confidence the intents meaningful here hold together
SMALL_TALK_MARGIN = 0.08  # the FallbackClassifier's ambiguity_threshold (config.yml), as a share too
MIN_SUGGESTION_CONFIDENCE = 0.08
# A message the classifier confidently calls off-topic keeps that reading unless another intent
# holds a real share: the intent ensemble (DIET averaged with a linear model) leaves a tenth or
# two on neighbours ("哪里修车便宜" keeps 0.17 of report_injury), which are not a question to ask back.
OFF_TOPIC_MIN_SUGGESTION_CONFIDENCE = 0.25
MAX_SUGGESTIONS = 3


def ranked_intents(tracker: Tracker) -> list[tuple[str, float]]:
    ranking = tracker.latest_message.get("intent_ranking") or []
    return [(str(r.get("name")), float(r.get("confidence") or 0.0)) for r in ranking if r.get("name")]


def suggestions(ranking: list[tuple[str, float]], floor: float = MIN_SUGGESTION_CONFIDENCE) -> list[str]:
    return [name for name, confidence in ranking if name in SUGGESTIBLE and confidence >= floor][:MAX_SUGGESTIONS]


def small_talk(text: str, ranking: list[tuple[str, float]], in_form: bool) -> str | None:
    """The small-talk intent an unsure message most likely is, among the intents that
    mean something here (a form answer means nothing with no form open)."""
    if in_form:
        return None
    slang = NUMBER_SLANG.get(text.strip().strip("~～!！。.").lower())
    if slang is not None or any(ch.isdigit() for ch in text):
        return slang  # a number is data, not small talk, unless it is slang
    meaningful = [(n, c) for n, c in ranking if n != "nlu_fallback" and n not in FORM_ANSWERS]
    total = sum(c for _, c in meaningful)
    if not meaningful or total <= 0:
        return None
    name, confidence = meaningful[0]
    runner_up = meaningful[1][1] if len(meaningful) > 1 else 0.0
    if name not in SMALL_TALK or confidence < SMALL_TALK_MIN_CONFIDENCE:
        return None
    clear = confidence / total >= SMALL_TALK_MIN_SHARE and (confidence - runner_up) / total >= SMALL_TALK_MARGIN
    return name if clear else None


def _label(domain: DomainDict, intent: str) -> str:
    variants = (domain.get("responses") or {}).get(f"utter_intent_label_{intent}") or [{}]
    return str(variants[0].get("text") or intent)


class ActionFallback(Action):
    def name(self) -> str:
        return "action_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        text = (tracker.latest_message.get("text") or "").strip()
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        ranking = ranked_intents(tracker)
        in_form = bool(tracker.active_loop_name)
        typed_outside_a_form = not in_form and not text.startswith("/")
        if typed_outside_a_form and tells_injury_off_work(text):
            dispatcher.utter_message(response="utter_injury_not_at_work")
            return []
        if typed_outside_a_form and looks_like_injury_report(text, ranking):
            return await answer_story_and_offer_claim(text, dispatcher, tracker)
        if typed_outside_a_form and wants_subsidy_check(text):
            return start_subsidy_check(text, dispatcher)
        if typed_outside_a_form and asks_own_claim_status(text):
            return await ActionClaimStatus().run(dispatcher, tracker, domain)
        unsure = intent == "nlu_fallback" or intent in FORM_ANSWERS
        chat = small_talk(text, ranking, in_form) if unsure and not text.startswith("/") else None
        if chat is not None:
            dispatcher.utter_message(response=SMALL_TALK[chat])
            return []
        # "饿了么众包", "先跳过" with no form open: an answer to a question nobody asked, not a question.
        best = next((name for name, _ in ranking if name != "nlu_fallback"), intent)
        form_answer = not in_form and (intent in FORM_ANSWERS or (intent == "nlu_fallback" and best in FORM_ANSWERS))
        question = asks_something(text)
        if intent != "out_of_scope" and text and not text.startswith("/") and (question or not form_answer):
            if question:
                # A question the documents answer gets the answer; one naming what they lack
                # ("另外五个是哪几个") hears so, with the closest passage, rather than "没看懂".
                said = len(dispatcher.messages)
                events = await answer_or_name_what_is_missing(text, dispatcher, story=False)
                if len(dispatcher.messages) > said:
                    return events
            else:
                answered = await answer_if_documents_do(text, dispatcher)
                if answered is not None:
                    return answered
        if "out_of_scope" in (intent, best) and neighbouring_topic(text) and question:
            # 产假、公积金、试用期: labour questions the documents leave out are declined, not called off-topic.
            _, events = await reply_to_question(text, dispatcher, tracker)
            return events
        # A question read as a form answer ("顺丰快递怎么查物流") that the documents do not answer is off-topic.
        off_topic = intent == "out_of_scope" or best == "out_of_scope" or (form_answer and question)
        floor = OFF_TOPIC_MIN_SUGGESTION_CONFIDENCE if intent == "out_of_scope" else MIN_SUGGESTION_CONFIDENCE
        options = [] if form_answer and question else suggestions(ranking, floor)
        if not options and form_answer and not question:
            # A name, a phone number or "跳过" with no form open: show what it could be for.
            options = list(MAIN_OFFERS)
        misses = consecutive_misses(tracker)
        if options and misses < OFFER_HUMAN_AFTER and not in_form:
            buttons = [{"title": _label(domain, name), "payload": f"/{name}"} for name in options]
            dispatcher.utter_message(response="utter_did_you_mean", buttons=buttons)
            return []
        dispatcher.utter_message(response="utter_out_of_scope" if off_topic else "utter_default")
        count_decline("out_of_scope" if off_topic else "not_understood")
        if misses >= OFFER_HUMAN_AFTER:
            dispatcher.utter_message(response="utter_offer_human")
        return []
