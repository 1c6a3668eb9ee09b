"""Hostile, broken and odd input through the real stack: every message gets a
clear reply, nothing crashes, and nothing malformed lands in the claims store."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import create_engine, text

from assistant import contracts
from bot.uploads import signed_upload_headers, upload_url

ODD_MESSAGES = {
    "empty": "",
    "spaces": "   ",
    "very long": "骑手受伤了怎么办" * 1250,  # 10,000 characters
    "emoji only": "😭😭🙏🙏🛵💥",
    "mixed scripts": "hello 你好 привет مرحبا こんにちは 안녕하세요",
    "control characters": "\x00\x07你好\x1b[31m\u202e\ufeff",
    "html": "<script>alert(1)</script><b>补贴</b>",
    "markdown": "*求职补贴* _怎么_ `领` [链接](http://example.com) #标题",
    "sql": "'; DROP TABLE claims; --",
    "template": "{claimant_phone} {{7*7}} ${jndi:ldap://x} %s%n",
    "unknown intent payload": "/definitely_not_an_intent",
    "payload with bad json": '/inform{"platform": "美团"',
    "payload with unknown entity": '/inform{"evil":"<script>"}',
    "payload for an intent that needs context": "/affirm",
}


def new_user() -> str:
    return f"e2e-bad-{uuid.uuid4().hex[:8]}"


@pytest.mark.parametrize("name", list(ODD_MESSAGES))
def test_odd_messages_get_a_clear_reply(stack, name: str) -> None:
    replies = stack.say(new_user(), ODD_MESSAGES[name])
    texts = [r.get("text", "") for r in replies]
    assert texts and all(t.strip() for t in texts), f"{name}: {replies}"
    assert all("Traceback" not in t and "{" not in t for t in texts), f"{name}: {texts}"


def test_hostile_answers_inside_a_claim_are_refused_or_stored_verbatim(stack) -> None:
    user = new_user()
    for message in ("我要报工伤", "同意", "同意"):
        stack.texts(user, message)
    assert "没能识别出姓名" in stack.texts(user, "'; DROP TABLE claims; --")
    assert "没能识别出姓名" in stack.texts(user, "<script>alert(1)</script>")
    assert "第2步" in stack.texts(user, "\x00王\x07小明")
    assert "11位" in stack.texts(user, "1' OR '1'='1")
    assert "第3步" in stack.texts(user, "13811112222")
    assert "18位" in stack.texts(user, "{{7*7}}")
    engine = create_engine(stack.settings.database_url)
    with engine.connect() as connection:
        [(name, phone)] = connection.execute(
            text("select full_name, phone from claims where sender_id = :s"), {"s": user}
        ).all()
        tables = {row[0] for row in connection.execute(text("select name from sqlite_master where type='table'"))}
    engine.dispose()
    assert (name, phone) == ("王小明", "13811112222")  # control characters never reach the store
    assert {"claims", "claim_events", "claim_evidence"} <= tables


def test_template_text_in_a_free_answer_is_shown_literally(stack) -> None:
    user = new_user()
    for message in ("我要报工伤", "同意", "同意", "赵大勇", "13811113333", "11010519491231002X", "美团"):
        stack.texts(user, message)
    stack.texts(user, "{claimant_phone}")  # as the kind of work
    for message in ("昨天", "北京朝阳区", "不是", "下班路上被车撞了", "腿伤", "跳过"):
        stack.texts(user, message)
    summary = stack.texts(user, "跳过")
    assert "工作类型：{claimant_phone}\n" in summary  # shown as typed, not filled in


def test_uploads_that_are_too_big_or_not_evidence_are_refused(stack) -> None:
    url = upload_url(stack.settings.action_server_url)
    user = new_user()
    for message in ("我要报工伤", "同意", "同意"):
        stack.texts(user, message)

    def upload(sender: str, data: bytes) -> httpx.Response:
        secret = stack.settings.frontend_secret
        headers = signed_upload_headers(secret, sender, "x", data, client=contracts.CLIENT_LOCAL)
        return httpx.post(url, content=data, headers=headers, timeout=60)

    big = upload(user, b"%PDF-" + b"0" * (11 * 1024 * 1024))
    assert big.status_code == 413 and big.json()["reason"] == "too_large"
    just_over = upload(user, b"%PDF-" + b"0" * (10 * 1024 * 1024 - 4))
    assert just_over.status_code == 413 and just_over.json()["reason"] == "too_large"
    at_the_limit = upload(user, b"%PDF-" + b"0" * (10 * 1024 * 1024 - 5))
    assert at_the_limit.status_code == 200, at_the_limit.text
    script = upload(user, b"#!/bin/sh\nrm -rf /")
    assert script.status_code == 422 and script.json()["reason"] == "type"
    nobody = upload(new_user(), b"%PDF-1.4")
    assert nobody.status_code == 409 and nobody.json()["reason"] == "no_draft"
    assert all(
        p.suffix in (".pdf", ".png", ".jpg", ".webp") or p.is_dir() for p in stack.settings.evidence_dir.rglob("*")
    )
