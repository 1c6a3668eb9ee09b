"""Metrics of the action server: every custom action timed and counted by its registered
name and outcome, and ``/metrics`` behind the bearer token (``assistant.metrics``)."""

from __future__ import annotations

import time
from typing import Any

from rasa_sdk.executor import ActionExecutor
from rasa_sdk.interfaces import ActionExecutionRejection, ActionNotFoundException
from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse, raw, text

from assistant.metrics import ACTION_RUNS, ACTION_SECONDS, bearer_ok, count_error, exposition

METRICS_PATH = "/metrics"


def instrument_actions() -> None:
    """Wraps ``ActionExecutor.run`` once per process (rasa_sdk builds its executor inside
    ``create_app``, so the class is where every action call passes)."""
    if getattr(ActionExecutor.run, "_measured", False):
        return
    original = ActionExecutor.run

    async def run(self: ActionExecutor, action_call: dict[str, Any]) -> Any:
        name = str(action_call.get("next_action") or "")
        label = name if name in self.actions else "unknown"  # never a name a request made up
        outcome = "ok"
        started = time.perf_counter()
        try:
            return await original(self, action_call)
        except ActionExecutionRejection:
            outcome = "rejected"  # a form slot the action would not fill: part of a normal dialogue
            raise
        except ActionNotFoundException:
            outcome = "not_found"
            raise
        except Exception as error:
            outcome = "error"
            count_error("actions", error)
            raise
        finally:
            ACTION_RUNS.labels(label, outcome).inc()
            ACTION_SECONDS.labels(label).observe(time.perf_counter() - started)

    run._measured = True  # type: ignore[attr-defined]
    ActionExecutor.run = run  # type: ignore[method-assign]


def add_metrics_route(app: Sanic, token: str) -> None:
    @app.get(METRICS_PATH)
    async def metrics(request: Request) -> HTTPResponse:
        if not bearer_ok(request.headers.get("authorization"), token):
            return text("unauthorized", status=401, headers={"WWW-Authenticate": "Bearer"})
        body, content_type = exposition()
        return raw(body, content_type=content_type)
