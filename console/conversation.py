"""The recent conversation of a worker who asked for a person, from Rasa's tracker store.

Read-only. What the tracker store keeps is already masked (claim answers replaced,
phone and ID numbers masked); it is masked again here before staff see it."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from assistant.pii import mask_pii


@dataclass(frozen=True)
class Turn:
    who: str  # worker | bot
    text: str
    at: datetime


def recent_turns(tracker_db: Path, sender_id: str, limit: int = 20) -> list[Turn]:
    if not tracker_db.exists():
        return []
    try:
        connection = sqlite3.connect(f"file:{tracker_db}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return []
    try:
        rows = connection.execute(
            "SELECT type_name, timestamp, data FROM events WHERE sender_id = ? AND type_name IN ('user', 'bot') "
            "ORDER BY id DESC LIMIT ?",
            (sender_id, limit),
        ).fetchall()
    except sqlite3.Error:
        return []
    finally:
        connection.close()
    turns = []
    for type_name, timestamp, data in reversed(rows):
        try:
            text = json.loads(data).get("text") or ""
        except (ValueError, AttributeError):
            text = ""
        if not text or (type_name == "user" and text.startswith("/")):
            continue
        who = "worker" if type_name == "user" else "bot"
        turns.append(Turn(who, mask_pii(text)[:1000], datetime.fromtimestamp(timestamp, UTC)))
    return turns
