"""Checks of the cluster's Rasa-side pieces, run in Rasa's venv by ``test_stores.py`` with a
PostgreSQL URL and a Redis URL as arguments; prints one JSON object, check -> "ok" or the error."""

from __future__ import annotations

import asyncio
import json
import sys
import traceback
from collections.abc import Callable

from rasa.core.agent import Agent
from rasa.core.lock_store import InMemoryLockStore, RedisLockStore
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig
from sqlalchemy import create_engine, text

from rasa_plugins import patches
from rasa_plugins.lock_store import AtomicRedisLockStore, LockStoreFromUrl
from rasa_plugins.masking_tracker_store import PLACEHOLDER, MaskingSQLTrackerStore

POSTGRES, REDIS = sys.argv[1], sys.argv[2]
results: dict[str, str] = {}


def check(function: Callable[[], None]) -> Callable[[], None]:
    try:
        function()
        results[function.__name__] = "ok"
    except Exception:
        results[function.__name__] = traceback.format_exc()[-1500:]
    return function


@check
def lock_store_follows_the_url() -> None:
    assert isinstance(LockStoreFromUrl(endpoint_config=EndpointConfig(url="")), InMemoryLockStore)
    store = LockStoreFromUrl(endpoint_config=EndpointConfig(url=REDIS))
    assert isinstance(store, RedisLockStore)
    store.red.ping()
    ticket = store.issue_ticket("conversation-1")
    assert store.get_lock("conversation-1").is_locked(ticket + 1)  # a second turn waits for the first
    store.finish_serving("conversation-1", ticket)


@check
def two_processes_taking_tickets_at_once_get_distinct_ones() -> None:
    from concurrent.futures import ThreadPoolExecutor

    stores = [LockStoreFromUrl(endpoint_config=EndpointConfig(url=REDIS)) for _ in range(2)]
    assert all(isinstance(store, AtomicRedisLockStore) for store in stores)
    with ThreadPoolExecutor(8) as pool:
        tickets = list(pool.map(lambda n: stores[n % 2].issue_ticket("conversation-2"), range(40)))
    assert sorted(tickets) == list(range(40)), sorted(tickets)
    assert stores[0].get_lock("conversation-2").now_serving == 0


@check
def masked_tracker_store_on_postgresql() -> None:
    store = TrackerStore.create(
        EndpointConfig(url=POSTGRES, type="rasa_plugins.masking_tracker_store.MaskingSQLTrackerStore"),
        Domain.empty(),
    )
    assert isinstance(store, MaskingSQLTrackerStore) and store.engine.dialect.name == "postgresql"
    assert store.engine.pool._pre_ping and store.engine.hide_parameters
    events = [ActionExecuted("action_listen"), UserUttered("我要报工伤", {"name": "report_injury"})]
    events += [ActionExecuted("injury_claim_form"), ActiveLoop("injury_claim_form"), ActionExecuted("action_listen")]
    events += [UserUttered("我叫王小明，电话13812345678", {"name": "inform"}), ActionExecuted("action_listen")]
    asyncio.run(store.save(DialogueStateTracker.from_events("tg-pg-1", events)))
    engine = create_engine(POSTGRES)
    with engine.connect() as connection:
        data = [r[0] for r in connection.execute(text("select data from events where sender_id='tg-pg-1'"))]
    engine.dispose()
    texts = [json.loads(d).get("text") for d in data if json.loads(d)["event"] == "user"]
    assert texts == [PLACEHOLDER, PLACEHOLDER], texts
    assert "13812345678" not in "".join(data) and "王小明" not in "".join(data)


class BrokenStore(TrackerStore):
    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        raise ConnectionError("database down")

    async def save(self, tracker: DialogueStateTracker) -> None:
        raise ConnectionError("database down")

    async def keys(self):  # type: ignore[override]
        raise ConnectionError("database down")


@check
def an_unreachable_tracker_store_fails_the_turn_instead_of_starting_afresh() -> None:
    patches.install()
    store = Agent._create_tracker_store(BrokenStore(Domain.empty()), Domain.empty())
    for call in (lambda: store.retrieve("x"), lambda: store.save(DialogueStateTracker("x", []))):
        try:
            asyncio.run(call())
        except patches.TrackerStoreUnavailable:
            continue
        raise AssertionError("the failure was swallowed (Rasa's in-memory fallback)")


print(json.dumps(results))  # noqa: T201
