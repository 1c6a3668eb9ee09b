"""👍/👎 under each answer, kept for the staff who keep the documents current.

Stored without any user id and with personal data masked: the question, the
passage (document and section) and the rating. ``assistant feedback`` lists
the 👎 ones."""

from __future__ import annotations

import asyncio
import json
import re
import threading
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from assistant.logging_setup import mask_pii
from assistant.settings import get_settings

_lock = threading.Lock()
_DOWN = re.compile(r"👎|没用|没有用|不对|错|答非所问|没回答|没帮助|不行|看不懂|不准")


@dataclass(frozen=True)
class Feedback:
    at: str
    rating: str  # "up" or "down"
    question: str
    document: str
    section: str
    chunk: str


def _path() -> Path:
    return get_settings().state_dir / "feedback.jsonl"


def record_feedback(rating: str, last_answer: dict[str, Any]) -> Feedback:
    entry = Feedback(
        datetime.now(UTC).isoformat(timespec="seconds"),
        rating,
        mask_pii(str(last_answer.get("question") or ""))[:300],
        str(last_answer.get("document") or ""),
        str(last_answer.get("section") or ""),
        str(last_answer.get("chunk") or ""),
    )
    path = _path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with _lock, path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(asdict(entry), ensure_ascii=False) + "\n")
    return entry


def list_feedback(rating: str | None = "down") -> list[Feedback]:
    path = _path()
    if not path.exists():
        return []
    entries = [Feedback(**json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [e for e in entries if rating is None or e.rating == rating]


def rating_of(tracker: Tracker) -> str:
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == "rating" and entity.get("value") in ("up", "down"):
            return str(entity["value"])
    return "down" if _DOWN.search(tracker.latest_message.get("text") or "") else "up"


class ActionRecordFeedback(Action):
    def name(self) -> str:
        return "action_record_feedback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        last = tracker.get_slot("last_answer")
        if not isinstance(last, dict) or not last.get("chunk"):
            dispatcher.utter_message(response="utter_feedback_nothing_to_rate")
            return []
        rating = rating_of(tracker)
        await asyncio.to_thread(record_feedback, rating, last)
        dispatcher.utter_message(response="utter_feedback_up" if rating == "up" else "utter_feedback_down")
        # One rating per answer.
        return [SlotSet("last_answer", {**last, "rated": rating})]
