"""Retrieval quality on a question set in the shared format.

Each line: {"id", "q", "any": [[phrase, ...], ...]}. A question is answered at
rank k when one of its first k passages contains every phrase of one
alternative; an empty ``any`` marks a question the assistant must decline.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from knowledge.answer import is_confident
from knowledge.models import Hit
from knowledge.search import KnowledgeBase, Ranker


@dataclass(frozen=True)
class Question:
    qid: str
    text: str
    alternatives: list[list[str]]

    @property
    def answerable(self) -> bool:
        return bool(self.alternatives)


@dataclass(frozen=True)
class RankerReport:
    ranker: str
    answerable: int
    unanswerable: int
    recall_at_1: float
    recall_at_3: float
    mrr: float
    abstention_rate: float
    false_abstention_rate: float
    misses: list[str]


def load_questions(path: Path) -> list[Question]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            data = json.loads(line)
            out.append(Question(str(data["id"]), data["q"], data.get("any") or []))
    return out


def matches(hit: Hit, question: Question) -> bool:
    haystack = f"{hit.title}\n{hit.section}\n{hit.text}"
    return any(all(p in haystack for p in alt) for alt in question.alternatives)


def first_rank(hits: list[Hit], question: Question) -> int | None:
    return next((n for n, hit in enumerate(hits, 1) if matches(hit, question)), None)


def evaluate(
    kb: KnowledgeBase, questions: list[Question], ranker: Ranker, min_score: float, k: int = 10
) -> RankerReport:
    answerable = [q for q in questions if q.answerable]
    unanswerable = [q for q in questions if not q.answerable]
    r1 = r3 = rr = 0.0
    declined_wrongly = 0
    misses = []
    for q in answerable:
        hits = kb.search(q.text, k=k, ranker=ranker)
        rank = first_rank(hits, q)
        r1 += rank == 1
        r3 += rank is not None and rank <= 3
        rr += 1 / rank if rank else 0.0
        if not is_confident(hits[0] if hits else None, min_score):
            declined_wrongly += 1
        if rank != 1:
            misses.append(f"{q.qid} (rank {rank}): {q.text}")
    declined = sum(
        1 for q in unanswerable if not is_confident((kb.search(q.text, k=1, ranker=ranker) or [None])[0], min_score)
    )
    n = len(answerable) or 1
    return RankerReport(
        ranker.value,
        len(answerable),
        len(unanswerable),
        r1 / n,
        r3 / n,
        rr / n,
        declined / (len(unanswerable) or 1),
        declined_wrongly / n,
        misses,
    )


def threshold_sweep(kb: KnowledgeBase, questions: list[Question], thresholds: list[float]) -> list[dict]:
    """Top-1 dense scores of both kinds of question, to place the decline threshold."""
    top = [(q.answerable, (kb.search(q.text, k=1) or [None])[0]) for q in questions]
    rows = []
    for t in thresholds:
        good = [h for a, h in top if a]
        bad = [h for a, h in top if not a]
        rows.append(
            {
                "threshold": t,
                "answerable_kept": sum(1 for h in good if is_confident(h, t)) / (len(good) or 1),
                "unanswerable_declined": sum(1 for h in bad if not is_confident(h, t)) / (len(bad) or 1),
            }
        )
    return rows
