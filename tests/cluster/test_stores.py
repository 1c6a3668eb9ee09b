"""The shared stores several Rasa processes need, on a private PostgreSQL and Redis: Rasa's
lock store and the masking tracker store from their URLs, replay nonces shared across
processes, tracker erasure on PostgreSQL, SQLite refused for a cluster, the nginx config."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from assistant import contracts
from assistant.cluster import ClusterConfigError, check_shared_stores, nginx_binary, render_nginx
from assistant.nonces import RedisNonces, nonce_memory
from assistant.rasa_model import RASA_BIN, rasa_env
from assistant.services import isolated_settings
from assistant.settings import PROJECT_ROOT, get_settings
from claims.tracker_erasure import erase_conversations, tracker_engine_url
from tests.cluster.servers import PrivatePostgres, PrivateRedis, postgres_bin, redis_binary
from tests.conftest import requirement_missing


@pytest.fixture(scope="module")
def redis() -> Iterator[PrivateRedis]:
    if redis_binary() is None:
        requirement_missing("redis-server (Debian package redis-server)")
    server = PrivateRedis().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def postgres() -> Iterator[PrivatePostgres]:
    if postgres_bin() is None:
        requirement_missing("PostgreSQL server binaries in /usr/lib/postgresql")
    server = PrivatePostgres().init()
    try:
        server.start()
        server.create_database("tracker")
        yield server
    finally:
        server.remove()


def signed_headers(now: float | None = None) -> tuple[bytes, dict[str, str]]:
    body = b'{"sender": "test-1", "message": "hi"}'
    return body, contracts.sign(contracts.CLIENT_LOCAL, "s3cret", "POST", "/p", body, sender="test-1", now=now)


def test_a_nonce_used_at_one_process_is_refused_at_another(redis: PrivateRedis) -> None:
    first, second = (contracts.Verifier({contracts.CLIENT_LOCAL: "s3cret"}, RedisNonces(redis.url)) for _ in range(2))
    body, headers = signed_headers()
    assert first.verify(headers, "POST", "/p", body, "test-1").ok
    assert second.verify(headers, "POST", "/p", body, "test-1").reason == contracts.REPLAYED
    assert isinstance(nonce_memory(""), contracts.LocalNonces)


def test_nonces_expire_after_the_replay_window_and_a_redis_outage_is_unavailable_not_accepted(
    redis: PrivateRedis,
) -> None:
    nonces = RedisNonces(redis.url, window=1)
    assert nonces.first_use("local:abc", time.time())
    assert not nonces.first_use("local:abc", time.time())
    time.sleep(2.1)
    assert nonces.first_use("local:abc", time.time())
    down = contracts.Verifier({contracts.CLIENT_LOCAL: "s3cret"}, RedisNonces("redis://127.0.0.1:1/0", timeout=0.5))
    body, headers = signed_headers()
    assert down.verify(headers, "POST", "/p", body, "test-1").reason == contracts.UNAVAILABLE


def test_rasa_side_lock_store_masking_store_on_postgresql_and_no_silent_fallback(
    redis: PrivateRedis, postgres: PrivatePostgres
) -> None:
    python = RASA_BIN.parent / "python"
    if not python.exists():
        requirement_missing(f"Rasa venv at {python.parent} (run `make setup`)")
    result = subprocess.run(
        [
            str(python),
            str(PROJECT_ROOT / "tests" / "cluster" / "rasa_side_stores.py"),
            postgres.url("tracker"),
            redis.url,
        ],
        cwd=PROJECT_ROOT,
        env=rasa_env(PYTHONPATH=str(PROJECT_ROOT)),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    results = json.loads(result.stdout.strip().splitlines()[-1])
    assert {name: outcome for name, outcome in results.items() if outcome != "ok"} == {}
    assert len(results) == 4


def test_tracker_erasure_and_retention_reach_a_postgresql_tracker_store(
    postgres: PrivatePostgres, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = postgres.url("tracker")
    engine = create_engine(tracker_engine_url(url))
    with engine.begin() as connection:
        connection.execute(
            text(
                "CREATE TABLE IF NOT EXISTS events (id SERIAL PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, "
                "type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), "
                "action_name VARCHAR(255), data TEXT)"
            )
        )
        for sender, stamp in (("tg-erase", 100.0), ("tg-erase", 5e9), ("tg-keep", 100.0)):
            connection.execute(
                text("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (:s, 'user', :t, '{}')"),
                {"s": sender, "t": stamp},
            )
    monkeypatch.setenv("TRACKER_STORE_URL", url)
    from datetime import UTC, datetime

    assert erase_conversations({"tg-erase"}, before=datetime(2030, 1, 1, tzinfo=UTC)) == 1  # retention's cut-off
    assert erase_conversations({"tg-erase"}) == 1  # withdrawal: the rest
    with engine.connect() as connection:
        left = (
            connection.execute(text("SELECT sender_id FROM events WHERE sender_id IN ('tg-erase', 'tg-keep')"))
            .scalars()
            .all()
        )
    engine.dispose()
    assert left == ["tg-keep"]


def test_several_rasa_processes_refuse_sqlite_and_in_memory_locks_with_what_to_set() -> None:
    settings = isolated_settings(get_settings(), Path(tempfile.mkdtemp()))
    check_shared_stores(settings, 1)
    with pytest.raises(ClusterConfigError, match=r"TRACKER_STORE_URL=postgresql://.*LOCK_STORE_URL=redis://"):
        check_shared_stores(settings, 2)
    shared = dataclasses.replace(settings, tracker_store_url="postgresql://u@h/db", lock_store_url="redis://h:1/0")
    check_shared_stores(shared, 3)


def test_run_with_two_rasa_processes_on_sqlite_stops_at_once_with_the_reason(tmp_path: Path) -> None:
    import os
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("TRACKER_STORE_URL", "LOCK_STORE_URL")}
    env["ASSISTANT_STATE_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "run", "--no-frontend", "--rasa-instances", "2"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "2 Rasa processes need a shared tracker store and lock store" in result.stderr
    assert "TRACKER_STORE_URL=postgresql://" in result.stderr


def test_the_generated_nginx_config_is_valid_and_keeps_to_the_state_folder(tmp_path: Path) -> None:
    try:
        binary = nginx_binary()
    except ClusterConfigError:
        requirement_missing("nginx (Debian package nginx; `make bench-cluster` installs it)")
    settings = isolated_settings(get_settings(), tmp_path)
    balanced = {
        "rasa": (settings.rasa_host_port, ["http://127.0.0.1:15001", "http://127.0.0.1:15002"]),
        "actions": (settings.action_host_port, ["http://127.0.0.1:15003", "http://127.0.0.1:15004"]),
    }
    config = render_nginx(settings, balanced)
    assert "server 127.0.0.1:15002 max_fails=1" in config and "proxy_pass http://actions;" in config
    directives = "\n".join(line for line in config.splitlines() if not line.lstrip().startswith("#"))
    assert "/etc/nginx" not in directives and "/var/" not in directives
    assert "$request " not in config and "$request_uri" not in config and "$args" not in config  # no tokens logged
    (tmp_path / "nginx").mkdir()
    (tmp_path / "log").mkdir()
    (tmp_path / "nginx" / "nginx.conf").write_text(config)
    checked = subprocess.run(
        [binary, "-p", str(tmp_path / "nginx"), "-c", str(tmp_path / "nginx" / "nginx.conf"), "-e", "stderr", "-t"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
