"""An injury claim from 我要报工伤 to a reference number through the real Rasa
server and action server: a wrong answer, a question in the middle, a restart
of both servers half-way, a correction on the summary; then the claimant's
status lookup and a staff status change. Personal data stays out of Rasa's
tracker store and out of every log."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid

from sqlalchemy import create_engine, text

from assistant.settings import PROJECT_ROOT
from claims.validation.resident_id import check_character
from tests.e2e.test_run_command import Console

ID_NUMBER = "33010619900307001" + check_character("33010619900307001")
NAME, PHONE = "钱多福", "13524681357"


def new_user() -> str:
    return f"e2e-claim-{uuid.uuid4().hex[:8]}"


def restart(stack) -> None:
    for service in (stack.rasa, stack.action):
        service.stop()
    for service, timeout in ((stack.action, 180), (stack.rasa, 300)):
        service.start()
        service.wait_ready(timeout)


def staff(stack, *args: str, **extra_env: str) -> subprocess.CompletedProcess:
    """``assistant claims …`` as staff run it, against the stack's state."""
    env = {**os.environ, **stack.env, **extra_env}
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", "claims", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def claims_of(stack, user: str) -> list[tuple]:
    engine = create_engine(stack.settings.database_url)
    with engine.connect() as connection:
        rows = connection.execute(
            text("select reference, status, full_name, phone, id_last4 from claims where sender_id = :s"), {"s": user}
        ).all()
    engine.dispose()
    return [tuple(r) for r in rows]


def test_a_full_claim_through_the_rest_channel(stack) -> None:
    user = new_user()
    say = lambda message: stack.texts(user, message)  # noqa: E731

    assert "同意" in say("我要报工伤")
    assert "敏感个人信息" in say("同意")
    assert "第1步" in say("同意")
    assert "第2步" in say(f"我叫{NAME}")
    assert "11位" in say("138123")  # a wrong answer gets a specific re-ask
    assert "第3步" in say("135 2468 1357")

    digression = say("职业伤害保障需要骑手自己交钱吗？")
    assert "出处" in digression and "第3步" in digression  # answered, then the question again

    assert "第4步" in say(ID_NUMBER)
    restart(stack)  # both servers go down half-way; the conversation resumes where it was
    assert "第5步" in say("美团")
    assert "第6步" in say("外卖配送")
    assert "第7步" in say("昨天下午三点")
    assert "第8步" in say("杭州市西湖区文三路和学院路路口")
    assert "第9步" in say("是的")
    assert "第10步" in say("跳过")
    assert "第11步" in say("送餐途中在路口被一辆电动车撞倒了")
    assert "第12步" in say("左腿骨折，手肘擦伤")
    assert "第13步" in say("在浙一医院拍了片，打了石膏")
    summary = say("跳过")
    # The worker checks their own answers (not masked ones); the ID number was never kept whole.
    assert PHONE in summary and NAME in summary and ID_NUMBER not in summary and ID_NUMBER[-4:] in summary
    assert "杭州市西湖区文三路和学院路路口" in summary and "送餐途中在路口被一辆电动车撞倒了" in summary

    assert "第2步" in say("改一下手机号")
    summary = say("13987654321")
    assert "手机号：13987654321" in summary and "确认提交" in summary

    submitted = say("确认提交")
    reference = re.search(r"GS\d{8}[A-Z0-9]{4}", submitted)
    assert reference, submitted
    reference = reference.group(0)
    say("确认提交")  # a double tap after the claim went in
    assert claims_of(stack, user) == [(reference, "submitted", NAME, "13987654321", ID_NUMBER[-4:])]

    status = say("查进度")
    assert reference in status and "已提交" in status

    changed = staff(stack, "set-status", reference, "need_more_info", "--note", "请补充诊断证明")
    assert changed.returncode == 0, changed.stderr
    listed = staff(stack, "list", "--status", "need_more_info")
    assert reference in listed.stdout and ID_NUMBER not in listed.stdout
    exported = staff(stack, "export")
    assert reference in exported.stdout and "13987654321" in exported.stdout and ID_NUMBER not in exported.stdout
    status = say(f"查询{reference}")
    assert "需要补充材料" in status and "请补充诊断证明" in status

    # Nothing the claimant typed as personal data is in Rasa's tracker store or in any log.
    tracker = create_engine(f"sqlite:///{stack.settings.tracker_db}")
    with tracker.connect() as connection:
        rows = connection.execute(text("select data from events where sender_id = :s"), {"s": user})
        stored = "\n".join(json.dumps(json.loads(row[0]), ensure_ascii=False) for row in rows)
    tracker.dispose()
    logs = "\n".join(p.read_text(errors="replace") for p in stack.settings.log_dir.glob("*.log"))
    for secret in (PHONE, "13987654321", ID_NUMBER, NAME, "135 2468 1357"):
        assert secret not in stored, f"{secret} in the tracker store"
        assert secret not in logs, f"{secret} in a log"


def test_declining_consent_stores_nothing_and_says_how_else_to_apply(stack) -> None:
    user = new_user()
    stack.texts(user, "我要申请职业伤害保障")
    reply = stack.texts(user, "不同意")
    assert "12351" in reply and "不会保存" in reply
    assert claims_of(stack, user) == []


def test_withdrawing_consent_erases_the_claim(stack) -> None:
    user = new_user()
    for message in ("我要报工伤", "同意", "同意", f"我叫{NAME}"):
        stack.texts(user, message)
    assert "无法恢复" in stack.texts(user, "撤回同意，删除我的信息")
    assert "已删除" in stack.texts(user, "确定")
    assert claims_of(stack, user) == []


def test_a_claim_in_the_terminal_chat(stack) -> None:
    env = {**os.environ, **stack.env, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "assistant.cli", "chat", "--sender", new_user()],
        cwd=PROJECT_ROOT,
        env=env,
        text=True,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    console = Console(process)
    assert process.stdin is not None

    def type_line(line: str, expect: str) -> None:
        process.stdin.write(line + "\n")
        process.stdin.flush()
        console.wait_for(expect, timeout=60)

    try:
        console.wait_for("/quit", timeout=60)
        type_line("我要报工伤", "[1] 同意")
        type_line("1", "[1] 同意")  # buttons are chosen by number
        type_line("1", "第1步")
        type_line("李娜", "第2步")
        type_line("一三九一二三四五六七八", "第3步")
        type_line("110105194912310021", "校验位")
        type_line(ID_NUMBER, "第4步")
        type_line("2", "第5步")  # 饿了么
        type_line("1", "第6步")
        type_line("前天晚上八点", "第7步")
        type_line("上海浦东张江路", "第8步")
        type_line("2", "第9步（共12步）")  # not on an order: no order number asked, no step skipped
        type_line("下班路上被车撞了一下", "第10步")
        type_line("膝盖擦伤", "第11步")
        type_line("跳过", "第12步")
        type_line("跳过", "确认提交")
        type_line("1", "受理编号")
        process.stdin.write("/quit\n")
        process.stdin.flush()
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()


def test_an_injury_answer_offers_a_claim_and_yes_starts_it(stack) -> None:
    user = new_user()
    answer = stack.say(user, "职业伤害保障和工伤保险有什么区别")
    assert "📄 出处" in answer[0]["text"]  # answered first
    offer = next(m for m in answer if any(b["payload"] == "/report_injury" for b in m.get("buttons") or []))
    assert "登记" in offer["text"]
    assert "需要收集" in stack.texts(user, "好的")
    assert "已取消" in stack.texts(user, "取消")
