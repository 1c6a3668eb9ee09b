"""Claims for officers: list with filters and search, one claim in full with its evidence,
status changes that notify the worker, and a CSV export Excel opens (UTF-8 with BOM).

Every look at a claim's personal data is written to the audit log."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select

from claims.db import session_scope
from claims.errors import ClaimNotFound, InvalidTransition
from claims.evidence import evidence_dir
from claims.models import Claim, ClaimEvent, Evidence
from claims.staff import Staff, audit
from claims.staff_views import ClaimRecord, list_claims, show_claim, write_csv
from claims.status import STATUSES, TRANSITIONS
from console.security import require
from console.status_change import change_status
from console.web import STATUS_LABELS, flash, local_time, render

router = APIRouter()
TOLD = "已通知申请人（Telegram）。"
NOT_TOLD = "暂未通知到申请人：Telegram 用户会自动重试发送，其他渠道的用户查询进度时会看到。"
Officer = Annotated[Staff, Depends(require("officer"))]

FIELD_LABELS = {
    "reference": "受理编号",
    "status": "状态",
    "submitted_at": "提交时间",
    "full_name": "姓名",
    "phone": "手机号",
    "id_last4": "身份证号后四位",
    "platform": "平台",
    "work_type": "工作类型",
    "injury_time": "受伤时间",
    "location": "受伤地点",
    "on_order": "是否在接单/工作途中",
    "order_number": "订单号",
    "accident": "事故经过",
    "injury": "受伤情况",
    "treatment": "就医情况",
    "evidence_files": "材料份数",
}


def _date(value: str, end: bool = False) -> datetime | None:
    if not value:
        return None
    try:
        day = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        return None
    return day + timedelta(days=1) if end else day


def _matches(record: ClaimRecord, platform: str, q: str) -> bool:
    if platform and record.platform != platform:
        return False
    if not q:
        return True
    needle = q.strip().upper()
    digits = re.sub(r"\D", "", q)
    return needle in record.reference or (len(digits) >= 4 and digits in record.phone)


def _filtered(status: str, since: str, until: str, platform: str, q: str) -> list[ClaimRecord]:
    records = list_claims(status or None, _date(since), _date(until, end=True))
    return [r for r in records if _matches(r, platform, q)]


def _platforms() -> list[str]:
    with session_scope() as session:
        rows = session.scalars(
            select(Claim.platform).where(Claim.reference.is_not(None), Claim.platform.is_not(None)).distinct()
        )
        return sorted(p for p in rows if p)


@router.get("/claims", response_class=HTMLResponse)
def claims_list(
    request: Request,
    staff: Officer,
    status: str = "",
    since: str = "",
    until: str = "",
    platform: str = "",
    q: str = "",
) -> HTMLResponse:
    records = list(reversed(_filtered(status, since, until, platform, q)))
    filters = {"status": status, "since": since, "until": until, "platform": platform, "q": q}
    audit(staff.name, "claims_list", "", f"{len(records)} shown; filters: " + _describe(filters))
    return render(
        request,
        "claims_list.html",
        records=records,
        filters=filters,
        statuses=[s for s in STATUSES if s != "draft"],
        platforms=_platforms(),
        query=request.url.query,
    )


def _describe(filters: dict[str, str]) -> str:
    # The search text may be a phone number: the log says a search was made, not for what.
    shown = {k: ("(search)" if k == "q" else v) for k, v in filters.items() if v}
    return ", ".join(f"{k}={v}" for k, v in shown.items()) or "none"


@router.get("/claims/export.csv")
def claims_export(
    staff: Officer,
    status: str = "",
    since: str = "",
    until: str = "",
    platform: str = "",
    q: str = "",
) -> Response:
    records = _filtered(status, since, until, platform, q)
    buffer = io.StringIO()
    write_csv(records, buffer)
    filters = {"status": status, "since": since, "until": until, "platform": platform, "q": q}
    audit(staff.name, "claims_export", "", f"{len(records)} claims; filters: " + _describe(filters))
    name = f"claims-{datetime.now(UTC):%Y%m%d-%H%M}.csv"
    return Response(
        ("\ufeff" + buffer.getvalue()).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f"attachment; filename={name}", "Cache-Control": "no-store"},
    )


def _claim_rows(reference: str) -> tuple[list[dict], list[dict]]:
    with session_scope() as session:
        claim = session.scalars(select(Claim).where(Claim.reference == reference.upper())).first()
        if claim is None:
            raise ClaimNotFound(reference)
        events = [
            {"status": e.status, "note": e.note, "actor": e.actor, "notified": e.notified, "at": e.created_at}
            for e in session.scalars(select(ClaimEvent).where(ClaimEvent.claim_id == claim.id).order_by(ClaimEvent.id))
        ]
        evidence = [
            {
                "id": e.id,
                "name": e.original_name or e.stored_name,
                "media_type": e.media_type,
                "size": e.size,
                "image": e.media_type.startswith("image/"),
                "at": e.created_at,
            }
            for e in session.scalars(select(Evidence).where(Evidence.claim_id == claim.id).order_by(Evidence.id))
        ]
    return events, evidence


@router.get("/claims/{reference}", response_class=HTMLResponse)
def claim_detail(request: Request, reference: str, staff: Officer) -> HTMLResponse:
    try:
        detail = show_claim(reference)
        events, evidence = _claim_rows(reference)
    except ClaimNotFound:
        raise HTTPException(404) from None
    record = detail.record
    audit(staff.name, "claim_view", record.reference)
    fields = [(FIELD_LABELS.get(k, k), _shown(getattr(record, k))) for k in FIELD_LABELS if hasattr(record, k)]
    export = getattr(record, "export", None)
    return render(
        request,
        "claim_detail.html",
        record=record,
        fields=fields,
        export=export or None,
        events=events,
        evidence=evidence,
        next_statuses=sorted(TRANSITIONS.get(record.status, frozenset()), key=list(STATUS_LABELS).index),
    )


def _shown(value: object) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return local_time(value)
    return str(value)


@router.get("/claims/{reference}/evidence/{evidence_id}")
def claim_evidence(reference: str, evidence_id: int, staff: Officer) -> Response:
    with session_scope() as session:
        row = session.execute(
            select(Evidence, Claim.reference)
            .join(Claim, Claim.id == Evidence.claim_id)
            .where(Evidence.id == evidence_id, Claim.reference == reference.upper())
        ).first()
        if row is None:
            raise HTTPException(404)
        item, ref = row
        claim_id, stored, media_type, name = item.claim_id, item.stored_name, item.media_type, item.original_name
    path = evidence_dir() / str(claim_id) / stored
    if not path.is_file():
        raise HTTPException(404)
    audit(staff.name, "evidence_view", ref, f"evidence #{evidence_id}")
    inline = media_type.startswith("image/")
    filename = name or stored
    disposition = ("inline" if inline else "attachment") + f"; filename*=UTF-8''{quote(filename)}"
    return FileResponse(
        path,
        media_type=media_type,
        headers={"Content-Disposition": disposition, "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"},
    )


@router.post("/claims/{reference}/status")
def claim_status(
    request: Request,
    reference: str,
    staff: Officer,
    status: Annotated[str, Form()],
    note: Annotated[str, Form()] = "",
) -> Response:
    try:
        change, notified = change_status(reference, status, note.strip()[:500])
    except ClaimNotFound:
        raise HTTPException(404) from None
    except InvalidTransition:
        flash(request, "这个状态变更不允许（已结束的申请不能重新打开）。")
        return RedirectResponse(f"/claims/{quote(reference)}", status_code=303)
    audit(staff.name, "claim_status", change.reference, f"{change.old_status} → {change.status}")
    told = TOLD if notified else NOT_TOLD
    flash(request, f"状态已改为“{STATUS_LABELS.get(change.status, change.status)}”。{told}")
    return RedirectResponse(f"/claims/{quote(change.reference)}", status_code=303)


def claim_counts() -> dict[str, int]:
    with session_scope() as session:
        rows = session.execute(
            select(Claim.status, func.count(Claim.id)).where(Claim.reference.is_not(None)).group_by(Claim.status)
        ).all()
    return {status: int(n) for status, n in rows}
