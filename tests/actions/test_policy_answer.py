"""Policy questions get a cited answer, or an honest decline that staff can see."""

from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.policy_answer import ActionAnswerPolicy
from actions.unanswered import list_unanswered


async def test_answer_cites_title_and_section(make_tracker, tiny_knowledge) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionAnswerPolicy().run(dispatcher, make_tracker("骑手要自己交职业伤害保障费吗"), {})
    message, offer = dispatcher.messages
    assert message["response"] == "utter_policy_answer_whole"  # short enough: no 看全文 button
    # After an injury answer the assistant offers to start a claim.
    assert offer["response"] == "utter_offer_claim"
    assert "按单缴费" in message["answer"]
    assert message["title"] == "职业伤害"
    assert message["section"] == "谁来缴费"
    # The flow offers a claim after an injury answer; the slot tells it the topic.
    assert events[0] == SlotSet("policy_topic", "injury")
    assert events[1]["name"] == "last_answer" and events[1]["value"]["section"] == "谁来缴费"


async def test_unrelated_question_is_declined_and_logged_without_personal_data(make_tracker, tiny_knowledge) -> None:
    dispatcher = CollectingDispatcher()
    question = "今天晚饭吃什么好 我电话13812345678"
    events = await ActionAnswerPolicy().run(dispatcher, make_tracker(question), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_policy_no_answer"]
    assert events == [SlotSet("policy_topic", None), SlotSet("last_answer", None)]
    [logged] = list_unanswered()
    assert "13812345678" not in logged.question
    assert logged.question.startswith("今天晚饭吃什么好")


async def test_missing_index_is_explained_not_silent(make_tracker, tmp_path, monkeypatch, encoder) -> None:
    import knowledge.service
    from knowledge.search import KnowledgeBase

    monkeypatch.setattr(knowledge.service, "_kb", KnowledgeBase(tmp_path / "nowhere", encoder))
    dispatcher = CollectingDispatcher()
    assert await ActionAnswerPolicy().run(dispatcher, make_tracker("求职补贴"), {}) == []
    assert [m["response"] for m in dispatcher.messages] == ["utter_policy_unavailable"]


async def test_the_offer_is_made_once_per_conversation(make_tracker, tiny_knowledge) -> None:
    tracker = make_tracker("试点哪年开始的")
    tracker.events.insert(0, {"event": "bot", "text": "...", "metadata": {"utter_action": "utter_offer_claim"}})
    dispatcher = CollectingDispatcher()
    await ActionAnswerPolicy().run(dispatcher, tracker, {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_policy_answer_whole"]
