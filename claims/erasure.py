"""Withdrawal of consent and retention both end in the same place: the personal
data of a claim is gone, while the bare case (reference, dates, statuses) stays
for statistics and audit."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, select

from claims.db import session_scope
from claims.evidence import delete_files
from claims.models import Claim, ClaimEvent, utcnow
from claims.status import CLOSED

PERSONAL = (
    "full_name",
    "phone",
    "id_hash",
    "id_last4",
    "location",
    "order_number",
    "accident",
    "injury",
    "treatment",
)


@dataclass(frozen=True)
class Erased:
    drafts_deleted: int
    claims_anonymised: int


def anonymise(claim: Claim) -> list[tuple[int, str]]:
    """Blank the personal fields; returns the evidence files to delete after commit."""
    for name in PERSONAL:
        setattr(claim, name, None)
    files = [(claim.id, item.stored_name) for item in claim.evidence]
    claim.evidence.clear()
    return files


def erase_user_data(sender_id: str, engine: Engine | None = None) -> Erased:
    drafts = anonymised = 0
    files: list[tuple[int, str]] = []
    with session_scope(engine) as session:
        for claim in session.scalars(select(Claim).where(Claim.sender_id == sender_id)):
            if claim.status == "draft":
                files += [(claim.id, item.stored_name) for item in claim.evidence]
                session.delete(claim)
                drafts += 1
                continue
            files += anonymise(claim)
            if claim.status not in CLOSED:
                claim.status = "withdrawn"
                claim.closed_at = utcnow()
                session.add(ClaimEvent(claim_id=claim.id, status="withdrawn", actor="user"))
            anonymised += 1
    delete_files(files)
    return Erased(drafts, anonymised)
