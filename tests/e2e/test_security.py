"""Only the worker reaches their claim: another program on the same machine (or a web
page in a browser on it) is refused by every hop, and nothing personal is left in
logs or files others can read.

Runs against the real stack and the real Telegram front end."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import stat
import time
import uuid
import zlib
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from assistant import contracts
from bot.rasa_client import signed_message
from bot.uploads import signed_upload_headers, upload_url
from claims.validation.resident_id import check_character
from tests.e2e.test_telegram import PNG, Chat, telegram  # noqa: F401  (the fixture)
from tests.telegram.bot_api_server import FakeBotApi

ID_NUMBER = "32010619900307001" + check_character("32010619900307001")


def snapshot(stack, sender: str) -> dict:
    """Everything stored about a sender: claims with their answers, evidence, conversation, hand-offs."""
    claims = create_engine(stack.settings.database_url)
    tracker = create_engine(f"sqlite:///{stack.settings.tracker_db}")
    try:
        with claims.connect() as connection:
            rows = connection.execute(
                text("select * from claims where sender_id = :s order by id"), {"s": sender}
            ).all()
            evidence = connection.execute(
                text("select count(*) from claim_evidence e join claims c on c.id = e.claim_id where c.sender_id = :s"),
                {"s": sender},
            ).scalar()
            handoffs = connection.execute(
                text("select count(*) from handoff_requests where sender_id = :s"), {"s": sender}
            ).scalar()
        with tracker.connect() as connection:
            events = connection.execute(
                text("select count(*), max(id) from events where sender_id = :s"), {"s": sender}
            ).one()
    finally:
        claims.dispose()
        tracker.dispose()
    return {"claims": [tuple(r) for r in rows], "evidence": evidence, "handoffs": handoffs, "events": tuple(events)}


def action_call(sender: str, action: str = "action_claim_status") -> dict:
    """What a forged call to the action server looks like: a made-up tracker for the victim."""
    return {
        "next_action": action,
        "sender_id": sender,
        "version": "3.6.21",
        "domain": {},
        "tracker": {
            "sender_id": sender,
            "slots": {},
            "latest_message": {"text": "查进度", "intent": {"name": "check_claim_status"}, "entities": []},
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
    }


def test_a_telegram_claim_is_reached_by_no_other_client(telegram: FakeBotApi, stack) -> None:  # noqa: F811
    chat = Chat(telegram, 7104)
    sender = "tg-7104"
    consent = chat.say("我要报工伤", "同意")
    sensitive = chat.press(consent, "同意", "敏感")
    chat.press(sensitive, "同意", "第1步")
    chat.say("王小明", "第2步")
    chat.say("13912345678", "第3步")
    before = snapshot(stack, sender)
    assert before["claims"] and before["events"][0] > 0

    rasa, actions = stack.settings.rasa_url, stack.settings.action_server_url
    message = {"sender": sender, "message": "查进度"}
    refused: list[httpx.Response] = []

    def attempt(response: httpx.Response, status: int) -> None:
        assert response.status_code == status, (response.request.url, response.status_code, response.text)
        refused.append(response)

    # Rasa: the stock REST channel is gone; the signed one wants a front end's signature.
    attempt(httpx.post(f"{rasa}{contracts.STOCK_REST_WEBHOOK_PATH}", json=message, timeout=30), 404)
    attempt(httpx.post(f"{rasa}{contracts.REST_WEBHOOK_PATH}", json=message, timeout=30), 401)
    body, headers = signed_message(contracts.CLIENT_LOCAL, stack.settings.frontend_secret, sender, "查进度")
    attempt(httpx.post(f"{rasa}{contracts.REST_WEBHOOK_PATH}", content=body, headers=headers, timeout=30), 401)
    forged = dict(headers, **{contracts.CLIENT_HEADER: contracts.CLIENT_TELEGRAM})
    attempt(httpx.post(f"{rasa}{contracts.REST_WEBHOOK_PATH}", content=body, headers=forged, timeout=30), 401)
    browser = {"Content-Type": "text/plain"}  # what a web page can post without asking first
    attempt(
        httpx.post(f"{rasa}{contracts.REST_WEBHOOK_PATH}", content=json.dumps(message), headers=browser, timeout=30),
        415,
    )
    # Rasa's HTTP API: the token is needed to read or change a conversation.
    attempt(httpx.get(f"{rasa}/conversations/{sender}/tracker", timeout=30), 401)
    # The action server: a made-up tracker for the claim status, or to withdraw consent.
    for action in ("action_claim_status", "action_withdraw_consent"):
        attempt(httpx.post(actions, json=action_call(sender, action), timeout=30), 401)
        wrong = {contracts.ACTION_TOKEN_HEADER: "x" * 43}
        attempt(httpx.post(actions, json=action_call(sender, action), headers=wrong, timeout=30), 401)
    # The upload endpoint: a file for someone else's claim.
    url = upload_url(actions)
    attempt(httpx.post(url, content=PNG, headers={"X-Sender-Id": sender}, timeout=30), 415)
    unsigned = {"X-Sender-Id": sender, "Content-Type": "application/octet-stream"}
    attempt(httpx.post(url, content=PNG, headers=unsigned, timeout=30), 401)
    local = signed_upload_headers(stack.settings.frontend_secret, sender, "x.png", PNG, client=contracts.CLIENT_LOCAL)
    attempt(httpx.post(url, content=PNG, headers=local, timeout=30), 401)

    assert snapshot(stack, sender) == before  # nothing written
    for response in refused:  # nothing read
        assert not any(secret in response.text for secret in ("王", "小明", "139", "5678", "GS")), response.text
    # The worker carries on as if nothing happened.
    chat.say(ID_NUMBER, "第4步")


def test_a_replayed_or_stale_signature_is_refused(stack) -> None:
    rasa = f"{stack.settings.rasa_url}{contracts.REST_WEBHOOK_PATH}"
    sender = f"e2e-replay-{uuid.uuid4().hex[:8]}"
    body, headers = signed_message(contracts.CLIENT_LOCAL, stack.settings.frontend_secret, sender, "你好")
    assert httpx.post(rasa, content=body, headers=headers, timeout=60).status_code == 200
    again = httpx.post(rasa, content=body, headers=headers, timeout=60)
    assert again.status_code == 401 and again.json()["reason"] == contracts.REPLAYED
    old = contracts.sign(
        contracts.CLIENT_LOCAL,
        stack.settings.frontend_secret,
        "POST",
        contracts.REST_WEBHOOK_PATH,
        body,
        sender=sender,
        now=time.time() - 10 * contracts.MAX_CLOCK_SKEW,
    )
    stale = httpx.post(rasa, content=body, headers=dict(old, **{"Content-Type": "application/json"}), timeout=60)
    assert stale.status_code == 401 and stale.json()["reason"] == contracts.STALE
    tampered = body.replace("你好".encode(), "撤回同意".encode())
    changed = httpx.post(rasa, content=tampered, headers=headers | {contracts.NONCE_HEADER: "f" * 32}, timeout=60)
    assert changed.status_code == 401 and changed.json()["reason"] == contracts.BAD_SIGNATURE


def test_the_action_server_takes_only_rasa_json_of_a_bounded_size(stack) -> None:
    url = stack.settings.action_server_url
    token = {contracts.ACTION_TOKEN_HEADER: stack.settings.action_server_token}
    call = json.dumps(action_call("e2e-nobody", "action_claim_status")).encode()
    as_form = httpx.post(url, content=call, headers=token | {"Content-Type": "text/plain"}, timeout=30)
    assert as_form.status_code == 415
    huge = httpx.post(url, content=b"[" + b"0," * (3 * 1024 * 1024) + b"0]", headers=token | _json(), timeout=60)
    assert huge.status_code == 413
    bomb = zlib.compress(b" " * (64 * 1024 * 1024))  # 64 MB of spaces in about 64 KB
    deflated = httpx.post(url, content=bomb, headers=token | _json() | {"Content-Encoding": "deflate"}, timeout=60)
    assert deflated.status_code == 413
    # A broken call is answered without echoing what it carried (rasa_sdk's own handler echoes the tracker).
    broken = action_call("e2e-nobody", "action_claim_status")
    broken["tracker"]["events"] = [{"event": "user", "text": "王小明 13912345678 左腿骨折"}, "not an event"]
    answer = httpx.post(url, json=broken, headers=token, timeout=30)
    assert "王小明" not in answer.text and "骨折" not in answer.text
    assert httpx.get(url.replace("/webhook", "/health"), timeout=10).status_code == 200


def _json() -> dict[str, str]:
    return {"Content-Type": "application/json"}


def test_the_api_token_is_not_on_any_command_line_and_secrets_and_data_are_owner_only(stack) -> None:
    token = stack.settings.rasa_token
    for service in (stack.rasa, stack.action):
        assert service.process is not None
        command_line = Path(f"/proc/{service.process.pid}/cmdline").read_bytes().decode(errors="replace")
        assert token not in command_line and stack.settings.action_server_token not in command_line
    state = stack.settings.state_dir
    stack.texts(f"e2e-files-{uuid.uuid4().hex[:6]}", "帮我写首诗")  # an unanswered question: its log exists
    private = [
        state / "rasa_token",
        state / "frontend_secret",
        state / "telegram_frontend_secret",
        state / "action_server_token",
        state / "claims_secret_key",
        stack.settings.tracker_db,
        Path(stack.settings.database_url.split("///", 1)[1]),
        *stack.settings.log_dir.glob("*.log"),
        *state.glob("*.jsonl"),
    ]
    for path in private:
        if path.exists():
            mode = stat.S_IMODE(path.stat().st_mode)
            assert mode & 0o077 == 0, f"{path} is {oct(mode)}"
    assert stack.settings.log_dir.exists() and stat.S_IMODE(stack.settings.log_dir.stat().st_mode) & 0o077 == 0


# Unusual enough that they can only come from this test.
NAME, PHONE, PHONE_TYPED, INJURY = "欧阳翠花", "15987654321", "159 8765 4321", "左手腕粉碎性骨折伴韧带撕裂"
LEAK_ID = "44010619880214002" + check_character("44010619880214002")


def test_no_personal_data_in_any_log_when_things_fail_during_a_claim(stack) -> None:
    user = f"e2e-leak-{uuid.uuid4().hex[:8]}"
    for message, expect in (("我要报工伤", "同意"), ("同意", "敏感"), ("同意", "第1步"), (NAME, "第2步")):
        assert expect in stack.texts(user, message), message

    # The database is locked while the phone number is saved.
    database = Path(stack.settings.database_url.split("///", 1)[1])
    blocker = sqlite3.connect(database, timeout=1, isolation_level=None)
    try:
        blocker.execute("BEGIN EXCLUSIVE")
        assert "第3步" not in stack.texts(user, PHONE_TYPED)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert "第3步" in stack.texts(user, PHONE_TYPED)

    # The action server is down when the ID number is sent.
    stack.action.kill()
    try:
        lost = stack.say(user, LEAK_ID)
        assert not any("第4步" in m.get("text", "") for m in lost)
    finally:
        stack.action.start()
        stack.action.wait_ready(180)
    assert "第4步" in stack.texts(user, LEAK_ID)
    for message in ("美团", "外卖", "昨天上午十点", "广州天河区体育西路", "不是", "电动车转弯时摔倒"):
        stack.texts(user, message)

    # Rasa is still waiting for a stalled action server when the front end gives up on the injury text.
    assert stack.action.process is not None
    os.kill(stack.action.process.pid, signal.SIGSTOP)
    try:
        body, headers = signed_message(contracts.CLIENT_LOCAL, stack.settings.frontend_secret, user, INJURY)
        with contextlib.suppress(httpx.TimeoutException):  # the front end gives up after 3 s
            httpx.post(
                f"{stack.settings.rasa_url}{contracts.REST_WEBHOOK_PATH}", content=body, headers=headers, timeout=3
            )
    finally:
        os.kill(stack.action.process.pid, signal.SIGCONT)
    stack.texts(user, "取消")

    # Each error path was taken and logged ...
    logs = [*stack.settings.log_dir.glob("*"), *stack.settings.state_dir.glob("*.jsonl")]
    everything = "\n".join(path.read_text(encoding="utf-8", errors="replace") for path in logs)
    assert "database is locked" in everything and "Couldn't connect" in everything and "timed out" in everything
    # ... and no log holds the name, phone, ID or injury, as typed or as JSON escapes them.
    for path in logs:
        content = path.read_text(encoding="utf-8", errors="replace")
        for secret in (NAME, PHONE, PHONE_TYPED, LEAK_ID, LEAK_ID[:14], INJURY):
            for form in (secret, json.dumps(secret)[1:-1]):
                assert form not in content, f"{secret!r} in {path.name}"


def test_withdrawal_erases_the_conversation_and_hand_offs_too(stack) -> None:
    user = f"e2e-erase-{uuid.uuid4().hex[:8]}"
    for message in ("我要报工伤", "同意", "同意", NAME):
        stack.texts(user, message)
    stack.texts(user, "转人工")
    before = snapshot(stack, user)
    assert before["handoffs"] == 1 and before["events"][0] > 10
    assert "无法恢复" in stack.texts(user, "撤回同意，删除我的信息")
    assert "已删除" in stack.texts(user, "确定")
    after = snapshot(stack, user)
    assert after["claims"] == [] and after["handoffs"] == 0
    assert after["events"][0] == 3  # a fresh start: session start and listening, nothing said
    tracker = create_engine(f"sqlite:///{stack.settings.tracker_db}")
    with tracker.connect() as connection:
        kept = connection.execute(text("select data from events where sender_id = :s"), {"s": user}).scalars().all()
    tracker.dispose()
    assert not any(NAME in json.dumps(json.loads(row), ensure_ascii=False) for row in kept)
    assert "同意" in stack.texts(user, "我要报工伤")  # and the user can start again


def test_rasa_takes_only_small_signed_json_messages(stack) -> None:
    url = f"{stack.settings.rasa_url}{contracts.REST_WEBHOOK_PATH}"
    sender = f"e2e-size-{uuid.uuid4().hex[:8]}"
    body, headers = signed_message(contracts.CLIENT_LOCAL, stack.settings.frontend_secret, sender, "你" * 40_000)
    assert httpx.post(url, content=body, headers=headers, timeout=60).status_code == 413  # over 64 KB
    huge = b"0" * (2 * 1024 * 1024)
    assert httpx.post(url, content=huge, headers=_json(), timeout=60).status_code == 413  # never read in full
