"""What staff read: claim lists filtered by status and date, one claim in full,
and a CSV export. The resident ID only ever appears as its last four characters."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import datetime
from typing import TextIO

from sqlalchemy import Engine, select
from sqlalchemy.orm import selectinload

from claims.db import session_scope
from claims.errors import ClaimNotFound
from claims.fields import export_row
from claims.models import Claim
from claims.status import HistoryEntry


@dataclass(frozen=True)
class ClaimRecord:
    reference: str
    status: str
    submitted_at: datetime | None
    sender_id: str
    full_name: str
    phone: str
    id_last4: str
    platform: str
    work_type: str
    injury_time: datetime | None
    location: str
    on_order: bool | None
    order_number: str
    accident: str
    injury: str
    treatment: str
    evidence_files: int
    # The same claim under the export's Chinese headers, in the field table's order.
    export: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class ClaimDetail:
    record: ClaimRecord
    history: list[HistoryEntry]
    evidence: list[str]


def _record(claim: Claim) -> ClaimRecord:
    return ClaimRecord(
        reference=claim.reference or "",
        status=claim.status,
        submitted_at=claim.submitted_at,
        sender_id=claim.sender_id,
        full_name=claim.full_name or "",
        phone=claim.phone or "",
        id_last4=claim.id_last4 or "",
        platform=claim.platform or "",
        work_type=claim.work_type or "",
        injury_time=claim.injury_time,
        location=claim.location or "",
        on_order=claim.on_order,
        order_number=claim.order_number or "",
        accident=claim.accident or "",
        injury=claim.injury or "",
        treatment=claim.treatment or "",
        evidence_files=len(claim.evidence),
        export=export_row(claim),
    )


def list_claims(
    status: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    engine: Engine | None = None,
) -> list[ClaimRecord]:
    query = (
        select(Claim)
        .options(selectinload(Claim.evidence))
        .where(Claim.reference.is_not(None))
        .order_by(Claim.submitted_at)
    )
    if status:
        query = query.where(Claim.status == status)
    if since:
        query = query.where(Claim.submitted_at >= since)
    if until:
        query = query.where(Claim.submitted_at < until)
    with session_scope(engine) as session:
        return [_record(claim) for claim in session.scalars(query)]


def show_claim(reference: str, engine: Engine | None = None) -> ClaimDetail:
    with session_scope(engine) as session:
        claim = session.scalars(select(Claim).where(Claim.reference == reference.upper())).first()
        if claim is None:
            raise ClaimNotFound(reference)
        history = [HistoryEntry(e.status, e.note, e.created_at) for e in claim.events]
        files = [
            f"{e.original_name or e.stored_name} ({e.media_type}, {e.size} B, sha256 {e.sha256[:12]}…)"
            + (f" 提交后补充 {e.created_at:%Y-%m-%d %H:%M}" if _after(e.created_at, claim.submitted_at) else "")
            for e in claim.evidence
        ]
        return ClaimDetail(_record(claim), history, files)


STATUS_HEADERS = ("受理编号", "状态", "提交时间")


def _after(moment: datetime, submitted: datetime | None) -> bool:
    """Whether a file came after submission (SQLite gives naive UTC datetimes back, PostgreSQL aware ones)."""
    if submitted is None:
        return False
    return moment.replace(tzinfo=None) > submitted.replace(tzinfo=None)


def write_csv(records: list[ClaimRecord], handle: TextIO) -> int:
    """Chinese headers from the field table; open the file with a UTF-8 BOM for Excel (``utf-8-sig``)."""
    headers = list(STATUS_HEADERS) + list(records[0].export if records else {})
    writer = csv.DictWriter(handle, fieldnames=headers)
    writer.writeheader()
    for record in records:
        submitted = f"{record.submitted_at:%Y-%m-%d %H:%M}" if record.submitted_at else ""
        row = dict(zip(STATUS_HEADERS, (record.reference, record.status, submitted), strict=True)) | record.export
        # A cell starting with = + - @ would run as a formula when staff open the file in a spreadsheet.
        writer.writerow({k: ("'" + v if isinstance(v, str) and v[:1] in "=+-@" else v) for k, v in row.items()})
    return len(records)
