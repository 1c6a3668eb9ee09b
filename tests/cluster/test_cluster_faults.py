"""Two Rasa processes and two action servers behind nginx, on a private PostgreSQL (tracker
store) and Redis (lock store, nonces), started as ``assistant run --rasa-instances 2
--action-instances 2`` starts them: turns spread over both and stored in order, a replay
refused by the other process, Redis and PostgreSQL restarted (a clear reply meanwhile,
recovery after), and one Rasa process SIGKILLed under load (its conversations go on
through the other; nothing lost or doubled, checked from the tracker store).

The stack is started once for the module (two Rasa processes load in parallel); the
restarts touch only this module's own PostgreSQL and Redis."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from assistant import contracts
from assistant.bench.cluster_load import Conversation, check_order, cluster_settings, converse, load, start
from assistant.bench.scripts import Turn, user_script
from assistant.cluster import Cluster, ClusterConfigError, nginx_binary, plan
from assistant.rasa_model import model_path
from assistant.services import Service
from assistant.settings import Settings, get_settings
from bot import texts
from bot.rasa_client import RasaClient, RasaUnavailable, signed_message
from tests.cluster.servers import PrivatePostgres, PrivateRedis, postgres_bin, redis_binary
from tests.conftest import requirement_missing

LOCK_LIFETIME = "15"  # Rasa's TICKET_LOCK_LIFETIME: how long a dead process's ticket holds a conversation


@dataclasses.dataclass
class Stack:
    settings: Settings
    cluster: Cluster
    redis: PrivateRedis
    postgres: PrivatePostgres
    tracker_url: str

    def reply(self, sender: str, message: str) -> list[str]:
        """What the front end shows for one message (its own apology when Rasa cannot answer)."""

        async def send() -> list[str]:
            client = RasaClient(
                self.settings.rasa_url, self.settings.rasa_token, contracts.CLIENT_LOCAL, self.settings.frontend_secret
            )
            try:
                return [r.text for r in await client.send(sender, message)]
            except RasaUnavailable:
                return [texts.RASA_UNAVAILABLE]
            finally:
                await client.aclose()

        return asyncio.run(send())

    def recovers(self, sender: str, message: str, expect: str, timeout: float = 60.0) -> list[str]:
        deadline = time.monotonic() + timeout
        while True:
            replies = self.reply(sender, message)
            if replies != [texts.RASA_UNAVAILABLE]:
                assert any(expect in r for r in replies), replies
                return replies
            assert time.monotonic() < deadline, "no recovery"
            time.sleep(1)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, embedding_model_dir: Path) -> Iterator[Stack]:
    base = get_settings()
    if not model_path().exists() or not (base.index_dir / "current").exists():
        requirement_missing("trained Rasa model and knowledge index (run `make prepare train`)")
    if redis_binary() is None or postgres_bin() is None:
        requirement_missing("redis-server and PostgreSQL server binaries (Debian packages)")
    try:
        nginx_binary()
    except ClusterConfigError:
        requirement_missing("nginx (Debian package nginx; `make bench-cluster` installs it)")
    redis, postgres = PrivateRedis().start(), PrivatePostgres().init()
    started: list[Service] = []
    try:
        postgres.start()
        postgres.create_database("tracker")
        state = tmp_path_factory.mktemp("cluster-state")
        tracker_url = postgres.url("tracker")
        settings = cluster_settings(base, state, tracker_url, redis.url, f"sqlite:///{state / 'assistant.db'}")
        cluster = plan(settings, rasa_instances=2, action_instances=2)
        for service in cluster.rasa:
            service.env["TICKET_LOCK_LIFETIME"] = LOCK_LIFETIME
        start(cluster, started)
        yield Stack(settings, cluster, redis, postgres, tracker_url)
    finally:
        for service in reversed(started):
            service.stop()
        redis.stop()
        postgres.remove()


def upstreams_used(stack: Stack, path: str) -> set[str]:
    log = (stack.settings.log_dir / "nginx-access.log").read_text()
    return {line.split()[4] for line in log.splitlines() if f" {path} " in line and line.split()[3] == "200"}


def short_script(n: int) -> list[Turn]:
    return user_script(n)[:6]  # greeting, two policy questions, the claim started and consented to


def test_turns_spread_over_both_processes_are_stored_once_in_order(stack: Stack) -> None:
    conversations, _ = asyncio.run(load(stack.settings, 6, "spread", script=short_script))
    assert [c.failed for c in conversations] == [0] * 6
    assert check_order(stack.tracker_url, conversations) == []
    rasa_ports = {s.url.rsplit(":", 1)[1] for s in stack.cluster.rasa}
    assert {a.rsplit(":", 1)[1] for a in upstreams_used(stack, contracts.REST_WEBHOOK_PATH)} == rasa_ports
    action_ports = {s.url.split(":")[2].split("/")[0] for s in stack.cluster.actions}
    assert {a.rsplit(":", 1)[1] for a in upstreams_used(stack, "/webhook")} == action_ports


def test_a_request_accepted_by_one_process_is_refused_as_a_replay_by_the_other(stack: Stack) -> None:
    body, headers = signed_message(contracts.CLIENT_LOCAL, stack.settings.frontend_secret, "test-replay", "你好")
    first, second = (f"{s.url}{contracts.REST_WEBHOOK_PATH}" for s in stack.cluster.rasa)
    assert httpx.post(first, content=body, headers=headers, timeout=60).status_code == 200
    replayed = httpx.post(second, content=body, headers=headers, timeout=60)
    assert (replayed.status_code, replayed.json()["reason"]) == (401, contracts.REPLAYED)


def test_while_redis_restarts_users_are_told_to_send_again_and_the_claim_goes_on_after(stack: Stack) -> None:
    user = "e2e-redis-restart"
    assert any("同意" in r for r in stack.reply(user, "我要报工伤"))
    stack.redis.stop()
    try:
        assert stack.reply(user, "同意") == [texts.RASA_UNAVAILABLE]
        assert "12351" in texts.RASA_UNAVAILABLE and "稍后再发" in texts.RASA_UNAVAILABLE
    finally:
        stack.redis.start()
    stack.recovers(user, "同意", expect="敏感")  # the consent step where it was left


def test_while_postgresql_restarts_users_are_told_to_send_again_and_the_claim_goes_on_after(stack: Stack) -> None:
    user = "e2e-postgres-restart"
    assert any("同意" in r for r in stack.reply(user, "我要报工伤"))
    stack.postgres.stop()
    try:
        # Not an answer from an empty conversation (Rasa's in-memory fallback): the apology.
        assert stack.reply(user, "同意") == [texts.RASA_UNAVAILABLE]
    finally:
        stack.postgres.start()
    stack.recovers(user, "同意", expect="敏感")
    engine = create_engine(stack.tracker_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as connection:
        users = connection.execute(
            text("SELECT count(*) FROM events WHERE sender_id = :s AND type_name = 'user'"), {"s": user}
        ).scalar()
    engine.dispose()
    assert users == 2  # the turn refused during the outage was not stored anywhere


def test_one_rasa_process_killed_under_load_its_conversations_go_on_through_the_other(stack: Stack) -> None:
    users = 8
    results: list[Conversation] = []

    def talk() -> None:
        async def run() -> list[Conversation]:
            url = f"{stack.settings.rasa_url}{contracts.REST_WEBHOOK_PATH}"
            async with httpx.AsyncClient(timeout=120) as client:
                return await asyncio.gather(
                    *(
                        converse(client, url, stack.settings.frontend_secret, f"e2e-kill-{n}", user_script(n), 40)
                        for n in range(users)
                    )
                )

        results.extend(asyncio.run(run()))

    talking = threading.Thread(target=talk)
    talking.start()
    time.sleep(8)  # conversations under way on both processes
    victim = stack.cluster.rasa[0]
    assert victim.process is not None and victim.process.poll() is None
    victim.kill()
    talking.join(timeout=600)
    assert not talking.is_alive()
    assert [c.failed for c in results] == [0] * users
    assert check_order(stack.tracker_url, results) == []  # every turn stored once, in the order sent
    claims = create_engine(stack.settings.database_url)
    with claims.connect() as connection:
        submitted = connection.execute(
            text("SELECT sender_id, count(*) FROM claims WHERE sender_id LIKE 'e2e-kill-%' GROUP BY sender_id")
        ).all()
    claims.dispose()
    assert sorted(count for _, count in submitted) == [1] * users  # each claim stored once
    victim_port = victim.url.rsplit(":", 1)[1]
    log = (stack.settings.log_dir / "nginx-access.log").read_text()
    assert f":{victim_port} " in log  # the killed process had been taking turns
