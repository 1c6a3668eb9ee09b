"""The metrics endpoint the bot serves: /health open, /metrics only with the bearer token,
and no label can carry what a user typed."""

from __future__ import annotations

import httpx
import pytest

from assistant.metrics import count_decline, count_error, serve_metrics
from assistant.services import free_port


@pytest.fixture
def endpoint():
    server = serve_metrics(f"127.0.0.1:{free_port()}", "s3cret-token")
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def test_health_is_open_and_metrics_need_the_token(endpoint: str) -> None:
    assert httpx.get(f"{endpoint}/health").json() == {"status": "ok"}
    assert httpx.get(f"{endpoint}/metrics").status_code == 401
    assert httpx.get(f"{endpoint}/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert httpx.get(f"{endpoint}/metrics", headers={"Authorization": "Basic s3cret-token"}).status_code == 401
    response = httpx.get(f"{endpoint}/metrics", headers={"Authorization": "Bearer s3cret-token"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    assert "assistant_declined_answers_total" in response.text
    assert httpx.get(f"{endpoint}/anything").status_code == 404


def test_labels_never_carry_user_text(endpoint: str) -> None:
    count_decline("王小明 13812345678")  # a caller passing text by mistake
    count_decline("not_covered")
    count_error("bot", ValueError("13812345678 王小明"))
    body = httpx.get(f"{endpoint}/metrics", headers={"Authorization": "Bearer s3cret-token"}).text
    assert 'assistant_declined_answers_total{reason="other"}' in body
    assert 'assistant_declined_answers_total{reason="not_covered"}' in body
    assert 'assistant_errors_total{component="bot",error="ValueError"}' in body
    assert "13812345678" not in body and "王小明" not in body
