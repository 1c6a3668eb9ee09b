"""Resident ID numbers are never stored: a keyed hash lets staff match a number a
claimant reads out on the phone, and the last four characters let them talk about it."""

from __future__ import annotations

import hashlib
import hmac

from assistant.settings import get_settings


def id_fingerprint(number: str, key: bytes | None = None) -> str:
    return hmac.new(key or get_settings().claims_secret_key, number.upper().encode(), hashlib.sha256).hexdigest()
