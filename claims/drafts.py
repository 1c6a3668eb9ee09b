"""Draft claims: personal answers are written here as soon as they are validated,
so the Rasa tracker only ever holds masked values and the draft's id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select

from claims.db import session_scope
from claims.errors import DraftNotFound
from claims.fields import stored_columns, summary_lines
from claims.models import Claim, utcnow

EDITABLE = stored_columns()


@dataclass(frozen=True)
class DraftInfo:
    id: int
    created_at: datetime
    evidence_count: int


def start_draft(sender_id: str, engine: Engine | None = None) -> int:
    """The user's open draft, or a new one: consent given twice must not make two drafts."""
    with session_scope(engine) as session:
        existing = session.scalars(
            select(Claim).where(Claim.sender_id == sender_id, Claim.status == "draft").order_by(Claim.id.desc())
        ).first()
        if existing:
            existing.consent_at = existing.consent_at or utcnow()
            return existing.id
        claim = Claim(sender_id=sender_id, status="draft", consent_at=utcnow())
        session.add(claim)
        session.flush()
        return claim.id


def load_draft(session, draft_id: int, sender_id: str) -> Claim:
    claim = session.get(Claim, draft_id)
    if claim is None or claim.sender_id != sender_id or claim.status != "draft":
        raise DraftNotFound(draft_id)
    return claim


def record_sensitive_consent(draft_id: int, sender_id: str, engine: Engine | None = None) -> None:
    with session_scope(engine) as session:
        load_draft(session, draft_id, sender_id).sensitive_consent_at = utcnow()


def save_answers(draft_id: int, sender_id: str, values: dict[str, Any], engine: Engine | None = None) -> None:
    unknown = set(values) - EDITABLE
    if unknown:
        raise ValueError(f"not a claim field: {sorted(unknown)}")
    with session_scope(engine) as session:
        claim = load_draft(session, draft_id, sender_id)
        for name, value in values.items():
            setattr(claim, name, value)


def draft_info(draft_id: int, sender_id: str, engine: Engine | None = None) -> DraftInfo:
    with session_scope(engine) as session:
        claim = load_draft(session, draft_id, sender_id)
        return DraftInfo(claim.id, claim.created_at, len(claim.evidence))


def draft_summary(draft_id: int, sender_id: str, engine: Engine | None = None) -> list[tuple[str, str]]:
    """(label, answer) for each field of the draft, as the worker gave it: what they confirm is what is sent."""
    with session_scope(engine) as session:
        claim = load_draft(session, draft_id, sender_id)
        return [(field.label, value) for field, value in summary_lines(claim)]


def discard_drafts(sender_id: str, engine: Engine | None = None) -> int:
    """Cancelling drops everything the user typed into the draft, evidence included."""
    from claims.evidence import delete_files

    with session_scope(engine) as session:
        drafts = list(session.scalars(select(Claim).where(Claim.sender_id == sender_id, Claim.status == "draft")))
        files = [(claim.id, item.stored_name) for claim in drafts for item in claim.evidence]
        for claim in drafts:
            session.delete(claim)
    delete_files(files)
    return len(drafts)


def open_draft_id(sender_id: str, engine: Engine | None = None) -> int | None:
    """The draft an upload belongs to: uploads are only taken while a claim is being filled."""
    with session_scope(engine) as session:
        return session.scalar(
            select(Claim.id).where(Claim.sender_id == sender_id, Claim.status == "draft").order_by(Claim.id.desc())
        )
