"""Photos and PDFs sent to the Telegram bot become claim evidence.

Rasa's own Telegram connector drops them; here they are checked (declared
size and type first, so nothing oversized is downloaded), downloaded from the
Bot API and handed to the action server's upload endpoint, which checks the
bytes again and attaches them to the user's draft claim."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlparse

import httpx
from telegram import Message

from assistant import contracts
from bot import texts

log = logging.getLogger(__name__)

ACCEPTED_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "application/pdf"})
REASON_TEXTS = {
    "no_draft": texts.UPLOAD_OUTSIDE_CLAIM,
    "type": texts.UPLOAD_WRONG_TYPE,
    "empty": texts.UPLOAD_WRONG_TYPE,
    "too_large": texts.UPLOAD_TOO_LARGE,
    "too_many": texts.UPLOAD_TOO_MANY,
}


@dataclass(frozen=True)
class Upload:
    file_id: str
    filename: str
    media_type: str
    size: int | None


@dataclass(frozen=True)
class UploadResult:
    ok: bool
    reply: str | None  # what to tell the user when it did not work
    reference: str | None = None  # material added to this submitted claim (not to a draft)
    count: int = 0  # files the claim or draft now has
    choices: tuple[str, ...] = ()  # several claims take material: the worker picks one


def upload_of(message: Message) -> Upload | None:
    if message.photo:
        photo = message.photo[-1]  # the largest size Telegram made
        return Upload(photo.file_id, f"photo-{message.message_id}.jpg", "image/jpeg", photo.file_size)
    if message.document:
        doc = message.document
        return Upload(doc.file_id, doc.file_name or "document", doc.mime_type or "", doc.file_size)
    return None


def upload_url(action_server_url: str) -> str:
    parsed = urlparse(action_server_url)
    return f"{parsed.scheme}://{parsed.netloc}{contracts.UPLOAD_PATH}"


def signed_upload_headers(
    secret: str,
    sender_id: str,
    filename: str,
    data: bytes,
    client: str = contracts.CLIENT_TELEGRAM,
    path: str = contracts.UPLOAD_PATH,
) -> dict[str, str]:
    """Signed by the Telegram front end: the only one that may attach files for ``tg-`` senders."""
    headers = contracts.sign(client, secret, "POST", path, data, sender=sender_id)
    headers[contracts.SENDER_HEADER] = sender_id
    headers[contracts.FILENAME_HEADER] = filename.encode("utf-8").hex()
    headers["Content-Type"] = "application/octet-stream"
    return headers


class EvidenceUploader:
    def __init__(self, action_server_url: str, max_bytes: int, secret: str) -> None:
        self.url = upload_url(action_server_url)
        self._base = self.url.removesuffix(contracts.UPLOAD_PATH)
        self.max_bytes = max_bytes
        self._secret = secret
        self._client = httpx.AsyncClient(timeout=httpx.Timeout(60, connect=5))

    def precheck(self, upload: Upload) -> str | None:
        if upload.media_type not in ACCEPTED_TYPES:
            return texts.UPLOAD_WRONG_TYPE
        if upload.size is not None and upload.size > self.max_bytes:
            return texts.UPLOAD_TOO_LARGE
        return None

    async def send(self, sender_id: str, upload: Upload, data: bytes, reference: str | None = None) -> UploadResult:
        """A file for the sender's draft, or for a submitted claim (the one named, or the only one)."""
        path = contracts.material_path(contracts.UPLOAD_PATH, reference)
        return await self._post(sender_id, path, data, upload.filename)

    async def send_note(self, sender_id: str, text: str, reference: str | None = None) -> UploadResult:
        """A written note ("补充说明") for a submitted claim."""
        path = contracts.material_path(contracts.NOTE_PATH, reference)
        return await self._post(sender_id, path, text.encode("utf-8"), "")

    async def _post(self, sender_id: str, path: str, data: bytes, filename: str) -> UploadResult:
        headers = signed_upload_headers(self._secret, sender_id, filename, data, path=path)
        try:
            response = await self._client.post(self._base + path, content=data, headers=headers)
        except httpx.HTTPError as error:
            log.warning("upload failed: %s", type(error).__name__)
            return UploadResult(False, texts.UPLOAD_FAILED)
        body = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
        if response.status_code == 200:
            return UploadResult(True, None, body.get("reference"), int(body.get("count") or 0))
        reason = body.get("reason", "")
        if reason == contracts.CHOOSE_CLAIM:
            return UploadResult(False, texts.MATERIAL_CHOOSE, choices=tuple(body.get("claims") or ()))
        log.info("upload refused: %s", reason or response.status_code)
        return UploadResult(False, REASON_TEXTS.get(reason, texts.UPLOAD_FAILED))

    async def aclose(self) -> None:
        await self._client.aclose()
