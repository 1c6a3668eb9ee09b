"""The claim form's slots, in the order they are asked, and how users name them
when they want to change one (改一下手机号). The fields themselves are the table
in ``claims.fields``; this module only adds the form's own questions around them."""

from __future__ import annotations

from claims.fields import FIELDS, NOT_APPLICABLE, NOT_GIVEN, field_named

FORM = "injury_claim_form"

CLAIM_SLOTS = [
    "claim_consent",
    "claim_sensitive_consent",
    *dict.fromkeys(slot for field in FIELDS for slot in (field.slot, *field.follow)),
    "claim_confirmed",
]
# Slots outside the form that belong to the same claim and go with it.
CLAIM_STATE_SLOTS = ["claim_draft_id", "claim_prefill", "claim_prefill_ok", "claim_progress"]
OPTIONAL = frozenset(field.slot for field in FIELDS if field.optional)

# What users call a field → the slots to ask again (dependants follow their field).
FIELD_SLOTS: dict[str, list[str]] = {field.key: [field.slot, *field.follow] for field in FIELDS}


def field_from_text(text: str) -> str | None:
    """The field a correction is about; entity values (手机号, 事发地点 …) go through here too."""
    field = field_named(text)
    return field.key if field else None


__all__ = ["CLAIM_SLOTS", "CLAIM_STATE_SLOTS", "FIELD_SLOTS", "FORM", "NOT_APPLICABLE", "NOT_GIVEN", "OPTIONAL"]
