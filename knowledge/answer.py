"""Turn ranked passages into an answer a person can read on a phone, or decline.

Declining is a feature: a weak passage presented as an answer misleads a worker
about money or rights. The threshold is on the dense cosine of the best hit and
is tuned with ``assistant eval retrieval``.
"""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.ingest.chunker import sentences
from knowledge.models import Hit

MAX_ANSWER_CHARS = 600
TOPIC_BY_DOCUMENT = {
    "occupational_injury_protection.md": "injury",
    "job_seeking_subsidy.md": "subsidy",
    "union_services.md": "union",
    "union_reform_overview.md": "union",
    "ai_labour_rights.md": "ai_rights",
}


@dataclass(frozen=True)
class Answer:
    text: str
    title: str
    section: str
    document: str
    topic: str | None
    score: float


LEXICAL_MARGIN = 0.03


def is_confident(hit: Hit | None, min_score: float) -> bool:
    """Answer only when the best passage is close in meaning and, unless it is
    very close, also shares words with the question: e5 rates any Chinese
    sentence fairly similar to any other, so similarity alone lets small talk
    through (a phone number looks like the 12351 hotline passage)."""
    if hit is None or hit.dense_score < min_score:
        return False
    return hit.lexical_score > 0 or hit.dense_score >= min_score + LEXICAL_MARGIN


def compose_answer(hits: list[Hit], min_score: float) -> Answer | None:
    if not hits or not is_confident(hits[0], min_score):
        return None
    best = hits[0]
    text = best.text
    # A second passage from the same section continues the answer when it fits.
    for other in hits[1:3]:
        same_section = other.section == best.section and other.document == best.document
        if same_section and other.text not in text and len(text) + len(other.text) + 1 <= MAX_ANSWER_CHARS:
            text = f"{text}\n{other.text}"
    return Answer(
        _trim(text),
        best.title,
        best.section,
        best.document,
        TOPIC_BY_DOCUMENT.get(best.document.rsplit("/", 1)[-1]),
        best.dense_score,
    )


def _trim(text: str, limit: int = MAX_ANSWER_CHARS) -> str:
    if len(text) <= limit:
        return text
    out = ""
    for sentence in sentences(text):
        if len(out) + len(sentence) > limit - 1:
            break
        out += sentence
    return (out or text[: limit - 1]) + "…"
