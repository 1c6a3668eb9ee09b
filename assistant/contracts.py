"""Agreements between the processes of the assistant, in one place.

Imported by the front ends and the action server (Python 3.11) and by the Rasa
server's plugins (Python 3.10), so it uses the standard library only and no
syntax newer than 3.10.

Signed requests (front end -> Rasa's channel, front end -> upload endpoint)
----------------------------------------------------------------------------
Each front end holds a secret. A request carries

* ``X-Assistant-Client``: which front end signs (``telegram`` or ``local``),
* ``X-Assistant-Timestamp``: Unix seconds when it was signed,
* ``X-Assistant-Nonce``: random, never reused,
* ``X-Assistant-Signature``: hex HMAC-SHA256 with that client's secret over
  ``canonical(client, timestamp, nonce, method, path, sender, body)``.

The receiver refuses (401) a missing or wrong signature, a timestamp more than
``MAX_CLOCK_SKEW`` seconds away from its clock, a nonce seen within the replay
window, and a sender outside the signing client's namespace: only the Telegram
front end may speak for ``tg-`` senders.

Rasa -> action server
---------------------
Rasa sends ``ACTION_TOKEN_HEADER`` (endpoints.yml ``headers:``); the action
server compares it in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

# --- sender ids -------------------------------------------------------------------------------
TELEGRAM_SENDER_PREFIX = "tg-"
TERMINAL_SENDER_PREFIX = "terminal-"
TEST_SENDER_PREFIX = "test-"
# Conversations of the end-to-end tests and the load benchmark (signed with the local secret).
E2E_SENDER_PREFIX = "e2e-"
BENCH_SENDER_PREFIX = "bench-"
WARMUP_SENDER = TEST_SENDER_PREFIX + "warmup"
MAX_SENDER_LENGTH = 128

CLIENT_TELEGRAM = "telegram"
CLIENT_LOCAL = "local"  # the terminal chat, tests and benchmarks
# Which sender ids each client may speak for.
CLIENT_SENDER_PREFIXES: dict[str, tuple[str, ...]] = {
    CLIENT_TELEGRAM: (TELEGRAM_SENDER_PREFIX,),
    CLIENT_LOCAL: (TERMINAL_SENDER_PREFIX, TEST_SENDER_PREFIX, E2E_SENDER_PREFIX, BENCH_SENDER_PREFIX),
}

# --- paths ------------------------------------------------------------------------------------
REST_CHANNEL_NAME = "signed"
REST_WEBHOOK_PATH = f"/webhooks/{REST_CHANNEL_NAME}/webhook"
STOCK_REST_WEBHOOK_PATH = "/webhooks/rest/webhook"  # not served: Rasa's unauthenticated channel
UPLOAD_PATH = "/claims/evidence"  # + "/<reference>": material for one submitted claim of the sender's
NOTE_PATH = "/claims/note"  # + "/<reference>": a written note ("补充说明") for a submitted claim
ACTION_WEBHOOK_PATH = "/webhook"

# --- headers ----------------------------------------------------------------------------------
CLIENT_HEADER = "X-Assistant-Client"
TIMESTAMP_HEADER = "X-Assistant-Timestamp"
NONCE_HEADER = "X-Assistant-Nonce"
SIGNATURE_HEADER = "X-Assistant-Signature"
SENDER_HEADER = "X-Sender-Id"  # upload endpoint: whose draft the file belongs to (signed)
FILENAME_HEADER = "X-Filename"  # hex of the UTF-8 file name
ACTION_TOKEN_HEADER = "X-Action-Token"

# --- limits -----------------------------------------------------------------------------------
MAX_CLOCK_SKEW = 120  # seconds either way
REPLAY_WINDOW = 2 * MAX_CLOCK_SKEW  # nonces are remembered at least this long
MAX_MESSAGE_BODY = 64 * 1024  # a chat message with its JSON envelope
MAX_ACTION_BODY = 4 * 1024 * 1024  # a tracker session and the domain, as Rasa sends them
UPLOAD_MARGIN = 64 * 1024  # headers and slack above the largest evidence file
JSON_CONTENT_TYPE = "application/json"

# --- refusals (JSON body {"ok": false, "reason": ...}) ------------------------------------------
UNSIGNED = "unsigned"  # 401: no or malformed signature headers
BAD_SIGNATURE = "bad_signature"  # 401
STALE = "stale"  # 401: timestamp outside MAX_CLOCK_SKEW
REPLAYED = "replayed"  # 401: nonce already used
SENDER_NOT_ALLOWED = "sender_not_allowed"  # 401: sender outside the client's namespace
BAD_TOKEN = "bad_token"  # 401: action server token missing or wrong
WRONG_CONTENT_TYPE = "content_type"  # 415
TOO_LARGE = "too_large"  # 413
BAD_REQUEST = "bad_request"  # 400
# Upload and note refusals (409/422): no claim to attach to, or several (the front end asks which).
NO_CLAIM = "no_draft"
CHOOSE_CLAIM = "choose_claim"
UNAVAILABLE = "unavailable"  # 503: the nonce memory, tracker or lock store cannot be reached; try again later


@dataclass(frozen=True)
class Refusal:
    """A request turned away: the status and the JSON body every endpoint answers with."""

    reason: str
    status: int

    @property
    def body(self) -> dict[str, object]:
        return {"ok": False, "reason": self.reason}


def media_type(value: str | None) -> str:
    """``application/json; charset=utf-8`` → ``application/json``."""
    return (value or "").split(";")[0].strip().lower()


def check_body(
    headers: Mapping[str, str],
    body: bytes,
    content_type: str,
    limit: int,
    encodings: frozenset[str] = frozenset(),
) -> Refusal | None:
    """The checks every endpoint makes before reading a body: the one media type it takes
    (Sanic parses JSON whatever the Content-Type, so a browser page could post otherwise),
    no content encoding but those named, and at most ``limit`` bytes as sent."""
    if media_type(headers.get("content-type")) != content_type:
        return Refusal(WRONG_CONTENT_TYPE, 415)
    encoding = (headers.get("content-encoding") or "").strip().lower()
    if encoding and encoding not in encodings:
        return Refusal(WRONG_CONTENT_TYPE, 415)
    if len(body) > limit:
        return Refusal(TOO_LARGE, 413)
    return None


def canonical(client: str, timestamp: str, nonce: str, method: str, path: str, sender: str, body: bytes) -> bytes:
    """What is signed: every field that decides what the request does, and the body's digest."""
    head = "\n".join(("v1", client, timestamp, nonce, method.upper(), path, sender, hashlib.sha256(body).hexdigest()))
    return head.encode("utf-8")


def signature(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def sign(
    client: str, secret: str, method: str, path: str, body: bytes, sender: str = "", now: float | None = None
) -> dict[str, str]:
    """Headers that make a request acceptable to ``Verifier``."""
    timestamp = str(int(now if now is not None else time.time()))
    nonce = secrets.token_hex(16)
    return {
        CLIENT_HEADER: client,
        TIMESTAMP_HEADER: timestamp,
        NONCE_HEADER: nonce,
        SIGNATURE_HEADER: signature(secret, canonical(client, timestamp, nonce, method, path, sender, body)),
    }


def sender_allowed(client: str, sender: str) -> bool:
    if not sender or len(sender) > MAX_SENDER_LENGTH or not sender.isprintable():
        return False
    return sender.startswith(CLIENT_SENDER_PREFIXES.get(client, ()))


def tokens_equal(given: str | None, expected: str) -> bool:
    return bool(expected) and hmac.compare_digest((given or "").encode("utf-8"), expected.encode("utf-8"))


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str = ""
    client: str = ""


class NonceMemoryUnavailable(RuntimeError):
    """The shared nonce memory cannot be reached: the request can be neither accepted nor called a replay."""


class NonceMemory(Protocol):
    def first_use(self, key: str, now: float) -> bool:
        """Remember ``key`` for at least ``REPLAY_WINDOW`` seconds; False when it was already remembered.

        Raises ``NonceMemoryUnavailable`` when it cannot tell."""


class LocalNonces:
    """Nonces remembered by this process only (one receiving process per set of secrets)."""

    def __init__(self) -> None:
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def first_use(self, key: str, now: float) -> bool:
        with self._lock:
            while self._seen and next(iter(self._seen.values())) < now - REPLAY_WINDOW:
                self._seen.popitem(last=False)
            if key in self._seen:
                return False
            self._seen[key] = now
            return True


class Verifier:
    """Checks signed requests. Nonces are remembered by ``nonces`` (this process's memory unless
    a shared one is given, as several Rasa processes behind a balancer need)."""

    def __init__(self, secrets_by_client: Mapping[str, str], nonces: NonceMemory | None = None) -> None:
        self._secrets = {client: secret for client, secret in secrets_by_client.items() if secret}
        self._nonces: NonceMemory = nonces if nonces is not None else LocalNonces()

    def verify(
        self,
        headers: Mapping[str, str],
        method: str,
        path: str,
        body: bytes,
        sender: str,
        now: float | None = None,
    ) -> Verdict:
        client = headers.get(CLIENT_HEADER, "")
        timestamp = headers.get(TIMESTAMP_HEADER, "")
        nonce = headers.get(NONCE_HEADER, "")
        given = headers.get(SIGNATURE_HEADER, "")
        secret = self._secrets.get(client)
        if not (secret and timestamp.isdigit() and 16 <= len(nonce) <= 64 and given):
            return Verdict(False, UNSIGNED)
        expected = signature(secret, canonical(client, timestamp, nonce, method, path, sender, body))
        if not hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8")):
            return Verdict(False, BAD_SIGNATURE)
        current = time.time() if now is None else now
        if abs(current - int(timestamp)) > MAX_CLOCK_SKEW:
            return Verdict(False, STALE)
        try:
            if not self._nonces.first_use(f"{client}:{nonce}", current):
                return Verdict(False, REPLAYED)
        except NonceMemoryUnavailable:
            return Verdict(False, UNAVAILABLE, client)
        if not sender_allowed(client, sender):
            return Verdict(False, SENDER_NOT_ALLOWED, client)
        return Verdict(True, "", client)


def is_material_path(path: str) -> bool:
    """Upload and note paths: signed by a front end, so they need no action server token."""
    return any(path == base or path.startswith(base + "/") for base in (UPLOAD_PATH, NOTE_PATH))


def material_path(base: str, reference: str | None = None) -> str:
    """``UPLOAD_PATH`` or ``NOTE_PATH``, for one claim when the worker chose it."""
    return f"{base}/{reference}" if reference else base
