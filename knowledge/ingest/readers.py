"""Read the file types staff drop into the knowledge folder into ``Document``s.

Markdown (and .docx, whose heading styles map onto Markdown levels) carries its
structure explicitly. Plain text and PDF do not: there, headings are inferred
from short lines and broken lines are joined (see ``cleaning``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from knowledge.ingest.cleaning import fingerprint, join_broken_lines, looks_like_heading, normalise
from knowledge.models import Document, Section

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".md", ".markdown", ".txt", ".docx", ".pdf")
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
# "> 也问：…；…" under a heading: other ways people ask what the section answers.
_ALSO_ASKED = re.compile(r"^>\s*(也问|相关问题|相关问法)\s*[：:]\s*")
_BYLINE = re.compile(r"^[\u4e00-\u9fff]{2,4}$")
_ASIDE = re.compile(r"^[（(].*[)）]$")
MIN_DEDUP_CHARS = 20
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.S)


class UnsupportedDocument(ValueError):
    pass


def read_document(path: Path, root: Path) -> Document:
    rel = path.relative_to(root).as_posix()
    suffix = path.suffix.lower()
    if suffix in (".md", ".markdown"):
        meta, text = split_front_matter(path.read_text(encoding="utf-8"))
        return replace(_from_markdown(rel, text, path.stem), topic=_topic(meta.get("topic")))
    if suffix == ".docx":
        return replace(_from_markdown(rel, _docx_as_markdown(path), path.stem), topic=_docx_topic(path))
    if suffix == ".txt":
        meta, text = split_front_matter(path.read_text(encoding="utf-8", errors="replace"))
        document = _from_plain_lines(rel, text.splitlines(), path.stem)
        return replace(document, topic=_topic(meta.get("topic")))
    if suffix == ".pdf":
        return replace(_from_plain_lines(rel, _pdf_lines(path), path.stem), topic=_pdf_topic(path))
    raise UnsupportedDocument(f"{rel}: unsupported file type {suffix}")


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """``---`` / ``key: value`` lines / ``---`` at the top of a Markdown or text file."""
    match = _FRONT_MATTER.match(text.lstrip("\ufeff"))
    if match is None:
        return {}, text
    meta = {}
    for line in match.group(1).splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip():
            meta[key.strip().lower()] = value.strip().strip("'\"")
    return meta, text[match.end() :]


def _topic(value: object) -> str | None:
    text = str(value or "").strip().lower()
    return text if re.fullmatch(r"[a-z][a-z0-9_]{0,31}", text) else None


def _docx_topic(path: Path) -> str | None:
    """Word keeps the topic in File › Properties › Category."""
    import docx

    return _topic(docx.Document(str(path)).core_properties.category)


def _pdf_topic(path: Path) -> str | None:
    """PDF keeps it in the document information's Subject."""
    from pypdf import PdfReader

    metadata = PdfReader(str(path)).metadata
    return _topic(metadata.subject if metadata else None)


def _from_markdown(rel: str, text: str, fallback_title: str) -> Document:
    title = ""
    notes: list[str] = []
    heading = ""
    paragraphs: list[str] = []
    sections: list[Section] = []
    buffer: list[str] = []

    def end_paragraph() -> None:
        if buffer:
            paragraphs.append(normalise("".join(buffer)))
            buffer.clear()

    questions: list[str] = []

    def end_section() -> None:
        end_paragraph()
        if paragraphs:
            sections.append(Section(heading or title or fallback_title, list(paragraphs), tuple(questions)))
            paragraphs.clear()
        questions.clear()

    for raw in text.splitlines():
        line = raw.strip()
        match = _MD_HEADING.match(line)
        if match:
            end_section()
            level, words = len(match.group(1)), normalise(match.group(2))
            if level == 1 and not title:
                title = words
            heading = words
        elif _ALSO_ASKED.match(line):
            asked = _ALSO_ASKED.sub("", line)
            questions.extend(q for q in (normalise(part) for part in re.split(r"[；;]", asked)) if q)
        elif line.startswith(">"):
            notes.append(normalise(line.lstrip("> ")))
        elif not line:
            end_paragraph()
        elif re.match(r"^([-*+]|\d+[.、)])\s+", line):
            end_paragraph()
            buffer.append(re.sub(r"^([-*+])\s+", "", line))
        else:
            buffer.append(line)
    end_section()
    return Document(rel, title or fallback_title, _dedupe(sections), notes)


def _from_plain_lines(rel: str, raw_lines: Iterable[str], fallback_title: str) -> Document:
    lines = join_broken_lines([normalise(line) for line in raw_lines if line.strip()])
    title = ""
    heading = ""
    notes: list[str] = []
    sections: list[Section] = []
    paragraphs: list[str] = []
    previous_was_heading = False
    for line in lines:
        if _BYLINE.match(line) or _ASIDE.match(line):
            notes.append(line)
            continue
        if looks_like_heading(line):
            if paragraphs:
                sections.append(Section(heading or fallback_title, paragraphs))
                paragraphs = []
            # Of several headings in a row (kicker, headline, byline) keep the most descriptive.
            heading = max(heading, line, key=len) if previous_was_heading else line
            title = title or line
            previous_was_heading = True
            continue
        previous_was_heading = False
        paragraphs.append(line)
    if paragraphs:
        sections.append(Section(heading or fallback_title, paragraphs))
    return Document(rel, title or fallback_title, _dedupe(sections), notes)


def _dedupe(sections: list[Section]) -> list[Section]:
    """Printed twice is indexed once: later copies of a paragraph are dropped."""
    seen: set[str] = set()
    out: list[Section] = []
    for section in sections:
        kept = []
        for paragraph in section.paragraphs:
            key = fingerprint(paragraph)
            if len(paragraph) >= MIN_DEDUP_CHARS and key in seen:
                continue
            seen.add(key)
            kept.append(paragraph)
        if kept:
            out.append(Section(section.heading, kept, section.questions))
    return out


def _docx_as_markdown(path: Path) -> str:
    import docx

    lines: list[str] = []
    for paragraph in docx.Document(str(path)).paragraphs:
        text = paragraph.text.strip()
        if not text:
            continue
        style = (paragraph.style.name or "").lower() if paragraph.style is not None else ""
        level = 1 if style == "title" else int(m.group(1)) if (m := re.match(r"heading (\d)", style)) else 0
        lines.append(f"{'#' * level} {text}" if level else text)
        lines.append("")
    return "\n".join(lines)


def _pdf_lines(path: Path) -> list[str]:
    from pypdf import PdfReader

    lines: list[str] = []
    for page in PdfReader(str(path)).pages:
        lines.extend((page.extract_text() or "").splitlines())
    return lines


def iter_documents(root: Path) -> Iterable[Path]:
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix.lower() in SUPPORTED_SUFFIXES and not path.name.startswith((".", "~$")):
            yield path
