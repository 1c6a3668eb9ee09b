"""``assistant bench stack``: the full stack started as ``make run`` starts it,
on private ports and a private state folder, measured from the outside.

Prints a table and writes JSON: cold start and memory of each service, reply
latency by kind of turn, throughput and latency with 1/10/50/100 users talking
at once (REST channel, and the Telegram front end against the local Bot API
server), and how latency grows over a long conversation."""

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
from pathlib import Path
from typing import Any

import httpx

from assistant.bench.measure import RssSampler, cpu_count, summary_ms, tree_rss_mb
from assistant.bench.scripts import LONG_CONVERSATION, Turn, user_script
from assistant.contracts import CLIENT_LOCAL, REST_WEBHOOK_PATH
from assistant.services import Service, action_server, isolated_settings, rasa_server, stack_env
from assistant.settings import PROJECT_ROOT, Settings, get_settings
from bot.rasa_client import signed_message

log = logging.getLogger(__name__)


@dataclasses.dataclass
class Sample:
    kind: str
    seconds: float
    ok: bool


async def _rest_user(client: httpx.AsyncClient, url: str, secret: str, sender: str, script: list[Turn]) -> list[Sample]:
    samples = []
    for turn in script:
        began = time.perf_counter()
        try:
            body, headers = signed_message(CLIENT_LOCAL, secret, sender, turn.text)
            response = await client.post(url, content=body, headers=headers)
            ok = response.status_code == 200 and bool(response.json())
        except httpx.HTTPError:
            ok = False
        samples.append(Sample(turn.kind, time.perf_counter() - began, ok))
    return samples


async def _rest_load(settings: Settings, users: int, run_id: str) -> tuple[list[Sample], float]:
    url = f"{settings.rasa_url}{REST_WEBHOOK_PATH}"
    limits = httpx.Limits(max_connections=users + 5, max_keepalive_connections=users + 5)
    async with httpx.AsyncClient(timeout=300, limits=limits) as client:
        began = time.perf_counter()
        results = await asyncio.gather(
            *(
                _rest_user(client, url, settings.frontend_secret, f"bench-{run_id}-{users}-{n}", user_script(n))
                for n in range(users)
            )
        )
        return [s for r in results for s in r], time.perf_counter() - began


def _load_row(channel: str, users: int, samples: list[Sample], wall: float, peaks: dict[str, float]) -> dict:
    row: dict[str, Any] = {
        "channel": channel,
        "users": users,
        "turns": len(samples),
        "errors": sum(not s.ok for s in samples),
        "seconds": round(wall, 1),
        "turns_per_second": round(len(samples) / wall, 2),
        "peak_rss_mb": peaks,
    }
    row |= {k: v for k, v in summary_ms([s.seconds for s in samples]).items() if k != "n"}
    return row


def _telegram_load(settings: Settings, api, users: int, run_id: int) -> tuple[list[Sample], float]:
    """Each user is a chat; a turn lasts until the bot's replies to it stop arriving."""
    import threading

    samples: list[Sample] = []
    lock = threading.Lock()

    def user(n: int) -> None:
        chat = 7_000_000 + run_id * 1000 + n
        for turn in user_script(n):
            before = len(api.sent_messages(chat))
            began = time.perf_counter()
            api.send_text(chat, turn.text)
            try:
                api.wait_for(lambda c=chat, b=before: len(api.sent_messages(c)) > b, timeout=300)
                first = time.perf_counter() - began
                ok = True
            except TimeoutError:
                first, ok = time.perf_counter() - began, False
            # A turn may have several replies: wait until the chat is quiet before the next message.
            settled = len(api.sent_messages(chat))
            while True:
                time.sleep(0.3)
                now = len(api.sent_messages(chat))
                if now == settled:
                    break
                settled = now
            with lock:
                samples.append(Sample(turn.kind, first, ok))

    threads = [threading.Thread(target=user, args=(n,)) for n in range(users)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return samples, time.perf_counter() - began


async def _long_conversation(settings: Settings, turns: int) -> list[dict]:
    url = f"{settings.rasa_url}{REST_WEBHOOK_PATH}"
    sender = f"bench-long-{uuid.uuid4().hex[:6]}"
    script = [LONG_CONVERSATION[i % len(LONG_CONVERSATION)] for i in range(turns)]
    async with httpx.AsyncClient(timeout=120) as client:
        samples = await _rest_user(client, url, settings.frontend_secret, sender, script)
    buckets = []
    for start in range(0, turns, 25):
        chunk = [s.seconds for s in samples[start : start + 25]]
        buckets.append({"turns": f"{start + 1}-{start + len(chunk)}", **summary_ms(chunk)})
    return buckets


def run(users: list[int], telegram_users: list[int], long_turns: int, out: Path) -> dict:
    base = get_settings()
    state = Path(tempfile.mkdtemp(prefix="bench-stack-"))
    settings = isolated_settings(base, state)
    figures: dict[str, Any] = {
        "machine": {"cpus": cpu_count(), "platform": platform.platform(), "python": sys.version.split()[0]},
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    action, rasa = action_server(settings), rasa_server(settings)
    services: list[Service] = []
    try:
        cold = {}
        for service, timeout in ((action, 180), (rasa, 300)):
            began = time.monotonic()
            service.start()
            services.append(service)
            service.wait_ready(timeout)
            cold[service.name] = round(time.monotonic() - began, 1)
        figures["cold_start_seconds"] = cold
        pids = {s.name: s.process.pid for s in services if s.process}
        figures["rss_at_rest_mb"] = {name: tree_rss_mb(pid) for name, pid in pids.items()}

        run_id = uuid.uuid4().hex[:6]
        # One user, many times over: latency per kind of turn without contention.
        asyncio.run(_rest_load(settings, 1, run_id + "w"))  # warm-up, not counted
        single: list[Sample] = []
        for repeat in range(5):
            samples, _ = asyncio.run(_rest_load(settings, 1, f"{run_id}s{repeat}"))
            single += samples
        figures["latency_by_kind"] = {
            kind: summary_ms([s.seconds for s in single if s.kind == kind]) for kind in ("nlu", "policy", "form")
        }

        figures["load"] = []
        for count in users:
            with RssSampler(pids) as sampler:
                samples, wall = asyncio.run(_rest_load(settings, count, run_id))
            row = _load_row("rest", count, samples, wall, dict(sampler.peaks))
            figures["load"].append(row)
            log.info("rest %d users: %s", count, row)

        if telegram_users:
            figures["load"] += _telegram_rows(settings, telegram_users, pids)

        figures["long_conversation"] = asyncio.run(_long_conversation(settings, long_turns))
        figures["rss_after_load_mb"] = {name: tree_rss_mb(pid) for name, pid in pids.items()}
    finally:
        for service in reversed(services):
            service.stop()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
    return figures


def _telegram_rows(settings: Settings, telegram_users: list[int], pids: dict[str, int]) -> list[dict]:
    # The local Bot API server lives with the tests; the benchmark reuses it.
    if str(PROJECT_ROOT) not in sys.path:
        sys.path.insert(0, str(PROJECT_ROOT))
    from tests.telegram.bot_api_server import FakeBotApi

    api = FakeBotApi().start()
    env = dict(stack_env(settings), TELEGRAM_BOT_TOKEN=api.token, TELEGRAM_API_BASE_URL=api.base_url)
    bot = Service(
        name="Telegram bot",
        command=[sys.executable, "-m", "bot.telegram_app"],
        env=env,
        log_file=settings.log_dir / "telegram.log",
        ready=lambda: bool(api.calls_of("setMyCommands")),
        url=api.base_url,
    )
    rows = []
    try:
        began = time.monotonic()
        bot.start()
        bot.wait_ready(60)
        cold = round(time.monotonic() - began, 1)
        assert bot.process is not None
        all_pids = dict(pids, **{bot.name: bot.process.pid})
        for run_id, count in enumerate(telegram_users):
            with RssSampler(all_pids) as sampler:
                samples, wall = _telegram_load(settings, api, count, run_id)
            row = _load_row("telegram", count, samples, wall, dict(sampler.peaks)) | {"bot_cold_start_seconds": cold}
            rows.append(row)
            log.info("telegram %d users: %s", count, row)
    finally:
        bot.stop()
        api.stop()
    return rows


def print_table(figures: dict) -> None:
    print(f"machine: {figures['machine']}")  # noqa: T201
    print(f"cold start (s): {figures['cold_start_seconds']}   RSS at rest (MB): {figures['rss_at_rest_mb']}")  # noqa: T201
    print("turn kind | n | p50 ms | p95 ms | p99 ms")  # noqa: T201
    for kind, row in figures["latency_by_kind"].items():
        print(f"{kind} | {row['n']} | {row['p50_ms']} | {row['p95_ms']} | {row['p99_ms']}")  # noqa: T201
    print("channel | users | turns | errors | turns/s | p50 ms | p95 ms | p99 ms | peak RSS MB")  # noqa: T201
    for row in figures["load"]:
        print(  # noqa: T201
            f"{row['channel']} | {row['users']} | {row['turns']} | {row['errors']} | {row['turns_per_second']} | "
            f"{row['p50_ms']} | {row['p95_ms']} | {row['p99_ms']} | {row['peak_rss_mb']}"
        )
    print("long conversation turns | p50 ms | p95 ms")  # noqa: T201
    for row in figures["long_conversation"]:
        print(f"{row['turns']} | {row['p50_ms']} | {row['p95_ms']}")  # noqa: T201
    print(f"RSS after load (MB): {figures['rss_after_load_mb']}")  # noqa: T201
