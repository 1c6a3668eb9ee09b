"""Submitting a draft: one transaction, and idempotent.

A double tap, a retried HTTP request or a restarted action server re-running the
submit action must not create a second claim, so the status flip is a
conditional UPDATE that only one caller can win; everyone else reads the
reference the winner wrote.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from claims.db import session_scope
from claims.errors import DraftNotFound, IncompleteClaim
from claims.fields import required_columns
from claims.models import Claim, ClaimEvent, utcnow

REQUIRED = required_columns()
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: references are read out on the phone


def new_reference(now: datetime) -> str:
    return "GS" + now.strftime("%Y%m%d") + "".join(secrets.choice(_ALPHABET) for _ in range(4))


def submit_draft(draft_id: int, sender_id: str, engine: Engine | None = None) -> str:
    last_error: Exception | None = None
    for _attempt in range(5):
        try:
            return _submit_once(draft_id, sender_id, engine)
        except (IntegrityError, OperationalError) as error:
            # A reference collision, or (SQLite) a concurrent submit that won the write lock:
            # the next attempt draws a new reference or finds the winner's.
            last_error = error
    assert last_error is not None
    raise last_error


def _submit_once(draft_id: int, sender_id: str, engine: Engine | None) -> str:
    with session_scope(engine) as session:
        claim = session.get(Claim, draft_id)
        if claim is None or claim.sender_id != sender_id:
            raise DraftNotFound(draft_id)
        if claim.reference:
            return claim.reference
        missing = [name for name in REQUIRED if getattr(claim, name) in (None, "")]
        if missing:
            raise IncompleteClaim(missing)
        now = utcnow()
        reference = new_reference(now)
        won = session.execute(
            update(Claim)
            .where(Claim.id == draft_id, Claim.status == "draft", Claim.reference.is_(None))
            .values(status="submitted", reference=reference, submitted_at=now, updated_at=now)
        ).rowcount
        if won:
            session.add(ClaimEvent(claim_id=draft_id, status="submitted", actor="user"))
            return reference
    with session_scope(engine) as session:
        existing = session.scalar(select(Claim.reference).where(Claim.id == draft_id))
        if existing:
            return existing
    raise DraftNotFound(draft_id)
