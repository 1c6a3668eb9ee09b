"""Questions the knowledge base could not answer, kept for staff.

Staff read them with ``assistant unanswered`` to see what the documents lack.
The question is stored with personal data masked and without any user id.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from assistant.logging_setup import mask_pii
from assistant.settings import get_settings

_lock = threading.Lock()


@dataclass(frozen=True)
class Unanswered:
    at: str
    question: str
    best_score: float | None


def _log_path() -> Path:
    return get_settings().state_dir / "unanswered.jsonl"


def record_unanswered(question: str, best_score: float | None) -> None:
    entry = Unanswered(datetime.now(UTC).isoformat(timespec="seconds"), mask_pii(question)[:500], best_score)
    path = _log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with _lock, path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry.__dict__, ensure_ascii=False) + "\n")


def list_unanswered(limit: int = 100) -> list[Unanswered]:
    path = _log_path()
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()[-limit:]
    return [Unanswered(**json.loads(line)) for line in lines if line.strip()]
