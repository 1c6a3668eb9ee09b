"""Prometheus metrics, defined once for every process of the app environment.

No personal data in any label: actions are labelled by their registered name (anything
else is ``unknown``), declines by a reason from a fixed list, errors by exception class,
front-end turns by the kind of update. Values never carry text, ids or chat numbers.

Served as ``/metrics`` by the action server (``actions.server``) and by the Telegram bot
(``serve_metrics``, on ``BOT_METRICS_LISTEN``), each behind the bearer token
``METRICS_TOKEN`` (every hop is authenticated, loopback included); ``/health`` stays open.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)

from assistant import contracts

log = logging.getLogger(__name__)
disable_created_metrics()  # the *_created series only add noise to every scrape

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

ACTION_RUNS = Counter(
    "assistant_action_runs", "Custom actions run by the action server, by action and outcome", ["action", "outcome"]
)
ACTION_SECONDS = Histogram(
    "assistant_action_seconds", "Time to run one custom action", ["action"], buckets=LATENCY_BUCKETS
)
TURNS = Counter("assistant_turns", "User updates a front end relayed to Rasa, by kind", ["frontend", "kind"])
TURN_SECONDS = Histogram(
    "assistant_turn_seconds", "From a user's update to the last reply sent", ["frontend"], buckets=LATENCY_BUCKETS
)
DECLINED = Counter("assistant_declined_answers", "Questions the assistant declined to answer, by reason", ["reason"])
ERRORS = Counter("assistant_errors", "Errors, by process and exception class", ["component", "error"])

# Why an answer was declined; a fixed list, so a label can never carry what a user typed.
DECLINE_REASONS = frozenset(
    {
        "not_covered",  # the documents do not say what was asked (closest passage shown for reference)
        "no_answer",  # nothing close enough in the documents
        "index_unavailable",  # the knowledge index could not be read
        "out_of_scope",  # not something the assistant helps with
        "not_understood",  # the classifier was unsure and no suggestion fitted
    }
)


def count_decline(reason: str) -> None:
    DECLINED.labels(reason if reason in DECLINE_REASONS else "other").inc()


def count_error(component: str, error: BaseException | type[BaseException]) -> None:
    kind = error if isinstance(error, type) else type(error)
    ERRORS.labels(component, kind.__name__).inc()


def exposition() -> tuple[bytes, str]:
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def bearer_ok(header: str | None, token: str) -> bool:
    """``Authorization: Bearer <token>``, compared in constant time."""
    scheme, _, value = (header or "").partition(" ")
    return scheme.lower() == "bearer" and contracts.tokens_equal(value.strip(), token)


# --- the bot's small HTTP endpoint ---------------------------------------------------------------


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # access lines are not needed
        pass


def metrics_app(token: str) -> Callable[..., Iterable[bytes]]:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/health":
            start_response("200 OK", [("Content-Type", "application/json")])
            return [b'{"status": "ok"}']
        if path != "/metrics":
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        if not bearer_ok(environ.get("HTTP_AUTHORIZATION"), token):
            start_response("401 Unauthorized", [("Content-Type", "text/plain"), ("WWW-Authenticate", "Bearer")])
            return [b"unauthorized"]
        body, content_type = exposition()
        start_response("200 OK", [("Content-Type", content_type)])
        return [body]

    return app


def serve_metrics(listen: str, token: str) -> WSGIServer:
    """``/health`` and ``/metrics`` on ``host:port`` in a daemon thread; returns the server
    (``shutdown()`` stops it)."""
    host, _, port = listen.rpartition(":")
    server = make_server(host or "127.0.0.1", int(port), metrics_app(token), _Server, handler_class=_Quiet)
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    log.info("metrics on http://%s:%d/metrics", host or "127.0.0.1", server.server_port)
    return server
