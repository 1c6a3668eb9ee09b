"""The replay-nonce memory shared by every process that checks signed requests.

With one Rasa process the nonces a front end used live in that process
(``contracts.LocalNonces``). Behind a balancer a replayed request could reach
another process, so with ``LOCK_STORE_URL`` set the nonces go to the same
Redis as Rasa's lock store: ``SET key 1 NX EX window`` is one atomic step, so
exactly one process accepts a nonce. When Redis cannot be reached the request
is refused as unavailable (503), never accepted unchecked.

Imported by the Rasa server (Python 3.10, redis 4.6) and the action server.
"""

from __future__ import annotations

import logging

from assistant import contracts

log = logging.getLogger(__name__)
KEY_PREFIX = "assistant:nonce:"


class RedisNonces:
    def __init__(self, url: str, window: int = contracts.REPLAY_WINDOW, timeout: float = 2.0) -> None:
        import redis

        self._window = window
        self._redis = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)

    def first_use(self, key: str, now: float) -> bool:
        import redis

        try:
            return bool(self._redis.set(KEY_PREFIX + key, "1", nx=True, ex=self._window))
        except redis.RedisError as error:
            log.error("replay-nonce memory (Redis) unavailable: %s", type(error).__name__)
            raise contracts.NonceMemoryUnavailable(type(error).__name__) from error


def nonce_memory(lock_store_url: str) -> contracts.NonceMemory:
    """Shared in Redis when one is configured, else this process's memory."""
    return RedisNonces(lock_store_url) if lock_store_url else contracts.LocalNonces()
