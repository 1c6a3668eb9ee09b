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
    secret: str, sender_id: str, filename: str, data: bytes, client: str = contracts.CLIENT_TELEGRAM
) -> dict[str, str]:
    """Signed by the Telegram front end: the only one that may attach files for ``tg-`` senders."""
    headers = contracts.sign(client, secret, "POST", contracts.UPLOAD_PATH, data, sender=sender_id)
    headers[contracts.SENDER_HEADER] = sender_id
    headers[contracts.FILENAME_HEADER] = filename.encode("utf-8").hex()
    headers["Content-Type"] = "application/octet-stream"
    return headers


class EvidenceUploader:
    def __init__(self, action_server_url: str, max_bytes: int, secret: str) -> None:
        self.url = upload_url(action_server_url)
        self.max_bytes = max_bytes
        self._secret = secret
        self._client = httpx.AsyncClient(timeout=httpx.Timeout(60, connect=5))

    def precheck(self, upload: Upload) -> str | None:
        if upload.media_type not in ACCEPTED_TYPES:
            return texts.UPLOAD_WRONG_TYPE
        if upload.size is not None and upload.size > self.max_bytes:
            return texts.UPLOAD_TOO_LARGE
        return None

    async def send(self, sender_id: str, upload: Upload, data: bytes) -> UploadResult:
        headers = signed_upload_headers(self._secret, sender_id, upload.filename, data)
        try:
            response = await self._client.post(self.url, content=data, headers=headers)
        except httpx.HTTPError as error:
            log.warning("evidence upload failed: %s", type(error).__name__)
            return UploadResult(False, texts.UPLOAD_FAILED)
        if response.status_code == 200:
            return UploadResult(True, None)
        reason = (
            response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
        ).get("reason", "")
        log.info("evidence upload refused: %s", reason or response.status_code)
        return UploadResult(False, REASON_TEXTS.get(reason, texts.UPLOAD_FAILED))

    async def aclose(self) -> None:
        await self._client.aclose()
