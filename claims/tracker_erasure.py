"""Deleting a user's conversation from Rasa's tracker store (TRACKER_DB).

Withdrawal erases the live conversation inside the Rasa server's own tracker
store (``rasa_plugins.masking_tracker_store``), in the same transaction as the
turn. Retention runs from the command line, outside any turn: it deletes the
stored events of the users whose claims it purges, up to the cutoff, so a
conversation they are having today is not cut in half."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import create_engine, text

from assistant.settings import get_settings


def erase_conversations(sender_ids: set[str], before: datetime | None = None, tracker_db: Path | None = None) -> int:
    """Delete stored tracker events of these senders (older than ``before`` when given); returns rows deleted."""
    path = tracker_db or get_settings().tracker_db
    if not sender_ids or not path.exists():
        return 0
    engine = create_engine(f"sqlite:///{path}", hide_parameters=True, connect_args={"timeout": 15})
    deleted = 0
    try:
        with engine.begin() as connection:
            has_table = connection.execute(
                text("SELECT 1 FROM sqlite_master WHERE type='table' AND name='events'")
            ).scalar()
            if not has_table:
                return 0
            for sender in sorted(sender_ids):
                if before is None:
                    result = connection.execute(text("DELETE FROM events WHERE sender_id = :s"), {"s": sender})
                else:
                    result = connection.execute(
                        text("DELETE FROM events WHERE sender_id = :s AND timestamp < :t"),
                        {"s": sender, "t": before.timestamp()},
                    )
                deleted += result.rowcount or 0
    finally:
        engine.dispose()
    return deleted
