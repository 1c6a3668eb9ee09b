"""Rasa's lock store chosen by ``LOCK_STORE_URL`` (endpoints.yml ``lock_store``).

Set (``redis://[:password@]host:port/db``): Rasa's own ``RedisLockStore``, so
the turns of one conversation never run at once on two Rasa processes behind
the balancer. Unset: Rasa's ``InMemoryLockStore``, as one process needs.

Rasa's Redis store reads a conversation's ticket lock, changes it and writes it
back in three steps; two processes taking a ticket for the same conversation
at the same moment could both be given the first one, and a process finishing
could delete the lock another had just queued on. ``AtomicRedisLockStore``
does each of those read-change-writes under a short Redis mutex per
conversation (``SET NX`` with expiry, redis-py's ``Lock``).
Rasa builds a custom lock store as ``cls(endpoint_config=...)``; this class
returns the stock store instead of an instance of itself.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockError, LockStore, RedisLockStore

MUTEX_SECONDS = 10.0  # a read-change-write takes milliseconds; a dead holder's mutex expires after this


class AtomicRedisLockStore(RedisLockStore):
    def _mutex(self, conversation_id: str) -> Any:
        return self.red.lock(
            f"{self.key_prefix}{conversation_id}:mutex", timeout=MUTEX_SECONDS, blocking_timeout=MUTEX_SECONDS
        )

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        try:
            with self._mutex(conversation_id):
                return super().issue_ticket(conversation_id, lock_lifetime)
        except LockError:
            raise
        except Exception as error:  # Redis unreachable, the mutex not had in time
            raise LockError(f"Error while acquiring lock: {type(error).__name__}") from error

    def update_lock(self, conversation_id: str) -> None:
        with self._mutex(conversation_id):
            super().update_lock(conversation_id)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        with self._mutex(conversation_id):
            super().cleanup(conversation_id, ticket_number)


def redis_lock_store(url: str) -> RedisLockStore:
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss"):
        raise ValueError("LOCK_STORE_URL must be a redis:// or rediss:// URL")
    database = parts.path.strip("/") or "0"
    return AtomicRedisLockStore(
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
