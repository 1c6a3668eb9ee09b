"""Templates and the small things every page needs (times in the users' time zone, labels)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from assistant.settings import get_settings
from claims.staff import ROLE_LABELS
from console.security import csrf_token

HERE = Path(__file__).resolve().parent

STATUS_LABELS = {
    "draft": "草稿",
    "submitted": "已提交",
    "under_review": "审核中",
    "need_more_info": "需补充材料",
    "approved": "已通过",
    "rejected": "未通过",
    "withdrawn": "已撤回",
}
REASON_LABELS = {"user_request": "用户要求", "after_misses": "多次未能回答"}
AUTHOR_LABELS = {"worker": "劳动者", "staff": "工作人员", "system": "系统"}

templates = Jinja2Templates(directory=str(HERE / "templates"))


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return "-"
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(ZoneInfo(get_settings().timezone)).strftime(fmt)


templates.env.filters["local"] = local_time
templates.env.globals.update(
    STATUS_LABELS=STATUS_LABELS, ROLE_LABELS=ROLE_LABELS, REASON_LABELS=REASON_LABELS, AUTHOR_LABELS=AUTHOR_LABELS
)


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("staff", getattr(request.state, "staff", None))
    context["csrf_token"] = csrf_token(request)
    context["flash"] = request.session.pop("flash", None)
    return templates.TemplateResponse(request, template, context, status_code=status_code)


def flash(request: Request, message: str) -> None:
    request.session["flash"] = message
