"""The upload endpoints the front ends use for claim material (photos, PDFs, notes).

Rasa's channels carry text, so files go straight to the action server, which
owns the claims store. During the claim form a file joins the draft and the
front end then tells Rasa with ``/upload_evidence``. After submission a file
or a note ("补充说明") joins the sender's claim that still takes material; with
several such claims the answer lists them (``choose_claim``) and the front end
asks which, then posts to ``<path>/<reference>``. Each request is signed by a
front end (``assistant.contracts``: the signature covers path, sender and
bytes), so no other program can add material to someone's claim; only the
Telegram front end may upload for ``tg-`` senders."""

from __future__ import annotations

import asyncio
import logging

from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse, json
from sqlalchemy.exc import SQLAlchemyError

from assistant import contracts
from assistant.nonces import nonce_memory
from assistant.settings import Settings
from claims.drafts import open_draft_id
from claims.errors import ClaimNotFound, DraftNotFound
from claims.evidence import EvidenceRejected, store_evidence
from claims.material import MAX_NOTE_CHARS, add_file, add_note, claims_taking_material

log = logging.getLogger(__name__)
UPLOAD_PATH = contracts.UPLOAD_PATH
UPLOAD_CONTENT_TYPE = "application/octet-stream"


def _authenticated(verifier: contracts.Verifier, request: Request, max_bytes: int) -> HTTPResponse | str:
    """The sender the request may act for, or the refusal to send back."""
    body = request.body or b""
    refused = contracts.check_body(request.headers, body, UPLOAD_CONTENT_TYPE, max_bytes)
    if refused is not None:
        return json(refused.body, status=refused.status)
    sender_id = request.headers.get(contracts.SENDER_HEADER, "")
    verdict = verifier.verify(request.headers, request.method, request.path, body, sender_id)
    if not verdict.ok:
        log.warning("refused an upload: %s", verdict.reason)
        return json(
            {"ok": False, "reason": verdict.reason}, status=503 if verdict.reason == contracts.UNAVAILABLE else 401
        )
    return sender_id


async def _target(sender_id: str, reference: str | None) -> str | HTTPResponse:
    """The submitted claim material goes to: the one named, or the only one that takes material."""
    if reference:
        return reference
    open_claims = await asyncio.to_thread(claims_taking_material, sender_id)
    if not open_claims:
        return json({"ok": False, "reason": contracts.NO_CLAIM}, status=409)
    if len(open_claims) > 1:
        return json({"ok": False, "reason": contracts.CHOOSE_CLAIM, "claims": open_claims}, status=409)
    return open_claims[0]


def make_receiver(verifier: contracts.Verifier, max_bytes: int):
    async def receive_evidence(request: Request, reference: str | None = None) -> HTTPResponse:
        sender_id = _authenticated(verifier, request, max_bytes)
        if isinstance(sender_id, HTTPResponse):
            return sender_id
        body = request.body or b""
        try:  # hex, because HTTP headers cannot carry Chinese file names
            filename = bytes.fromhex(request.headers.get(contracts.FILENAME_HEADER, "")).decode("utf-8", "replace")
        except ValueError:
            filename = ""
        try:
            draft_id = None if reference else await asyncio.to_thread(open_draft_id, sender_id)
            if draft_id is not None:
                stored = await asyncio.to_thread(store_evidence, draft_id, sender_id, filename, body)
                log.info("evidence stored for draft %s (%s, %d bytes)", draft_id, stored.media_type, stored.size)
                return json({"ok": True, "count": stored.count, "media_type": stored.media_type})
            target = await _target(sender_id, reference)
            if isinstance(target, HTTPResponse):
                return target
            added, stored = await asyncio.to_thread(add_file, sender_id, target, filename, body)
        except EvidenceRejected as rejected:
            return json({"ok": False, "reason": rejected.reason}, status=422 if rejected.reason != "storage" else 507)
        except (DraftNotFound, ClaimNotFound):
            return json({"ok": False, "reason": contracts.NO_CLAIM}, status=409)
        except SQLAlchemyError:
            log.exception("evidence upload could not be recorded")
            return json({"ok": False, "reason": "database"}, status=503)
        log.info("material added to a submitted claim (%s, %d bytes)", stored.media_type, stored.size)
        return json({"ok": True, "count": added.files, "reference": added.reference, "status": added.status})

    return receive_evidence


def make_note_receiver(verifier: contracts.Verifier):
    async def receive_note(request: Request, reference: str | None = None) -> HTTPResponse:
        sender_id = _authenticated(verifier, request, contracts.MAX_MESSAGE_BODY)
        if isinstance(sender_id, HTTPResponse):
            return sender_id
        text = (request.body or b"").decode("utf-8", "replace").strip()
        if not text or len(text) > MAX_NOTE_CHARS:
            return json({"ok": False, "reason": contracts.BAD_REQUEST}, status=400)
        try:
            target = await _target(sender_id, reference)
            if isinstance(target, HTTPResponse):
                return target
            added = await asyncio.to_thread(add_note, sender_id, target, text)
        except ClaimNotFound:
            return json({"ok": False, "reason": contracts.NO_CLAIM}, status=409)
        except SQLAlchemyError:
            log.exception("a note to a claim could not be recorded")
            return json({"ok": False, "reason": "database"}, status=503)
        log.info("note added to a submitted claim")
        return json({"ok": True, "reference": added.reference, "status": added.status})

    return receive_note


def add_upload_route(app: Sanic, settings: Settings) -> None:
    verifier = contracts.Verifier(
        {
            contracts.CLIENT_TELEGRAM: settings.telegram_frontend_secret,
            contracts.CLIENT_LOCAL: settings.frontend_secret,
        },
        nonce_memory(settings.lock_store_url),  # shared in Redis across action servers behind a balancer
    )
    receiver = make_receiver(verifier, settings.upload_max_bytes)
    app.add_route(receiver, UPLOAD_PATH, methods=["POST"], name="evidence")
    app.add_route(receiver, f"{UPLOAD_PATH}/<reference:[A-Za-z0-9]{{6,32}}>", methods=["POST"], name="evidence_for")
    notes = make_note_receiver(verifier)
    app.add_route(notes, contracts.NOTE_PATH, methods=["POST"], name="note")
    app.add_route(notes, f"{contracts.NOTE_PATH}/<reference:[A-Za-z0-9]{{6,32}}>", methods=["POST"], name="note_for")
