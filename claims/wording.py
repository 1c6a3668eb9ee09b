"""The domain's response texts for what is said outside a conversation (status
notifications, news shown at the worker's next message): user-facing Chinese
stays in nlu/domain.yml, read here once."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import yaml

from assistant.settings import PROJECT_ROOT

DOMAIN = PROJECT_ROOT / "nlu" / "domain.yml"


@lru_cache(maxsize=1)
def _responses() -> dict[str, Any]:
    return yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))["responses"]


def response_text(name: str, **values: str) -> str:
    return _responses()[name][0]["text"].format(**values)


def status_label(status: str) -> str:
    return response_text(f"utter_claim_status_label_{status}")


def status_change_text(reference: str, status: str, note: str) -> str:
    return response_text(
        "utter_claim_status_changed",
        reference=reference,
        status=status_label(status),
        note=f"说明：{note}。" if note else "",
    )
