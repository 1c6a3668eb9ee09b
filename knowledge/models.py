"""Data passed between ingestion, indexing and search."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Section:
    """A run of text under one heading; ``heading`` is what an answer cites."""

    heading: str
    paragraphs: list[str]
    # Other ways people ask what this section answers ("> 也问：…；…" under the heading),
    # like a FAQ's related questions: searched with the section, never shown.
    questions: tuple[str, ...] = ()


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
    questions: tuple[str, ...] = ()

    @property
    def embedding_text(self) -> str:
        """Title, section and the section's other questions go into the vector and the
        word index too: users ask with the heading's words, or with their own."""
        asked = "".join(f"｜{q}" for q in self.questions)
        return f"{self.title}｜{self.section}{asked}\n{self.text}"

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
