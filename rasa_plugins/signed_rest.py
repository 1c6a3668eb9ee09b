"""The REST channel front ends talk to, with every request authenticated.

Replaces Rasa's stock ``rest`` channel (which takes the sender from the body
and believes it): a request must be signed by a front end's secret
(``assistant.contracts``: HMAC of method, path, sender, body and a timestamp,
nonces remembered so a request cannot be replayed), be JSON with the JSON
content type (so a web page cannot post it from a browser), be small, and
speak only for senders in the signing front end's namespace (only the
Telegram front end may use ``tg-`` senders). Anything else gets 401/413/415
and never reaches the dialogue.

Referenced from credentials.yml; served at ``contracts.REST_WEBHOOK_PATH``.
"""

from __future__ import annotations

import hashlib
import json
import logging
from asyncio import CancelledError
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from assistant import contracts
from assistant.nonces import nonce_memory
from assistant.settings import get_settings
from rasa_plugins.patches import TrackerStoreUnavailable

log = logging.getLogger(__name__)


def refusal(reason: str, status: int) -> HTTPResponse:
    return response.json(contracts.Refusal(reason, status).body, status=status)


def sender_tag(sender: str) -> str:
    """For logs: which conversation, without the sender id itself."""
    return hashlib.sha256(sender.encode("utf-8")).hexdigest()[:10]


class SignedRestInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return contracts.REST_CHANNEL_NAME

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        if credentials:
            raise ValueError("the signed channel takes its secrets from the settings, not credentials.yml")
        return cls()

    def __init__(self, verifier: contracts.Verifier | None = None) -> None:
        if verifier is None:
            settings = get_settings()
            verifier = contracts.Verifier(
                {
                    contracts.CLIENT_TELEGRAM: settings.telegram_frontend_secret,
                    contracts.CLIENT_LOCAL: settings.frontend_secret,
                },
                nonce_memory(settings.lock_store_url),  # shared in Redis across Rasa processes
            )
        self.verifier = verifier

    def check(self, request: Request) -> tuple[str, str] | HTTPResponse:
        """``(sender, text)`` of an acceptable request, or the refusal to send."""
        body = request.body or b""
        refused = contracts.check_body(request.headers, body, contracts.JSON_CONTENT_TYPE, contracts.MAX_MESSAGE_BODY)
        if refused is not None:
            return refusal(refused.reason, refused.status)
        try:
            payload = json.loads(body)
        except ValueError:
            return refusal(contracts.BAD_REQUEST, 400)
        sender = payload.get("sender") if isinstance(payload, dict) else None
        text = payload.get("message") if isinstance(payload, dict) else None
        if not isinstance(sender, str) or not isinstance(text, str):
            return refusal(contracts.BAD_REQUEST, 400)
        verdict = self.verifier.verify(request.headers, request.method, request.path, body, sender)
        if not verdict.ok:
            log.warning("refused a request to the channel: %s (client %s)", verdict.reason, verdict.client or "?")
            return refusal(verdict.reason, 503 if verdict.reason == contracts.UNAVAILABLE else 401)
        return sender, text

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            checked = self.check(request)
            if isinstance(checked, HTTPResponse):
                return checked
            sender, text = checked
            collector = CollectingOutputChannel()
            try:
                await on_new_message(UserMessage(text, collector, sender, input_channel=self.name()))
            except CancelledError:
                log.error("message of conversation %s timed out", sender_tag(sender))
            except Exception as error:  # the message itself is never logged
                log.error("message of conversation %s failed: %s", sender_tag(sender), type(error).__name__)
                if not collector.messages or isinstance(error, TrackerStoreUnavailable):
                    # The tracker or lock store could not be reached (nothing said, or the turn not
                    # stored): the front end tells the user to send it again later.
                    return refusal(contracts.UNAVAILABLE, 503)
            return response.json(collector.messages)

        return webhook
