"""The upload endpoint the front ends use for claim evidence (photos, PDFs).

Rasa's channels carry text, so files go straight to the action server, which
owns the claims store; the front end then tells Rasa with ``/upload_evidence``.
Each upload is signed by a front end (``assistant.contracts``: the signature
covers the sender, the file name and the bytes), so no other program can add
files to someone's claim; only the Telegram front end may upload for ``tg-``
senders."""

from __future__ import annotations

import asyncio
import logging

from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse, json
from sqlalchemy.exc import SQLAlchemyError

from assistant import contracts
from assistant.settings import Settings
from claims.drafts import open_draft_id
from claims.errors import DraftNotFound
from claims.evidence import EvidenceRejected, store_evidence

log = logging.getLogger(__name__)
UPLOAD_PATH = contracts.UPLOAD_PATH
UPLOAD_CONTENT_TYPE = "application/octet-stream"


def make_receiver(verifier: contracts.Verifier, max_bytes: int):
    async def receive_evidence(request: Request) -> HTTPResponse:
        body = request.body or b""
        refused = contracts.check_body(request.headers, body, UPLOAD_CONTENT_TYPE, max_bytes)
        if refused is not None:
            return json(refused.body, status=refused.status)
        sender_id = request.headers.get(contracts.SENDER_HEADER, "")
        verdict = verifier.verify(request.headers, request.method, request.path, body, sender_id)
        if not verdict.ok:
            log.warning("refused an evidence upload: %s", verdict.reason)
            return json({"ok": False, "reason": verdict.reason}, status=401)
        try:  # hex, because HTTP headers cannot carry Chinese file names
            filename = bytes.fromhex(request.headers.get(contracts.FILENAME_HEADER, "")).decode("utf-8", "replace")
        except ValueError:
            filename = ""
        try:
            draft_id = await asyncio.to_thread(open_draft_id, sender_id)
            if draft_id is None:
                return json({"ok": False, "reason": "no_draft"}, status=409)
            stored = await asyncio.to_thread(store_evidence, draft_id, sender_id, filename, body)
        except EvidenceRejected as rejected:
            return json({"ok": False, "reason": rejected.reason}, status=422 if rejected.reason != "storage" else 507)
        except DraftNotFound:
            return json({"ok": False, "reason": "no_draft"}, status=409)
        except SQLAlchemyError:
            log.exception("evidence upload could not be recorded")
            return json({"ok": False, "reason": "database"}, status=503)
        log.info("evidence stored for draft %s (%s, %d bytes)", draft_id, stored.media_type, stored.size)
        return json({"ok": True, "count": stored.count, "media_type": stored.media_type})

    return receive_evidence


def add_upload_route(app: Sanic, settings: Settings) -> None:
    verifier = contracts.Verifier(
        {
            contracts.CLIENT_TELEGRAM: settings.telegram_frontend_secret,
            contracts.CLIENT_LOCAL: settings.frontend_secret,
        }
    )
    app.add_route(make_receiver(verifier, settings.upload_max_bytes), UPLOAD_PATH, methods=["POST"])
