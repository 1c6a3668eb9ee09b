"""First messages the classifier was unsure about still reach what the user needs."""

from __future__ import annotations

from datetime import datetime

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.claim_prefill import SLOT, ActionNoteInjuryStory, seal, unseal
from actions.fallback import ActionFallback, suggestions
from actions.feedback import ActionRecordFeedback, list_feedback
from actions.injury_story import looks_like_injury_report, story_facts, tells_injury_off_work, tells_own_injury
from actions.policy_answer import ActionAnswerPolicy, ActionShowFullAnswer
from actions.subsidy_check import subsidy_facts
from actions.unanswered import Unanswered, group_similar

STORY = "我是送外卖的昨天下午四点多在人民路口被电动车撞了膝盖破了流了好多血去社区医院包扎了这种能不能报"
NOW = datetime(2026, 11, 29, 20, 0)


def tracker(text: str, intent: str, ranking: list[tuple[str, float]] | None = None, slots: dict | None = None):
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.3},
        "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking or []],
        "entities": [],
    }
    events = [{"event": "user", "text": text, "parse_data": latest}]
    return Tracker("user-7", slots or {}, latest, events, False, None, {}, "action_listen")


@pytest.mark.parametrize(
    "text",
    [
        STORY,
        "开滴滴的 昨晚十点在机场高速被追尾 脖子疼得不行 去了市一医院拍片 平台说不归他们管咋整",
        "快递派件时候从三轮车上摔下来手腕骨折了",
        "下午在新街口送京东到家爬楼梯被楼道杂物绊倒了左膝盖肿起来了医生说半月板损伤能报吗",
        "今早在崂山送叮咚买菜天没亮路上有个坑连车带人翻了右肩膀脱臼去医院复位了这种情况咋办",
        # A family member working, or a child only in passing: still a work injury.
        "我爸送快递摔了 髋关节骨折 要住院 咋申请",
        "今天跑顺丰同城送蛋糕的时候为了躲一个突然冲出来的小孩急刹摔倒了门牙断了一颗",
        "我儿子跑美团外卖今天被大车撞了 这个保障要怎么申请",
        "送快递的时候爬梯子摔下来了脚踝骨折",
    ],
)
def test_dictated_injury_stories_read_as_reports(text: str) -> None:
    assert looks_like_injury_report(text)
    assert not tells_injury_off_work(text)


@pytest.mark.parametrize(
    "text",
    [
        "我想买个骑手护膝防摔的",
        "今天天气怎么样",
        "外卖怎么还没送到",
        "摔伤了擦什么药膏好得快",
        "跑单摔了电动车前叉歪了 哪里修车便宜",
        "电动车被撞了 对方保险公司怎么赔车损",
    ],
)
def test_domain_words_without_an_injury_are_not_reports(text: str) -> None:
    assert not looks_like_injury_report(text)


def test_what_the_story_already_says() -> None:
    facts = story_facts(STORY, NOW)
    assert facts.work_type == "外卖配送"
    assert story_facts("在盒马鲜生送货摔了", NOW).platform == "盒马"  # the claim form's own platform table
    assert facts.time_text == "昨天下午四点多"
    assert facts.place == "人民路口"
    assert facts.injury and facts.injury.startswith("膝盖")
    assert facts.treatment and facts.treatment.startswith("社区医院")


def test_story_facts_travel_sealed(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("ASSISTANT_STATE_DIR", str(tmp_path))
    token = seal({"injury": "膝盖破了", "place": "人民路口"})
    assert "膝盖" not in token and "人民路" not in token
    assert unseal(token) == {"injury": "膝盖破了", "place": "人民路口"}
    assert unseal(token[:-4] + "AAAA") == {}  # tampered: nothing, never an exception


async def test_a_story_the_classifier_missed_gets_the_claim_offer(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("ASSISTANT_STATE_DIR", str(tmp_path))
    dispatcher = CollectingDispatcher()
    events = await ActionFallback().run(dispatcher, tracker(STORY, "nlu_fallback"), {})
    # Answered first when the documents answer "能不能报"; the offer always comes.
    assert [m["response"] for m in dispatcher.messages][-1] == "utter_offer_claim_for_story"
    assert SlotSet("policy_topic", "injury") in events
    [sealed] = [e for e in events if e["name"] == SLOT]
    assert unseal(sealed["value"])["place"] == "人民路口"


async def test_a_story_asking_what_the_documents_lack_hears_so_first_and_the_story_is_not_logged(
    tiny_knowledge,
) -> None:
    from actions.unanswered import list_unanswered

    story = "送外卖被车撞了腿擦破了 骑手本人要不要缴职业伤害保障的费 误工费给不给"
    dispatcher = CollectingDispatcher()
    await ActionFallback().run(dispatcher, tracker(story, "nlu_fallback"), {})
    replies = [m["response"] for m in dispatcher.messages]
    assert replies == ["utter_policy_not_covered", "utter_offer_claim_for_story"]
    assert "误工" in dispatcher.messages[0]["missing"]
    [logged] = list_unanswered()
    assert "撞" not in logged.question and "误工" in (logged.missing or "")


async def test_a_short_story_asking_both_ways_hears_what_the_documents_lack_before_the_claim(tiny_knowledge) -> None:
    from actions.claim_prefill import ActionNoteInjuryStory

    dispatcher = CollectingDispatcher()
    await ActionNoteInjuryStory().run(dispatcher, tracker("送外卖被车撞了腿 误工费赔不赔", "report_injury"), {})
    [message] = dispatcher.messages
    assert message["response"] == "utter_policy_not_covered" and "误工" in message["missing"]


async def test_an_unsure_question_naming_what_the_documents_lack_hears_so_instead_of_a_shrug(tiny_knowledge) -> None:
    from actions.unanswered import list_unanswered

    dispatcher = CollectingDispatcher()
    await ActionFallback().run(dispatcher, tracker("职业伤害保障的误工费给不给", "nlu_fallback"), {})
    [message] = dispatcher.messages
    assert message["response"] == "utter_policy_not_covered" and "误工" in message["missing"]
    [logged] = list_unanswered()
    assert "误工费" in logged.question  # a question, not a story: kept for the editors


async def test_unsure_messages_are_offered_the_likeliest_intents(tiny_knowledge) -> None:
    ranking = [("check_claim_status", 0.3), ("ask_policy", 0.25), ("human_handoff", 0.2), ("greet", 0.1)]
    assert suggestions(ranking) == ["check_claim_status", "human_handoff"]
    domain = {"responses": {"utter_intent_label_check_claim_status": [{"text": "查询申请进度"}]}}
    dispatcher = CollectingDispatcher()
    await ActionFallback().run(dispatcher, tracker("那个我的那个弄得咋样", "nlu_fallback", ranking), domain)
    [message] = dispatcher.messages
    assert message["response"] == "utter_did_you_mean"
    assert message["buttons"][0] == {"title": "查询申请进度", "payload": "/check_claim_status"}


async def test_a_confident_off_topic_reading_is_not_turned_into_a_quiz(tiny_knowledge) -> None:
    ranking = [("out_of_scope", 0.83), ("withdraw_consent", 0.17)]
    dispatcher = CollectingDispatcher()
    await ActionFallback().run(dispatcher, tracker("帮我写一份辞职信", "out_of_scope", ranking), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_out_of_scope"]
    # Unsure, the same share is worth a button.
    dispatcher = CollectingDispatcher()
    await ActionFallback().run(dispatcher, tracker("那个我之前同意的那个", "nlu_fallback", ranking), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_did_you_mean"]


async def test_a_form_answer_with_no_form_open_is_offered_what_it_could_be_for(tiny_knowledge) -> None:
    dispatcher = CollectingDispatcher()
    await ActionFallback().run(dispatcher, tracker("我叫李秀英", "inform", [("inform", 0.9)]), {})
    [message] = dispatcher.messages
    assert message["response"] == "utter_did_you_mean"
    assert [b["payload"] for b in message["buttons"]] == ["/report_injury", "/check_claim_status", "/help"]


async def test_an_unsure_question_the_documents_answer_is_answered(tiny_knowledge) -> None:
    dispatcher = CollectingDispatcher()
    await ActionFallback().run(dispatcher, tracker("骑手本人要不要缴职业伤害保障的费", "nlu_fallback"), {})
    assert dispatcher.messages[0]["response"].startswith("utter_policy_answer")


def test_personal_context_fills_the_self_check() -> None:
    assert subsidy_facts("我今年毕业，家里是低保户，能领一次性求职补贴吗") == {
        "graduating_this_year": True,
        "subsidy_situation": "dibao",
    }
    assert subsidy_facts("一次性求职补贴是不是应届生人人都有") == {"graduating_this_year": True}
    assert subsidy_facts("求职补贴能领几次") == {}


async def test_answer_first_then_the_self_check_prefilled(make_tracker, tiny_knowledge) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionAnswerPolicy().run(dispatcher, make_tracker("我今年毕业家里低保 补贴标准由谁定"), {})
    assert [m["response"] for m in dispatcher.messages][-1] == "utter_offer_subsidy_check"
    assert SlotSet("subsidy_situation", "dibao") in events
    assert SlotSet("graduating_this_year", True) in events


@pytest.mark.parametrize(
    "text",
    [
        "周末在家切菜把手指头切了 缝了三针",
        "我家狗子被外卖电动车撞了 腿瘸了 找谁赔",
        "外卖小哥骑车把我撞了 腿擦伤了 找美团还是找他",
        "我儿子体育课摔骨折了 学平险咋报",
        "乘客下车时自己在我车边摔了一跤 非说要我赔",
    ],
)
def test_an_injury_that_is_not_the_writers_own_at_work_starts_no_claim(text: str) -> None:
    assert tells_injury_off_work(text)
    assert not looks_like_injury_report(text, [("report_injury", 0.9)])


async def test_an_injury_at_home_classified_as_a_report_hears_what_the_programme_covers(make_tracker) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("在家切菜把手指头切了 缝了三针 疼死了", intent="report_injury")
    events = await ActionNoteInjuryStory().run(dispatcher, tracker, {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_injury_not_at_work"]
    assert FollowupAction("action_listen") in events


def test_a_story_of_ones_own_injury_is_told_apart_from_a_question_about_injuries() -> None:
    assert tells_own_injury(STORY, NOW)
    assert tells_own_injury("我跑美团的 上周五晚上在中山路被出租车撞倒了 右脚骨折 交警说对方全责 职伤咋申请", NOW)
    assert not tells_own_injury("外卖骑手送餐途中被撞了怎么申请职业伤害保障", NOW)
    assert not tells_own_injury("职业伤害保障的钱谁来交", NOW)


async def test_a_story_read_as_a_question_gets_the_claim_offer_and_is_not_logged(
    monkeypatch, make_tracker, tiny_knowledge
) -> None:
    from actions.unanswered import list_unanswered

    story = "我跑美团的 上周五晚上在中山路被出租车撞倒了 右脚骨折 交警说对方全责 职伤咋申请 要准备啥"
    dispatcher = CollectingDispatcher()
    events = await ActionAnswerPolicy().run(dispatcher, make_tracker(story), {})
    assert [m["response"] for m in dispatcher.messages][-1] == "utter_offer_claim_for_story"
    [sealed] = [e for e in events if e["name"] == SLOT]
    assert unseal(sealed["value"])["place"] == "中山路"
    assert all("骨折" not in row.question for row in list_unanswered())


async def test_an_unanswered_amount_says_so_in_the_first_sentence(make_tracker, tiny_knowledge) -> None:
    dispatcher = CollectingDispatcher()
    await ActionAnswerPolicy().run(dispatcher, make_tracker("一次性求职补贴一般能领多少钱"), {})
    [message] = dispatcher.messages
    assert message["response"] == "utter_policy_not_covered"
    assert "金额" in message["missing"]
    assert "省级" in message["answer"]


async def test_the_whole_passage_and_a_rating(make_tracker, tiny_knowledge) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionAnswerPolicy().run(dispatcher, make_tracker("职业伤害保障试点哪年开始 我电话13812345678"), {})
    [last] = [e["value"] for e in events if e["name"] == "last_answer"]
    assert "13812345678" not in last["question"]

    dispatcher = CollectingDispatcher()
    await ActionShowFullAnswer().run(dispatcher, make_tracker("看全文", "show_full_answer", {"last_answer": last}), {})
    assert dispatcher.messages[0]["response"] == "utter_policy_full"
    assert "2021" in dispatcher.messages[0]["answer"]

    rating = make_tracker("/feedback", "feedback", {"last_answer": last})
    rating.latest_message["entities"] = [{"entity": "rating", "value": "down"}]
    dispatcher = CollectingDispatcher()
    await ActionRecordFeedback().run(dispatcher, rating, {})
    assert dispatcher.messages[0]["response"] == "utter_feedback_down"
    [stored] = list_feedback("down")
    assert stored.section == "试点时间" and "13812345678" not in stored.question


def test_unanswered_questions_group_by_similarity() -> None:
    entries = [
        Unanswered("2026-11-01T00:00:00", "失业保险金一个月能领多少", 0.8),
        Unanswered("2026-11-02T00:00:00", "失业保险金每个月领多少钱", 0.8),
        Unanswered("2026-11-03T00:00:00", "明天深圳下雨吗", 0.7),
    ]
    groups = group_similar(entries)
    assert [g.count for g in groups] == [2, 1]
    assert groups[0].example == "失业保险金每个月领多少钱"


async def test_confirming_the_story_stores_it_through_the_forms_validators(monkeypatch, tmp_path) -> None:
    from actions.claim_form import ValidateInjuryClaimForm
    from claims.db import upgrade_to_head
    from claims.drafts import start_draft

    url = f"sqlite:///{tmp_path / 'claims.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("ASSISTANT_STATE_DIR", str(tmp_path))
    upgrade_to_head(url)
    draft = start_draft("user-7")
    sealed = seal({"place": "人民路口", "injury": "膝盖破了流了好多血", "work_type": "外卖配送"})
    slots = {
        SLOT: sealed,
        "claim_prefill_ok": None,
        "requested_slot": "claim_prefill_ok",
        "claim_consent": True,
        "claim_sensitive_consent": True,
        "claim_draft_id": float(draft),
    }
    latest = {"text": "都对", "intent": {"name": "affirm", "confidence": 0.99}, "entities": []}
    events = [{"event": "user", "text": "都对", "parse_data": latest}]
    form_tracker = Tracker("user-7", slots, latest, events, False, None, {"name": "injury_claim_form"}, "action_listen")
    domain = {
        "forms": {
            "injury_claim_form": {"required_slots": ["claim_consent", "claim_sensitive_consent", "claimant_name"]}
        },
        "slots": {name: {"mappings": [{"type": "custom"}]} for name in slots},
    }
    result = await ValidateInjuryClaimForm().run(CollectingDispatcher(), form_tracker, domain)
    values = {e["name"]: e["value"] for e in result if e["event"] == "slot"}
    assert values["claim_prefill_ok"] is True and values[SLOT] is None
    assert values["injury_location"] == "已填写" and values["claim_work_type"] == "外卖配送"


async def test_a_request_to_be_checked_starts_the_self_check_even_when_read_as_a_question(make_tracker) -> None:
    from rasa_sdk.events import FollowupAction

    dispatcher = CollectingDispatcher()
    events = await ActionAnswerPolicy().run(dispatcher, make_tracker("测测我有没有资格拿一次性求职补贴 我大四"), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_subsidy_check_intro"]
    assert FollowupAction("subsidy_check_form") in events and SlotSet("graduating_this_year", True) in events
    dispatcher = CollectingDispatcher()
    await ActionAnswerPolicy().run(dispatcher, make_tracker("我适不适合申请求职补贴啊 帮忙看看"), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_subsidy_check_intro"]


async def test_a_request_to_be_checked_starts_the_self_check_when_the_classifier_was_unsure() -> None:
    from rasa_sdk.events import FollowupAction

    dispatcher = CollectingDispatcher()
    events = await ActionFallback().run(dispatcher, tracker("求职补贴 帮我测一下 我够不够条件", "nlu_fallback"), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_subsidy_check_intro"]
    assert FollowupAction("subsidy_check_form") in events


async def test_a_labour_question_the_classifier_called_off_topic_is_declined_as_a_question(tiny_knowledge) -> None:
    dispatcher = CollectingDispatcher()
    await ActionFallback().run(dispatcher, tracker("女职工产假有多少天", "out_of_scope"), {})
    assert dispatcher.messages[0]["response"] in {"utter_policy_no_answer", "utter_policy_not_covered"}


async def test_a_situation_told_as_a_question_inside_the_self_check_is_taken() -> None:
    from actions.subsidy_check import ValidateSubsidyCheckForm

    slots = {"graduating_this_year": True, "subsidy_situation": None, "requested_slot": "subsidy_situation"}
    form_tracker = tracker("我家是低保户 这样能领吗", "ask_policy", slots=slots)
    form_tracker.active_loop = {"name": "subsidy_check_form"}
    extracted = await ValidateSubsidyCheckForm().extract_subsidy_situation(CollectingDispatcher(), form_tracker, {})
    assert extracted == {"subsidy_situation": "dibao"}


async def test_a_platform_name_or_skip_with_no_form_open_is_not_answered_from_the_documents(tiny_knowledge) -> None:
    for text, intent in (("饿了么众包", "inform"), ("这题不知道 先跳", "skip")):
        dispatcher = CollectingDispatcher()
        await ActionFallback().run(dispatcher, tracker(text, intent, [(intent, 0.99)]), {})
        [message] = dispatcher.messages
        assert message["response"] == "utter_did_you_mean"


async def test_an_off_topic_question_read_as_a_form_answer_gets_the_off_topic_reply(tiny_knowledge) -> None:
    cases = (
        ("顺丰快递怎么查物流", "inform", [("inform", 1.0)]),
        ("账号密码忘了怎么找回", "nlu_fallback", [("nlu_fallback", 0.45), ("skip", 0.32), ("out_of_scope", 0.13)]),
    )
    for text, intent, ranking in cases:
        dispatcher = CollectingDispatcher()
        await ActionFallback().run(dispatcher, tracker(text, intent, ranking), {})
        [message] = dispatcher.messages
        assert message["response"] == "utter_out_of_scope"


async def test_unsure_small_talk_gets_its_reply_when_nothing_else_it_could_mean_is_close(tiny_knowledge) -> None:
    # "88" lies between goodbye and a form answer; with no form open it can only be goodbye.
    cases = (
        (
            "88",
            [("nlu_fallback", 0.45), ("goodbye", 0.467), ("inform", 0.464), ("out_of_scope", 0.035)],
            "utter_goodbye",
        ),
        ("哈喽哈喽", [("nlu_fallback", 0.45), ("greet", 0.41), ("skip", 0.40), ("help", 0.1)], "utter_greet"),
        ("886", [("inform", 0.846), ("goodbye", 0.126), ("thank", 0.006), ("out_of_scope", 0.005)], "utter_goodbye"),
    )
    for text, ranking, response in cases:
        dispatcher = CollectingDispatcher()
        await ActionFallback().run(dispatcher, tracker(text, ranking[0][0], ranking), {})
        assert [m["response"] for m in dispatcher.messages] == [response]


async def test_unsure_small_talk_close_to_a_request_is_not_guessed(tiny_knowledge) -> None:
    ranking = [("nlu_fallback", 0.45), ("bot_challenge", 0.49), ("human_handoff", 0.43)]
    dispatcher = CollectingDispatcher()
    await ActionFallback().run(dispatcher, tracker("我在跟机器说话吧", "nlu_fallback", ranking), {})
    assert [m["response"] for m in dispatcher.messages] != ["utter_iamabot"]


async def test_a_number_with_no_form_open_is_not_taken_for_small_talk(tiny_knowledge) -> None:
    # The classifier reads every number alike: 13812345678 gets the same ranking as 88.
    ranking = [("inform", 0.846), ("goodbye", 0.126), ("thank", 0.006), ("out_of_scope", 0.005)]
    for text in ("13812345678", "35", "2000"):
        dispatcher = CollectingDispatcher()
        await ActionFallback().run(dispatcher, tracker(text, "inform", ranking), {})
        assert "utter_goodbye" not in [m["response"] for m in dispatcher.messages]
