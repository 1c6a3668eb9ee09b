"""What the knowledge folder lacks: declined questions and 👎 answers, similar ones grouped.

Read from the two logs the action server keeps in the state folder (``unanswered.jsonl``,
``feedback.jsonl``; see ``actions/unanswered.py`` and ``actions/feedback.py``), which hold
no user id and have personal data masked already; masked again here all the same."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from assistant.pii import mask_pii
from knowledge.similar_questions import cluster


@dataclass
class Group:
    example: str  # the newest wording
    count: int = 0
    last_at: str = ""
    detail: str = ""  # what the documents lacked, or the passage rated 👎
    wordings: list[str] = field(default_factory=list)


def _read(path: Path) -> list[dict]:
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            continue
    return out


def group(entries: list[tuple[str, str, str]]) -> list[Group]:
    """``(at, question, detail)`` entries, oldest first → groups, most asked first."""
    questions = [mask_pii(question) for _, question, _ in entries]
    groups = []
    for members in cluster(questions):
        found = Group(questions[members[0]])
        for n in members:
            at, _, detail = entries[n]
            found.count += 1
            found.example, found.last_at = questions[n], at
            found.detail = detail or found.detail
            if questions[n] not in found.wordings:
                found.wordings.append(questions[n])
        groups.append(found)
    return sorted(groups, key=lambda g: (-g.count, g.last_at))


def unanswered_groups(state_dir: Path) -> list[Group]:
    rows = _read(state_dir / "unanswered.jsonl")
    return group([(str(r.get("at", "")), str(r.get("question", "")), str(r.get("missing") or "")) for r in rows])


def thumbs_down_groups(state_dir: Path) -> list[Group]:
    rows = [r for r in _read(state_dir / "feedback.jsonl") if r.get("rating") == "down"]
    return group(
        [
            (str(r.get("at", "")), str(r.get("question", "")), f"{r.get('document', '')} › {r.get('section', '')}")
            for r in rows
        ]
    )
