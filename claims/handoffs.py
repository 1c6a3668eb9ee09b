"""Hand-off requests: recorded when a user asks for a person, listed for staff."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select

from assistant.logging_setup import mask_pii
from claims.db import session_scope
from claims.models import HandoffRequest


@dataclass(frozen=True)
class Handoff:
    id: int
    sender_id: str
    reason: str
    last_message: str
    status: str
    created_at: datetime


def record_handoff(sender_id: str, reason: str, last_message: str, engine: Engine | None = None) -> int:
    with session_scope(engine) as session:
        row = HandoffRequest(sender_id=sender_id, reason=reason, last_message=mask_pii(last_message)[:500])
        session.add(row)
        session.flush()
        return row.id


def list_handoffs(status: str | None = "open", engine: Engine | None = None) -> list[Handoff]:
    with session_scope(engine) as session:
        query = select(HandoffRequest).order_by(HandoffRequest.created_at)
        if status:
            query = query.where(HandoffRequest.status == status)
        return [
            Handoff(r.id, r.sender_id, r.reason, r.last_message, r.status, r.created_at) for r in session.scalars(query)
        ]
