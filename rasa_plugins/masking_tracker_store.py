"""Rasa's SQL tracker store, minus the personal data users type into a claim.

The action server takes each claim answer out of the live tracker and stores
it in the claims store; what Rasa persists afterwards is the conversation with
the text (and entity values) of every message that belongs to a claim
replaced by a placeholder: typed while the claim form is active or while a
draft is open (the form paused by 转人工 or a declined withdrawal, or a new
session), and the message that starts a claim (its turn activates the form or
sets ``claim_prefill``). Phone and ID numbers are masked in every other
message, in bot messages and in slot values; bot messages that echo staff
notes (claim status) are stored as a placeholder. Intents stay, so the
dialogue (and a restart in the middle of a claim) works exactly as before.
When consent is withdrawn and the erasure succeeded, every stored event of
that sender is deleted and the conversation starts afresh.

Long conversations are kept fast the way Rasa keeps long-idle ones: once the
current session holds more than TRACKER_MAX_SESSION_EVENTS events (about 25
turns at the default 200) and no form is active, a new session is started
with every slot carried over. Rasa loads only the latest session for each
turn, and its per-turn cost grows with what it loads (measured: median turn
42 ms over turns 1-25, 128 ms over turns 126-150 without this).

Configured in endpoints.yml; imported by the Rasa server (PYTHONPATH is the
project root, set by ``assistant.services``).
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    AllSlotsReset,
    BotUttered,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.orm import sessionmaker

from assistant.pii import redact_numbers  # the same patterns the log filter masks

PROTECTED_LOOPS = frozenset({"injury_claim_form"})
# While this slot is set a claim draft is open: whatever the user types belongs to it, form
# active or not (after 转人工 or a declined withdrawal the form is paused, after a session
# expired it is not active yet, but the next answer still goes into the claim).
DRAFT_SLOT = "claim_draft_id"
# Set by the lead's injury-story action (encrypted) when a first message told an injury story.
PREFILL_SLOT = "claim_prefill"
# Bot messages of these actions echo staff notes and claim details: stored as a placeholder.
ECHOING_ACTIONS = frozenset({"action_claim_status"})
# Responses that show back what the worker told (the injury story's facts, before the claim form asks them).
ECHOING_RESPONSES = frozenset({"utter_ask_claim_prefill_ok", "utter_claim_summary"})
# Consent withdrawn and erasure done: the conversation so far is deleted, not just masked.
ERASING_ACTION, ERASED_RESPONSE = "action_withdraw_consent", "utter_withdrawal_done"
# Actions whose next turn is read in their light (an offer, a confirmation): never split a session after them.
CONTEXTUAL_ACTIONS = frozenset({"action_answer_policy", "action_confirm_withdrawal", "action_fallback"})
MAX_SESSION_EVENTS = int(os.environ.get("TRACKER_MAX_SESSION_EVENTS") or 200)
PLACEHOLDER = "[已隐藏]"


def mask_numbers(text: str) -> str:
    return redact_numbers(text)


class _StoredEvent:
    """What ``SQLTrackerStore.save`` needs of an event: its type and its dict."""

    def __init__(self, event: Event, data: dict[str, Any]):
        self.type_name = event.type_name
        self._data = data

    def as_dict(self) -> dict[str, Any]:
        return self._data


def _masked(event: UserUttered, protected: bool) -> _StoredEvent | UserUttered:
    text = event.text or ""
    payload = text.startswith("/")
    if payload and not protected:
        return event  # a button payload
    replacement = PLACEHOLDER if protected and not payload else mask_numbers(text)
    entities = (event.parse_data or {}).get("entities") or []
    if replacement == text and not (protected and entities):
        return event
    data = copy.deepcopy(event.as_dict())
    data["text"] = replacement
    parse_data = data.get("parse_data") or {}
    parse_data["text"] = replacement
    parse_data.pop("response_selector", None)
    for entity in parse_data.get("entities") or []:
        entity["value"] = PLACEHOLDER if protected else mask_numbers(str(entity.get("value", "")))
    return _StoredEvent(event, data)


# Metadata a placeholder keeps: which response it was. The rest are the response's template
# values (the summary, the story's facts), which carry what the text carried.
_RESPONSE_NAME_KEYS = ("utter_action", "template")


def _masked_bot(event: BotUttered, echoing: bool) -> _StoredEvent | BotUttered:
    text = event.text or ""
    replacement = PLACEHOLDER if echoing and text else mask_numbers(text)
    metadata = dict(event.metadata or {})
    if echoing:
        kept = {key: value for key, value in metadata.items() if key in _RESPONSE_NAME_KEYS}
    else:
        kept = {key: mask_numbers(value) if isinstance(value, str) else value for key, value in metadata.items()}
    if replacement == text and kept == metadata:
        return event
    data = copy.deepcopy(event.as_dict())
    data["text"] = replacement
    data["metadata"] = kept
    return _StoredEvent(event, data)


def _masked_slot(event: SlotSet) -> _StoredEvent | SlotSet:
    if not isinstance(event.value, str) or mask_numbers(event.value) == event.value:
        return event
    data = copy.deepcopy(event.as_dict())
    data["value"] = mask_numbers(event.value)
    return _StoredEvent(event, data)


def starts_claim(events: list[Event], position: int) -> bool:
    """Whether the turn begun by the user message at ``position`` starts (or pre-fills) a claim."""
    for event in events[position + 1 :]:
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, ActiveLoop) and event.name in PROTECTED_LOOPS:
            return True
        if isinstance(event, SlotSet) and event.key == PREFILL_SLOT and event.value is not None:
            return True
    return False


def erased_in(events: list[Event]) -> bool:
    """The user's consent was withdrawn and the erasure succeeded in these events."""
    erasing = False
    for event in events:
        if isinstance(event, ActionExecuted):
            erasing = event.action_name == ERASING_ACTION
        elif (
            erasing and isinstance(event, BotUttered) and (event.metadata or {}).get("utter_action") == ERASED_RESPONSE
        ):
            return True
    return False


def protected_positions(events: list[Event]) -> set[int]:
    """User messages whose text must not be stored: typed into a claim, or starting one."""
    protected: set[int] = set()
    active_loop: str | None = None
    draft_open = False
    for position, event in enumerate(events):
        if isinstance(event, UserUttered) and (
            active_loop in PROTECTED_LOOPS or draft_open or starts_claim(events, position)
        ):
            protected.add(position)
        if isinstance(event, ActiveLoop):
            active_loop = event.name
        elif isinstance(event, SlotSet) and event.key == DRAFT_SLOT:
            draft_open = event.value is not None
        elif isinstance(event, (Restarted, AllSlotsReset)):
            draft_open, active_loop = False, None
    return protected


class MaskingSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name != "sqlite":
            # A server database (PostgreSQL) can restart under us: each pooled connection is
            # tested before use, so the first turn after a restart works instead of failing.
            url = self.engine.url
            self.engine.dispose()
            self.engine = sa.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))
            self.sessionmaker = sessionmaker(bind=self.engine)
        # A database error is logged with its statement: never with the events it was writing.
        self.engine.hide_parameters = True

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator:
        new_events = list(super()._additional_events(session, tracker))
        events = list(tracker.events)
        first_new = len(events) - len(new_events)
        if new_events and erased_in(new_events):
            # Every stored session of this sender goes; the conversation starts afresh.
            session.query(self.SQLEvent).filter(self.SQLEvent.sender_id == tracker.sender_id).delete()
            return iter(_fresh_start(events[-1].timestamp or 0.0))
        protected = protected_positions(events)
        stored: list[Any] = []
        active_loop: str | None = None
        last_action: str | None = None
        for position, event in enumerate(events):
            if position >= first_new:
                if isinstance(event, UserUttered):
                    stored.append(_masked(event, position in protected))
                elif isinstance(event, BotUttered):
                    echoing = (event.metadata or {}).get("utter_action") in ECHOING_RESPONSES
                    stored.append(_masked_bot(event, echoing or last_action in ECHOING_ACTIONS))
                elif isinstance(event, SlotSet):
                    stored.append(_masked_slot(event))
                else:
                    stored.append(event)
            if isinstance(event, ActiveLoop):
                active_loop = event.name
            elif isinstance(event, ActionExecuted):
                last_action = event.action_name
        if len(events) > MAX_SESSION_EVENTS and active_loop is None and new_events:
            stored += _new_session(tracker)
        return iter(stored)


def _fresh_start(after: float) -> list[Event]:
    stamp = after + 0.001
    return [
        ActionExecuted("action_session_start", timestamp=stamp),
        SessionStarted(timestamp=stamp + 0.001),
        ActionExecuted("action_listen", timestamp=stamp + 0.002),
    ]


def _new_session(tracker: DialogueStateTracker) -> list[Event]:
    """What Rasa writes when a session expires with carry_over_slots_to_new_session: true.

    Only at a quiet point: the last event is the bot listening and no form is active."""
    last = tracker.events[-1]
    if not (isinstance(last, ActionExecuted) and last.action_name == "action_listen"):
        return []
    previous = next((e for e in reversed(list(tracker.events)[:-1]) if isinstance(e, ActionExecuted)), None)
    if previous is not None and previous.action_name in CONTEXTUAL_ACTIONS:
        return []
    stamp = (last.timestamp or 0.0) + 0.001
    events: list[Event] = [ActionExecuted("action_session_start", timestamp=stamp)]
    events.append(SessionStarted(timestamp=stamp + 0.001))
    for name, value in tracker.current_slot_values().items():
        if value is not None and name != "requested_slot":
            events.append(SlotSet(name, value, timestamp=stamp + 0.002))
    events.append(ActionExecuted("action_listen", timestamp=stamp + 0.003))
    return events
