"""Keep personal data no longer than needed: closed claims are anonymised after
CLAIM_RETENTION_DAYS, abandoned drafts deleted after DRAFT_RETENTION_DAYS.

With them go the users' hand-off requests and stored conversation up to the
same cutoff, and any evidence file no claim refers to any more (left behind
when a disk or database failed half-way through an upload or a deletion)."""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, delete, or_, select

from claims.db import session_scope
from claims.erasure import ANONYMOUS_SENDER, anonymise
from claims.evidence import delete_files, evidence_dir
from claims.models import Claim, Evidence, HandoffRequest
from claims.status import CLOSED
from claims.tracker_erasure import erase_conversations

# An upload writes its file just after its database commit: younger strays may be in flight.
ORPHAN_GRACE_SECONDS = 3600


@dataclass(frozen=True)
class Purged:
    claims_anonymised: int
    drafts_deleted: int
    handoffs_deleted: int = 0
    conversation_events_deleted: int = 0
    orphan_files_deleted: int = 0


def purge(
    now: datetime,
    claim_days: int,
    draft_days: int,
    engine: Engine | None = None,
    tracker_db: Path | None = None,
) -> Purged:
    claim_cutoff, draft_cutoff = now - timedelta(days=claim_days), now - timedelta(days=draft_days)
    files: list[tuple[int, str]] = []
    anonymised = deleted = handoffs = 0
    senders_by_cutoff: dict[datetime, set[str]] = {claim_cutoff: set(), draft_cutoff: set()}
    with session_scope(engine) as session:
        closed = select(Claim).where(
            Claim.status.in_(CLOSED),
            Claim.closed_at < claim_cutoff,
            or_(Claim.full_name.is_not(None), Claim.sender_id != ANONYMOUS_SENDER),
        )
        for claim in session.scalars(closed):
            senders_by_cutoff[claim_cutoff].add(claim.sender_id)
            files += anonymise(claim)
            anonymised += 1
        for claim in session.scalars(select(Claim).where(Claim.status == "draft", Claim.updated_at < draft_cutoff)):
            senders_by_cutoff[draft_cutoff].add(claim.sender_id)
            files += [(claim.id, item.stored_name) for item in claim.evidence]
            session.delete(claim)
            deleted += 1
        for cutoff, senders in senders_by_cutoff.items():
            senders.discard(ANONYMOUS_SENDER)
            if senders:
                handoffs += (
                    session.execute(
                        delete(HandoffRequest).where(
                            HandoffRequest.sender_id.in_(senders), HandoffRequest.created_at < cutoff
                        )
                    ).rowcount
                    or 0
                )
    delete_files(files)
    events = sum(erase_conversations(s, cutoff, tracker_db) for cutoff, s in senders_by_cutoff.items() if s)
    return Purged(anonymised, deleted, handoffs, events, sweep_orphan_files(engine))


def sweep_orphan_files(engine: Engine | None = None, grace_seconds: float = ORPHAN_GRACE_SECONDS) -> int:
    """Delete evidence files no evidence row names (older than the grace period)."""
    root = evidence_dir()
    if not root.exists():
        return 0
    with session_scope(engine) as session:
        rows = session.execute(select(Evidence.claim_id, Evidence.stored_name))
        known = {(str(claim_id), name) for claim_id, name in rows}
    horizon = time.time() - grace_seconds
    stray = [
        path
        for path in root.glob("*/*")
        if path.is_file() and (path.parent.name, path.name) not in known and path.stat().st_mtime < horizon
    ]
    for path in stray:
        path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            path.parent.rmdir()
    return len(stray)
