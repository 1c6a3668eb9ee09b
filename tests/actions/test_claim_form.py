"""The claim form turn by turn, as the action server sees it: the re-ask for
each kind of wrong answer, what reaches Rasa's tracker (masked values only)
and what reaches the claims store (the real values)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.claim_correction import ActionCorrectClaimField
from actions.claim_form import ValidateInjuryClaimForm
from actions.claim_status import ActionClaimStatus
from actions.claim_submit import ActionSubmitClaim
from actions.form_control import ActionCancelForm
from actions.policy_answer import ActionAnswerPolicy
from claims.db import upgrade_to_head
from claims.staff_views import list_claims, show_claim
from claims.status import set_status
from claims.validation.resident_id import check_character

DOMAIN = yaml.safe_load((Path(__file__).resolve().parents[2] / "nlu" / "domain.yml").read_text(encoding="utf-8"))
FORM = {"name": "injury_claim_form"}
ID_NUMBER = "11010519491231002" + check_character("11010519491231002")


@pytest.fixture(autouse=True)
def claim_store(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'claims.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("ASSISTANT_STATE_DIR", str(tmp_path / "state"))
    upgrade_to_head(url)
    return url


class Conversation:
    """Slots carried from turn to turn the way Rasa would carry them."""

    def __init__(self, sender: str = "tg-100"):
        self.sender = sender
        self.slots: dict = {"requested_slot": "claim_consent"}
        self.responses: list[str] = []
        self.events: list = []

    def tracker(self, text: str, intent: str, entities: list | None = None) -> Tracker:
        latest = {"text": text, "intent": {"name": intent, "confidence": 0.99}, "entities": entities or []}
        events = [{"event": "user", "text": text, "parse_data": latest}]
        return Tracker(self.sender, dict(self.slots), latest, events, False, None, FORM, "action_listen")

    async def say(self, text: str, intent: str = "inform", entities: list | None = None) -> list[str]:
        dispatcher = CollectingDispatcher()
        self.events = await ValidateInjuryClaimForm().run(dispatcher, self.tracker(text, intent, entities), DOMAIN)
        for event in self.events:
            if event["event"] == "slot":
                self.slots[event["name"]] = event["value"]
        if self.events and not any(e.get("name") == "requested_slot" for e in self.events):
            # What Rasa's form does next when the validation action leaves it the choice.
            required = DOMAIN["forms"]["injury_claim_form"]["required_slots"]
            self.slots["requested_slot"] = next((s for s in required if self.slots.get(s) is None), None)
        self.responses = [m["response"] for m in dispatcher.messages]
        return self.responses

    async def jump_to(self, slot: str) -> None:
        """Consent given (a real draft), earlier answers stubbed: the form is now asking ``slot``."""
        await self.say("同意", "affirm")
        required = DOMAIN["forms"]["injury_claim_form"]["required_slots"]
        for earlier in required[: required.index(slot)]:
            if self.slots.get(earlier) is None:
                self.slots[earlier] = True
        self.slots[slot] = None
        self.slots["requested_slot"] = slot

    async def run(self, action, text: str = "", intent: str = "inform", entities: list | None = None):
        dispatcher = CollectingDispatcher()
        events = await action.run(dispatcher, self.tracker(text, intent, entities), DOMAIN)
        for event in events:
            if event["event"] == "slot":
                self.slots[event["name"]] = event["value"]
        return events, dispatcher.messages


async def filled_to_summary(conversation: Conversation) -> None:
    answers = [
        ("同意", "affirm"),
        ("同意", "affirm"),
        ("我叫王小明", "inform"),
        ("138 1234 5678", "inform"),
        (ID_NUMBER, "inform"),
        ("美团", "inform"),
        ("外卖配送", "inform"),
        ("昨天下午三点", "inform"),
        ("杭州西湖区文三路", "inform"),
        ("是的", "affirm"),
        ("MT2026112600123", "inform"),
        ("送餐途中在路口被电动车撞倒了", "report_injury"),
        ("左腿骨折", "inform"),
        ("跳过", "skip"),
        ("跳过", "skip"),
    ]
    for text, intent in answers:
        await conversation.say(text, intent)
    assert conversation.slots["requested_slot"] == "claim_confirmed"


async def test_a_full_claim_keeps_personal_data_out_of_the_tracker() -> None:
    conversation = Conversation()
    await filled_to_summary(conversation)
    assert conversation.slots["claimant_name"] == "王*明"
    assert conversation.slots["claimant_phone"] == "138****5678"
    assert conversation.slots["claimant_id"].endswith("002X") and ID_NUMBER not in str(conversation.slots)
    assert "13812345678" not in str(conversation.slots) and "王小明" not in str(conversation.slots)
    assert conversation.slots["order_number"] == "****0123"
    await conversation.say("确认提交", "affirm")
    assert conversation.slots["requested_slot"] is None
    _events, messages = await conversation.run(ActionSubmitClaim())
    [message] = messages
    assert message["response"] == "utter_claim_submitted"
    [record] = list_claims()
    assert message["reference"] == record.reference == conversation.slots["last_claim_ref"]
    assert (record.full_name, record.phone, record.id_last4, record.platform) == (
        "王小明",
        "13812345678",
        "002X",
        "美团",
    )
    assert record.injury_time.strftime("%H:%M") == "15:00" and record.treatment == ""
    assert conversation.slots["claimant_phone"] is None  # the form's slots are cleared for the next claim


@pytest.mark.parametrize(
    ("slot", "typed", "response"),
    [
        ("claimant_name", "123456", "utter_invalid_name"),
        ("claimant_phone", "1381234567", "utter_invalid_phone"),
        ("claimant_id", "1101051949123100", "utter_invalid_id_length"),
        ("claimant_id", ID_NUMBER[:-1] + ("1" if ID_NUMBER[-1] != "1" else "2"), "utter_invalid_id_checksum"),
        ("claimant_id", "110105194913310021", "utter_invalid_id_birth_date"),
        ("injury_time", "不记得了", "utter_invalid_injury_time"),
        ("injury_time", "明天下午", "utter_injury_time_future"),
        ("injury_location", "杭", "utter_invalid_location"),
        ("order_number", "没", "utter_invalid_order_number"),
        ("accident_account", "摔了", "utter_account_too_short"),
        ("accident_account", "长" * 1001, "utter_account_too_long"),
        ("claim_work_type", "跳过", "utter_invalid_work_type"),
    ],
)
async def test_each_wrong_answer_gets_its_own_re_ask(slot: str, typed: str, response: str) -> None:
    conversation = Conversation()
    await conversation.jump_to(slot)
    intent = "skip" if typed == "跳过" else "inform"
    assert await conversation.say(typed, intent) == [response]
    assert conversation.slots[slot] is None
    assert conversation.slots["requested_slot"] == slot


async def test_skipping_a_required_question_says_it_is_required() -> None:
    conversation = Conversation()
    await conversation.jump_to("injury_details")
    assert await conversation.say("跳过", "skip") == ["utter_field_required"]


async def test_an_injury_over_a_year_ago_asks_for_confirmation() -> None:
    conversation = Conversation()
    await conversation.jump_to("injury_time")
    await conversation.say("2024年3月1日", "inform")
    assert conversation.slots["injury_time"] == "2024-03-01"
    assert conversation.slots["requested_slot"] == "injury_time_late_ok"
    assert await conversation.say("时间填错了", "deny") == ["utter_reask_injury_time"]
    assert conversation.slots["requested_slot"] == "injury_time"


async def test_no_consent_ends_the_form_and_stores_nothing() -> None:
    conversation = Conversation()
    await conversation.say("不同意", "deny")
    assert conversation.slots["claim_consent"] is False and conversation.slots["requested_slot"] is None
    _, messages = await conversation.run(ActionSubmitClaim())
    assert [m["response"] for m in messages] == ["utter_claim_no_consent"]
    assert list_claims() == []


async def test_no_sensitive_consent_discards_the_draft() -> None:
    conversation = Conversation()
    await conversation.say("同意", "affirm")
    await conversation.say("不同意", "deny")
    assert conversation.slots["requested_slot"] is None
    _, messages = await conversation.run(ActionSubmitClaim())
    assert [m["response"] for m in messages] == ["utter_claim_no_consent"]


async def test_a_question_in_the_middle_is_not_taken_as_an_answer() -> None:
    conversation = Conversation()
    await conversation.say("同意", "affirm")
    await conversation.say("同意", "affirm")
    events_before = dict(conversation.slots)
    await conversation.say("职业伤害保障和工伤保险有什么区别？", "ask_policy")
    assert conversation.events == []  # the form rejects; Rasa's rules answer the question
    assert conversation.slots == events_before


async def test_correcting_the_phone_on_the_summary_asks_only_for_the_phone() -> None:
    conversation = Conversation()
    await filled_to_summary(conversation)
    assert await conversation.say("需要修改", "deny") == ["utter_ask_which_field"]
    events, messages = await conversation.run(
        ActionCorrectClaimField(), "/correct_field", "correct_field", [{"entity": "field", "value": "phone"}]
    )
    assert SlotSet("claimant_phone", None) in events and messages[0]["response"] == "utter_will_correct"
    conversation.slots["requested_slot"] = "claimant_phone"  # the first empty slot, as Rasa asks next
    await conversation.say("13987654321", "inform")
    assert conversation.slots["claimant_phone"] == "139****4321"
    assert conversation.slots["requested_slot"] == "claim_confirmed"  # straight back to the summary


async def test_correction_by_typing_the_field_name() -> None:
    conversation = Conversation()
    await filled_to_summary(conversation)
    events, _ = await conversation.run(ActionCorrectClaimField(), "受伤时间说错了", "correct_field")
    assert SlotSet("injury_time", None) in events and SlotSet("injury_time_late_ok", None) in events


async def test_cancel_drops_the_draft() -> None:
    conversation = Conversation()
    await filled_to_summary(conversation)
    events, messages = await conversation.run(ActionCancelForm(), "不办了", "cancel")
    assert ActiveLoop(None) in events and messages[0]["response"] == "utter_cancelled"
    assert conversation.slots["claim_draft_id"] is None
    await conversation.say("确认提交", "affirm")
    _, messages = await conversation.run(ActionSubmitClaim())
    assert list_claims() == []


async def test_status_lookup_shows_only_the_users_own_claims() -> None:
    mine = Conversation("tg-1")
    await filled_to_summary(mine)
    await mine.say("确认", "affirm")
    await mine.run(ActionSubmitClaim())
    reference = mine.slots["last_claim_ref"]
    set_status(reference, "need_more_info", "请补充诊断证明")
    _, messages = await mine.run(ActionClaimStatus(), "查进度", "check_claim_status")
    [status] = messages
    assert status["reference"] == reference and status["status"] == "需要补充材料"
    assert "请补充诊断证明" in status["history"]
    stranger = Conversation("tg-2")
    entities = [{"entity": "claim_ref", "value": reference}]
    _, messages = await stranger.run(ActionClaimStatus(), f"查询{reference}", "check_claim_status", entities)
    assert [m["response"] for m in messages] == ["utter_claim_not_found"]
    _, messages = await stranger.run(ActionClaimStatus(), "查进度", "check_claim_status")
    assert [m["response"] for m in messages] == ["utter_no_claims"]
    assert show_claim(reference).record.full_name == "王小明"


async def test_asking_after_ones_own_application_in_words_read_as_a_question_gets_its_status(make_tracker) -> None:
    mine = Conversation("tg-4")
    await filled_to_summary(mine)
    await mine.say("确认", "affirm")
    await mine.run(ActionSubmitClaim())
    asked = CollectingDispatcher()
    await ActionAnswerPolicy().run(asked, make_tracker("俺那个职伤申请咋还没动静啊", sender_id="tg-4"), DOMAIN)
    assert [m["response"] for m in asked.messages] == ["utter_claim_status"]
    assert asked.messages[0]["reference"] == mine.slots["last_claim_ref"]
    stranger = CollectingDispatcher()
    by_spouse = make_tracker("我老婆替我报的职业伤害 现在到哪步了", sender_id="tg-5")
    await ActionAnswerPolicy().run(stranger, by_spouse, DOMAIN)
    assert [m["response"] for m in stranger.messages] == ["utter_no_claims"]


async def test_a_rules_question_read_as_a_status_check_is_answered_as_a_question(tiny_knowledge) -> None:
    # Someone with no claim asking about the rules is not told "你还没有提交过申请".
    asker = Conversation("tg-3")
    _, messages = await asker.run(ActionClaimStatus(), "在外地受的伤回老家评残 结果会不会不一样", "check_claim_status")
    assert messages and messages[0]["response"] != "utter_no_claims"
    assert messages[0]["response"].startswith("utter_policy")


async def test_a_store_outage_is_told_and_nothing_is_taken_as_saved(monkeypatch) -> None:
    conversation = Conversation()
    await conversation.say("同意", "affirm")
    await conversation.say("同意", "affirm")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/closed")
    from assistant.settings import get_settings

    get_settings.cache_clear()
    assert await conversation.say("王小明", "inform") == ["utter_claim_save_failed"]
    assert conversation.slots["claimant_name"] is None
    assert conversation.slots["requested_slot"] == "claimant_name"


async def test_an_id_number_is_an_answer_even_when_it_looks_like_a_claim_reference() -> None:
    conversation = Conversation()
    await conversation.jump_to("claimant_id")
    await conversation.say(ID_NUMBER, "check_claim_status")
    assert conversation.slots["claimant_id"].endswith("002X")
    assert conversation.slots["requested_slot"] == "claim_platform"


async def test_a_command_in_the_middle_is_left_to_the_rules() -> None:
    conversation = Conversation()
    await conversation.jump_to("claimant_phone")
    await conversation.say("查一下进度", "check_claim_status")
    assert conversation.events == []


async def test_control_characters_are_dropped_from_answers() -> None:
    from claims.db import session_scope
    from claims.models import Claim

    conversation = Conversation()
    await conversation.jump_to("accident_account")
    await conversation.say("\x00送餐\u202e途中\x07被车撞了\ufeff", "inform")
    assert conversation.slots["accident_account"] == "已填写（8字）"
    with session_scope() as session:
        assert session.get(Claim, int(conversation.slots["claim_draft_id"])).accident == "送餐途中被车撞了"


async def test_a_submit_during_a_store_outage_keeps_the_answers_for_a_retry(monkeypatch, claim_store) -> None:
    from assistant.settings import get_settings

    conversation = Conversation()
    await filled_to_summary(conversation)
    await conversation.say("确认提交", "affirm")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/closed")
    get_settings.cache_clear()
    events, messages = await conversation.run(ActionSubmitClaim())
    assert [m["response"] for m in messages] == ["utter_claim_submit_failed"]
    assert events == [SlotSet("claim_confirmed", None), FollowupAction("injury_claim_form")]
    assert conversation.slots["claimant_phone"] == "138****5678"
    monkeypatch.setenv("DATABASE_URL", claim_store)
    get_settings.cache_clear()
    conversation.slots["requested_slot"] = "claim_confirmed"  # the form, back, shows the summary again
    await conversation.say("确认提交", "affirm")
    _, messages = await conversation.run(ActionSubmitClaim())
    assert messages[0]["response"] == "utter_claim_submitted" and len(list_claims()) == 1


async def test_skip_on_a_corrected_optional_field_clears_what_was_stored(claim_store) -> None:
    from sqlalchemy import create_engine, text

    conversation = Conversation()
    await filled_to_summary(conversation)
    draft = int(conversation.slots["claim_draft_id"])
    engine = create_engine(claim_store)
    with engine.connect() as db:
        assert db.execute(text("select order_number from claims where id = :d"), {"d": draft}).scalar() is not None
    conversation.slots.update(order_number=None, requested_slot="order_number")
    await conversation.say("跳过", "skip")
    assert conversation.slots["order_number"] == "未提供"
    with engine.connect() as db:
        assert db.execute(text("select order_number from claims where id = :d"), {"d": draft}).scalar() is None


async def test_a_cancel_whose_deletion_failed_is_not_reported_as_done(monkeypatch) -> None:
    from sqlalchemy.exc import OperationalError

    import actions.form_control

    conversation = Conversation()
    await filled_to_summary(conversation)

    def locked(_sender: str) -> int:
        raise OperationalError("delete", {}, Exception("database is locked"))

    monkeypatch.setattr(actions.form_control, "discard_drafts", locked)
    events, messages = await conversation.run(ActionCancelForm(), "不办了", "cancel")
    assert [m["response"] for m in messages] == ["utter_cancel_failed"]
    assert ActiveLoop(None) not in events and conversation.slots["claim_draft_id"] is not None
