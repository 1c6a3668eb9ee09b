"""The upload endpoint the front ends use for claim evidence (photos, PDFs).

Rasa's channels carry text, so files go straight to the action server, which
owns the claims store; the front end then tells Rasa with ``/upload_evidence``.
It listens where the action server listens (loopback by default)."""

from __future__ import annotations

import asyncio
import logging

from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse, json
from sqlalchemy.exc import SQLAlchemyError

from claims.drafts import open_draft_id
from claims.errors import DraftNotFound
from claims.evidence import EvidenceRejected, store_evidence

log = logging.getLogger(__name__)
UPLOAD_PATH = "/claims/evidence"


async def receive_evidence(request: Request) -> HTTPResponse:
    sender_id = request.headers.get("X-Sender-Id", "")
    if not sender_id:
        return json({"ok": False, "reason": "sender"}, status=400)
    try:  # hex, because HTTP headers cannot carry Chinese file names
        filename = bytes.fromhex(request.headers.get("X-Filename", "")).decode("utf-8", "replace")
    except ValueError:
        filename = ""
    try:
        draft_id = await asyncio.to_thread(open_draft_id, sender_id)
        if draft_id is None:
            return json({"ok": False, "reason": "no_draft"}, status=409)
        stored = await asyncio.to_thread(store_evidence, draft_id, sender_id, filename, request.body or b"")
    except EvidenceRejected as rejected:
        return json({"ok": False, "reason": rejected.reason}, status=422 if rejected.reason != "storage" else 507)
    except DraftNotFound:
        return json({"ok": False, "reason": "no_draft"}, status=409)
    except SQLAlchemyError:
        log.exception("evidence upload could not be recorded")
        return json({"ok": False, "reason": "database"}, status=503)
    log.info("evidence stored for draft %s (%s, %d bytes)", draft_id, stored.media_type, stored.size)
    return json({"ok": True, "count": stored.count, "media_type": stored.media_type})


def add_upload_route(app: Sanic, max_bytes: int) -> None:
    app.config.REQUEST_MAX_SIZE = max(app.config.REQUEST_MAX_SIZE, max_bytes + 1024 * 1024)
    app.add_route(receive_evidence, UPLOAD_PATH, methods=["POST"])
