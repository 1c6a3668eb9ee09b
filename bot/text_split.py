"""Fit long replies into Telegram's 4,096-character messages without cutting a sentence."""

from __future__ import annotations

import re

TELEGRAM_LIMIT = 4096
_BREAKS = re.compile(r"(?<=[。！？!?\n])")


def split_message(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for piece in _BREAKS.split(text):
        while len(piece) > limit:
            head, piece = piece[:limit], piece[limit:]
            if current:
                parts.append(current)
                current = ""
            parts.append(head)
        if len(current) + len(piece) > limit:
            parts.append(current)
            current = ""
        current += piece
    if current:
        parts.append(current)
    return [p for p in parts if p.strip()]
