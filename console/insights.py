"""What the knowledge folder lacks: declined questions and 👎 answers, similar ones grouped.

Read from the two logs the action server keeps in the state folder (``unanswered.jsonl``,
``feedback.jsonl``; see ``actions/unanswered.py`` and ``actions/feedback.py``), which hold
no user id and have personal data masked already; masked again here all the same."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from assistant.pii import mask_pii

SIMILAR = 0.4  # character-bigram overlap at which two questions count as one (as `assistant unanswered --grouped`)


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


def _bigrams(text: str) -> set[str]:
    chars = [c for c in text if c.isalnum()]
    return {"".join(chars[i : i + 2]) for i in range(len(chars) - 1)} or set(chars)


def group(entries: list[tuple[str, str, str]]) -> list[Group]:
    """``(at, question, detail)`` entries, oldest first → groups, most asked first."""
    groups: list[tuple[set[str], Group]] = []
    for at, question, detail in entries:
        question = mask_pii(question)
        keys = _bigrams(question)
        found = next(
            (g for other, g in groups if len(other & keys) / (min(len(other), len(keys)) or 1) >= SIMILAR), None
        )
        if found is None:
            found = Group(question)
            groups.append((keys, found))
        found.count += 1
        found.example, found.last_at = question, at
        found.detail = detail or found.detail
        if question not in found.wordings:
            found.wordings.append(question)
    return sorted((g for _, g in groups), key=lambda g: (-g.count, g.last_at))


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
