"""A newcomer's first minutes, through the real Rasa server and action server."""

from __future__ import annotations

import subprocess
import sys

import httpx

from assistant.settings import PROJECT_ROOT


def test_greeting_is_answered_in_chinese(stack) -> None:
    reply = stack.texts("e2e-greet", "你好")
    assert "助手" in reply and "求职补贴" in reply


def test_policy_question_gets_a_cited_answer(stack) -> None:
    reply = stack.texts("e2e-policy", "送外卖的骑手自己要交职业伤害保障的钱吗？")
    assert "按单缴费" in reply
    assert "出处" in reply and "职业伤害保障" in reply


def test_unrelated_question_is_not_answered_with_a_guess(stack) -> None:
    reply = stack.texts("e2e-oos", "今天天气怎么样")
    assert "出处" not in reply
    assert reply.strip()
    # Conversations are kept in the SQL tracker store, where restarts find them.
    assert stack.settings.tracker_db.exists()


def test_rasa_api_requires_the_token(stack) -> None:
    url = f"{stack.settings.rasa_url}/conversations/e2e-greet/tracker"
    assert httpx.get(url, timeout=10).status_code == 401
    assert httpx.get(url, params={"token": stack.settings.rasa_token}, timeout=10).status_code == 200


def test_servers_listen_on_loopback_only(stack) -> None:
    assert stack.settings.rasa_url.startswith("http://127.0.0.1:")
    out = subprocess.run(["ss", "-ltnH"], capture_output=True, text=True, check=False).stdout
    for url in (stack.settings.rasa_url, stack.settings.action_server_url):
        port = url.rsplit(":", 1)[1].split("/")[0]
        listeners = [line.split()[3] for line in out.splitlines() if line.split()[3].endswith(f":{port}")]
        assert listeners and all(addr.startswith("127.0.0.1:") for addr in listeners), listeners


def test_terminal_chat_answers_a_newcomer(stack) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "chat", "--sender", "e2e-terminal"],
        input="你好\n一次性求职补贴发多少钱由谁定？\n/quit\n",
        capture_output=True,
        text=True,
        timeout=120,
        cwd=PROJECT_ROOT,
        env=stack.env,
    )
    assert result.returncode == 0, result.stderr
    assert "求职补贴" in result.stdout
    assert "省" in result.stdout and "出处" in result.stdout
