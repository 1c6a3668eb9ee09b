"""Fallback, hand-off, cancel and the subsidy self-check, action by action."""

from __future__ import annotations

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import ActionFallback
from actions.form_control import ActionAcceptOffer, ActionCancelForm
from actions.handoff import ActionHumanHandoff
from actions.subsidy_check import (
    ActionSubsidyResult,
    ValidateSubsidyCheckForm,
    graduating_from_text,
    situation_from_text,
)
from claims.db import upgrade_to_head
from claims.handoffs import list_handoffs


def user_event(text: str, intent: str) -> dict:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}, "entities": []}}


def tracker_with(events: list[dict], slots: dict | None = None, active_loop: dict | None = None) -> Tracker:
    last = next(e for e in reversed(events) if e["event"] == "user")
    latest = {"text": last["text"], "intent": last["parse_data"]["intent"], "entities": []}
    return Tracker("user-9", slots or {}, latest, events, False, None, active_loop or {}, "action_listen")


def responses(dispatcher: CollectingDispatcher) -> list[str]:
    return [m["response"] for m in dispatcher.messages]


async def test_first_miss_asks_to_rephrase_second_offers_a_person() -> None:
    first = tracker_with([user_event("你好", "greet"), user_event("asdf", "nlu_fallback")])
    dispatcher = CollectingDispatcher()
    assert await ActionFallback().run(dispatcher, first, {}) == []
    assert responses(dispatcher) == ["utter_default"]

    second = tracker_with([user_event("asdf", "nlu_fallback"), user_event("今天天气", "out_of_scope")])
    dispatcher = CollectingDispatcher()
    await ActionFallback().run(dispatcher, second, {})
    assert responses(dispatcher) == ["utter_out_of_scope", "utter_offer_human"]


@pytest.fixture
def claims_db(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'claims.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    upgrade_to_head(url)
    return url


async def test_handoff_is_recorded_for_staff_and_leaves_a_form(claims_db) -> None:
    events = [user_event("工伤认定要多久 我电话13900001111", "ask_policy"), user_event("转人工", "human_handoff")]
    tracker = tracker_with(events, active_loop={"name": "subsidy_check_form"})
    dispatcher = CollectingDispatcher()
    result = await ActionHumanHandoff().run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_handoff"]
    assert result == [ActiveLoop(None), SlotSet("requested_slot", None)]
    [request] = list_handoffs()
    assert request.sender_id == "user-9" and request.reason == "user_request"
    assert request.last_message.startswith("工伤认定要多久") and "13900001111" not in request.last_message


async def test_handoff_still_gives_the_hotline_when_the_store_is_down(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/closed")
    dispatcher = CollectingDispatcher()
    await ActionHumanHandoff().run(dispatcher, tracker_with([user_event("转人工", "human_handoff")]), {})
    assert responses(dispatcher) == ["utter_handoff_not_recorded"]


async def test_cancel_leaves_the_form_and_forgets_its_answers() -> None:
    tracker = tracker_with(
        [user_event("不填了", "cancel")],
        slots={"graduating_this_year": True},
        active_loop={"name": "subsidy_check_form"},
    )
    dispatcher = CollectingDispatcher()
    events = await ActionCancelForm().run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_cancelled"]
    assert ActiveLoop(None) in events
    assert SlotSet("graduating_this_year", None) in events and SlotSet("subsidy_situation", None) in events


async def test_yes_after_a_subsidy_answer_starts_the_self_check() -> None:
    tracker = tracker_with([user_event("好的", "affirm")], slots={"policy_topic": "subsidy"})
    events = await ActionAcceptOffer().run(CollectingDispatcher(), tracker, {})
    assert events == [FollowupAction("subsidy_check_form")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我今年毕业", True),
        ("应届生，大四", True),
        ("明年才毕业", False),
        ("大二", False),
        ("已经毕业两年了", False),
        ("嗯嗯", None),
    ],
)
def test_typed_graduation_answers(text: str, expected: bool | None) -> None:
    assert graduating_from_text(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我家是低保户", "dibao"),
        ("零就业家庭", "zero_employment"),
        ("我有残疾证", "disability"),
        ("贷了国家助学贷款", "student_loan"),
        ("特困", "extreme_poverty"),
        ("以上都不是", "none"),
        ("随便", None),
    ],
)
def test_typed_situations(text: str, expected: str | None) -> None:
    assert situation_from_text(text) == expected


def test_not_graduating_skips_the_situation_question() -> None:
    form = ValidateSubsidyCheckForm()
    result = form.validate_graduating_this_year(
        False, CollectingDispatcher(), tracker_with([user_event("不是", "deny")]), {}
    )
    assert result == {"graduating_this_year": False, "subsidy_situation": "not_graduating"}


def test_unknown_situation_is_re_asked_with_examples() -> None:
    dispatcher = CollectingDispatcher()
    form = ValidateSubsidyCheckForm()
    assert form.validate_subsidy_situation("rich", dispatcher, tracker_with([user_event("x", "inform")]), {}) == {
        "subsidy_situation": None
    }
    assert responses(dispatcher) == ["utter_situation_unclear"]


@pytest.mark.parametrize(
    ("situation", "expected"),
    [
        ("dibao", ["utter_subsidy_eligible", "utter_subsidy_next_steps"]),
        ("none", ["utter_subsidy_not_eligible"]),
        ("not_graduating", ["utter_subsidy_not_graduating"]),
    ],
)
async def test_subsidy_result(situation: str, expected: list[str]) -> None:
    tracker = tracker_with([user_event("x", "inform")], slots={"subsidy_situation": situation})
    dispatcher = CollectingDispatcher()
    events = await ActionSubsidyResult().run(dispatcher, tracker, {})
    assert responses(dispatcher) == expected
    assert SlotSet("subsidy_situation", None) in events
