"""Split sections into passages that fit the embedding model.

multilingual-e5 truncates at 512 tokens and Chinese costs about 0.55 tokens per
character, so ~900 characters is the hard ceiling; smaller passages (a few
sentences) retrieve better and read better as answers.
"""

from __future__ import annotations

import hashlib
import re

from knowledge.models import Chunk, Document

MAX_CHARS = 320
_SENTENCE = re.compile(r"[^。！？!?…]*(?:[。！？!?…]+[”’」』）)]*|$)")
_CLAUSE = re.compile(r"[^，,；;]*(?:[，,；;]|$)")


def sentences(paragraph: str) -> list[str]:
    """Chinese sentences end at 。！？ — not at spaces, which Chinese rarely uses."""
    parts = [s.strip() for s in _SENTENCE.findall(paragraph)]
    return [p for p in parts if p]


def _fit(sentence: str, limit: int) -> list[str]:
    if len(sentence) <= limit:
        return [sentence]
    pieces, current = [], ""
    for clause in (c for c in _CLAUSE.findall(sentence) if c):
        while len(clause) > limit:
            pieces.append(clause[:limit])
            clause = clause[limit:]
        if len(current) + len(clause) > limit:
            pieces.append(current)
            current = ""
        current += clause
    if current:
        pieces.append(current)
    return [p for p in pieces if p]


def pack(paragraphs: list[str], limit: int = MAX_CHARS) -> list[str]:
    """Greedily fill passages with whole sentences; a new paragraph may share a
    passage when it fits, so short FAQ answers stay together."""
    passages: list[str] = []
    current = ""
    for paragraph in paragraphs:
        for sentence in (p for s in sentences(paragraph) for p in _fit(s, limit)):
            if current and len(current) + len(sentence) > limit:
                passages.append(current)
                current = ""
            current += sentence
        if current and not current.endswith("\n"):
            current += "\n"
    if current.strip():
        passages.append(current)
    return [p.strip() for p in passages if p.strip()]


def chunk_document(doc: Document, limit: int = MAX_CHARS) -> list[Chunk]:
    chunks: list[Chunk] = []
    for section in doc.sections:
        for n, text in enumerate(pack(section.paragraphs, limit)):
            key = f"{doc.path}|{section.heading}|{'；'.join(section.questions)}|{n}|{text}"
            chunk_id = hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]
            chunks.append(Chunk(chunk_id, doc.path, doc.title, section.heading, text, doc.topic, section.questions))
    return chunks
