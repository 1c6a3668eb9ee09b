"""The claim workflow after submission, and what users and staff see of it.

submitted → under_review → need_more_info ⇄ under_review → approved | rejected;
withdrawn when the user withdraws consent. Closed claims do not reopen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import selectinload

from claims.db import session_scope
from claims.errors import ClaimNotFound, InvalidTransition
from claims.models import Claim, ClaimEvent, utcnow

STATUSES = ("draft", "submitted", "under_review", "need_more_info", "approved", "rejected", "withdrawn")
CLOSED = frozenset({"approved", "rejected", "withdrawn"})
TRANSITIONS: dict[str, frozenset[str]] = {
    "submitted": frozenset({"under_review", "need_more_info", "approved", "rejected"}),
    "under_review": frozenset({"need_more_info", "approved", "rejected"}),
    "need_more_info": frozenset({"under_review", "approved", "rejected"}),
}


@dataclass(frozen=True)
class HistoryEntry:
    status: str
    note: str
    at: datetime


@dataclass(frozen=True)
class ClaimStatus:
    reference: str
    status: str
    submitted_at: datetime | None
    history: list[HistoryEntry]


@dataclass(frozen=True)
class StatusChange:
    reference: str
    sender_id: str
    old_status: str
    status: str
    note: str
    event_id: int


def _status(claim: Claim) -> ClaimStatus:
    history = [HistoryEntry(e.status, e.note, e.created_at) for e in claim.events]
    return ClaimStatus(claim.reference or "", claim.status, claim.submitted_at, history)


def claims_of(sender_id: str, reference: str | None = None, engine: Engine | None = None) -> list[ClaimStatus]:
    """Only the requester's own submitted claims: a reference someone else owns is 'not found'."""
    query = (
        select(Claim)
        .options(selectinload(Claim.events))
        .where(Claim.sender_id == sender_id, Claim.reference.is_not(None))
        .order_by(Claim.submitted_at.desc())
    )
    if reference:
        query = query.where(Claim.reference == reference.upper())
    with session_scope(engine) as session:
        found = [_status(claim) for claim in session.scalars(query)]
    if reference and not found:
        raise ClaimNotFound(reference)
    return found


def set_status(reference: str, status: str, note: str = "", engine: Engine | None = None) -> StatusChange:
    with session_scope(engine) as session:
        claim = session.scalars(select(Claim).where(Claim.reference == reference.upper()).with_for_update()).first()
        if claim is None:
            raise ClaimNotFound(reference)
        if status not in TRANSITIONS.get(claim.status, frozenset()):
            raise InvalidTransition(f"{claim.status} → {status}")
        old = claim.status
        claim.status = status
        if status in CLOSED:
            claim.closed_at = utcnow()
        event = ClaimEvent(claim_id=claim.id, status=status, note=note, actor="staff")
        session.add(event)
        session.flush()
        return StatusChange(claim.reference or "", claim.sender_id, old, status, note, event.id)
