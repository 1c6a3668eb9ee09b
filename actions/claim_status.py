"""A user's own claims: status and history, by reference or all of them.

Status names are shown with the labels in the domain's responses
(``utter_claim_status_label_<status>``), so all user-facing text stays there."""

from __future__ import annotations

import asyncio
import logging
import re
from zoneinfo import ZoneInfo

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.claim_answers import entity_value, text_of
from actions.injury_story import asks_something
from assistant.settings import get_settings
from claims.errors import ClaimNotFound
from claims.status import ClaimStatus, claims_of

log = logging.getLogger(__name__)
_REFERENCE = re.compile(r"GS\d{8}[A-Z0-9]{4}", re.IGNORECASE)
# Words that tie a message to the sender's own application rather than to the rules.
_MY_CLAIM = re.compile(
    r"我的|我报|我交的|我那个|我申请的|俺的|进度|编号|单号|GS\s*\d|受理|批下来|有消息|查一下|查下|查查|"
    r"报的|报了|提交|处理|结果了|结果没|成功|之前|上次|上周|前几天|昨天|前天"
)

# "俺那个职伤申请咋还没动静", "我老婆替我报的 现在到哪步了": one's own application, and where it stands.
_OWN_APPLICATION = re.compile(
    r"(?:我|俺)(?:的|那个|家那个|们的)|(?:替|帮)(?:我|俺)(?:报|交|提交|申请)|"
    r"(?:我|俺|之前|上次|上回|上周|上礼拜|上个月|前几天|昨天|前天)[^，。！？,!?\s]{0,5}?(?:报|交|提交|申请|登记)(?:了|的|过|上去)"
)
_WHERE_IT_STANDS = re.compile(
    r"动静|到哪一?步|哪一步|进度|批没批|批了没|批下来|审了没|审完了?没|审到|审核到|怎么样了|咋样了|啥情况|什么情况|"
    r"有结果没|结果出来|出结果了?没|信儿|有消息|没消息|石沉大海|通过了?没|过了没|还没下来|处理了?没|有人看了?没|受理了?没"
)


def asks_own_claim_status(text: str) -> bool:
    """A question about the sender's own application, not about the rules ("申请后多久有结果")."""
    return bool(_OWN_APPLICATION.search(text) and _WHERE_IT_STANDS.search(text))


def status_label(domain: DomainDict, status: str) -> str:
    variants = (domain.get("responses") or {}).get(f"utter_claim_status_label_{status}") or [{}]
    return variants[0].get("text") or status


def _when(value) -> str:
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(get_settings().timezone)).strftime("%Y-%m-%d %H:%M")


def _describe(claim: ClaimStatus, domain: DomainDict) -> dict[str, str]:
    steps = [
        f"{_when(h.at)} {status_label(domain, h.status)}" + (f"：{h.note}" if h.note else "") for h in claim.history
    ]
    return {
        "reference": claim.reference,
        "status": status_label(domain, claim.status),
        "submitted": _when(claim.submitted_at),
        "history": "\n".join(steps),
    }


class ActionClaimStatus(Action):
    def name(self) -> str:
        return "action_claim_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        reference = entity_value(tracker, "claim_ref")
        match = _REFERENCE.search(reference or text_of(tracker))
        reference = match.group(0).upper() if match else None
        try:
            claims = await asyncio.to_thread(claims_of, tracker.sender_id, reference)
        except ClaimNotFound:
            dispatcher.utter_message(response="utter_claim_not_found", reference=reference)
            return []
        except SQLAlchemyError:
            log.exception("claim status lookup failed")
            dispatcher.utter_message(response="utter_claim_status_unavailable")
            return []
        if not claims:
            text = text_of(tracker)
            about_the_rules = not _MY_CLAIM.search(text) and not asks_own_claim_status(text)
            if not reference and about_the_rules and asks_something(text):
                # "评残会不会结果不一样" read as a status check by someone with no claim: a question about the rules.
                from actions.policy_answer import reply_to_question

                _, events = await reply_to_question(text, dispatcher, tracker)
                return events
            dispatcher.utter_message(response="utter_no_claims")
            return []
        for claim in claims[:5]:
            dispatcher.utter_message(response="utter_claim_status", **_describe(claim, domain))
        return []
