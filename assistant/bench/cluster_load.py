"""``assistant bench stack --rasa-instances 1,2``: the stack on PostgreSQL and Redis, with one
and then several Rasa processes behind nginx, measured from the outside.

For each number of Rasa processes: a fresh PostgreSQL database for the tracker
store, Redis for the lock store and nonces, a private state folder (claims
store, evidence, logs), the services started as ``assistant run --rasa-instances``
starts them; then rounds of simultaneous users, each going through the
benchmark script (greeting, two policy questions, a whole claim). Reported per
round: turns/s, p50/p95, errors, CPU seconds and peak memory of every process.
Afterwards every conversation is read back from the tracker store: each turn
stored once, in the order it was sent, with the replies its sender got
(``check_conversation``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import platform
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from sqlalchemy import create_engine, text

from assistant.bench.measure import RssSampler, cpu_count, percentile, tree_cpu_seconds, tree_rss_mb
from assistant.bench.scripts import Turn, user_script
from assistant.cluster import Cluster, migrate_once, plan
from assistant.contracts import CLIENT_LOCAL, REST_WEBHOOK_PATH
from assistant.pii import redact_numbers
from assistant.services import Service, isolated_settings
from assistant.settings import Settings, get_settings
from bot.rasa_client import signed_message
from claims.tracker_erasure import tracker_engine_url

log = logging.getLogger(__name__)
PLACEHOLDER = "[已隐藏]"  # rasa_plugins.masking_tracker_store.PLACEHOLDER (that module runs inside Rasa)
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"


@dataclasses.dataclass
class Exchange:
    """One turn as its sender saw it: what was sent and the replies, once it succeeded."""

    text: str
    replies: list[str]
    seconds: float
    attempts: int
    answered: bool = True  # False: processed (and stored) but no reply came back, an error


@dataclasses.dataclass
class Conversation:
    sender: str
    exchanges: list[Exchange] = dataclasses.field(default_factory=list)
    failed: int = 0  # turns that never got a reply after every retry


async def converse(
    client: httpx.AsyncClient,
    url: str,
    secret: str,
    sender: str,
    script: Iterable[Turn],
    retries: int = 0,
    retry_pause: float = 1.0,
) -> Conversation:
    """Send the script in order, each turn after the previous reply; a failed turn (502 from the
    balancer, 503 from Rasa, a dropped connection) is sent again ``retries`` times, as a user told
    “请稍后再发一次” would."""
    conversation = Conversation(sender)
    for turn in script:
        began = time.perf_counter()
        for attempt in range(1, retries + 2):
            try:
                body, headers = signed_message(CLIENT_LOCAL, secret, sender, turn.text)
                response = await client.post(url, content=body, headers=headers)
                if response.status_code == 200:
                    replies = [m.get("text") or "" for m in response.json()]
                    elapsed = time.perf_counter() - began
                    conversation.exchanges.append(Exchange(turn.text, replies, elapsed, attempt, bool(replies)))
                    conversation.failed += not replies  # taken but unanswered: an error, not sent again
                    break
            except httpx.HTTPError:
                pass
            if attempt <= retries:
                await asyncio.sleep(retry_pause)
        else:
            conversation.failed += 1
    return conversation


async def load(
    settings: Settings, users: int, prefix: str, retries: int = 0, script=user_script
) -> tuple[list[Conversation], float]:
    url = f"{settings.rasa_url}{REST_WEBHOOK_PATH}"
    limits = httpx.Limits(max_connections=users + 5, max_keepalive_connections=users + 5)
    async with httpx.AsyncClient(timeout=300, limits=limits) as client:
        began = time.perf_counter()
        conversations = await asyncio.gather(
            *(
                converse(client, url, settings.frontend_secret, f"bench-{prefix}-{n}", script(n), retries)
                for n in range(users)
            )
        )
        return list(conversations), time.perf_counter() - began


def stored_events(tracker_url: str, senders: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Every stored event of these conversations, in the order they were written."""
    engine = create_engine(tracker_engine_url(tracker_url))
    found: dict[str, list[dict[str, Any]]] = {sender: [] for sender in senders}
    try:
        with engine.connect() as connection:
            for sender in senders:
                rows = connection.execute(
                    text("SELECT type_name, data FROM events WHERE sender_id = :s ORDER BY id"), {"s": sender}
                )
                found[sender] = [dict(json.loads(row.data), event=row.type_name) for row in rows]
    finally:
        engine.dispose()
    return found


def _matches(stored: str, sent: str) -> bool:
    """The tracker store keeps a text as it was, with numbers masked, or as the placeholder."""
    return stored in (sent, redact_numbers(sent), PLACEHOLDER)


def check_conversation(events: list[dict[str, Any]], conversation: Conversation) -> list[str]:
    """What is wrong with how a conversation was stored: a turn lost or doubled, or out of order
    (the n-th stored message is not the n-th one sent, or its replies are not the ones its
    sender got). Empty when every turn is there once, in order."""
    turns: list[tuple[str, list[str]]] = []
    for event in events:
        if event["event"] == "user":
            turns.append((event.get("text") or "", []))
        elif event["event"] == "bot" and turns:
            turns[-1][1].append(event.get("text") or "")
    sent = conversation.exchanges
    problems = []
    if len(turns) != len(sent):
        problems.append(f"{conversation.sender}: {len(sent)} turns taken, {len(turns)} stored")
    for n, ((stored, replies), exchange) in enumerate(zip(turns, sent, strict=False), 1):
        if not _matches(stored, exchange.text):
            problems.append(f"{conversation.sender} turn {n}: stored message is not the one sent")
            break
        if len(replies) != len(exchange.replies) or not all(
            _matches(r, e) for r, e in zip(replies, exchange.replies, strict=True)
        ):
            problems.append(f"{conversation.sender} turn {n}: stored replies differ from those received")
            break
    return problems


def check_order(tracker_url: str, conversations: list[Conversation]) -> list[str]:
    events = stored_events(tracker_url, [c.sender for c in conversations])
    return [problem for c in conversations for problem in check_conversation(events[c.sender], c)]


# --- databases ---------------------------------------------------------------------------------


def _database_url(server_url: str, name: str) -> str:
    parts = urlsplit(server_url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def create_database(server_url: str, name: str) -> str:
    engine = create_engine(tracker_engine_url(server_url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return _database_url(server_url, name)


def drop_database(server_url: str, name: str) -> None:
    engine = create_engine(tracker_engine_url(server_url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


def cluster_settings(base: Settings, state: Path, tracker_url: str, redis_url: str, claims_url: str) -> Settings:
    return dataclasses.replace(
        isolated_settings(base, state),
        tracker_store_url=tracker_url,
        lock_store_url=redis_url,
        database_url=claims_url,
    )


def start(cluster: Cluster, started: list[Service]) -> dict[str, float]:
    """Start the services as the runner does (each group at once) and time each until ready."""
    cold: dict[str, float] = {}
    if len(cluster.actions) > 1:
        migrate_once(cluster.settings)
    for group in (cluster.actions, [cluster.balancer] if cluster.balancer else [], cluster.rasa):
        began = time.monotonic()
        for service in group:
            service.start()
            started.append(service)
        for service in group:
            service.wait_ready(600 if service.name.startswith("Rasa") else 300)
            cold[service.name] = round(time.monotonic() - began, 1)
    return cold


# --- the benchmark -----------------------------------------------------------------------------


def _row(instances: int, users: int, conversations: list[Conversation], wall: float, cpu: dict, peaks: dict) -> dict:
    seconds = [e.seconds for c in conversations for e in c.exchanges if e.answered]
    turns = len(seconds)
    return {
        "rasa_instances": instances,
        "users": users,
        "turns": turns,
        "errors": sum(c.failed for c in conversations),
        "seconds": round(wall, 1),
        "turns_per_second": round(turns / wall, 2) if wall else 0.0,
        "p50_ms": round(percentile(seconds, 50) * 1000, 1),
        "p95_ms": round(percentile(seconds, 95) * 1000, 1),
        "cpu_seconds": cpu,
        "cpu_share": {name: round(value / wall, 2) for name, value in cpu.items()} if wall else {},
        "peak_rss_mb": peaks,
    }


def run_instances(
    base: Settings,
    instances: int,
    action_instances: int,
    users: list[int],
    postgres_url: str,
    redis_url: str,
) -> dict[str, Any]:
    run_id = uuid.uuid4().hex[:8]
    tracker_db, claims_db = f"bench_tracker_{run_id}", f"bench_claims_{run_id}"
    state = Path(tempfile.mkdtemp(prefix="bench-cluster-"))
    tracker_url = create_database(postgres_url, tracker_db)
    claims_url = tracker_engine_url(create_database(postgres_url, claims_db))
    settings = cluster_settings(base, state, tracker_url, redis_url, claims_url)
    result: dict[str, Any] = {"rasa_instances": instances, "action_instances": action_instances, "rounds": []}
    started: list[Service] = []
    try:
        cluster = plan(settings, instances, action_instances)
        result["cold_start_seconds"] = start(cluster, started)
        pids = {s.name: s.process.pid for s in started if s.process}
        result["rss_at_rest_mb"] = {name: tree_rss_mb(pid) for name, pid in pids.items()}
        asyncio.run(load(settings, min(4, max(users)), f"{run_id}-warm"))  # not counted
        for count in users:
            before = {name: tree_cpu_seconds(pid) for name, pid in pids.items()}
            with RssSampler(pids) as sampler:
                conversations, wall = asyncio.run(load(settings, count, f"{run_id}-{count}"))
            cpu = {name: round(tree_cpu_seconds(pid) - before[name], 1) for name, pid in pids.items()}
            row = _row(instances, count, conversations, wall, cpu, dict(sampler.peaks))
            row["order_problems"] = check_order(tracker_url, conversations)
            result["rounds"].append(row)
            log.info("%d Rasa, %d users: %s", instances, count, row)
        result["rss_after_load_mb"] = {name: tree_rss_mb(pid) for name, pid in pids.items()}
    finally:
        for service in reversed(started):
            service.stop()
        drop_database(postgres_url, tracker_db)
        drop_database(postgres_url, claims_db)
    return result


def run(
    rasa_instances: list[int],
    action_instances: int,
    users: list[int],
    out: Path,
    postgres_url: str = "",
    redis_url: str = "",
) -> dict[str, Any]:
    base = get_settings()
    postgres_url = postgres_url or DEFAULT_POSTGRES
    redis_url = redis_url or base.lock_store_url or DEFAULT_REDIS
    figures: dict[str, Any] = {
        "machine": {"cpus": cpu_count(), "platform": platform.platform(), "python": sys.version.split()[0]},
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "postgres": urlsplit(postgres_url)._replace(netloc=urlsplit(postgres_url).hostname or "").geturl(),
        "redis": urlsplit(redis_url)._replace(netloc=urlsplit(redis_url).hostname or "").geturl(),
        "runs": [],
    }
    for instances in rasa_instances:
        figures["runs"].append(run_instances(base, instances, action_instances, users, postgres_url, redis_url))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
    return figures


def print_table(figures: dict[str, Any]) -> None:
    print(f"machine: {figures['machine']}")  # noqa: T201
    print("Rasa processes | users | turns | errors | turns/s | p50 ms | p95 ms | order | CPU s/s by process")  # noqa: T201
    for result in figures["runs"]:
        for row in result["rounds"]:
            order = "ok" if not row["order_problems"] else f"{len(row['order_problems'])} problems"
            print(  # noqa: T201
                f"{row['rasa_instances']} | {row['users']} | {row['turns']} | {row['errors']} | "
                f"{row['turns_per_second']} | {row['p50_ms']} | {row['p95_ms']} | {order} | {row['cpu_share']}"
            )
    for result in figures["runs"]:
        print(  # noqa: T201
            f"{result['rasa_instances']} Rasa: cold start (s) {result.get('cold_start_seconds')}; "
            f"RSS at rest (MB) {result.get('rss_at_rest_mb')}; after load {result.get('rss_after_load_mb')}"
        )
    by_instances = {r["rasa_instances"]: r["rounds"] for r in figures["runs"]}
    if 1 in by_instances and len(by_instances) > 1:
        for instances, rounds in by_instances.items():
            if instances == 1:
                continue
            for one, many in zip(by_instances[1], rounds, strict=False):
                if one["turns_per_second"]:
                    ratio = many["turns_per_second"] / one["turns_per_second"]
                    print(f"{one['users']} users: {instances} Rasa processes give {ratio:.2f}x the turns/s of one")  # noqa: T201
