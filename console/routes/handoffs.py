"""Hand-offs for officers: the inbox of 转人工 requests, a thread per request with the
recent conversation (masked), replies that reach the worker's Telegram chat, and closing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from claims.handoff_threads import add_staff_reply, close_handoff, inbox, mark_delivered, thread
from claims.notify import notify_user, telegram_chat_id
from claims.staff import Staff, audit
from console.conversation import recent_turns
from console.security import require
from console.web import flash, render, templates

router = APIRouter()
Officer = Annotated[Staff, Depends(require("officer"))]

STAFF_REPLY = "【人工客服】{text}\n\n（直接回复这条消息即可；输入“结束人工”回到智能助手。）"
SENT = "已发送到对方的 Telegram。"
NOT_SENT = "已记录，但没能送达（对方不在 Telegram 上或发送失败）。"
CLOSED_BY_STAFF = "工作人员已结束本次人工服务。你之后的消息会由智能助手回答；还需要帮助可以再发“转人工”或拨打 12351。"


@router.get("/handoffs", response_class=HTMLResponse)
def handoff_inbox(request: Request, staff: Officer, all: str = "") -> HTMLResponse:
    return render(request, "handoffs.html", items=inbox(None if all else "open"), show_all=bool(all))


@router.get("/handoffs/{handoff_id}", response_class=HTMLResponse)
def handoff_thread(request: Request, handoff_id: int, staff: Officer) -> HTMLResponse:
    found = thread(handoff_id)
    if found is None:
        raise HTTPException(404)
    audit(staff.name, "handoff_view", f"handoff#{handoff_id}")
    turns = recent_turns(request.app.state.settings.tracker_url, found.sender_id)
    return render(
        request,
        "handoff_thread.html",
        thread=found,
        turns=turns,
        reachable=telegram_chat_id(found.sender_id) is not None,
    )


@router.get("/handoffs/{handoff_id}/messages", response_class=HTMLResponse)
def handoff_messages(request: Request, handoff_id: int, staff: Officer) -> HTMLResponse:
    """The thread's messages alone: the page polls this to show the worker's answers as they arrive."""
    found = thread(handoff_id)
    if found is None:
        raise HTTPException(404)
    return templates.TemplateResponse(request, "_thread_messages.html", {"thread": found})


@router.post("/handoffs/{handoff_id}/reply")
def handoff_reply(request: Request, handoff_id: int, staff: Officer, text: Annotated[str, Form()]) -> Response:
    found = thread(handoff_id)
    if found is None:
        raise HTTPException(404)
    text = text.strip()
    if not text:
        flash(request, "回复内容不能为空。")
    elif found.status != "open":
        flash(request, "这个人工服务已经结束，消息没有发送。")
    else:
        message_id = add_staff_reply(handoff_id, staff.name, text)
        delivered = notify_user(found.sender_id, STAFF_REPLY.format(text=text))
        if delivered:
            mark_delivered(message_id)
        audit(staff.name, "handoff_reply", f"handoff#{handoff_id}", "delivered" if delivered else "not delivered")
        flash(request, SENT if delivered else NOT_SENT)
    return RedirectResponse(f"/handoffs/{handoff_id}", status_code=303)


@router.post("/handoffs/{handoff_id}/close")
def handoff_close(request: Request, handoff_id: int, staff: Officer) -> Response:
    sender = close_handoff(handoff_id, f"工作人员 {staff.name} 结束了人工服务", staff.name)
    if sender:
        notify_user(sender, CLOSED_BY_STAFF)
        audit(staff.name, "handoff_close", f"handoff#{handoff_id}")
        flash(request, "已结束这个人工服务。")
    return RedirectResponse("/handoffs", status_code=303)
