"""Deleting a user's conversation from Rasa's tracker store (TRACKER_STORE_URL, SQLite or PostgreSQL).

Withdrawal erases the live conversation inside the Rasa server's own tracker
store (``rasa_plugins.masking_tracker_store``), in the same transaction as the
turn. Retention runs from the command line, outside any turn: it deletes the
stored events of the users whose claims it purges, up to the cutoff, so a
conversation they are having today is not cut in half."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import create_engine, inspect, text

from assistant.settings import get_settings


def tracker_engine_url(url: str) -> str:
    """Rasa's tracker store URL as this process's SQLAlchemy reaches it: Rasa's venv has psycopg2
    (``postgresql://``), ours psycopg 3."""
    for prefix in ("postgresql://", "postgres://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def erase_conversations(sender_ids: set[str], before: datetime | None = None, tracker_db: Path | None = None) -> int:
    """Delete stored tracker events of these senders (older than ``before`` when given); returns rows deleted.

    The tracker store is TRACKER_STORE_URL (SQLite file TRACKER_DB unless set, or PostgreSQL);
    ``tracker_db`` names an SQLite file instead."""
    url = f"sqlite:///{tracker_db}" if tracker_db is not None else get_settings().tracker_url
    if not sender_ids:
        return 0
    if url.startswith("sqlite"):
        path = Path(url.split("///", 1)[1])
        if not path.exists():
            return 0
        engine = create_engine(url, hide_parameters=True, connect_args={"timeout": 15})
    else:
        engine = create_engine(tracker_engine_url(url), hide_parameters=True)
    deleted = 0
    try:
        with engine.begin() as connection:
            if not inspect(connection).has_table("events"):
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
