"""Issue 13 through the real Telegram front end (local Bot API server), the real
Rasa server and action server: the worker checks a truthful summary (their typed
place and account), types a platform after "其他", sees 第n步（共m步） that
does not jump, changes a field from the summary; staff ask for more material,
the notification fails once and then arrives, and a photo sent afterwards
reaches the submitted claim, where staff see it."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess

from claims.validation.resident_id import check_character
from tests.e2e.test_claim_flow import staff as claims_command
from tests.e2e.test_telegram import PNG, Chat, telegram  # noqa: F401  (the fixture)
from tests.telegram.bot_api_server import FakeBotApi

PLACE = "宁波市鄞州区天童南路88号门口"
ACCOUNT = "骑车送菜时被一辆右转的轿车刮倒在地"
ID_NUMBER = "11010519491231002" + check_character("11010519491231002")


def staff(stack, api: FakeBotApi, *args: str) -> subprocess.CompletedProcess:
    return claims_command(stack, *args, TELEGRAM_BOT_TOKEN=api.token, TELEGRAM_API_BASE_URL=api.base_url)


def texts(replies: list[dict]) -> str:
    return "\n".join(m["text"] for m in replies)


def test_a_claim_the_worker_can_check_finish_and_follow_up(telegram: FakeBotApi, stack) -> None:  # noqa: F811
    chat = Chat(telegram, 5301)
    consent = chat.say("我要报工伤", "同意")
    sensitive = chat.press(consent, "同意", "敏感")
    chat.press(sensitive, "同意", "第1步（共13步）")
    chat.say("赵小川", "第2步")
    chat.say("13700002222", "第3步")
    platform = chat.say(ID_NUMBER, "第4步")
    typed = chat.press(platform, "其他（直接打字）", "打出平台")
    assert "第5步" not in texts(typed)  # asked to type, not moved on
    work = chat.say("叮咚买菜", "第5步")
    chat.press(work, "其他（直接打字）", "打出")
    chat.say("帮人跑腿送菜", "第6步")
    chat.say("昨天下午三点", "第7步")
    on_order = chat.say(PLACE, "第8步")
    chat.press(on_order, "不是", "第9步（共12步）")  # no order number to ask: the count shrinks, no jump
    chat.say(ACCOUNT, "第10步（共12步）")
    chat.say("右手腕骨裂", "第11步")
    evidence = chat.say("跳过", "第12步")
    replies = chat.press(evidence, "跳过", "请核对")
    summary = texts(replies)
    for shown in (f"受伤地点：{PLACE}", f"事故经过：{ACCOUNT}", "平台：叮咚买菜", "工作类型：同城跑腿"):
        assert shown in summary, summary
    assert "已填写" not in summary and "手机号：13700002222" in summary

    # Any field can be changed from the summary.
    which = chat.press(replies, "需要修改", "要修改哪一项")
    chat.press(which, "受伤地点", "第7步（共12步）")  # the field keeps its number
    replies = chat.say("宁波市鄞州区天童南路90号", "请核对")
    assert "受伤地点：宁波市鄞州区天童南路90号" in texts(replies)
    done = chat.press(replies, "确认提交", "受理编号")
    reference = re.search(r"GS\d{8}[A-Z0-9]{4}", texts(done)).group(0)

    # The tracker store never kept the summary's personal data.
    with sqlite3.connect(stack.settings.tracker_db) as tracker:
        rows = tracker.execute("select data from events where sender_id = 'tg-5301'").fetchall()
    stored = " ".join(json.dumps(json.loads(row[0]), ensure_ascii=False) for row in rows)
    assert "天童南路" not in stored and ACCOUNT not in stored and "13700002222" not in stored

    # Staff need more material; the notification fails once, then arrives.
    assert staff(stack, telegram, "set-status", reference, "under_review").returncode == 0
    chat._await("审核中")
    telegram.break_next["sendMessage"] = 1
    asked = staff(stack, telegram, "set-status", reference, "need_more_info", "--note", "请补充病历照片")
    assert asked.returncode == 0 and "not delivered" in asked.stdout, asked.stdout + asked.stderr
    pending = staff(stack, telegram, "notify-pending")
    assert pending.returncode == 0 and "1 notifications delivered" in pending.stdout, pending.stdout + pending.stderr
    notice = texts(chat._await("请补充病历照片"))
    assert reference in notice and "需要补充材料" in notice

    # A photo now reaches the submitted claim and puts it back under review; staff see it.
    added = texts(chat.photo(PNG, "已把这份材料补充到申请"))
    assert reference in added
    noted = texts(chat.say("补充说明：医生说要休息两周", "说明补充到申请"))
    assert reference in noted
    shown = staff(stack, telegram, "show", reference)
    assert shown.returncode == 0, shown.stderr
    assert "提交后补充" in shown.stdout and "under_review" in shown.stdout and "医生说要休息两周" in shown.stdout


def test_with_two_claims_in_progress_the_worker_picks_where_a_file_goes(stack) -> None:
    import httpx

    from assistant import contracts
    from bot.uploads import signed_upload_headers, upload_url
    from claims.db import engine_for
    from claims.drafts import save_answers, start_draft
    from claims.submission import submit_draft
    from tests.claims.test_claim_store import ANSWERS

    sender = "e2e-material-choice"
    engine = engine_for(stack.settings.database_url)
    references = []
    for _ in range(2):
        draft = start_draft(sender, engine=engine)
        save_answers(draft, sender, ANSWERS, engine=engine)
        references.append(submit_draft(draft, sender, engine=engine))
    base = upload_url(stack.settings.action_server_url).removesuffix(contracts.UPLOAD_PATH)

    def post(path: str) -> httpx.Response:
        secret = stack.settings.frontend_secret
        headers = signed_upload_headers(secret, sender, "病历.png", PNG, contracts.CLIENT_LOCAL, path=path)
        return httpx.post(base + path, content=PNG, headers=headers, timeout=30)

    asked = post(contracts.UPLOAD_PATH)
    assert asked.status_code == 409 and asked.json()["reason"] == contracts.CHOOSE_CLAIM
    assert set(asked.json()["claims"]) == set(references)
    chosen = post(contracts.material_path(contracts.UPLOAD_PATH, references[1]))
    assert chosen.status_code == 200 and chosen.json()["reference"] == references[1], chosen.text
    stolen = post(contracts.material_path(contracts.UPLOAD_PATH, "GS20260101ABCD"))  # not the sender's claim
    assert stolen.status_code == 409
