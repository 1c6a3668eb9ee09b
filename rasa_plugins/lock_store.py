"""Rasa's lock store chosen by ``LOCK_STORE_URL`` (endpoints.yml ``lock_store``).

Set (``redis://[:password@]host:port/db``): Rasa's own ``RedisLockStore``, so
the turns of one conversation never run at once on two Rasa processes behind
the balancer. Unset: Rasa's ``InMemoryLockStore``, as one process needs.
Rasa builds a custom lock store as ``cls(endpoint_config=...)``; this class
returns the stock store instead of an instance of itself.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore


def redis_lock_store(url: str) -> RedisLockStore:
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss"):
        raise ValueError("LOCK_STORE_URL must be a redis:// or rediss:// URL")
    database = parts.path.strip("/") or "0"
    return RedisLockStore(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 6379,
        db=int(database),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        use_ssl=parts.scheme == "rediss",
        socket_timeout=5,
    )


class LockStoreFromUrl(LockStore):
    def __new__(cls, endpoint_config: Any = None, **_: Any) -> LockStore:  # type: ignore[misc]
        url = (getattr(endpoint_config, "url", None) or "").strip()
        return redis_lock_store(url) if url else InMemoryLockStore()
