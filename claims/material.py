"""Material a worker adds after submitting: photos, PDFs and a short note
("补充说明") attached to their own claim while staff may still act on it.

Each addition is an event in the claim's history (staff see it in
``assistant claims show`` and the console); a claim that was waiting for
material (need_more_info) goes back to under_review in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from claims.db import session_scope
from claims.errors import ClaimNotFound
from claims.evidence import StoredEvidence, store_evidence
from claims.models import Claim, ClaimEvent, utcnow

# Statuses in which a claim still takes material (closed claims and drafts do not: drafts take uploads in the form).
TAKING_MATERIAL = ("submitted", "under_review", "need_more_info")
MAX_NOTE_CHARS = 1000
FILE_ADDED = "补充了材料"


@dataclass(frozen=True)
class MaterialAdded:
    reference: str
    status: str  # the claim's status afterwards
    files: int  # evidence files the claim now has


def claims_taking_material(sender_id: str, engine: Engine | None = None) -> list[str]:
    """References of the sender's claims that can take material, newest first."""
    with session_scope(engine) as session:
        return list(
            session.scalars(
                select(Claim.reference)
                .where(Claim.sender_id == sender_id, Claim.status.in_(TAKING_MATERIAL), Claim.reference.is_not(None))
                .order_by(Claim.submitted_at.desc())
            )
        )


def _load_open(session: Session, reference: str, sender_id: str) -> Claim:
    claim = session.scalars(
        select(Claim).where(Claim.reference == reference.upper(), Claim.sender_id == sender_id).with_for_update()
    ).first()
    if claim is None or claim.status not in TAKING_MATERIAL:
        raise ClaimNotFound(reference)
    return claim


def _record(session: Session, claim: Claim, note: str) -> None:
    if claim.status == "need_more_info":
        claim.status = "under_review"
    claim.updated_at = utcnow()
    session.add(ClaimEvent(claim_id=claim.id, status=claim.status, note=note, actor="user", notified=True))


def add_file(
    sender_id: str, reference: str, original_name: str, data: bytes, engine: Engine | None = None
) -> tuple[MaterialAdded, StoredEvidence]:
    """Raises ``ClaimNotFound`` for a claim that is not the sender's or no longer takes material,
    ``EvidenceRejected`` for a file that is not a photo or PDF, too large, or one too many."""
    claim_id: list[int] = []

    def load(session: Session, _ignored: int, sender: str) -> Claim:
        claim = _load_open(session, reference, sender)
        claim_id.append(claim.id)
        return claim

    stored = store_evidence(
        0, sender_id, original_name, data, engine, load=load, recorded=lambda s, c: _record(s, c, FILE_ADDED)
    )
    return _state(claim_id[0], engine), stored


def add_note(sender_id: str, reference: str, text: str, engine: Engine | None = None) -> MaterialAdded:
    note = text.strip()[:MAX_NOTE_CHARS]
    with session_scope(engine) as session:
        claim = _load_open(session, reference, sender_id)
        _record(session, claim, f"补充说明：{note}")
        claim_id = claim.id
    return _state(claim_id, engine)


def _state(claim_id: int, engine: Engine | None) -> MaterialAdded:
    with session_scope(engine) as session:
        claim = session.get(Claim, claim_id)
        assert claim is not None
        return MaterialAdded(claim.reference or "", claim.status, len(claim.evidence))
