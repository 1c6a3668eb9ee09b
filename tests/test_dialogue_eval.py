"""The dialogue evaluation judges what the user saw, and says which answers came only after a decline."""

from assistant.dialogue_eval import Turn, summarise

CITE = "\n📄 出处：《问答》— 一节"


def test_a_decline_that_shows_the_right_passage_counts_only_in_the_lenient_figure() -> None:
    rows = [
        {"q": "钱谁出", "any": [["平台企业按单缴费"]]},
        {"q": "骑手要交钱吗", "any": [["平台企业按单缴费"]]},
        {"q": "误工费给多少", "any": []},
    ]
    turns = [
        Turn("钱谁出", ["平台企业按单缴费。" + CITE], ["utter_policy_answer"], 0.05),
        Turn("骑手要交钱吗", ["资料里没有找到…：平台企业按单缴费。" + CITE], ["utter_policy_not_covered"], 0.05),
        Turn("误工费给多少", ["资料里没有找到关于“误工费”的规定"], ["utter_policy_not_covered"], 0.05),
    ]
    report = summarise(rows, turns)
    assert report.questions["cited_and_right"] == 1.0
    assert report.questions["answered_and_right"] == 0.5
    assert report.questions["declined"] == 1.0


def test_a_subsidy_question_with_the_situation_told_is_handled_by_the_answer_and_the_offer() -> None:
    from assistant.dialogue_eval import judge_first_message

    row = {"text": "家里低保 今年毕业 我能领求职补贴吗", "intent": "check_subsidy_eligibility", "alt": []}
    answered = Turn(
        row["text"],
        ["可以。…" + CITE, "要我帮你逐项核对吗？"],
        ["utter_policy_answer", "utter_offer_subsidy_check"],
        0.05,
    )
    assert judge_first_message(row, answered)
    assert not judge_first_message(row, Turn(row["text"], ["可以。…" + CITE], ["utter_policy_answer"], 0.05))
