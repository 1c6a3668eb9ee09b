"""Reading a form answer out of the latest message: which turns are answers,
which are questions or commands in the middle of the form, and yes/no in words."""

from __future__ import annotations

import re
import unicodedata

from rasa_sdk import Tracker

# Turns that are never an answer to the question asked: rules handle them and the form resumes.
CONTROL_INTENTS = frozenset(
    {
        "cancel",
        "human_handoff",
        "correct_field",
        "withdraw_consent",
        "help",
        "bot_challenge",
        "check_claim_status",
        "upload_evidence",
    }
)
_QUESTION = re.compile(r"[？?]|吗|么|怎么|什么|多少|哪里|哪些|如何|能不能|可不可以|是不是|有没有")
_YES = re.compile(r"^(?:是|对|都对|全对|都是对的|嗯|好|行|可以|同意|确认|没错|没问题|正确|ok|yes|y)", re.IGNORECASE)
_NO = re.compile(r"^(?:不|否|没有|没|拒绝|no|n$)", re.IGNORECASE)


def intent_of(tracker: Tracker) -> str:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name") or ""


def clean(text: str) -> str:
    """Control and invisible formatting characters (NUL, bidi overrides, BOM) never reach the store."""
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf")).strip()


def text_of(tracker: Tracker) -> str:
    return clean((tracker.latest_message or {}).get("text") or "")


def entity_value(tracker: Tracker, entity: str) -> str | None:
    for item in (tracker.latest_message or {}).get("entities") or []:
        if item.get("entity") == entity and item.get("value"):
            return str(item["value"])
    return None


def is_question(tracker: Tracker) -> bool:
    return intent_of(tracker) == "ask_policy" and bool(_QUESTION.search(text_of(tracker)))


# Answers with an unmistakable shape: an 18-character ID number can look like a claim
# reference to the intent classifier, but while the ID is asked for it is the answer.
_SHAPED = {
    "claimant_phone": re.compile(r"[+\d\s\-零〇一二三四五六七八九幺两]{11,20}"),
    "claimant_id": re.compile(r"[\dXx×\s\-]{15,24}"),
    "order_number": re.compile(r"[A-Za-z0-9\-_ ]{4,40}"),
}


def has_answer_shape(slot: str, text: str) -> bool:
    pattern = _SHAPED.get(slot)
    return bool(pattern and pattern.fullmatch(text.strip()))


def answer_to(tracker: Tracker, slot: str) -> str | None:
    """The raw answer when ``slot`` is being asked and this turn is not a command; else None."""
    if tracker.get_slot("requested_slot") != slot:
        return None
    text = text_of(tracker)
    if intent_of(tracker) in CONTROL_INTENTS and not has_answer_shape(slot, text):
        return None
    return text


def yes_no(tracker: Tracker) -> bool | None:
    intent = intent_of(tracker)
    if intent == "affirm":
        return True
    if intent == "deny":
        return False
    text = text_of(tracker)
    if _NO.search(text):
        return False
    if _YES.search(text):
        return True
    return None
