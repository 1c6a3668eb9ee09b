"""Keep personal data no longer than needed: closed claims are anonymised after
CLAIM_RETENTION_DAYS, abandoned drafts deleted after DRAFT_RETENTION_DAYS."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, select

from claims.db import session_scope
from claims.erasure import anonymise
from claims.evidence import delete_files
from claims.models import Claim
from claims.status import CLOSED


@dataclass(frozen=True)
class Purged:
    claims_anonymised: int
    drafts_deleted: int


def purge(now: datetime, claim_days: int, draft_days: int, engine: Engine | None = None) -> Purged:
    claim_cutoff, draft_cutoff = now - timedelta(days=claim_days), now - timedelta(days=draft_days)
    files: list[tuple[int, str]] = []
    anonymised = deleted = 0
    with session_scope(engine) as session:
        closed = select(Claim).where(
            Claim.status.in_(CLOSED), Claim.closed_at < claim_cutoff, Claim.full_name.is_not(None)
        )
        for claim in session.scalars(closed):
            files += anonymise(claim)
            anonymised += 1
        for claim in session.scalars(select(Claim).where(Claim.status == "draft", Claim.updated_at < draft_cutoff)):
            files += [(claim.id, item.stored_name) for item in claim.evidence]
            session.delete(claim)
            deleted += 1
    delete_files(files)
    return Purged(anonymised, deleted)
