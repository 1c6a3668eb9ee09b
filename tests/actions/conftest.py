"""A tracker fixture and a knowledge base over the tiny corpus, as rasa-sdk tests do."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rasa_sdk import Tracker


@pytest.fixture
def make_tracker() -> Callable[..., Tracker]:
    def make(
        text: str,
        intent: str = "ask_policy",
        slots: dict | None = None,
        sender_id: str = "user-1",
        active_loop: dict | None = None,
    ) -> Tracker:
        latest = {"text": text, "intent": {"name": intent, "confidence": 0.99}, "entities": []}
        events = [{"event": "user", "text": text, "parse_data": latest}]
        return Tracker(sender_id, slots or {}, latest, events, False, None, active_loop or {}, "action_listen")

    return make
