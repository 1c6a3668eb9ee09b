"""The one place that recognises phone and resident ID numbers in free text.

Used by the log filter, Rasa's tracker store, the unanswered-questions log and
hand-off records, so each masks exactly what the claim form's validators
accept: mobile numbers with +86/86, spaces, dashes, dots or Chinese digits
(一三八…, 幺, 两), and resident IDs of 18 characters (check character X, x or
×) or the old 15 digits, typed in one piece or in groups.

Standard library only: the Rasa server (Python 3.10) imports it too.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_CHINESE_DIGITS = str.maketrans("零〇一二三四五六七八九幺两×", "0012345678912X")
_DIGIT = "0-9零〇一二三四五六七八九幺两"
_SEPARATOR = r"[ \t\u3000\-—_.·()（）]"
# A run of digits (Arabic or Chinese) with at most two separators between any two; an ID may end in X.
_RUN = re.compile(rf"(?:\+\s?)?[{_DIGIT}](?:{_SEPARATOR}{{0,2}}[{_DIGIT}])*(?:{_SEPARATOR}?[Xx×](?![A-Za-z]))?")
_PIECE_SPLIT = re.compile(rf"{_SEPARATOR}+")
_MOBILE = re.compile(r"(?:\+?86)?(1[3-9]\d{9})")
_ID18 = re.compile(r"\d{17}[\dX]")
_ID15 = re.compile(r"\d{15}")
_BOT_TOKEN = re.compile(r"bot\d{5,}:[A-Za-z0-9_-]{20,}")

PHONE = "phone"
RESIDENT_ID = "id"


def _digits(text: str) -> str:
    return _PIECE_SPLIT.sub("", text.translate(_CHINESE_DIGITS)).lstrip("+").upper()


def classify(text: str) -> tuple[str, str] | None:
    """``(kind, normalised)`` when the whole of ``text`` is a phone or an ID number."""
    digits = _digits(text)
    phone = _MOBILE.fullmatch(digits)
    if phone:
        return PHONE, phone.group(1)
    if _ID18.fullmatch(digits) or _ID15.fullmatch(digits):
        return RESIDENT_ID, digits
    return None


def _replace_numbers(text: str, replacement: Callable[[str, str], str]) -> str:
    def on_run(match: re.Match[str]) -> str:
        run = match.group(0)
        whole = classify(run)
        if whole:
            return replacement(*whole)
        # Several numbers in one run ("13812345678 11010519491231002X"), or one typed in groups.
        pieces = [p for p in _PIECE_SPLIT.split(run) if p]
        out: list[str] = []
        changed = False
        start = 0
        while start < len(pieces):
            for end in range(len(pieces), start, -1):
                found = classify("".join(pieces[start:end]))
                if found:
                    out.append(replacement(*found))
                    changed = True
                    start = end
                    break
            else:
                out.append(pieces[start])
                start += 1
        return " ".join(out) if changed else run

    return _RUN.sub(on_run, text)


def _partial(kind: str, number: str) -> str:
    if kind == PHONE:
        return f"{number[:3]}****{number[-4:]}"
    return f"{number[:2]}{'*' * (len(number) - 6)}{number[-4:]}"


def mask_pii(text: str) -> str:
    """For logs and staff views: ``138****5678``, ``11************002X``; bot tokens hidden."""
    if not text:
        return text
    return _BOT_TOKEN.sub("bot<token>", _replace_numbers(text, _partial))


def redact_numbers(text: str) -> str:
    """For stored conversations: ``[手机号]`` and ``[身份证号]`` with nothing of the number left."""
    if not text:
        return text
    return _replace_numbers(text, lambda kind, _number: "[手机号]" if kind == PHONE else "[身份证号]")


def contains_pii_number(text: str) -> bool:
    return redact_numbers(text) != text
