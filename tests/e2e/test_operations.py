"""Operations on the running stack: Prometheus metrics of the real action server after a real
turn through Rasa, and of the real Telegram bot after a chat message (bearer token required,
nothing personal in what is scraped)."""

from __future__ import annotations

import re

import httpx

from assistant.services import free_port
from tests.e2e.test_telegram import bot_service
from tests.telegram.bot_api_server import FakeBotApi


def sample(body: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus' text format (0 when absent)."""
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    pattern = rf"^{re.escape(name)}{{{re.escape(wanted)}}} (\S+)$" if labels else rf"^{re.escape(name)} (\S+)$"
    match = re.search(pattern, body, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def scrape(url: str, token: str) -> str:
    response = httpx.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    response.raise_for_status()
    return response.text


def test_action_server_metrics_after_a_turn(stack) -> None:
    host, port = stack.settings.action_host_port
    url, token = f"http://{host}:{port}/metrics", stack.settings.metrics_token
    assert httpx.get(url, timeout=10).status_code == 401
    assert httpx.get(url, headers={"X-Action-Token": stack.settings.action_server_token}).status_code == 401
    assert httpx.get(f"http://{host}:{port}/health", timeout=10).status_code == 200
    before = scrape(url, token)
    # A programme the documents never mention: answered by a decline that says so.
    stack.texts("e2e-metrics-1", "失业保险金每个月能领多少钱？我的手机13812345678")
    after = scrape(url, token)
    runs = "assistant_action_runs_total"
    assert sample(after, runs, action="action_answer_policy", outcome="ok") == (
        sample(before, runs, action="action_answer_policy", outcome="ok") + 1
    )
    declined = sum(sample(after, "assistant_declined_answers_total", reason=r) for r in ("not_covered", "no_answer"))
    declined_before = sum(
        sample(before, "assistant_declined_answers_total", reason=r) for r in ("not_covered", "no_answer")
    )
    assert declined == declined_before + 1
    assert sample(after, "assistant_action_seconds_count", action="action_answer_policy") >= 1
    assert "13812345678" not in after and "e2e-metrics" not in after and "失业" not in after


def test_bot_metrics_after_a_chat_message(stack) -> None:
    api = FakeBotApi().start()
    listen = f"127.0.0.1:{free_port()}"
    bot = bot_service(stack, api, "telegram-metrics.log", "getMe", BOT_METRICS_LISTEN=listen)
    bot.start()
    try:
        bot.wait_ready(60)
        url, token = f"http://{listen}/metrics", stack.settings.metrics_token
        assert httpx.get(f"http://{listen}/health", timeout=10).json() == {"status": "ok"}
        assert httpx.get(url, timeout=10).status_code == 401
        api.send_text(6101, "你好")
        api.wait_for_reply(6101, 0)
        body = scrape(url, token)
        assert sample(body, "assistant_turns_total", frontend="telegram", kind="text") == 1
        assert sample(body, "assistant_turn_seconds_count", frontend="telegram") == 1
        assert re.search(r'="[^"]*6101', body) is None  # no chat id in any label
    finally:
        bot.stop()
        api.stop()
