"""Evidence files (photos, PDFs): checked by their bytes, not their claimed type,
stored outside the database under a checksum name, never executed or served."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, delete
from sqlalchemy.orm import Session

from assistant.settings import get_settings
from claims.db import session_scope
from claims.drafts import load_draft
from claims.models import Claim, Evidence

log = logging.getLogger(__name__)

MAX_FILES_PER_CLAIM = 10
_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"%PDF-", "application/pdf", ".pdf"),
)


class EvidenceRejected(Exception):
    """``reason`` is one of: empty, too_large, type, too_many, storage."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class StoredEvidence:
    id: int
    media_type: str
    size: int
    sha256: str
    count: int


def sniff(data: bytes) -> tuple[str, str] | None:
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", ".webp"
    for signature, media_type, suffix in _SIGNATURES:
        if data.startswith(signature):
            return media_type, suffix
    return None


def evidence_dir() -> Path:
    return get_settings().evidence_dir


def store_evidence(
    draft_id: int,
    sender_id: str,
    original_name: str,
    data: bytes,
    engine: Engine | None = None,
    *,
    load: Callable[[Session, int, str], Claim] = load_draft,
    recorded: Callable[[Session, Claim], None] | None = None,
) -> StoredEvidence:
    """Attach a file to the sender's draft (or, with ``load``, to another claim of theirs).

    ``recorded`` runs in the same transaction as the new row (material added after submission
    records its event there), and only when a new file was added.
    """
    if not data:
        raise EvidenceRejected("empty")
    if len(data) > get_settings().upload_max_bytes:
        raise EvidenceRejected("too_large")
    kind = sniff(data)
    if kind is None:
        raise EvidenceRejected("type")
    media_type, suffix = kind
    digest = hashlib.sha256(data).hexdigest()
    stored_name = digest + suffix
    # The row is committed first and the file written after: a failed commit leaves no file
    # behind; a failed write removes the row again (and a crash in between leaves a row
    # without a file, never a file without a row; ``purge`` sweeps any stray file).
    with session_scope(engine) as session:
        claim = load(session, draft_id, sender_id)
        claim_id = claim.id
        if len(claim.evidence) >= MAX_FILES_PER_CLAIM:
            raise EvidenceRejected("too_many")
        duplicate = next((item for item in claim.evidence if item.sha256 == digest), None)
        if duplicate:
            return StoredEvidence(duplicate.id, duplicate.media_type, duplicate.size, digest, len(claim.evidence))
        row = Evidence(
            claim_id=claim.id,
            original_name=_safe_name(original_name),
            stored_name=stored_name,
            media_type=media_type,
            size=len(data),
            sha256=digest,
        )
        session.add(row)
        session.flush()
        if recorded is not None:
            recorded(session, claim)
        stored = StoredEvidence(row.id, media_type, len(data), digest, len(claim.evidence) + 1)
    try:
        _write_file(evidence_dir() / str(claim_id) / stored_name, data)
    except OSError as error:
        log.error("could not store evidence for claim %s: %s", claim_id, type(error).__name__)
        with session_scope(engine) as session:
            session.execute(delete(Evidence).where(Evidence.id == stored.id))
        raise EvidenceRejected("storage") from error
    return stored


def _write_file(path: Path, data: bytes) -> None:
    """Written to a temporary name and renamed, so a full disk never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _safe_name(name: str) -> str:
    return re.sub(r"[^\w.\-\u4e00-\u9fff]", "_", Path(name or "").name)[:120]


def delete_files(files: list[tuple[int, str]]) -> None:
    for claim_id, stored_name in files:
        path = evidence_dir() / str(claim_id) / stored_name
        path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            path.parent.rmdir()
