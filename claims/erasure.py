"""Withdrawal of consent and retention both end in the same place: the personal
data of a claim is gone (its fields, evidence files, staff notes and the link
to the user's conversation), while the bare case (reference, dates, statuses)
stays for statistics and audit. Withdrawal also deletes the user's hand-off
requests; the conversation itself is deleted by Rasa's tracker store in the
same turn (``rasa_plugins.masking_tracker_store``)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, delete, select

from claims.db import session_scope
from claims.evidence import delete_files
from claims.fields import personal_columns
from claims.models import Claim, ClaimEvent, HandoffRequest, utcnow
from claims.status import CLOSED

PERSONAL = personal_columns()


# What an anonymised claim keeps instead of the sender id: no way back to the conversation.
ANONYMOUS_SENDER = ""


@dataclass(frozen=True)
class Erased:
    drafts_deleted: int
    claims_anonymised: int
    handoffs_deleted: int = 0


def anonymise(claim: Claim) -> list[tuple[int, str]]:
    """Blank the personal fields, staff notes and sender; returns the evidence files to delete after commit."""
    for name in PERSONAL:
        setattr(claim, name, None)
    claim.sender_id = ANONYMOUS_SENDER
    for event in claim.events:
        event.note = ""
    files = [(claim.id, item.stored_name) for item in claim.evidence]
    claim.evidence.clear()
    return files


def erase_user_data(sender_id: str, engine: Engine | None = None) -> Erased:
    drafts = anonymised = 0
    files: list[tuple[int, str]] = []
    with session_scope(engine) as session:
        for claim in list(session.scalars(select(Claim).where(Claim.sender_id == sender_id))):
            if claim.status == "draft":
                files += [(claim.id, item.stored_name) for item in claim.evidence]
                session.delete(claim)
                drafts += 1
                continue
            if claim.status not in CLOSED:
                claim.status = "withdrawn"
                claim.closed_at = utcnow()
                claim.events.append(ClaimEvent(status="withdrawn", actor="user"))
            files += anonymise(claim)
            anonymised += 1
        handoffs = session.execute(delete(HandoffRequest).where(HandoffRequest.sender_id == sender_id)).rowcount
    delete_files(files)
    return Erased(drafts, anonymised, handoffs or 0)
