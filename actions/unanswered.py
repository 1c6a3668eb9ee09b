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
from knowledge.similar_questions import SIMILAR, cluster

_lock = threading.Lock()
# Stands for a question asked inside an injury story: what the documents lack is kept, the story is not.
STORY_PLACEHOLDER = "（受伤经过中的提问，原文不保存）"


@dataclass(frozen=True)
class Unanswered:
    at: str
    question: str
    best_score: float | None
    # What the documents lack ("一次性求职补贴的具体金额"), when a related passage was found.
    missing: str | None = None


def _log_path() -> Path:
    return get_settings().state_dir / "unanswered.jsonl"


def record_unanswered(question: str, best_score: float | None, missing: str | None = None) -> None:
    entry = Unanswered(datetime.now(UTC).isoformat(timespec="seconds"), mask_pii(question)[:500], best_score, missing)
    path = _log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with _lock, path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry.__dict__, ensure_ascii=False) + "\n")


def list_unanswered(limit: int | None = 100) -> list[Unanswered]:
    path = _log_path()
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    if limit is not None:
        lines = lines[-limit:]
    return [Unanswered(**json.loads(line)) for line in lines if line.strip()]


@dataclass(frozen=True)
class QuestionGroup:
    example: str  # the newest question of the group
    count: int
    last_at: str
    missing: str | None


def group_similar(entries: list[Unanswered], threshold: float = SIMILAR) -> list[QuestionGroup]:
    """Questions asked in other words fall together (``knowledge.similar_questions``), most asked first."""
    out = []
    for members in cluster([entry.question for entry in entries], threshold):
        last = entries[members[-1]]
        out.append(QuestionGroup(last.question, len(members), last.at, last.missing))
    return sorted(out, key=lambda g: (-g.count, g.last_at))
