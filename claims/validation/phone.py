"""Mainland mobile numbers as people type them: spaces, dashes, +86, Chinese digits."""

from __future__ import annotations

import re

_CHINESE_DIGITS = str.maketrans("零〇一二三四五六七八九幺两", "0012345678912")
_SEPARATORS = re.compile(r"[\s\-—_()（）.·]")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86)?(1[3-9]\d{9})(?!\d)")


def normalise_phone(text: str) -> str | None:
    """The 11-digit number in the reply, or None when there is not exactly one."""
    compact = _SEPARATORS.sub("", text.translate(_CHINESE_DIGITS))
    numbers = set(_MOBILE.findall(compact))
    return numbers.pop() if len(numbers) == 1 else None


def mask_phone(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}"
