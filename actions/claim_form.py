"""Validation of the injury claim form: one question at a time, a specific
re-ask for every wrong answer, personal data to the draft and masked values to
the tracker (Rasa's tracker store never sees a full name, phone or ID number)."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.claim_answers import answer_to, entity_value, intent_of, is_question, yes_no
from actions.claim_prefill import CONFIRM_SLOT, unseal
from actions.claim_prefill import FORM_SLOTS as PREFILL_FORM_SLOTS
from actions.claim_prefill import SLOT as PREFILL_SLOT
from actions.claim_prefill import now as local_now
from actions.claim_slots import CLAIM_SLOTS, FORM, NOT_APPLICABLE, NOT_GIVEN, OPTIONAL
from actions.claim_storage import draft_id_of, store_answer
from actions.claim_summary import PROGRESS_SLOT, progress_text, which_field_buttons
from claims.drafts import draft_info, record_sensitive_consent, start_draft
from claims.errors import DraftNotFound
from claims.identity import id_fingerprint
from claims.validation.injury_time import is_late, parse_injury_time
from claims.validation.person_name import mask_name, normalise_name
from claims.validation.phone import mask_phone, normalise_phone
from claims.validation.resident_id import mask_resident_id, parse_resident_id
from claims.validation.work import is_other, normalise_platform, normalise_work_type

log = logging.getLogger(__name__)

MAX_ACCOUNT = 1000
UPLOADED = "__uploaded__"
_ORDER_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-_]{3,39}")
_DONE = re.compile(r"完成|好了|没有了|没了|就这些|发完|没有|不用|跳过")
_ID_PROBLEM_RESPONSES = {
    "length": "utter_invalid_id_length",
    "birth_date": "utter_invalid_id_birth_date",
    "checksum": "utter_invalid_id_checksum",
}


def _extract_text(slot: str, tracker: Tracker, *, allow_questions: bool = False) -> dict[str, Any]:
    answer = answer_to(tracker, slot)
    if answer is None or (is_question(tracker) and not allow_questions):
        return {}
    if intent_of(tracker) == "skip":
        return {slot: NOT_GIVEN}
    return {slot: answer}


def _extract_yes_no(slot: str, tracker: Tracker) -> dict[str, Any]:
    if answer_to(tracker, slot) is None or is_question(tracker):
        return {}
    value = yes_no(tracker)
    return {slot: "unclear" if value is None else value}


class ValidateInjuryClaimForm(FormValidationAction):
    def name(self) -> str:
        return f"validate_{FORM}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        """Validation as usual, then the step counter the next question shows (第n步（共m步）)."""
        events = await super().run(dispatcher, tracker, domain)
        changed = [e for e in events if e.get("event") == "slot" and e.get("name") != "requested_slot"]
        if not changed:
            # Nothing was answered (a question mid-form): no event at all, so Rasa's form rejects
            # the turn and the rules answer the question; the counter has not moved anyway.
            return events
        slots = dict(tracker.slots)
        for event in changed:
            slots[event["name"]] = event.get("value")
        shown = progress_text(slots)
        return events if shown == tracker.get_slot(PROGRESS_SLOT) else [*events, SlotSet(PROGRESS_SLOT, shown)]

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        # A "no" to either consent ends the form at once; the finishing action explains what else to do.
        if tracker.get_slot("claim_consent") is False:
            return ["claim_consent"]
        if tracker.get_slot("claim_sensitive_consent") is False:
            return ["claim_consent", "claim_sensitive_consent"]
        if tracker.get_slot(PREFILL_SLOT):
            # What the story told is confirmed once, right after consent, instead of asked again;
            # confirming or declining clears it, which takes this question out of the form.
            at = domain_slots.index("claim_sensitive_consent") + 1
            return [*domain_slots[:at], CONFIRM_SLOT, *domain_slots[at:]]
        return domain_slots

    # ---- extraction: which turns answer the question that was asked -------------------
    async def extract_claim_consent(self, dispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        return _extract_yes_no("claim_consent", tracker)

    async def extract_claim_sensitive_consent(self, dispatcher, tracker, domain) -> dict[str, Any]:
        return _extract_yes_no("claim_sensitive_consent", tracker)

    async def extract_claim_prefill_ok(self, dispatcher, tracker, domain) -> dict[str, Any]:
        return _extract_yes_no(CONFIRM_SLOT, tracker)

    async def extract_injury_time_late_ok(self, dispatcher, tracker, domain) -> dict[str, Any]:
        return _extract_yes_no("injury_time_late_ok", tracker)

    async def extract_on_order(self, dispatcher, tracker, domain) -> dict[str, Any]:
        if answer_to(tracker, "on_order") is None or is_question(tracker):
            return {}
        value = yes_no(tracker)
        text = answer_to(tracker, "on_order") or ""
        if value is None and re.search(r"送单|接单|取餐|送餐|送货|载客|拉客|配送|跑单", text):
            value = not re.search(r"没|不是|下班|休息", text)
        return {"on_order": "unclear" if value is None else value}

    async def extract_claim_confirmed(self, dispatcher, tracker, domain) -> dict[str, Any]:
        return _extract_yes_no("claim_confirmed", tracker)

    async def extract_claimant_name(self, dispatcher, tracker, domain) -> dict[str, Any]:
        return _extract_text("claimant_name", tracker)

    async def extract_claimant_phone(self, dispatcher, tracker, domain) -> dict[str, Any]:
        return _extract_text("claimant_phone", tracker)

    async def extract_claimant_id(self, dispatcher, tracker, domain) -> dict[str, Any]:
        return _extract_text("claimant_id", tracker)

    async def extract_claim_platform(self, dispatcher, tracker, domain) -> dict[str, Any]:
        found = _extract_text("claim_platform", tracker)
        entity = entity_value(tracker, "platform")
        return {"claim_platform": entity} if found and entity else found

    async def extract_claim_work_type(self, dispatcher, tracker, domain) -> dict[str, Any]:
        found = _extract_text("claim_work_type", tracker)
        entity = entity_value(tracker, "work_type")
        return {"claim_work_type": entity} if found and entity else found

    async def extract_injury_time(self, dispatcher, tracker, domain) -> dict[str, Any]:
        return _extract_text("injury_time", tracker)

    async def extract_injury_location(self, dispatcher, tracker, domain) -> dict[str, Any]:
        return _extract_text("injury_location", tracker)

    async def extract_order_number(self, dispatcher, tracker, domain) -> dict[str, Any]:
        return _extract_text("order_number", tracker)

    async def extract_accident_account(self, dispatcher, tracker, domain) -> dict[str, Any]:
        return _extract_text("accident_account", tracker)

    async def extract_injury_details(self, dispatcher, tracker, domain) -> dict[str, Any]:
        return _extract_text("injury_details", tracker)

    async def extract_treatment(self, dispatcher, tracker, domain) -> dict[str, Any]:
        return _extract_text("treatment", tracker)

    async def extract_evidence(self, dispatcher, tracker, domain) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") == "evidence" and intent_of(tracker) == "upload_evidence":
            return {"evidence": UPLOADED}
        found = _extract_text("evidence", tracker)
        if found.get("evidence") not in (None, NOT_GIVEN) and not (
            _DONE.search(found["evidence"]) or intent_of(tracker) in ("affirm", "deny")
        ):
            return {"evidence": "unclear"}
        return found

    # ---- consents ---------------------------------------------------------------------------
    async def validate_claim_consent(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        if value is False:
            return {"claim_consent": False}
        if value is not True:
            dispatcher.utter_message(response="utter_consent_unclear")
            return {"claim_consent": None}
        try:
            draft_id = await asyncio.to_thread(start_draft, tracker.sender_id)
        except SQLAlchemyError:
            log.exception("could not open a draft claim")
            dispatcher.utter_message(response="utter_claim_save_failed")
            return {"claim_consent": None}
        return {"claim_consent": True, "claim_draft_id": float(draft_id)}

    async def validate_claim_sensitive_consent(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        if value is False:
            return {"claim_sensitive_consent": False}
        if value is not True:
            dispatcher.utter_message(response="utter_consent_unclear")
            return {"claim_sensitive_consent": None}
        try:
            draft_id = draft_id_of(tracker)
            if draft_id is None:
                raise DraftNotFound(None)
            await asyncio.to_thread(record_sensitive_consent, draft_id, tracker.sender_id)
        except DraftNotFound:
            dispatcher.utter_message(response="utter_claim_draft_lost")
            return {"claim_consent": None, "claim_sensitive_consent": None, "claim_draft_id": None}
        except SQLAlchemyError:
            log.exception("could not record sensitive-data consent")
            dispatcher.utter_message(response="utter_claim_save_failed")
            return {"claim_sensitive_consent": None}
        return {"claim_sensitive_consent": True}

    async def validate_claim_prefill_ok(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        if value not in (True, False):
            dispatcher.utter_message(response="utter_yes_no_unclear")
            return {CONFIRM_SLOT: None}
        result: dict[str, Any] = {CONFIRM_SLOT: value, PREFILL_SLOT: None}
        if value is False:
            return result
        silent = CollectingDispatcher()  # a part that does not validate is simply asked later
        for key, told in unseal(tracker.get_slot(PREFILL_SLOT)).items():
            slot = PREFILL_FORM_SLOTS[key]
            validate = getattr(self, f"validate_{slot}")
            stored = await validate(told, silent, tracker, domain)
            if stored.get(slot) is not None:
                result.update(stored)
        return result

    # ---- who ----------------------------------------------------------------------------------
    async def validate_claimant_name(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        name = normalise_name(value) if isinstance(value, str) and value != NOT_GIVEN else None
        if name is None:
            dispatcher.utter_message(response="utter_invalid_name")
            return {"claimant_name": None}
        return await store_answer(dispatcher, tracker, "claimant_name", {"full_name": name}, mask_name(name))

    async def validate_claimant_phone(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        phone = normalise_phone(value) if isinstance(value, str) else None
        if phone is None:
            dispatcher.utter_message(response="utter_invalid_phone")
            return {"claimant_phone": None}
        return await store_answer(dispatcher, tracker, "claimant_phone", {"phone": phone}, mask_phone(phone))

    async def validate_claimant_id(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        check = parse_resident_id(value if isinstance(value, str) else "")
        if check.value is None:
            dispatcher.utter_message(response=_ID_PROBLEM_RESPONSES[check.problem or "length"])
            return {"claimant_id": None}
        columns = {"id_hash": id_fingerprint(check.value), "id_last4": check.value[-4:]}
        return await store_answer(dispatcher, tracker, "claimant_id", columns, mask_resident_id(check.value))

    # ---- work ---------------------------------------------------------------------------------
    async def validate_claim_platform(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        text = value.strip() if isinstance(value, str) else ""
        if is_other(text):
            dispatcher.utter_message(response="utter_type_platform")
            return {"claim_platform": None}
        platform = normalise_platform(text) if text != NOT_GIVEN else None
        if platform is None:
            dispatcher.utter_message(response="utter_invalid_platform")
            return {"claim_platform": None}
        return await store_answer(dispatcher, tracker, "claim_platform", {"platform": platform}, platform)

    async def validate_claim_work_type(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        text = value.strip() if isinstance(value, str) else ""
        if is_other(text):
            dispatcher.utter_message(response="utter_type_work_type")
            return {"claim_work_type": None}
        work_type = normalise_work_type(text) if text != NOT_GIVEN else None
        if work_type is None:
            dispatcher.utter_message(response="utter_invalid_work_type")
            return {"claim_work_type": None}
        return await store_answer(dispatcher, tracker, "claim_work_type", {"work_type": work_type}, work_type)

    # ---- when and where -------------------------------------------------------------------
    async def validate_injury_time(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        now = local_now()
        parsed = parse_injury_time(value if isinstance(value, str) else "", now)
        if parsed.problem == "future":
            dispatcher.utter_message(response="utter_injury_time_future")
            return {"injury_time": None}
        if parsed.when is None:
            dispatcher.utter_message(response="utter_invalid_injury_time")
            return {"injury_time": None}
        late = is_late(parsed.when, now)
        columns = {"injury_time": parsed.when, "injury_time_has_clock": parsed.has_time, "late_confirmed": False}
        extra = {"injury_time_late_ok": None if late else True}
        return await store_answer(dispatcher, tracker, "injury_time", columns, parsed.display(), extra)

    async def validate_injury_time_late_ok(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        if value is True:
            return await store_answer(dispatcher, tracker, "injury_time_late_ok", {"late_confirmed": True}, True)
        if value is False:
            dispatcher.utter_message(response="utter_reask_injury_time")
            return {"injury_time": None, "injury_time_late_ok": None}
        dispatcher.utter_message(response="utter_yes_no_unclear")
        return {"injury_time_late_ok": None}

    async def validate_injury_location(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        text = value.strip() if isinstance(value, str) else ""
        if len(text) < 2 or text == NOT_GIVEN or len(text) > 200:
            dispatcher.utter_message(response="utter_invalid_location")
            return {"injury_location": None}
        return await store_answer(dispatcher, tracker, "injury_location", {"location": text}, "已填写")

    async def validate_on_order(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        if value is True:
            return await store_answer(dispatcher, tracker, "on_order", {"on_order": True}, True, {"order_number": None})
        if value is False:
            columns = {"on_order": False, "order_number": None}
            return await store_answer(dispatcher, tracker, "on_order", columns, False, {"order_number": NOT_APPLICABLE})
        dispatcher.utter_message(response="utter_yes_no_unclear")
        return {"on_order": None}

    async def validate_order_number(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        if value == NOT_GIVEN:
            # 跳过 also clears a number given before (when the field is corrected).
            return await store_answer(dispatcher, tracker, "order_number", {"order_number": None}, NOT_GIVEN)
        if value == NOT_APPLICABLE:
            return {"order_number": value}
        match = _ORDER_NUMBER.search(value.replace(" ", "")) if isinstance(value, str) else None
        if match is None:
            dispatcher.utter_message(response="utter_invalid_order_number")
            return {"order_number": None}
        number = match.group(0)
        return await store_answer(dispatcher, tracker, "order_number", {"order_number": number}, "****" + number[-4:])

    # ---- what happened ------------------------------------------------------------------------
    async def _free_text(self, slot: str, column: str, minimum: int, value, dispatcher, tracker) -> dict[str, Any]:
        if value == NOT_GIVEN and slot in OPTIONAL:
            # 跳过 also clears what was stored before (when the field is corrected).
            return await store_answer(dispatcher, tracker, slot, {column: None}, NOT_GIVEN)
        text = value.strip() if isinstance(value, str) else ""
        if value == NOT_GIVEN:
            dispatcher.utter_message(response="utter_field_required")
            return {slot: None}
        if len(text) < minimum:
            dispatcher.utter_message(response="utter_account_too_short")
            return {slot: None}
        if len(text) > MAX_ACCOUNT:
            dispatcher.utter_message(response="utter_account_too_long")
            return {slot: None}
        return await store_answer(dispatcher, tracker, slot, {column: text}, f"已填写（{len(text)}字）")

    async def validate_accident_account(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        return await self._free_text("accident_account", "accident", 6, value, dispatcher, tracker)

    async def validate_injury_details(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        return await self._free_text("injury_details", "injury", 2, value, dispatcher, tracker)

    async def validate_treatment(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        return await self._free_text("treatment", "treatment", 2, value, dispatcher, tracker)

    async def validate_evidence(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        draft_id = draft_id_of(tracker)
        try:
            count = (await asyncio.to_thread(draft_info, draft_id, tracker.sender_id)).evidence_count if draft_id else 0
        except (DraftNotFound, SQLAlchemyError):
            count = 0
        if value == UPLOADED:
            dispatcher.utter_message(response="utter_evidence_received", count=count)
            return {"evidence": None}
        if value == "unclear":
            dispatcher.utter_message(response="utter_evidence_unclear")
            return {"evidence": None}
        return {"evidence": f"{count}份" if count else NOT_GIVEN}

    # ---- summary --------------------------------------------------------------------------------
    async def validate_claim_confirmed(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        if value is True:
            return {"claim_confirmed": True}
        if value is False:
            dispatcher.utter_message(response="utter_ask_which_field", buttons=which_field_buttons())
            return {"claim_confirmed": None}
        dispatcher.utter_message(response="utter_yes_no_unclear")
        return {"claim_confirmed": None}


__all__ = ["CLAIM_SLOTS", "ValidateInjuryClaimForm"]
