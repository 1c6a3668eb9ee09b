"""The dashboard: per day, policy questions asked, answered and declined; claims by status; open hand-offs."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from claims.handoff_threads import count_open
from claims.outcomes import daily_counts
from claims.staff import Staff
from console.routes.claims import claim_counts
from console.security import current_staff
from console.web import STATUS_LABELS, render

router = APIRouter()
DAYS = 14


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, staff: Annotated[Staff, Depends(current_staff)]) -> HTMLResponse:
    settings = request.app.state.settings
    today = datetime.now(ZoneInfo(settings.timezone)).date()
    days = [(today - timedelta(days=n)).isoformat() for n in range(DAYS)]
    counts = daily_counts(days[-1])
    rows = []
    for day in days:
        c = counts.get(day, {"answered": 0, "declined": 0})
        rows.append({"day": day, "asked": c["answered"] + c["declined"], **c})
    peak = max((r["asked"] for r in rows), default=0) or 1
    by_status = claim_counts()
    statuses = [(s, STATUS_LABELS[s], by_status.get(s, 0)) for s in STATUS_LABELS if s != "draft"]
    return render(request, "dashboard.html", rows=rows, peak=peak, statuses=statuses, open_handoffs=count_open())
