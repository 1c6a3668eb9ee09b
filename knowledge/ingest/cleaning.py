"""Repair text the way it arrives from newspapers, scans and word processors.

Staff drop in real files: paragraphs cut at page edges, half-width punctuation
inside Chinese, the same section printed twice. Retrieval quality depends on
undoing that before chunking.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HALF_TO_FULL = {",": "，", "?": "？", "!": "！", ":": "：", ";": "；", "(": "（", ")": "）"}
_PUNCT_NEAR_CJK = re.compile(rf"(?<=[{_CJK}”’）])([,?!:;()])|([,?!:;()])(?=[{_CJK}“‘（])")
SENTENCE_END = "。！？!?…"
CLOSERS = "”’」』）)》"
HEADING_MAX_CHARS = 40


def normalise(text: str) -> str:
    """NFKC folds full-width Latin and digits; punctuation next to Chinese goes full-width."""
    text = unicodedata.normalize("NFKC", text)
    text = _PUNCT_NEAR_CJK.sub(lambda m: _HALF_TO_FULL[m.group(1) or m.group(2)], text)
    text = re.sub(r"[ \t\u3000]+", " ", text)
    text = re.sub(rf"(?<=[{_CJK}，。！？：；、]) (?=[{_CJK}，。！？：；、\d])", "", text)
    text = re.sub(rf"(?<=\d) (?=[{_CJK}])", "", text)
    return text.strip()


def ends_sentence(line: str) -> bool:
    stripped = line.rstrip(CLOSERS)
    return bool(stripped) and stripped[-1] in SENTENCE_END + "。；;：:"


def looks_like_heading(line: str) -> bool:
    """Short lines that do not end a sentence, or short questions, head a section."""
    if len(line) > HEADING_MAX_CHARS or not line:
        return False
    if line.endswith(("？", "?")):
        return True
    return not ends_sentence(line) and not line.endswith(("，", ",", "、"))


def join_broken_lines(lines: list[str]) -> list[str]:
    """Join a long line that stops mid-sentence with the line after it, and a
    heading fragment with the question that completes it."""
    out: list[str] = []
    for line in lines:
        if out:
            prev = out[-1]
            first_clause = re.split(r"[，。！？；：]", line, maxsplit=1)[0]
            broken_paragraph = (
                not ends_sentence(prev)
                and not prev.endswith(("？", "?"))
                and (
                    len(prev) > HEADING_MAX_CHARS
                    or ("，" in prev and len(first_clause) <= 3 and len(first_clause) < len(line))
                )
            )
            broken_heading = (
                looks_like_heading(prev)
                and not prev.endswith(("？", "?"))
                and line.endswith(("？", "?"))
                and len(prev) + len(line) <= HEADING_MAX_CHARS
            )
            if broken_paragraph or broken_heading:
                out[-1] = prev + _joiner(prev, line) + line
                continue
        out.append(line)
    return out


def _joiner(left: str, right: str) -> str:
    """Chinese runs on without spaces; Latin words broken across lines need one."""
    cjk = re.compile(rf"[{_CJK}，。！？：；、“”（）]")
    return "" if cjk.match(left[-1]) or cjk.match(right[0]) else " "


def fingerprint(text: str) -> str:
    compact = re.sub(r"\W+", "", text)
    return hashlib.sha1(compact.encode("utf-8")).hexdigest()
