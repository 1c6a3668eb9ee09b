"""Start the action server: on the address ACTION_SERVER_URL names, for Rasa only.

``python -m rasa_sdk`` binds 0.0.0.0 and takes any request; here every call to
the action webhook must carry the token Rasa sends (``X-Action-Token``, from
endpoints.yml), compared in constant time, be JSON with the JSON content type
(a web page cannot send that without a CORS preflight, which is refused) and
stay within ``contracts.MAX_ACTION_BODY`` once decompressed. The evidence
upload endpoint checks its own signature (``actions.evidence_upload``). Errors
are answered without echoing the request (rasa_sdk's default handler returns
the whole tracker it was sent).
"""

from __future__ import annotations

import asyncio
import logging
import zlib

from rasa_sdk.endpoint import create_app
from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse, json

from actions.evidence_upload import add_upload_route
from actions.observability import METRICS_PATH, add_metrics_route, instrument_actions
from assistant import contracts
from assistant.logging_setup import configure_logging
from assistant.metrics import count_error
from assistant.settings import get_settings, restrict_new_files

log = logging.getLogger(__name__)
OPEN_PATHS = frozenset({"/health"})
KEEP_ALIVE_SECONDS = 30  # longer than aiohttp's 15 s idle keep-alive in Rasa
# Rasa may compress what it sends; bounded once inflated (decompressed_size_ok).
COMPRESSIONS = frozenset({"deflate", "gzip"})


def refusal(reason: str, status: int) -> HTTPResponse:
    return json(contracts.Refusal(reason, status).body, status=status)


def decompressed_size_ok(body: bytes, encoding: str, limit: int) -> bool:
    """Inflate at most ``limit`` + 1 bytes: a small compressed body must not expand without bound."""
    wbits = {"deflate": zlib.MAX_WBITS, "gzip": 16 + zlib.MAX_WBITS}[encoding]
    inflater = zlib.decompressobj(wbits)
    try:
        out = inflater.decompress(body, limit + 1)
    except zlib.error:
        return False
    return len(out) <= limit and not inflater.unconsumed_tail


def guard_action_calls(app: Sanic, token: str) -> None:
    @app.on_request
    async def check(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS or contracts.is_material_path(request.path) or request.path == METRICS_PATH:
            return None  # the upload endpoint authenticates the front end itself, /metrics its scraper
        if not contracts.tokens_equal(request.headers.get(contracts.ACTION_TOKEN_HEADER), token):
            log.warning("refused a request to %s without the action server token", request.path)
            return refusal(contracts.BAD_TOKEN, 401)
        if request.method != "POST":
            return None
        body = request.body or b""
        refused = contracts.check_body(
            request.headers, body, contracts.JSON_CONTENT_TYPE, contracts.MAX_ACTION_BODY, COMPRESSIONS
        )
        if refused is not None:
            return refusal(refused.reason, refused.status)
        encoding = (request.headers.get("content-encoding") or "").strip().lower()
        if encoding and not decompressed_size_ok(body, encoding, contracts.MAX_ACTION_BODY):
            return refusal(contracts.TOO_LARGE, 413)
        return None

    async def on_error(request: Request, exception: Exception) -> HTTPResponse:
        # The exception type only: its text and the request may hold what a user typed.
        log.error("action server error on %s: %s", request.path, type(exception).__name__)
        status = getattr(exception, "status_code", 500)
        status = status if isinstance(status, int) and 400 <= status < 600 else 500
        if status >= 500:
            count_error("action_server", exception)
        reason = contracts.TOO_LARGE if status == 413 else type(exception).__name__
        return json({"ok": False, "reason": reason}, status=status)

    app.error_handler.add(Exception, on_error)


def build_app(settings=None) -> Sanic:
    settings = settings or get_settings()
    app = create_app("actions", cors_origins=[])
    # Nothing larger than one evidence file and its margin is read, whatever the route.
    app.config.REQUEST_MAX_SIZE = settings.upload_max_bytes + contracts.UPLOAD_MARGIN
    # Rasa's aiohttp client keeps idle connections 15 s; with Sanic's 5 s it could reuse one the
    # server had just closed ("Cannot write to closing transport": the turn lost its action, seen
    # at 50 users). The server keeps them longer than the client does.
    app.config.KEEP_ALIVE_TIMEOUT = KEEP_ALIVE_SECONDS
    guard_action_calls(app, settings.action_server_token)
    add_upload_route(app, settings)
    add_metrics_route(app, settings.metrics_token)
    instrument_actions()
    return app


def main() -> None:
    restrict_new_files()
    configure_logging()
    settings = get_settings()
    host, port = settings.action_host_port
    from claims.db import upgrade_to_head

    # The schema is current before the first request can write to it.
    upgrade_to_head(settings.database_url)
    app = build_app(settings)

    @app.before_server_start
    async def warm_up(_app, _loop) -> None:
        # Load the model and index before the first user waits for them.
        from knowledge.service import knowledge_base

        try:
            await asyncio.to_thread(knowledge_base().warm_up)
        except Exception:
            log.exception("knowledge base warm-up failed; policy questions will be declined")

    log.info("action server on http://%s:%d", host, port)
    app.run(host=host, port=port, workers=1, access_log=False, motd=False)


if __name__ == "__main__":
    main()
