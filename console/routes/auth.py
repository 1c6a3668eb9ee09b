"""Log in (with lockout after repeated failures), log out; for admins the staff list and the audit log."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from claims.staff import LOCKOUT_MINUTES, Staff, audit, audit_log, authenticate, end_sessions, list_staff
from console.security import current_staff, require, start_session
from console.web import render

router = APIRouter()


def _safe_next(target: str | None) -> str:
    """Only a path of this console: never an address elsewhere."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/") -> HTMLResponse:
    return render(request, "login.html", next=_safe_next(next), error=None, name="")


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    name: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    result = await asyncio.to_thread(authenticate, name, password)
    if result.staff is None:
        await asyncio.to_thread(audit, name.strip()[:64], "login_failed", "", "locked" if result.locked else "")
        error = (
            f"连续输错次数过多，账户已锁定 {LOCKOUT_MINUTES} 分钟，请稍后再试或联系管理员。"
            if result.locked
            else "用户名或密码错误。"
        )
        return render(request, "login.html", 401, next=_safe_next(next), error=error, name=name)
    start_session(request, result.staff)
    await asyncio.to_thread(audit, result.staff.name, "login")
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, staff: Annotated[Staff, Depends(current_staff)]) -> Response:
    end_sessions(staff.id)
    audit(staff.name, "logout")
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/admin/staff", response_class=HTMLResponse)
def staff_page(request: Request, staff: Annotated[Staff, Depends(require("admin"))]) -> HTMLResponse:
    return render(request, "staff.html", accounts=list_staff())


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    staff: Annotated[Staff, Depends(require("admin"))],
    target: str = "",
    who: str = "",
) -> HTMLResponse:
    return render(request, "audit.html", entries=audit_log(target or None, who or None), target=target, who=who)
