"""Hand-off threads: while a worker's hand-off is open, what they type goes to staff
(relayed by the front end) and staff answer in the same thread from the console.

A thread ends when staff close it, when the worker types 结束人工, or on its own after
``IDLE_HOURS`` without a message (so a 转人工 from last month does not swallow today's
questions). Worker messages are stored with phone and ID numbers masked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, func, select, update

from assistant.pii import mask_pii
from claims.db import session_scope
from claims.models import HandoffMessage, HandoffRequest, utcnow

IDLE_HOURS = 24
MAX_TEXT = 2000


@dataclass(frozen=True)
class ThreadMessage:
    id: int
    author: str  # worker | staff | system
    staff_name: str | None
    text: str
    delivered: bool
    created_at: datetime


@dataclass(frozen=True)
class Thread:
    id: int
    sender_id: str
    reason: str
    last_message: str
    status: str
    created_at: datetime
    messages: list[ThreadMessage]

    @property
    def last_activity(self) -> datetime:
        return self.messages[-1].created_at if self.messages else self.created_at


@dataclass(frozen=True)
class InboxItem:
    id: int
    sender_id: str
    reason: str
    last_message: str
    status: str
    created_at: datetime
    messages: int
    last_activity: datetime
    waiting: bool  # the worker wrote last (or nobody answered yet)


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _message(row: HandoffMessage) -> ThreadMessage:
    return ThreadMessage(row.id, row.author, row.staff_name, row.text, row.delivered, _aware(row.created_at))


def open_handoff_of(sender_id: str, now: datetime | None = None, engine: Engine | None = None) -> int | None:
    """The sender's open hand-off that is still live, if any; idle ones are closed on the way."""
    now = now or utcnow()
    with session_scope(engine) as session:
        rows = session.scalars(
            select(HandoffRequest)
            .where(HandoffRequest.sender_id == sender_id, HandoffRequest.status == "open")
            .order_by(HandoffRequest.id.desc())
        ).all()
        live = None
        for row in rows:
            last = session.scalar(
                select(func.max(HandoffMessage.created_at)).where(HandoffMessage.handoff_id == row.id)
            )
            activity = _aware(last or row.created_at)
            if live is None and now - activity < timedelta(hours=IDLE_HOURS):
                live = row.id
            elif live is None:
                row.status = "closed"
                session.add(HandoffMessage(handoff_id=row.id, author="system", text="长时间无消息，自动结束"))
        return live


def add_worker_message(handoff_id: int, text: str, engine: Engine | None = None) -> int:
    with session_scope(engine) as session:
        row = HandoffMessage(handoff_id=handoff_id, author="worker", text=mask_pii(text)[:MAX_TEXT], delivered=True)
        session.add(row)
        session.flush()
        return row.id


def add_staff_reply(handoff_id: int, staff_name: str, text: str, engine: Engine | None = None) -> int:
    with session_scope(engine) as session:
        row = HandoffMessage(handoff_id=handoff_id, author="staff", staff_name=staff_name, text=text[:MAX_TEXT])
        session.add(row)
        session.flush()
        return row.id


def mark_delivered(message_id: int, engine: Engine | None = None) -> None:
    with session_scope(engine) as session:
        session.execute(update(HandoffMessage).where(HandoffMessage.id == message_id).values(delivered=True))


def close_handoffs(sender_id: str, note: str, engine: Engine | None = None) -> int:
    """Close every open hand-off of the sender (the worker typed 结束人工); how many were open."""
    with session_scope(engine) as session:
        rows = session.scalars(
            select(HandoffRequest).where(HandoffRequest.sender_id == sender_id, HandoffRequest.status == "open")
        ).all()
        for row in rows:
            row.status = "closed"
            session.add(HandoffMessage(handoff_id=row.id, author="system", text=note))
        return len(rows)


def close_handoff(handoff_id: int, note: str, staff_name: str | None = None, engine: Engine | None = None) -> str:
    """Staff close one thread; returns its sender id ("" when it does not exist or was closed already)."""
    with session_scope(engine) as session:
        row = session.get(HandoffRequest, handoff_id)
        if row is None or row.status != "open":
            return ""
        row.status = "closed"
        session.add(HandoffMessage(handoff_id=row.id, author="system", staff_name=staff_name, text=note))
        return row.sender_id


def thread(handoff_id: int, engine: Engine | None = None) -> Thread | None:
    with session_scope(engine) as session:
        row = session.get(HandoffRequest, handoff_id)
        if row is None:
            return None
        messages = session.scalars(
            select(HandoffMessage).where(HandoffMessage.handoff_id == handoff_id).order_by(HandoffMessage.id)
        ).all()
        return Thread(
            row.id,
            row.sender_id,
            row.reason,
            row.last_message,
            row.status,
            _aware(row.created_at),
            [_message(m) for m in messages],
        )


def inbox(status: str | None = "open", engine: Engine | None = None) -> list[InboxItem]:
    """Hand-offs, the ones waiting longest for staff first."""
    with session_scope(engine) as session:
        query = select(HandoffRequest).order_by(HandoffRequest.created_at.desc()).limit(500)
        if status:
            query = query.where(HandoffRequest.status == status)
        items = []
        for row in session.scalars(query):
            messages = session.scalars(
                select(HandoffMessage).where(HandoffMessage.handoff_id == row.id).order_by(HandoffMessage.id)
            ).all()
            said = [m for m in messages if m.author != "system"]
            last = _aware(messages[-1].created_at) if messages else _aware(row.created_at)
            items.append(
                InboxItem(
                    row.id,
                    row.sender_id,
                    row.reason,
                    row.last_message,
                    row.status,
                    _aware(row.created_at),
                    len(said),
                    last,
                    not said or said[-1].author == "worker",
                )
            )
    return sorted(items, key=lambda i: (not i.waiting, i.last_activity))


def count_open(engine: Engine | None = None) -> int:
    with session_scope(engine) as session:
        return int(session.scalar(select(func.count(HandoffRequest.id)).where(HandoffRequest.status == "open")) or 0)
