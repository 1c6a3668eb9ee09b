"""The recent conversation of a worker who asked for a person, from Rasa's tracker store
(TRACKER_STORE_URL: the SQLite file TRACKER_DB unless set, or PostgreSQL).

Read only. What the tracker store keeps is already masked (claim answers replaced,
phone and ID numbers masked); it is masked again here before staff see it."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import SQLAlchemyError

from assistant.pii import mask_pii
from claims.tracker_erasure import tracker_engine_url

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Turn:
    who: str  # worker | bot
    text: str
    at: datetime


def recent_turns(tracker_url: str, sender_id: str, limit: int = 20) -> list[Turn]:
    if tracker_url.startswith("sqlite"):
        path = Path(tracker_url.split("///", 1)[1])
        if not path.exists():
            return []
        engine = create_engine(tracker_url, hide_parameters=True, connect_args={"timeout": 5})
    else:
        engine = create_engine(tracker_engine_url(tracker_url), hide_parameters=True)
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("events"):
                return []
            rows = connection.execute(
                text(
                    "SELECT type_name, timestamp, data FROM events WHERE sender_id = :s "
                    "AND type_name IN ('user', 'bot') ORDER BY id DESC LIMIT :n"
                ),
                {"s": sender_id, "n": limit},
            ).all()
    except SQLAlchemyError as error:
        log.warning("conversation not readable from the tracker store: %s", type(error).__name__)
        return []
    finally:
        engine.dispose()
    turns = []
    for type_name, timestamp, data in reversed(rows):
        try:
            said = json.loads(data).get("text") or ""
        except (ValueError, AttributeError):
            said = ""
        if not said or (type_name == "user" and said.startswith("/")):
            continue
        who = "worker" if type_name == "user" else "bot"
        turns.append(Turn(who, mask_pii(said)[:1000], datetime.fromtimestamp(float(timestamp), UTC)))
    return turns
