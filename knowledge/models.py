"""Data passed between ingestion, indexing and search."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Section:
    """A run of text under one heading; ``heading`` is what an answer cites."""

    heading: str
    paragraphs: list[str]


@dataclass(frozen=True)
class Document:
    path: str
    title: str
    sections: list[Section]
    notes: list[str] = field(default_factory=list)
    # What the document is about (injury, subsidy, union, ...), from its own metadata:
    # front matter in Markdown and text, the category property in Word, the subject in PDF.
    topic: str | None = None


@dataclass(frozen=True)
class Chunk:
    chunk_id: str
    document: str
    title: str
    section: str
    text: str
    topic: str | None = None

    @property
    def embedding_text(self) -> str:
        """Title and section go into the vector too: users ask with the heading's words."""
        return f"{self.title}｜{self.section}\n{self.text}"

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Hit:
    document: str
    title: str
    section: str
    text: str
    score: float
    dense_score: float
    lexical_score: float
    topic: str | None = None
    chunk_id: str = ""

    def to_json(self) -> dict:
        return asdict(self)
