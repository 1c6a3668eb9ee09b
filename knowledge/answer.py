"""Turn ranked passages into a short answer a person can read on a phone, or decline.

Declining is a feature: a weak passage presented as an answer misleads a worker
about money or rights. Two gates decide: the best passage must be close in
meaning (dense cosine, tuned with ``assistant eval retrieval``), and it must
actually answer what was asked (``knowledge.answerability``). When only the
second fails, the decline still shows the closest passage as related reading.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from knowledge.answerability import SUPPLIES, Judgement, Need, about, judge, needs, normalise_question
from knowledge.index.lexical import tokenize
from knowledge.ingest.chunker import sentences
from knowledge.models import Hit

SHORT_ANSWER_CHARS = 200
MAX_SENTENCES = 3
# How far below the best passage another may be and still be preferred for answering.
ANSWERING_MARGIN = 0.03
LEXICAL_MARGIN = 0.03
# Just below ANSWER_MIN_SCORE a passage still counts when it shares the question's rare
# words this strongly (BM25 of the best passage; tuned on the tuning question set).
NEAR_MARGIN = 0.015
STRONG_LEXICAL = 8.0


@dataclass(frozen=True)
class Answer:
    text: str  # the 1-3 sentences that answer, at most SHORT_ANSWER_CHARS
    full_text: str  # the whole passage, on request
    title: str
    section: str
    document: str
    topic: str | None
    score: float
    chunk_id: str = ""

    @property
    def shortened(self) -> bool:
        return self.text != self.full_text


@dataclass(frozen=True)
class Decline:
    """The documents do not answer this; ``missing`` names what they lack, ``related``
    is the closest passage (shown after saying so), if any is close at all."""

    missing: str | None
    related: Answer | None
    best_score: float | None


def is_confident(hit: Hit | None, min_score: float) -> bool:
    """Answer only when the best passage is close in meaning and, unless it is
    very close, also shares words with the question: e5 rates any Chinese
    sentence fairly similar to any other, so similarity alone lets small talk
    through (a phone number looks like the 12351 hotline passage)."""
    if hit is None:
        return False
    if hit.dense_score < min_score:
        # Just below the line, a passage sharing the question's rare words is still the one meant.
        return hit.dense_score >= min_score - NEAR_MARGIN and hit.lexical_score >= STRONG_LEXICAL
    return hit.lexical_score > 0 or hit.dense_score >= min_score + LEXICAL_MARGIN


def respond(
    question: str,
    hits: list[Hit],
    min_score: float,
    tokenize: Callable[[str], tuple[str, ...]],
    corpus: str,
) -> Answer | Decline:
    """The answer to ``question`` from ``hits`` (best first), or why there is none."""
    best_score = hits[0].dense_score if hits else None
    if not hits or not is_confident(hits[0], min_score):
        return Decline(None, None, best_score)
    tokens = tokenize(normalise_question(question))
    # The passage about what the question names: the best one, or a close runner-up
    # when the best is about something else. Only that passage is judged for what is asked.
    # A close runner-up on the same subject that gives what is asked (the number of people
    # insured) answers when the best passage only talks around it (who pays).
    first: Judgement | None = None
    lacking: tuple[Judgement, Hit] | None = None
    for hit in hits[:3]:
        if hit is not hits[0] and (hit.score < hits[0].score - ANSWERING_MARGIN or not is_confident(hit, min_score)):
            continue
        context = f"{hit.title}\n{hit.section}"
        topical = about(question, tokens, hit.text, context, corpus)
        if not topical.answers:
            first = first or topical
            continue
        if lacking is not None and not (
            _heading_asks_the_same(question, hit.section) and all(f in hit.text for f in re.findall(r"\d+", question))
        ):
            continue
        verdict = judge(question, tokens, hit.text, context, corpus)
        if verdict.answers:
            return _answer(question, hit, hits)
        lacking = lacking or (verdict, hit)
    if lacking is not None:
        verdict, hit = lacking
        return Decline(verdict.missing, _answer(question, hit, hits), best_score)
    return Decline(first.missing if first else None, _answer(question, hits[0], hits), best_score)


def _heading_asks_the_same(question: str, heading: str) -> bool:
    """Whether a passage's heading asks what the question asks (多少人参保 for 有多少骑手参加)."""
    asked = {_FAMILY.get(n, n) for n in needs(question)} - {Need.OTHER}
    return bool(asked & {_FAMILY.get(n, n) for n in needs(heading)})


# How many people, how much money, how many times: one kind of asking for a figure.
_FAMILY = {Need.COUNT: Need.NUMBER, Need.AMOUNT: Need.NUMBER}


def _answer(question: str, hit: Hit, hits: list[Hit]) -> Answer:
    full = hit.text
    # A second passage from the same section continues the passage when it is also retrieved.
    for other in hits[1:3]:
        same_section = other.section == hit.section and other.document == hit.document
        if same_section and other is not hit and other.text not in full and len(full) + len(other.text) < 700:
            full = f"{full}\n{other.text}"
    return Answer(
        short_answer(question, full),
        full,
        hit.title,
        hit.section,
        hit.document,
        hit.topic,
        hit.dense_score,
        hit.chunk_id,
    )


_YES_NO_OPENING = re.compile(r"^(可以|能|不能|不可以|不用|不需要|需要|要|不要|是|不是|会|不会|没有|有|对)[。！，,]")


def short_answer(question: str, passage: str, limit: int = SHORT_ANSWER_CHARS) -> str:
    """The sentences of ``passage`` that answer ``question``: the best-matching one,
    with an opening "可以。/不需要。" kept and neighbours added while they fit."""
    parts = [s for line in passage.splitlines() for s in sentences(line)]
    if not parts:
        return passage[:limit]
    if len(passage) <= limit and len(parts) <= MAX_SENTENCES:
        return passage
    asked = set(tokenize(normalise_question(question)))
    wanted = [SUPPLIES[n] for n in needs(question) if n in SUPPLIES]
    # A word of the question found in every sentence (the programme's name) says little
    # about which sentence answers; one found in a single sentence (低保, 纳入) says a lot.
    words = [set(tokenize(part)) for part in parts]
    weight = {w: math.log((len(parts) + 1) / df) for w in asked if (df := sum(w in own for own in words))}
    total = sum(weight.values()) or 1.0

    def score(i: int) -> float:
        sentence = parts[i]
        overlap = sum(weight.get(w, 0.0) for w in words[i]) / total
        supplies = 0.3 if any(p.search(sentence) for p in wanted) else 0.0
        return overlap + supplies - 0.01 * i

    chosen = {max(range(len(parts)), key=score)}
    if _YES_NO_OPENING.match(parts[0]):
        chosen.add(0)
    # Widen around the best sentence while the answer stays short.
    for i in sorted(range(len(parts)), key=score, reverse=True):
        if len(chosen) >= MAX_SENTENCES:
            break
        if i in chosen:
            continue
        candidate = chosen | {i}
        if sum(len(parts[j]) for j in candidate) <= limit and (i - 1 in chosen or i + 1 in chosen):
            chosen = candidate
    text = "".join(parts[i] for i in sorted(chosen))
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text
