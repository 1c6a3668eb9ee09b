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


def _shingles(text: str) -> set[str]:
    chars = [c for c in text if c.isalnum()]
    return {"".join(chars[i : i + 2]) for i in range(len(chars) - 1)} or set(chars)


def group_similar(entries: list[Unanswered], threshold: float = 0.4) -> list[QuestionGroup]:
    """Questions asked in other words fall together (character-bigram overlap), most asked first."""
    groups: list[tuple[set[str], list[Unanswered]]] = []
    for entry in entries:
        shingles = _shingles(entry.question)
        for keys, members in groups:
            overlap = len(keys & shingles) / (min(len(keys), len(shingles)) or 1)
            if overlap >= threshold:
                members.append(entry)
                break
        else:
            groups.append((shingles, [entry]))
    out = [
        QuestionGroup(members[-1].question, len(members), members[-1].at, members[-1].missing) for _, members in groups
    ]
    return sorted(out, key=lambda g: (-g.count, g.last_at))
