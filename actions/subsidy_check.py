"""Subsidy self-check: graduating this academic year, and one qualifying situation.

Anyone in the graduation academic year who is from a 低保 family, a
zero-employment family, a family under return-to-poverty monitoring, is in
extreme poverty (特困), has a disability or holds a national student loan
qualifies for the one-time job-seeking subsidy; the amount is set by the
province.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

QUALIFYING = frozenset(
    {"dibao", "zero_employment", "poverty_monitoring", "extreme_poverty", "disability", "student_loan"}
)
NONE_APPLY = "none"
NOT_GRADUATING = "not_graduating"

# Typed answers to "are you graduating this academic year?"
_NOT_THIS_YEAR = re.compile(
    r"明年|后年|还没|没到|大一|大二|大三|研一|研二|已经毕业|毕业好几年|去年毕业|前年|早就毕业|不是"
)
_THIS_YEAR = re.compile(r"今年|应届|毕业学年|大四|研三|博士最后|马上毕业|快毕业|这学期|本学年|是的|对")

# Typed qualifying situations, in case the entity extractor missed them.
_SITUATIONS = [
    ("zero_employment", re.compile(r"零就业")),
    ("poverty_monitoring", re.compile(r"返贫|监测")),
    ("extreme_poverty", re.compile(r"特困")),
    ("dibao", re.compile(r"低保")),
    ("disability", re.compile(r"残疾|残障|残疾证")),
    ("student_loan", re.compile(r"助学贷款|助贷|生源地贷款")),
    (NONE_APPLY, re.compile(r"都不是|都没有|都不符合|一个也不|没有这些|以上都不")),
]


# In a question ("我今年毕业，家里低保，能领吗"), only explicit words count: "是不是" is not a "no".
_TOLD_THIS_YEAR = re.compile(r"今年毕业|今年夏天毕业|应届|毕业学年|大四|研三|马上毕业|快毕业|即将毕业|明年夏天毕业")
_TOLD_NOT_THIS_YEAR = re.compile(
    r"明年毕业|后年毕业|大一|大二|大三|研一|研二|已经毕业|去年毕业|前年毕业|毕业好几年|早就毕业"
)


_CHECK_ME = re.compile(
    r"帮我(看看|瞅瞅|测|查|算|核|判断|评估)|帮俺(看看|瞅瞅|测|查)|测一测|测测|测一下|测试一下|资格测试|资格查询|资格(自)?测|"
    r"判断一下我|核一下我|给我过一遍|我够不够格|我符不符合|我够不够条件|我有没有资格|看我能不能|看看我能不能|看看我够不够|"
    r"我适不适合|我合不合适|帮忙(看看|瞅瞅|查查|查一下|看一下|核一下|测)"
)
_SUBSIDY_WORDS = re.compile(r"求职|补贴|补助|补帖|这笔钱|那笔钱")


def wants_subsidy_check(text: str) -> bool:
    """An explicit request to be checked ("帮我测测能不能领求职补贴"), whatever the classifier said."""
    return bool(_CHECK_ME.search(text) and _SUBSIDY_WORDS.search(text))


def start_subsidy_check(text: str, dispatcher: CollectingDispatcher) -> list[EventType]:
    """Begin the self-check the message asked for, with what it already told filled in."""
    dispatcher.utter_message(response="utter_subsidy_check_intro")
    facts = [SlotSet(slot, value) for slot, value in subsidy_facts(text).items()]
    return [*facts, FollowupAction("subsidy_check_form")]


def subsidy_facts(text: str) -> dict[str, Any]:
    """What a message already says that the self-check would ask: answer first, never ask it again."""
    facts: dict[str, Any] = {}
    if _TOLD_NOT_THIS_YEAR.search(text):
        facts.update(graduating_this_year=False, subsidy_situation=NOT_GRADUATING)
        return facts
    if _TOLD_THIS_YEAR.search(text):
        facts["graduating_this_year"] = True
    situation = situation_from_text(text)
    if situation in QUALIFYING:
        facts["subsidy_situation"] = situation
    return facts


def situation_from_text(text: str) -> str | None:
    for value, pattern in _SITUATIONS:
        if pattern.search(text):
            return value
    return None


def graduating_from_text(text: str) -> bool | None:
    if _NOT_THIS_YEAR.search(text):
        return False
    if _THIS_YEAR.search(text):
        return True
    return None


class ValidateSubsidyCheckForm(FormValidationAction):
    def name(self) -> str:
        return "validate_subsidy_check_form"

    async def extract_graduating_this_year(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != "graduating_this_year":
            return {}
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        text = tracker.latest_message.get("text") or ""
        if intent == "ask_policy":
            # "我今年毕业，能领吗" mid-form: answered first, and what it told is taken.
            return {k: v for k, v in subsidy_facts(text).items() if k == "graduating_this_year"}
        if intent not in ("inform", "affirm", "deny"):
            return {}
        value = graduating_from_text(text)
        return {} if value is None else {"graduating_this_year": value}

    async def extract_subsidy_situation(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != "subsidy_situation":
            return {}
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent == "ask_policy":
            return {
                k: v
                for k, v in subsidy_facts(tracker.latest_message.get("text") or "").items()
                if k == "subsidy_situation"
            }
        if intent not in ("inform", "deny", "skip", "check_subsidy_eligibility"):
            return {}
        value = situation_from_text(tracker.latest_message.get("text") or "")
        return {} if value is None else {"subsidy_situation": value}

    def validate_graduating_this_year(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is False:
            # Not in the graduation year: the situation question would not change the answer.
            return {"graduating_this_year": False, "subsidy_situation": NOT_GRADUATING}
        if value is True:
            return {"graduating_this_year": True}
        dispatcher.utter_message(response="utter_graduating_unclear")
        return {"graduating_this_year": None}

    def validate_subsidy_situation(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value in QUALIFYING or value in (NONE_APPLY, NOT_GRADUATING):
            return {"subsidy_situation": value}
        dispatcher.utter_message(response="utter_situation_unclear")
        return {"subsidy_situation": None}


class ActionPrefillSubsidyCheck(Action):
    """ "帮我看看，我今年毕业家里低保": the self-check starts with what the message said."""

    def name(self) -> str:
        return "action_prefill_subsidy_check"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        facts = subsidy_facts(tracker.latest_message.get("text") or "")
        return [SlotSet(slot, value) for slot, value in facts.items()]


class ActionSubsidyResult(Action):
    def name(self) -> str:
        return "action_subsidy_result"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        situation = tracker.get_slot("subsidy_situation")
        if situation == NOT_GRADUATING:
            dispatcher.utter_message(response="utter_subsidy_not_graduating")
        elif situation in QUALIFYING:
            dispatcher.utter_message(response="utter_subsidy_eligible")
            dispatcher.utter_message(response="utter_subsidy_next_steps")
        else:
            dispatcher.utter_message(response="utter_subsidy_not_eligible")
        return [SlotSet("graduating_this_year", None), SlotSet("subsidy_situation", None)]
