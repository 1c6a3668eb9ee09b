"""What an injury story already said, proposed for confirmation once the worker consents.

Before consent nothing may be stored, yet the story must not be asked again. So
the facts read from the story travel with the conversation in slot
``claim_prefill``, encrypted (Fernet, key derived from CLAIMS_SECRET_KEY): the
tracker holds ciphertext only, and the tracker store hides the story message
itself. After both consents the form shows what was understood; a "yes" stores
each part through the form's own validators, a "no" asks as usual. The slot is
cleared either way, and by cancel, withdrawal and the end of the claim.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.injury_story import asks_something, story_facts, tells_injury_off_work
from assistant.settings import get_settings

log = logging.getLogger(__name__)

SLOT = "claim_prefill"
CONFIRM_SLOT = "claim_prefill_ok"
MAX_AGE_SECONDS = 6 * 3600
# Shorter than this, "我要报工伤吗" is a request, not a story with a question in it
# ("喝了两口酒跑单摔了 职伤认不认" is 15 characters and asks something the documents lack).
STORY_MIN_CHARS = 12
# Story part → the claim form slot its confirmation fills.
FORM_SLOTS = {
    "platform": "claim_platform",
    "work_type": "claim_work_type",
    "time_text": "injury_time",
    "place": "injury_location",
    "injury": "injury_details",
    "treatment": "treatment",
}


@lru_cache(maxsize=4)
def _fernet(secret: bytes):
    from cryptography.fernet import Fernet

    key = hashlib.sha256(b"claim-prefill\x00" + secret).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(facts: dict[str, str]) -> str:
    token = _fernet(get_settings().claims_secret_key).encrypt(json.dumps(facts, ensure_ascii=False).encode("utf-8"))
    return token.decode("ascii")


def unseal(token: object) -> dict[str, str]:
    from cryptography.fernet import InvalidToken

    if not isinstance(token, str) or not token:
        return {}
    try:
        raw = _fernet(get_settings().claims_secret_key).decrypt(token.encode("ascii"), ttl=MAX_AGE_SECONDS)
    except (InvalidToken, ValueError):
        return {}
    data = json.loads(raw)
    return {k: str(v) for k, v in data.items() if k in FORM_SLOTS and v}


def now() -> datetime:
    return datetime.now(ZoneInfo(get_settings().timezone)).replace(tzinfo=None)


async def prefill_events(tracker: Tracker) -> list[EventType]:
    """The slot events that carry the latest message's story facts into the claim."""
    text = tracker.latest_message.get("text") or ""
    if text.startswith("/"):
        return []
    facts = story_facts(text, now()).as_dict()
    return [SlotSet(SLOT, seal(facts))] if facts else []


def summary_lines(domain: DomainDict, facts: dict[str, str]) -> str:
    """One line per part, labelled with the domain's field labels."""
    responses = domain.get("responses") or {}
    lines = []
    for key in FORM_SLOTS:
        if key in facts:
            variants = responses.get(f"utter_story_label_{key}") or [{}]
            lines.append(f"{variants[0].get('text') or key}：{facts[key]}")
    return "\n".join(lines)


class ActionNoteInjuryStory(Action):
    """Runs before the claim form starts: a story that asks (能报吗) is answered first when
    the documents answer it, and what the starting message told is kept, sealed."""

    def name(self) -> str:
        return "action_note_injury_story"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        from actions.policy_answer import answer_or_name_what_is_missing  # the claim form imports this module

        text = tracker.latest_message.get("text") or ""
        if text.startswith("/"):
            return []  # a button: keep what an earlier story told
        if tells_injury_off_work(text):
            # "在家切菜把手指切了" classified as a report: say what the programme covers, start no claim.
            dispatcher.utter_message(response="utter_injury_not_at_work")
            return [SlotSet(SLOT, None), FollowupAction("action_listen")]
        events: list[EventType] = []
        if len(text) >= STORY_MIN_CHARS and asks_something(text):
            events += await answer_or_name_what_is_missing(text, dispatcher)
        return [*events, SlotSet(SLOT, None), *await prefill_events(tracker)]


class ActionAskClaimPrefillOk(Action):
    def name(self) -> str:
        return f"action_ask_{CONFIRM_SLOT}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        facts = unseal(tracker.get_slot(SLOT))
        dispatcher.utter_message(response="utter_ask_claim_prefill_ok", facts=summary_lines(domain, facts))
        return []
