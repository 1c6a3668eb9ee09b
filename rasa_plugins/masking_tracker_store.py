"""Rasa's SQL tracker store, minus the personal data users type into a claim.

The action server takes each claim answer out of the live tracker and stores
it in the claims store; what Rasa persists afterwards is the conversation with
every message sent while the claim form was active replaced by a placeholder,
and phone and ID numbers masked in all other messages. Intents stay, so the
dialogue (and a restart in the middle of a claim) works exactly as before.

Configured in endpoints.yml; imported by the Rasa server (PYTHONPATH is the
project root, set by ``assistant.services``). Being the one module Rasa loads
from this project at start-up, it also installs the faster validation of
action-server responses (``fast_action_validation``).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import ActiveLoop, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from rasa_plugins import fast_action_validation

fast_action_validation.install()

PROTECTED_LOOPS = frozenset({"injury_claim_form"})
PLACEHOLDER = "[已隐藏]"
_PHONE = re.compile(r"(?<!\d)1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?!\d)")
_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")


def mask_numbers(text: str) -> str:
    return _PHONE.sub("[手机号]", _ID.sub("[身份证号]", text))


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
        return iter(stored)
