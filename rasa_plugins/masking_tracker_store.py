"""Rasa's SQL tracker store, minus the personal data users type into a claim.

The action server takes each claim answer out of the live tracker and stores
it in the claims store; what Rasa persists afterwards is the conversation with
every message sent while the claim form was active replaced by a placeholder,
and phone and ID numbers masked in all other messages. Intents stay, so the
dialogue (and a restart in the middle of a claim) works exactly as before.

Long conversations are kept fast the way Rasa keeps long-idle ones: once the
current session holds more than TRACKER_MAX_SESSION_EVENTS events (about 25
turns at the default 200) and no form is active, a new session is started
with every slot carried over. Rasa loads only the latest session for each
turn, and its per-turn cost grows with what it loads (measured: median turn
42 ms over turns 1-25, 128 ms over turns 126-150 without this).

Configured in endpoints.yml; imported by the Rasa server (PYTHONPATH is the
project root, set by ``assistant.services``). Being the one module Rasa loads
from this project at start-up, it also installs the faster validation of
action-server responses (``fast_action_validation``).
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterator
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import ActionExecuted, ActiveLoop, Event, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from assistant.logging_setup import ID_PATTERN, PHONE_PATTERN  # the same patterns the log filter masks
from rasa_plugins import fast_action_validation

fast_action_validation.install()

PROTECTED_LOOPS = frozenset({"injury_claim_form"})
# Actions whose next turn is read in their light (an offer, a confirmation): never split a session after them.
CONTEXTUAL_ACTIONS = frozenset({"action_answer_policy", "action_confirm_withdrawal", "action_fallback"})
MAX_SESSION_EVENTS = int(os.environ.get("TRACKER_MAX_SESSION_EVENTS") or 200)
PLACEHOLDER = "[已隐藏]"


def mask_numbers(text: str) -> str:
    return PHONE_PATTERN.sub("[手机号]", ID_PATTERN.sub("[身份证号]", text))


class _StoredEvent:
    """What ``SQLTrackerStore.save`` needs of an event: its type and its dict."""

    def __init__(self, event: Event, data: dict[str, Any]):
        self.type_name = event.type_name
        self._data = data

    def as_dict(self) -> dict[str, Any]:
        return self._data


def _masked(event: UserUttered, in_protected_form: bool) -> _StoredEvent | UserUttered:
    text = event.text or ""
    if text.startswith("/") and not in_protected_form:
        return event  # a button payload
    replacement = PLACEHOLDER if in_protected_form and not text.startswith("/") else mask_numbers(text)
    if replacement == text:
        return event
    data = copy.deepcopy(event.as_dict())
    data["text"] = replacement
    parse_data = data.get("parse_data") or {}
    parse_data["text"] = replacement
    parse_data.pop("response_selector", None)
    if in_protected_form:
        for entity in parse_data.get("entities") or []:
            entity["value"] = PLACEHOLDER
    return _StoredEvent(event, data)


class MaskingSQLTrackerStore(SQLTrackerStore):
    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator:
        new_events = list(super()._additional_events(session, tracker))
        first_new = len(tracker.events) - len(new_events)
        active_loop: str | None = None
        stored = []
        for position, event in enumerate(tracker.events):
            if position >= first_new:
                if isinstance(event, UserUttered):
                    stored.append(_masked(event, active_loop in PROTECTED_LOOPS))
                else:
                    stored.append(event)
            if isinstance(event, ActiveLoop):
                active_loop = event.name
        if len(tracker.events) > MAX_SESSION_EVENTS and active_loop is None and new_events:
            stored += _new_session(tracker)
        return iter(stored)


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
