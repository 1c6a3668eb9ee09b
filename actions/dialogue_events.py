"""Reading the conversation history the way several actions need it."""

from __future__ import annotations

from rasa_sdk import Tracker

MISS_INTENTS = frozenset({"nlu_fallback", "out_of_scope"})


def consecutive_misses(tracker: Tracker) -> int:
    """How many of the latest user messages in a row the assistant could not help with."""
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        intent = (event.get("parse_data") or {}).get("intent", {}).get("name")
        if intent not in MISS_INTENTS:
            break
        count += 1
    return count


def already_said(tracker: Tracker, response: str) -> bool:
    """Whether the bot already used this response in the conversation: offers are made once."""
    return any(
        e.get("event") == "bot" and (e.get("metadata") or {}).get("utter_action") == response for e in tracker.events
    )
