"""The staff console in Debian's Chromium against the real stack: log in (and a wrong
password, and a lockout), open a claim with an evidence photo, change its status so the
worker is told on Telegram, answer a hand-off in place both ways, upload a document,
index it and get a question answered from it by the running assistant, no restart.

``CONSOLE_SCREENSHOTS=docs`` writes a screenshot of each page to ``docs/console-*.png``
(``make console-screenshots``)."""

from __future__ import annotations

import csv
import io
import os
import re
import struct
import zlib
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page, expect

from assistant.settings import PROJECT_ROOT
from bot import texts
from claims.db import engine_for
from claims.drafts import save_answers, start_draft
from claims.evidence import store_evidence
from claims.submission import submit_draft
from claims.validation.resident_id import check_character
from tests.console.conftest import PASSWORD, ConsoleStack

WORKER_CHAT = 7301
WAIT_MS = 90_000


def png(width: int = 48, height: int = 32) -> bytes:
    """A real (orange) PNG, so the browser can draw it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + b"\xff\x80\x20" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def shot(page: Page, name: str) -> None:
    folder = os.environ.get("CONSOLE_SCREENSHOTS")
    if folder:
        target = PROJECT_ROOT / folder / f"console-{name}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(target), full_page=True)


def login(page: Page, stack: ConsoleStack, name: str, password: str = PASSWORD, refused: str = "") -> None:
    """Log in from the login page (after a redirect to it, if already there); wait for the outcome."""
    if "/login" not in page.url:
        page.goto(f"{stack.url}/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("form[action='/login'] button[type=submit]")
    if refused:
        expect(page.locator(".error")).to_contain_text(refused)
    else:
        expect(page.locator("header.top .who")).to_contain_text(name)


@pytest.fixture(scope="module")
def officer(browser, console_stack: ConsoleStack) -> Iterator[Page]:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    login(page, console_stack, "王芳")
    expect(page.locator("h1")).to_have_text("概览")
    yield page
    context.close()


@pytest.fixture(scope="module")
def editor(browser, console_stack: ConsoleStack) -> Iterator[Page]:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    login(page, console_stack, "李编辑")
    expect(page.locator("h1")).to_have_text("概览")
    yield page
    context.close()


@pytest.fixture(scope="module")
def claim(console_stack: ConsoleStack) -> str:
    """A submitted claim of a Telegram worker, with a photo, made as the claim form makes it."""
    engine = engine_for(console_stack.settings.database_url)
    sender = f"tg-{WORKER_CHAT}"
    draft = start_draft(sender, engine=engine)
    id17 = "11010519491231002"
    from datetime import datetime

    from claims.identity import id_fingerprint

    resident_id = id17 + check_character(id17)
    save_answers(
        draft,
        sender,
        {
            "full_name": "张伟",
            "phone": "13700001111",
            "id_hash": id_fingerprint(resident_id, b"console-test-key"),
            "id_last4": resident_id[-4:],
            "platform": "美团",
            "work_type": "外卖配送",
            "injury_time": datetime(2026, 11, 27, 16, 30),
            "injury_time_has_clock": True,
            "location": "成都市人民路口",
            "on_order": True,
            "order_number": "MT20261127001",
            "accident": "送餐途中被电动车撞倒",
            "injury": "左膝擦伤",
            "treatment": "华西医院门诊",
        },
        engine=engine,
    )
    os.environ["EVIDENCE_DIR"] = str(console_stack.settings.evidence_dir)
    try:
        from assistant.settings import get_settings

        get_settings.cache_clear()
        store_evidence(draft, sender, "膝盖伤口.png", png(), engine=engine)
        store_evidence(draft, sender, "门诊病历.pdf", b"%PDF-1.4\n%test\n", engine=engine)
    finally:
        os.environ.pop("EVIDENCE_DIR", None)
        get_settings.cache_clear()
    return submit_draft(draft, sender, engine=engine)


def test_login_refuses_a_wrong_password_and_locks_after_repeated_failures(browser, console_stack) -> None:
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(f"{console_stack.url}/claims")
    expect(page).to_have_url(re.compile(r"/login\?next=/claims$"))  # not logged in: nothing shown
    login(page, console_stack, "王芳", "not-the-password", refused="用户名或密码错误")
    expect(page.locator("header.top nav")).to_have_count(0)  # still logged out
    shot(page, "login")
    for _ in range(4):
        login(page, console_stack, "被锁定", "not-the-password", refused="用户名或密码错误")
    login(page, console_stack, "被锁定", "not-the-password", refused="锁定")
    login(page, console_stack, "被锁定", PASSWORD, refused="锁定")  # the right password, too late
    login(page, console_stack, "王芳")
    expect(page).to_have_url(re.compile(r"/claims$"))  # back where they wanted to go
    context.close()


def test_a_form_without_its_csrf_token_is_refused(console_stack, officer: Page) -> None:
    cookies = {c["name"]: c["value"] for c in officer.context.cookies()}
    response = httpx.post(
        f"{console_stack.url}/logout", cookies=cookies, data={"csrf_token": "forged"}, follow_redirects=False
    )
    assert response.status_code == 403
    officer.goto(f"{console_stack.url}/")
    expect(officer.locator("h1")).to_have_text("概览")  # still logged in


def test_a_claim_with_an_evidence_photo_opens_for_the_officer_only(console_stack, officer: Page, claim: str) -> None:
    officer.goto(f"{console_stack.url}/claims")
    officer.fill("input[name=q]", "13700001111")
    officer.click("form.filters button[type=submit]")
    expect(officer.locator("#claims tbody tr")).to_have_count(1)
    shot(officer, "claims")
    officer.click(f"text={claim}")
    expect(officer.locator("h1")).to_contain_text(claim)
    expect(officer.locator("dl.fields")).to_contain_text("送餐途中被电动车撞倒")
    photo = officer.locator("figure.evidence img")
    expect(photo).to_have_count(1)
    officer.wait_for_function("document.querySelector('figure.evidence img').naturalWidth === 48")
    expect(officer.locator("figure.evidence a[download]")).to_contain_text("门诊病历.pdf")
    shot(officer, "claim")

    source = photo.get_attribute("src")
    cookies = {c["name"]: c["value"] for c in officer.context.cookies()}
    served = httpx.get(f"{console_stack.url}{source}", cookies=cookies)
    assert served.status_code == 200 and served.content == png()
    assert served.headers["cache-control"] == "no-store"
    stranger = httpx.get(f"{console_stack.url}{source}", follow_redirects=False)
    assert stranger.status_code == 303 and "/login" in stranger.headers["location"]  # no photo without a login

    export = httpx.get(f"{console_stack.url}/claims/export.csv", cookies=cookies)
    assert export.content.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with the BOM
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert "受理编号" in rows[0] and claim in rows[1]


def test_a_status_change_reaches_the_worker_on_telegram(console_stack, officer: Page, claim: str) -> None:
    officer.goto(f"{console_stack.url}/claims/{claim}")
    officer.select_option("select[name=status]", "need_more_info")
    officer.fill("textarea[name=note]", "请补充医院诊断证明")
    officer.click("text=保存并通知申请人")
    expect(officer.locator(".flash")).to_contain_text("已通知申请人")
    expect(officer.locator("#claim-status")).to_have_text("需补充材料")

    def told():
        return [m for m in console_stack.api.sent_messages(WORKER_CHAT) if claim in m["text"]]

    messages = console_stack.api.wait_for(told, timeout=60)
    assert any("请补充医院诊断证明" in m["text"] for m in messages)


def test_the_audit_log_records_who_looked_at_the_claim(browser, console_stack, claim: str) -> None:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    login(page, console_stack, "赵管理")
    page.goto(f"{console_stack.url}/admin/audit?target={claim}")
    actions = page.locator("#audit tbody tr td:nth-child(3)").all_inner_texts()
    assert {"claim_view", "evidence_view", "claim_status"} <= set(actions)
    assert "王芳" in page.locator("#audit").inner_text()
    shot(page, "audit")
    context.close()


def test_a_handoff_is_answered_in_place_both_ways(console_stack, officer: Page) -> None:
    api, chat = console_stack.api, 7302

    def said(after: int, expect_text: str) -> list[dict]:
        def arrived():
            sent = api.sent_messages(chat)[after:]
            return sent if any(expect_text in m["text"] for m in sent) else None

        return api.wait_for(arrived, timeout=90)

    api.send_text(chat, "转人工")
    said(0, "12351")
    seen = len(api.sent_messages(chat))
    api.send_text(chat, "我的工伤申请交了好几天了，什么时候有结果？")
    said(seen, "人工客服")  # told it went to staff, not answered by the assistant

    officer.goto(f"{console_stack.url}/handoffs")
    shot(officer, "handoffs")
    officer.click("#handoffs tbody tr >> nth=0 >> a")
    expect(officer.locator("#thread")).to_contain_text("什么时候有结果")
    expect(officer.locator("ol.recent")).to_contain_text("转人工")  # the conversation before, from the tracker store
    officer.fill("textarea[name=text]", "您好，申请正在审核，预计三个工作日内有结果。")
    officer.click("#reply-form button")
    expect(officer.locator(".flash")).to_contain_text("已发送")
    said(seen, "预计三个工作日内有结果")

    seen = len(api.sent_messages(chat))
    api.send_text(chat, "好的，谢谢你们")
    said(seen, "已转给工作人员")
    expect(officer.locator("#thread")).to_contain_text("好的，谢谢你们")  # shown as it arrives, no reload
    shot(officer, "handoff-thread")

    seen = len(api.sent_messages(chat))
    api.send_text(chat, "结束人工")
    said(seen, texts.HANDOFF_ENDED[:8])
    seen = len(api.sent_messages(chat))
    api.send_text(chat, "一次性求职补贴是什么资金？")
    said(seen, "就业补助资金")  # the assistant answers again


DOCUMENT = """---
topic: union
---
# 星光市骑手雨天关爱办法

## 雨天配送补贴标准
星光市总工会规定，外卖骑手在暴雨红色预警期间配送的，每单可以领取雨天配送补贴3元，由工会驿站按月发放。

## 怎么领取雨天配送补贴
骑手带身份证到就近的工会驿站登记，每月10日前领取上月的雨天配送补贴。
"""
QUESTION = "星光市骑手雨天配送补贴每单多少钱？"


def test_an_uploaded_document_answers_questions_without_a_restart(console_stack, editor: Page) -> None:
    sender = "e2e-console-rain"
    before = console_stack.say(sender, QUESTION)
    assert "每单可以领取雨天配送补贴3元" not in before

    editor.goto(f"{console_stack.url}/knowledge/test?q={QUESTION}")
    expect(editor.locator("#verdict h2")).to_have_text("会拒答")

    editor.goto(f"{console_stack.url}/knowledge")
    editor.set_input_files(
        "input[type=file]",
        files=[{"name": "星光市雨天关爱.md", "mimeType": "text/markdown", "buffer": DOCUMENT.encode("utf-8")}],
    )
    editor.click("#upload-form button")
    # Preview before indexing: sections and passages as the index will cut them.
    expect(editor.locator("h1")).to_have_text("星光市骑手雨天关爱办法")
    expect(editor.locator("#chunks li")).to_have_count(2)
    expect(editor.locator("#chunks")).to_contain_text("小节：雨天配送补贴标准")
    shot(editor, "document-preview")
    editor.click("#build-index")
    expect(editor.locator("#index-stage")).to_have_text("完成", timeout=180_000)
    expect(editor.locator("#index-result")).to_contain_text("已生效")
    assert editor.eval_on_selector("#index-progress", "bar => bar.value") == 100
    shot(editor, "index")

    editor.goto(f"{console_stack.url}/knowledge")
    expect(editor.locator("#documents")).to_contain_text("星光市雨天关爱.md")
    row = editor.locator("#documents tr", has_text="星光市雨天关爱.md")
    expect(row).to_contain_text("已生效")
    shot(editor, "knowledge")

    editor.goto(f"{console_stack.url}/knowledge/test?q={QUESTION}")
    expect(editor.locator("#verdict h2")).to_have_text("会回答")
    expect(editor.locator("#hits li").first).to_contain_text("星光市雨天关爱.md")
    shot(editor, "hit-test")

    # The running assistant (started before the upload) answers from the new document.
    after = console_stack.say(sender, QUESTION)
    assert "每单可以领取雨天配送补贴3元" in after and "星光市骑手雨天关爱办法" in after


def test_gaps_and_dashboard_show_what_was_asked(console_stack, editor: Page) -> None:
    declined = console_stack.say("e2e-console-gap", "一次性求职补贴能领多少钱？")
    assert "没有找到" in declined  # the documents do not give the amount
    console_stack.say("e2e-console-gap", "骑手自己要交职业伤害保障的钱吗")
    editor.goto(f"{console_stack.url}/knowledge/gaps")
    expect(editor.locator("#unanswered")).to_contain_text("一次性求职补贴能领多少钱")
    shot(editor, "gaps")
    editor.goto(f"{console_stack.url}/")
    today = editor.locator("#daily tbody tr").first
    cells = today.locator("td").all_inner_texts()
    asked, answered, declined = (int(c) for c in cells[1:4])
    assert answered >= 1 and declined >= 1 and asked >= 2
    shot(editor, "dashboard")
